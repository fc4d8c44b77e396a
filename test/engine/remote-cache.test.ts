/**
 * `explain --cache-from` judged by BuildKit: what a CI runner with an empty local cache rebuilds
 * when it imports the previous build's cache from a registry, for caches exported with mode=min
 * and mode=max.
 *
 * A buildkitd of the test's own (private-buildkitd.ts) is the runner: the previous build exports
 * its cache to the local registry (`--cache-to type=registry,ref=...,mode=...`), the daemon's
 * cache is pruned empty, the change is made, and the rebuild imports the cache
 * (`--cache-from`). BuildKit's record of that rebuild (rawjson: a step loaded from the imported
 * cache is `cached`, one that runs is not) must agree with explain's verdict on every step.
 *
 * The Dockerfile has the shapes where min and max differ: a final stage built FROM a stage of
 * its own (its layers are in the image, so min carries them), and two stages copied from
 * (deps, tool: not in the image, so min has no result for their steps).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/engine/driver.js';
import { explain } from '../../src/explain/explain.js';
import { parseCacheSpec } from '../../src/core/cache-spec.js';
import { loadDockerfile } from '../../src/dockerfile/load.js';
import { buildGraph } from '../../src/graph/graph.js';
import { tempDir } from '../helpers.js';
import { BASE_IMAGE, disagreementsWith, engineTest, REGISTRY } from './build-helpers.js';
import { startPrivateBuildkitd } from './private-buildkitd.js';

function dockerfile(nonce: string): string {
  return [
    `FROM ${BASE_IMAGE} AS deps`, //                       1
    `RUN echo deps-${nonce} > /deps`, //                   2
    'COPY deps.txt /deps.txt', //                          3
    'RUN cat /deps.txt >> /deps', //                       4
    `FROM ${BASE_IMAGE} AS tool`, //                       5
    `RUN echo tool-${nonce} > /tool`, //                   6
    `FROM ${BASE_IMAGE} AS base`, //                       7
    `RUN echo base-${nonce} > /base`, //                   8
    'FROM base', //                                        9
    'COPY app.txt /app.txt', //                            10
    'COPY --from=deps /deps /deps', //                     11
    'RUN cat /app.txt /deps > /out', //                    12
    'COPY --from=tool /tool /tool', //                     13
    'COPY late.txt /late.txt', //                          14
    '',
  ].join('\n');
}

/** What each change rebuilds, for min and max: the lines explain must call rebuilt (BuildKit has the last word, this only pins the difference). */
const CHANGES: { name: string; file: string | null; rebuilt: { min: number[]; max: number[] } }[] = [
  // In the middle of the final stage: what comes after runs and needs deps and tool, which a
  // min cache has no result for.
  { name: 'a file the final stage copies early', file: 'app.txt', rebuilt: { min: [2, 3, 4, 6, 10, 11, 12, 13, 14], max: [10, 11, 12, 13, 14] } },
  // The last step: its parent is in the image, so neither mode needs another stage.
  { name: 'a file the last step copies', file: 'late.txt', rebuilt: { min: [14], max: [14] } },
  // A file of a stage copied from: min runs that stage from its start.
  { name: 'a file a copied-from stage reads', file: 'deps.txt', rebuilt: { min: [2, 3, 4], max: [3, 4] } },
  { name: 'no change', file: null, rebuilt: { min: [], max: [] } },
];

engineTest('explain --cache-from agrees with BuildKit on an empty builder importing a registry cache (mode=min and mode=max)', async (t, shared) => {
  const runner = await startPrivateBuildkitd(t, shared);
  const engine = runner.engine;
  const nonce = randomBytes(6).toString('hex');
  for (const mode of ['min', 'max'] as const) {
    for (const change of CHANGES) {
      const ctx = tempDir('layerwise-remote-cache-');
      const write = (name: string, text: string) => writeFileSync(path.join(ctx, name), text);
      write('Dockerfile', dockerfile(nonce));
      for (const f of ['app.txt', 'late.txt', 'deps.txt']) write(f, `${f} v1\n`);
      const ref = `${REGISTRY}/layerwise-test/cache-${nonce}:${mode}-${change.file ?? 'none'}`;

      await runner.prune();
      const first = await build({ context: ctx, engine, quiet: true, cacheTo: [`type=registry,ref=${ref},mode=${mode}`] });
      assert.ok(first.ok, `export build failed: ${first.error}`);

      if (change.file) write(change.file, `${change.file} v2\n`);
      await runner.prune();
      const second = await build({ context: ctx, engine, quiet: true, cacheFrom: [`type=registry,ref=${ref}`] });
      assert.ok(second.ok, `import build failed: ${second.error}`);

      const target = { contextDir: ctx, dockerfilePath: path.join(ctx, 'Dockerfile'), displayName: 'Dockerfile' };
      const cacheFrom = [parseCacheSpec(`type=registry,ref=${ref}${mode === 'max' ? ',mode=max' : ''}`, '--cache-from')];
      const result = await explain(target, { changed: change.file ? [change.file] : [], cacheFrom, buildkitVersion: engine.buildkitVersion });
      const graph = buildGraph(await loadDockerfile(target.dockerfilePath, 'Dockerfile'), { buildkitVersion: engine.buildkitVersion });
      const what = `${change.name}, mode=${mode}`;
      assert.deepEqual(disagreementsWith(result.verdicts, second, graph), [], `explain disagrees with BuildKit (${what})`);
      const rebuilt = result.verdicts.filter((v) => v.step.executes && v.step.keyword !== 'FROM' && v.status === 'rebuilt').map((v) => v.step.line);
      assert.deepEqual(rebuilt, change.rebuilt[mode], `rebuilt lines (${what})`);
      assert.deepEqual(result.cacheFrom, { specs: [cacheFrom[0]!.text], mode });
    }
  }
}, {
  notOn: {
    docker: 'an empty builder needs a dockerd of its own (pruning the shared one would empty the cache of every other build); docker build 20.10 reads inline caches only, which are min',
  },
  test: { timeout: 600_000 },
});
