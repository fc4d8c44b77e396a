/**
 * per-commit-arg-early on the real engine: a build arg passed with a new value re-runs exactly
 * the RUN steps after its declaration (and the stage built FROM that stage), while the steps
 * before it stay cached; declared just before the LABEL that reads it, nothing re-runs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/analyze/analyze.js';
import { defaultConfig } from '../../src/analyze/config.js';
import { mapRecordToLines } from '../../src/engine/line-map.js';
import type { BuildRecord } from '../../src/engine/driver.js';
import { describeStages, makeContext, requireEngine } from './build-helpers.js';

function ranLines(record: BuildRecord, dockerfile: string): number[] {
  const map = mapRecordToLines(record, describeStages(dockerfile));
  const lines = dockerfile.split('\n');
  // The FROM of an image is loaded on every build; it is no step that runs.
  return map.vertices
    .filter(({ vertex, location }) => vertex.stepIndex !== undefined && location && !vertex.cached && !lines[location.line - 1].startsWith('FROM'))
    .map(({ location }) => location!.line)
    .sort((a, b) => a - b);
}

test('a new value of an ARG with no default re-runs the RUN steps after it, as per-commit-arg-early says; declared at the LABEL it re-runs none', async (t) => {
  const engine = await requireEngine(t);
  if (!engine) return;
  // A value of this run's own, so no earlier run's cache answers the first build.
  const salt = randomBytes(4).toString('hex');
  const early = ['FROM bb:latest AS base', `RUN echo ${salt} > /a`, 'ARG COMMIT_SHA', 'RUN echo tool > /tool', 'FROM base', 'RUN echo app > /app', 'LABEL revision=$COMMIT_SHA', ''].join('\n');
  const late = ['FROM bb:latest AS base', `RUN echo ${salt} > /a`, 'RUN echo tool > /tool', 'FROM base', 'RUN echo app > /app', 'ARG COMMIT_SHA', 'LABEL revision=$COMMIT_SHA', ''].join('\n');
  for (const [name, dockerfile, expected] of [['early', early, [4, 6]], ['late', late, []]] as const) {
    const ctx = makeContext(t, engine, { Dockerfile: dockerfile });
    const first = await ctx.build({ buildArgs: { COMMIT_SHA: `a${salt}` } });
    assert.equal(first.ok, true, first.error);
    const second = await ctx.build({ buildArgs: { COMMIT_SHA: `b${salt}` } });
    assert.equal(second.ok, true, second.error);
    assert.deepEqual(ranLines(second, dockerfile), expected, `${name}: the steps BuildKit re-ran`);
    const r = await analyze({ contextDir: ctx.dir, dockerfilePath: path.join(ctx.dir, 'Dockerfile'), displayName: 'Dockerfile' }, { config: defaultConfig(), only: ['per-commit-arg-early'] });
    const predicted = r.findings.flatMap((f) => (f.related ?? []).map((x) => x.range.start.line)).sort((a, b) => a - b);
    assert.deepEqual(predicted, expected, `${name}: the steps the rule says every commit re-runs`);
  }
});
