/**
 * `bench` on the real engine, on a tiny context (sleeps of 1 s): the figures are ordered as they
 * must be, the change builds re-run exactly the steps explain names, the predictions are near
 * the measurements, and nothing is left behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchBuildError, bench, type Figure } from '../../src/bench/bench.js';
import { benchJson, benchText } from '../../src/report/bench.js';
import { BENCH_TAG_PREFIX } from '../../src/bench/workspace.js';
import { run } from '../../src/engine/exec.js';
import type { EngineIdentity } from '../../src/engine/engine.js';
import { projectRoot } from '../helpers.js';
import { BASE_IMAGE, makeContext, engineTest, testImagesIn } from './build-helpers.js';

const DOCKERFILE = `FROM ${BASE_IMAGE}
RUN sleep 1 && echo base > /base
COPY app.txt /app/app.txt
RUN sleep 1 && cat /app/app.txt > /out
ARG FLAVOR=plain
RUN echo "$FLAVOR" > /flavor
`;

function ran(f: Figure): number[] {
  return f.steps.filter((s) => s.ran && !s.instruction.startsWith('FROM')).map((s) => s.line);
}

function predictedToRun(f: Figure): number[] {
  return f.steps.filter((s) => s.predicted === 'rebuilt' && !s.instruction.startsWith('FROM')).map((s) => s.line);
}

function near(measured: number, predicted: number | null, what: string) {
  assert.notEqual(predicted, null, `${what}: a prediction`);
  // Generous: plain progress times are within ±0.15 s per step, and the engine is shared.
  const tolerance = Math.max(1.0, 0.3 * measured);
  assert.ok(Math.abs(measured - predicted!) <= tolerance, `${what}: measured ${measured} s, predicted ${predicted} s`);
}

async function benchImages(engine: EngineIdentity): Promise<string[]> {
  return testImagesIn(engine, BENCH_TAG_PREFIX);
}

engineTest('bench measures cold, no-op and changes, predicts them, and cleans up', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: DOCKERFILE, 'app.txt': 'v1\n' });
  const flavor = `spicy-${Date.now().toString(36)}`;
  const result = await bench({ context: ctx.dir, runs: 1, changes: ['touch:app.txt', `arg:FLAVOR=${flavor}`], engine });

  const [r] = result.results;
  assert.equal(result.results.length, 1);
  assert.equal(result.cache, 'no-cache');
  assert.ok(r!.cold.summary.median > r!.noop.summary.median + 1, `cold ${r!.cold.summary.median} s > no-op ${r!.noop.summary.median} s`);
  assert.deepEqual(ran(r!.cold), [2, 3, 4, 6]);
  assert.deepEqual(ran(r!.noop), []);

  const [touch, arg] = r!.changes;
  assert.equal(touch!.spec, 'touch:app.txt');
  assert.deepEqual(ran(touch!), [3, 4, 6]);
  assert.deepEqual(predictedToRun(touch!), [3, 4, 6]);
  assert.deepEqual(ran(arg!), [6]);
  assert.deepEqual(predictedToRun(arg!), [6]);

  near(r!.cold.summary.median, r!.cold.predicted, 'cold');
  near(touch!.summary.median, touch!.predicted, 'touch');
  near(r!.noop.summary.median, r!.noop.predicted, 'no-op');
  assert.ok(r!.image && r!.image.layers >= 4, 'image facts');

  // The user's context is as it was; the bench's copy and images are gone.
  assert.equal(readFileSync(`${ctx.dir}/app.txt`, 'utf8'), 'v1\n');
  assert.ok(result.cleanup.dirs.length > 0);
  for (const d of result.cleanup.dirs) assert.equal(existsSync(d), false, `${d} removed`);
  // cold, no-op, touch, the warm-up back to the unchanged build, arg.
  assert.equal(result.cleanup.tags.length, 5);
  const left = await benchImages(engine);
  for (const tag of result.cleanup.tags) assert.ok(!left.includes(tag), `${tag} removed`);
});

engineTest('bench --compare measures a second Dockerfile on the same context, with a speedup per row', async (t, engine) => {
  // The same work with the COPY last: a change to app.txt no longer re-runs the sleep.
  const fast = `FROM ${BASE_IMAGE}\nRUN sleep 1 && echo base > /base\nARG FLAVOR=plain\nRUN echo "$FLAVOR" > /flavor\nCOPY app.txt /app/app.txt\nRUN cat /app/app.txt > /out\n`;
  const ctx = makeContext(t, engine, { Dockerfile: DOCKERFILE, 'Dockerfile.fast': fast, 'app.txt': 'v1\n' });
  const result = await bench({ context: ctx.dir, file: `${ctx.dir}/Dockerfile`, compare: `${ctx.dir}/Dockerfile.fast`, runs: 1, changes: ['touch:app.txt'], engine });
  assert.equal(result.results.length, 2);
  const [slow, quick] = result.results;
  assert.match(quick!.file, /Dockerfile\.fast$/);
  assert.deepEqual(ran(slow!.changes[0]!), [3, 4, 6]);
  assert.deepEqual(ran(quick!.changes[0]!), [5, 6]);
  const json = benchJson(result) as { speedup: Record<string, number> };
  assert.ok(json.speedup['touch:app.txt']! < 1, `FILE is the slower one here: ${json.speedup['touch:app.txt']}`);
  assert.match(benchText(result), /^\| build \| `.*Dockerfile` \| predicted \| `.*Dockerfile\.fast` \| predicted \| speedup \|$/m);
});

engineTest('a failing build rejects with its step line, and still cleans up', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo before\nRUN echo oops && exit 3\n` });
  const tmpBefore = new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('layerwise-bench-')));
  const before = await benchImages(engine);
  await assert.rejects(bench({ context: ctx.dir, runs: 1, engine }), (e) => {
    assert.ok(e instanceof BenchBuildError);
    assert.equal(e.line, 3);
    assert.equal(e.phase, 'cold');
    assert.ok(e.vertex?.output.some((l) => l.includes('oops')), 'the step output');
    return true;
  });
  const tmpAfter = readdirSync(os.tmpdir()).filter((n) => n.startsWith('layerwise-bench-') && !tmpBefore.has(n));
  assert.deepEqual(tmpAfter, []);
  const after = await benchImages(engine);
  assert.ok(after.every((tag) => before.includes(tag)), 'no new bench image');
});

engineTest('an abort stops the running build and cleans up', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: `FROM ${BASE_IMAGE}\nRUN sleep 1\nRUN sleep 1\n` });
  const tmpBefore = new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('layerwise-bench-')));
  const before = await benchImages(engine);
  const abort = new AbortController();
  const started = Date.now();
  await assert.rejects(
    bench({
      context: ctx.dir,
      runs: 3,
      engine,
      signal: abort.signal,
      // In the middle of the first cold build's first sleep.
      onProgress: () => void setTimeout(() => abort.abort(), 500),
    }),
    { name: 'BenchAbortedError' },
  );
  assert.ok(Date.now() - started < 10_000, 'stopped without finishing the builds');
  const tmpAfter = readdirSync(os.tmpdir()).filter((n) => n.startsWith('layerwise-bench-') && !tmpBefore.has(n));
  assert.deepEqual(tmpAfter, []);
  const after = await benchImages(engine);
  assert.ok(after.every((tag) => before.includes(tag)), 'no new bench image');
});

engineTest('the CLI exits 1 on a failing build and prints the step line and its output', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo before\nRUN echo oops && exit 3\n` });
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'bench', ctx.dir, '--runs', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^layerwise: ${path.join(ctx.dir, 'Dockerfile').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: the cold build failed`));
  assert.match(r.stderr, /\| oops/);
});
