/**
 * Walk and hash throughput on a generated 100,000-file context (nested directories, mixed
 * sizes, a .dockerignore). Run after a build: `node dist/bench/context-hash.js [files]`.
 * Prints files/s and MB/s for the walk and for hashing, then removes the temp directory.
 *
 * The context goes to /dev/shm when there is one (else the OS temp dir; BENCH_DIR overrides):
 * freshly written files are read from the page cache either way, and a disk-backed directory
 * only adds writeback noise to generating and removing 100k files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openContext } from '../src/context/index.js';
import { benchParent, generateContext } from './generate-context.js';

const FILES = Number(process.argv[2] ?? 100_000);
function rate(count: number, ms: number): string {
  return (count / (ms / 1000)).toFixed(0);
}

async function main(): Promise<void> {
  const parent = benchParent();
  const base = await mkdtemp(path.join(parent, 'layerwise-bench-'));
  try {
    const root = path.join(base, 'ctx');
    let t0 = performance.now();
    const generated = await generateContext(root, FILES, 'FROM scratch\nCOPY . /app\n');
    console.log(`generated in ${parent}: ${FILES} files in ${generated.dirs} directories (${(generated.bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    t0 = performance.now();
    const ctx = await openContext(root, path.join(root, 'Dockerfile'));
    const walkMs = performance.now() - t0;
    const sent = ctx.entries.filter((e) => e.type === 'file');
    const sentBytes = sent.reduce((n, e) => n + e.size, 0);
    console.log(`walk:  ${ctx.entries.length} entries sent (${sent.length} files, ignored ${FILES + 2 - sent.length}) in ${walkMs.toFixed(0)} ms = ${rate(ctx.entries.length, walkMs)} entries/s`);

    const selection = ctx.select(['.']);
    t0 = performance.now();
    const digest = await ctx.digest(selection.entries);
    const hashMs = performance.now() - t0;
    console.log(
      `hash:  ${sent.length} files, ${(sentBytes / 1e6).toFixed(1)} MB in ${hashMs.toFixed(0)} ms = ${rate(sent.length, hashMs)} files/s, ${(sentBytes / 1e6 / (hashMs / 1000)).toFixed(1)} MB/s (16 open files)`,
    );

    t0 = performance.now();
    await ctx.digest(selection.entries);
    console.log(`again: cached digest of the same selection in ${(performance.now() - t0).toFixed(0)} ms`);
    console.log(`digest ${digest}`);
    const mem = process.memoryUsage();
    console.log(`memory: rss ${(mem.rss / 1e6).toFixed(0)} MB, heap ${(mem.heapUsed / 1e6).toFixed(0)} MB`);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
