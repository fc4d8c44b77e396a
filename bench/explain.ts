/**
 * explain's time on a generated 100,000-file context, beside a fully cached `docker build` of
 * the same context, measured in the same run: the question explain answers before a build
 * costs less than the build that would answer it afterwards.
 *
 *   node dist/bench/explain.js [files] [runs]
 *
 * explain and graph run as the CLI does (a new process each time, so start-up counts). The
 * docker figures need an engine (scripts/engine.sh up); without one they are reported missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { build } from '../src/engine/driver.js';
import { detectEngineOnce } from '../src/engine/engine.js';
import { removeImages } from '../src/engine/cleanup.js';
import { benchParent, generateContext } from './generate-context.js';

const FILES = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 5);
const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
// Source first, the whole tree after it: an edit under pkg1 rebuilds from the second COPY.
const DOCKERFILE = 'FROM bb:latest\nCOPY pkg0/ /deps/\nRUN echo deps\nCOPY . /app\nRUN echo done\n';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeCli(args: string[], cwd: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`layerwise ${args.join(' ')} failed: ${r.stderr}`);
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

function row(name: string, runs: number[] | null, note = ''): string {
  if (!runs) return `${name.padEnd(50)} ${'n/a'.padStart(9)}  ${note}`;
  return `${name.padEnd(50)} ${median(runs).toFixed(3).padStart(8)}s  min ${Math.min(...runs).toFixed(3)}  max ${Math.max(...runs).toFixed(3)}  ${note}`;
}

async function run(): Promise<void> {
  const base = await mkdtemp(path.join(benchParent(), 'layerwise-bench-explain-'));
  const ctx = path.join(base, 'ctx');
  const tags: string[] = [];
  const { engine } = await detectEngineOnce();
  try {
    const t0 = performance.now();
    const g = await generateContext(ctx, FILES, DOCKERFILE);
    console.log(`context: ${FILES} files (${(g.bytes / 1e6).toFixed(1)} MB) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${RUNS} runs each, median shown`);

    const explain = timeCli(['explain', '.', '--changed', 'pkg1/src1/mod1/file0.py', '--format', 'json'], ctx);
    const graph = timeCli(['graph', '.', '--format', 'json'], ctx);

    let cached: number[] | null = null;
    let note = 'no engine: start one with scripts/engine.sh up';
    if (engine) {
      const first = await build({ context: ctx, quiet: true, engine });
      if (!first.ok) throw new Error(`first build failed: ${first.error}`);
      if (first.tag) tags.push(first.tag);
      note = `first build ${first.wallSeconds.toFixed(1)} s; ${engine.description}`;
      cached = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await build({ context: ctx, quiet: true, engine });
        if (!r.ok) throw new Error(`cached build failed: ${r.error}`);
        if (r.tag) tags.push(r.tag);
        // Only Dockerfile steps count; exporting the image is not a step.
        const ran = r.vertices.filter((v) => v.stepIndex !== undefined && v.keyword !== 'FROM' && !v.cached);
        if (ran.length) throw new Error(`the rebuild was not fully cached: ${ran.map((v) => v.name).join('; ')}`);
        cached.push(r.wallSeconds);
      }
    }
    console.log(row('layerwise explain --changed (one file)', explain, 'reads .dockerignore, not the tree'));
    console.log(row('layerwise graph (walks and selects the context)', graph));
    console.log(row('docker build, fully cached', cached, note));
    if (cached) console.log(`explain answers in ${((median(explain) / median(cached)) * 100).toFixed(0)}% of a fully cached build's time`);
  } finally {
    if (engine) await removeImages(engine, tags).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
}

run().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
