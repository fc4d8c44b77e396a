/**
 * BuildKit is the judge of the schedule model. Each folder of test/fixtures/schedule is a
 * Dockerfile of `sleep` steps (fixture.json, when present: `{ "target": "<stage>" }`). The test
 * builds it with --no-cache, gives the model each step's measured duration, and requires the
 * engine to have run the steps in the model's order:
 *
 * - a step the model makes wait for another started after that one ended;
 * - two steps of 1 s or more that the model runs side by side (independent, and overlapping by
 *   0.5 s or more in its schedule) overlapped on the engine;
 * - the steps' span on the engine is the model's wall time, and each step starts when the model
 *   says, within 25% of the wall time (at least 0.5 s, at most 1.5 s);
 * - the stages the target does not need have no vertex.
 *
 * BuildKit v0.8 in dockerd has no cap on parallel steps (checked by hand: six stages of
 * `sleep 2` on two cores all ran at once, 2.2 s in all; independent-stages runs four), so the
 * model runs without maxParallelism.
 *
 * `bb:latest` is replaced by a base image made for the test, so that no cache answers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { stageStepsOf } from '../../src/engine/graph-steps.js';
import { mapRecordToLines } from '../../src/engine/line-map.js';
import type { Vertex } from '../../src/engine/progress.js';
import { parseDockerfile } from '../../src/dockerfile/parse.js';
import { buildGraph, stageLabel, type Step } from '../../src/graph/graph.js';
import { schedule, type Schedule } from '../../src/timing/schedule.js';
import { fixturesDir } from '../helpers.js';
import { BASE_IMAGE, makeContext, engineTest } from './build-helpers.js';

/** Plain progress places a start or an end within ±0.15 s (ProgressParser): two of them, 0.3 s. */
const TOLERANCE = 0.3;

const root = path.join(fixturesDir, 'schedule');
const names = existsSync(root) ? readdirSync(root).filter((n) => existsSync(path.join(root, n, 'Dockerfile'))).sort() : [];

test('test/fixtures/schedule holds the five Dockerfiles the model is judged on', () => {
  assert.deepEqual(names, ['copy-from-mid-stage', 'diamond', 'independent-stages', 'long-chain-beside-short', 'target-prunes']);
});

/**
 * Which steps the model makes wait for `a`: those that start later when `a` takes 1000 s more.
 * The model's dependencies are read through its public API, so the test judges what it does.
 */
function waitersOf(a: Step, base: Schedule, run: (duration: (st: Step) => number) => Schedule, d: (st: Step) => number): Set<Step> {
  const bumped = run((st) => (st === a ? d(st) + 1000 : d(st)));
  const out = new Set<Step>();
  for (const [st, t] of bumped.steps) if (st !== a && t.start > base.steps.get(st)!.start + 500) out.add(st);
  return out;
}

const overlap = (a: { start: number; end: number }, b: { start: number; end: number }) => Math.min(a.end, b.end) - Math.max(a.start, b.start);
const f2 = (x: number) => x.toFixed(2);

