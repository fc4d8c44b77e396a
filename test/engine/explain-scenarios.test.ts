/**
 * BuildKit is the judge of `explain`. Each folder of test/fixtures/explain is a scenario: a
 * context, a Dockerfile, and one change. The test builds it on the real engine, applies the
 * change, rebuilds, and requires explain to agree with BuildKit's record on every step
 * (`conditional` agrees either way; it is only ever given to steps that copy from a stage).
 *
 * scenario.json: { files?: {path: text}, modes?: {path: "755"}, target?, buildArgs?,
 *   prevBuildArgs?, change: { write?: {path: text}, delete?: [path], chmod?: {path: mode},
 *   touch?: [path] }, expect?: { firstRebuiltLine?: n|null, rebuilt?: n },
 *   knownDisagreement?: "why",  (a disagreement not fixed yet: reported as TODO, never hidden)
 *   secrets?: {id: text}, (RUN --mount=type=secret; change.secrets gives the second build's)
 *   notOn?: {docker?: "why", buildkit?: "why"} }  (an engine the scenario does not apply to)
 *   (`@NONCE@` in files and written text: a token of the run, for steps whose cache does not hang
 *   on the scenario's base, like COPY --link)
 * `uniqueContext: true` writes a file of random content at the context root first: a stage FROM
 * scratch keys on the context alone, so without it another scenario or an earlier run answers.
 * `expect.rebuilt` is the number of executing steps explain calls rebuilt (not conditional).
 * Dockerfile is the file of the first build; Dockerfile.next, when present, of the second.
 * LAYERWISE_SCENARIOS=name,name runs only those scenarios (while working on them).
 * `bb:latest` in them is replaced by a base image made for the scenario, so that no cache
 * from another scenario or an earlier run can answer for this one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { build } from '../../src/engine/driver.js';
import { removeImages, testTag } from '../../src/engine/cleanup.js';
import { explain } from '../../src/explain/explain.js';
import { decodeBytes, encodeDockerfile, loadDockerfile } from '../../src/dockerfile/load.js';
import { buildGraph } from '../../src/graph/graph.js';
import { fixturesDir, tempDir } from '../helpers.js';
import { asBase, disagreementsWith, engineTest, readScenario, writeFiles, writeScenarioContext, type Scenario } from './build-helpers.js';


const root = path.join(fixturesDir, 'explain');
const only = process.env.LAYERWISE_SCENARIOS?.split(',').filter(Boolean);
const names = existsSync(root) ? readdirSync(root).filter((n) => existsSync(path.join(root, n, 'scenario.json')) && (!only || only.includes(n))).sort() : [];


test('the explain scenario suite has at least 60 scenarios', { skip: only ? 'LAYERWISE_SCENARIOS picks some' : false }, () => {
  assert.ok(names.length >= 60, `only ${names.length} scenarios in ${root}`);
});

for (const name of names) {
  const { knownDisagreement: known, notOn } = JSON.parse(readFileSync(path.join(root, name, 'scenario.json'), 'utf8')) as Scenario;
  engineTest(`explain agrees with BuildKit: ${name}`, async (t, engine) => {
    const dir = path.join(root, name);
    const sc = readScenario(dir);
    const tmp = tempDir(`layerwise-scn-${name}-`);
    const tags: string[] = [];
    try {
      const ctx = path.join(tmp, 'ctx');
      writeScenarioContext(dir, sc, ctx);

      // A base image of the scenario's own: cache keys start from its digest.
      const baseTag = testTag(`base-${name}`);
      const baseCtx = path.join(tmp, 'base');
      mkdirSync(baseCtx);
      writeFileSync(path.join(baseCtx, 'Dockerfile'), `FROM bb:latest\nRUN echo ${randomBytes(8).toString('hex')} > /.scenario\n`);
      const base = await build({ context: baseCtx, tag: baseTag, quiet: true, engine, ...asBase(engine, baseTag) });
      assert.ok(base.ok, `base image build failed: ${base.error}`);
      tags.push(baseTag);
      // Build args that name bb:latest (a base passed with --build-arg) name the scenario's own base too.
      const ownBase = (args?: Record<string, string>) => args && Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v.replaceAll('bb:latest', baseTag)]));
      const buildArgs = ownBase(sc.buildArgs);
      const prevBuildArgs = ownBase(sc.prevBuildArgs);

      // Bytes, not UTF-8 text: a scenario may hold bytes that are not UTF-8, as BuildKit reads them.
      const text = (f: string) => encodeDockerfile(decodeBytes(readFileSync(path.join(dir, f))).replaceAll('bb:latest', baseTag));
      const prevText = text('Dockerfile');
      const nextText = existsSync(path.join(dir, 'Dockerfile.next')) ? text('Dockerfile.next') : prevText;
      const dfDir = path.join(tmp, 'df');
      mkdirSync(dfDir);
      const file = path.join(dfDir, 'Dockerfile');
      if (existsSync(path.join(dir, 'Dockerfile.dockerignore'))) cpSync(path.join(dir, 'Dockerfile.dockerignore'), path.join(dfDir, 'Dockerfile.dockerignore'));
      const prevFile = path.join(tmp, 'Dockerfile.prev');
      writeFileSync(prevFile, prevText);
      writeFileSync(file, prevText);

      // Secrets live outside the context, as on a CI runner.
      const secretFiles = (values: Record<string, string> = {}) => {
        const out: Record<string, string> = {};
        for (const [id, text] of Object.entries(values)) {
          out[id] = path.join(tmp, `secret-${id}-${randomBytes(3).toString('hex')}`);
          writeFileSync(out[id]!, text);
        }
        return out;
      };
      const first = await build({ context: ctx, dockerfile: file, target: sc.target, buildArgs: prevBuildArgs ?? buildArgs, secrets: secretFiles(sc.secrets), quiet: true, engine });
      assert.ok(first.ok, `first build failed: ${first.error}`);
      if (first.tag) tags.push(first.tag);

      const c = sc.change;
      // --changed means content, mode or existence changed: a rewrite with the same bytes is not one.
      const rewritten = Object.keys(c.write ?? {}).filter((p) => {
        const f = path.join(ctx, p);
        return !existsSync(f) || readFileSync(f, 'utf8') !== c.write![p];
      });
      writeFiles(ctx, c.write);
      for (const p of c.delete ?? []) rmSync(path.join(ctx, p), { recursive: true });
      for (const [p, m] of Object.entries(c.chmod ?? {})) chmodSync(path.join(ctx, p), parseInt(m, 8));
      for (const p of c.touch ?? []) utimesSync(path.join(ctx, p), new Date(), new Date(Date.now() + 86_400_000));
      writeFileSync(file, nextText);

      const second = await build({ context: ctx, dockerfile: file, target: sc.target, buildArgs, secrets: secretFiles({ ...sc.secrets, ...c.secrets }), quiet: true, engine });
      assert.ok(second.ok, `second build failed: ${second.error}`);
      if (second.tag) tags.push(second.tag);

      const changed = [...rewritten, ...(c.delete ?? []), ...Object.keys(c.chmod ?? {})];
      const target = { contextDir: ctx, dockerfilePath: file, displayName: 'Dockerfile' };
      const result = await explain(target, {
        target: sc.target, buildArgs, changed, prevFile, buildkitVersion: engine.buildkitVersion,
        prevBuildArgs,
      });

      const graph = buildGraph(await loadDockerfile(file, 'Dockerfile'), { target: sc.target, buildArgs, buildkitVersion: engine.buildkitVersion });
      const disagreements = disagreementsWith(result.verdicts, second, graph);
      assert.deepEqual(disagreements, [], `explain disagrees with BuildKit in ${name}:\n${disagreements.join('\n')}`);
      if (sc.expect?.firstRebuiltLine !== undefined) {
        const firstRebuilt = result.verdicts.find((v) => v.step.executes && v.status === 'rebuilt')?.step.line ?? null;
        assert.equal(firstRebuilt, sc.expect.firstRebuiltLine, 'first rebuilt line');
      }
      if (sc.expect?.rebuilt !== undefined) {
        const rebuilt = result.verdicts.filter((v) => v.step.executes && v.step.keyword !== 'FROM' && v.status === 'rebuilt');
        assert.equal(rebuilt.length, sc.expect.rebuilt, `rebuilt steps: ${rebuilt.map((v) => v.step.line).join(', ')}`);
      }
    } finally {
      await removeImages(engine, tags).catch(() => undefined);
      rmSync(tmp, { recursive: true, force: true });
    }
  }, { test: { todo: known }, ...(notOn ? { notOn } : {}) });
}