for (const name of names) {
  engineTest(`the schedule model orders and times the steps as BuildKit does: ${name}`, async (t, engine) => {
    const dir = path.join(root, name);
    const fixture = existsSync(path.join(dir, 'fixture.json'))
      ? (JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8')) as { target?: string })
      : {};

    // A base image of the test's own: cache keys start from its digest.
    const baseCtx = makeContext(t, engine, { Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo ${randomBytes(8).toString('hex')} > /.schedule\n` });
    const base = await baseCtx.build({ base: true });
    assert.ok(base.ok && base.tag, `base image build failed: ${base.error}`);
    const text = readFileSync(path.join(dir, 'Dockerfile'), 'utf8').replaceAll(BASE_IMAGE, base.tag);
    const ctx = makeContext(t, engine, { Dockerfile: text });
    const record = await ctx.build({ noCache: true, target: fixture.target });
    assert.ok(record.ok, `build failed: ${record.error}`);

    const graph = buildGraph(parseDockerfile(text, 'Dockerfile'), { target: fixture.target });
    const map = mapRecordToLines(record, stageStepsOf(graph));

    // (c) The stages the target does not need have no vertex, and every step of the others has one.
    // (Every stage FROM the base image shares one FROM vertex; the mapper lists an unneeded
    // stage's FROM line among its lines, and its label always names a needed stage.)
    const neededLine = new Set(graph.stages.filter((s) => s.needed).flatMap((s) => s.steps.map((st) => st.line)));
    const byLine = new Map<number, Vertex>();
    for (const { vertex, location } of map.vertices) {
      if (!location) continue;
      const stage = graph.stages[location.stageIndex]!;
      assert.ok(stage.needed, `${vertex.name}: a vertex of stage ${stageLabel(stage)}, which the target ${stageLabel(graph.stages[graph.target]!)} does not need`);
      for (const line of location.lines) if (neededLine.has(line)) byLine.set(line, vertex);
    }
    const pruned = graph.stages.filter((s) => !s.needed).flatMap((s) => s.steps.filter((st) => st.executes && st.keyword !== 'FROM').map((st) => st.line));
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    assert.deepEqual(sorted(map.unmatched.map((u) => u.line)), sorted(pruned), 'the steps without a vertex are those of unneeded stages');

    const steps = graph.stages.filter((s) => s.needed).flatMap((s) => s.steps.filter((st) => st.executes));
    const vertexOf = (st: Step) => {
      const v = byLine.get(st.line);
      assert.ok(v && v.started !== undefined && v.completed !== undefined, `line ${st.line}: no timed vertex`);
      return { start: v.started, end: v.completed, vertex: v };
    };
    const duration = (st: Step) => vertexOf(st).end - vertexOf(st).start;
    const run = (d: (st: Step) => number) => schedule({ graph, duration: d });
    const model = run(duration);
    assert.deepEqual(sorted([...model.steps.keys()].map((st) => st.line)), sorted(steps.map((st) => st.line)), 'the model schedules the steps of the needed stages');

    // (a) Orderings, both ways.
    const label = (st: Step) => `line ${st.line} (${vertexOf(st).vertex.name})`;
    let dependent = 0;
    let sideBySide = 0;
    const waiters = new Map(steps.map((a) => [a, waitersOf(a, model, run, duration)]));
    for (const a of steps) {
      for (const b of steps) {
        if (a === b) continue;
        const ea = vertexOf(a);
        const eb = vertexOf(b);
        if (waiters.get(a)!.has(b)) {
          dependent++;
          assert.ok(eb.start >= ea.end - TOLERANCE, `${label(b)} waits for ${label(a)} in the model, but started at ${eb.start} s, before it ended at ${ea.end} s`);
          continue;
        }
        if (a.line > b.line || waiters.get(b)!.has(a)) continue;
        const ma = model.steps.get(a)!;
        const mb = model.steps.get(b)!;
        // `sleep 1` can measure 0.9x s: a start is placed from a duration rounded to 0.1 s.
        if (duration(a) < 0.9 || duration(b) < 0.9 || overlap(ma, mb) < 0.5) continue;
        sideBySide++;
        assert.ok(
          overlap(ea, eb) >= TOLERANCE,
          `${label(a)} and ${label(b)} run side by side in the model (${f2(ma.start)}-${f2(ma.end)}, ${f2(mb.start)}-${f2(mb.end)}), ` +
            `but not on the engine (${ea.start}-${ea.end}, ${eb.start}-${eb.end})`,
        );
      }
    }
    assert.ok(dependent > 0 && sideBySide > 0, `the fixture must have steps in order (${dependent}) and side by side (${sideBySide})`);

    // (b) The span of the steps on the engine against the model's wall time.
    const timed = steps.map(vertexOf);
    const measured = Math.max(...timed.map((x) => x.end)) - Math.min(...timed.map((x) => x.start));
    const allowed = Math.min(1.5, Math.max(0.5, 0.25 * model.wallSeconds));
    t.diagnostic(
      `${name}: engine ${f2(measured)} s, model ${f2(model.wallSeconds)} s; ${dependent} ordered pairs, ${sideBySide} side by side; ` +
        `critical stages ${model.criticalStages.map((i) => stageLabel(graph.stages[i]!)).join(' > ')}`,
    );
    const origin = Math.min(...timed.map((x) => x.start));
    for (const st of steps) {
      const m = model.steps.get(st)!;
      const e = vertexOf(st);
      t.diagnostic(`  line ${st.line}: engine ${f2(e.start - origin)}-${f2(e.end - origin)}, model ${f2(m.start)}-${f2(m.end)}`);
    }
    assert.ok(
      Math.abs(measured - model.wallSeconds) <= allowed,
      `the steps took ${f2(measured)} s on the engine, the model says ${f2(model.wallSeconds)} s (±${f2(allowed)} s)`,
    );
    // Each step, instant ones too (a COPY --from), starts when the model says, as loosely.
    for (const st of steps) {
      const m = model.steps.get(st)!;
      const at = vertexOf(st).start - origin;
      assert.ok(Math.abs(at - m.start) <= allowed, `${label(st)} started at ${f2(at)} s on the engine, at ${f2(m.start)} s in the model (±${f2(allowed)} s)`);
    }
  });
}
