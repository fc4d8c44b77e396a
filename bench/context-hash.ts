/**
 * Walk and hash throughput on a generated 100,000-file context (nested directories, mixed
 * sizes, a .dockerignore). Run after a build: `node dist/bench/context-hash.js [files]`.
 * Prints files/s and MB/s for the walk and for hashing, then removes the temp directory.
 *
 * The context goes to /dev/shm when there is one (else the OS temp dir; BENCH_DIR overrides):
 * freshly written files are read from the page cache either way, and a disk-backed directory
 * only adds writeback noise to generating and removing 100k files.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openContext } from '../src/context/index.js';

const FILES = Number(process.argv[2] ?? 100_000);
const PER_DIR = 40;
const IGNORED_SHARE = 10; // every 10th directory is a node_modules the .dockerignore drops

/** Mostly small files, some medium, a few large: roughly a source tree with assets. */
function sizeOf(i: number): number {
  if (i % 2000 === 0) return 1024 * 1024;
  if (i % 100 === 0) return 64 * 1024;
  return 100 + ((i * 7919) % 3000);
}

async function generate(root: string): Promise<{ bytes: number; dirs: number }> {
  const chunk = Buffer.alloc(1024 * 1024, 'layerwise ');
  let bytes = 0;
  const dirs = Math.ceil(FILES / PER_DIR);
  for (let d = 0; d < dirs; d++) {
    const dir = d % IGNORED_SHARE === 0 ? path.join(root, `pkg${d % 97}`, 'node_modules', `m${d}`) : path.join(root, `pkg${d % 97}`, `src${d % 13}`, `mod${d}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let f = 0; f < PER_DIR && d * PER_DIR + f < FILES; f++) {
      const i = d * PER_DIR + f;
      const size = sizeOf(i);
      bytes += size;
      writes.push(writeFile(path.join(dir, `file${f}.${f % 3 === 0 ? 'py' : 'txt'}`), chunk.subarray(0, size)));
    }
    await Promise.all(writes);
  }
  await writeFile(path.join(root, '.dockerignore'), '**/node_modules\n*.log\n!keep.log\n');
  await writeFile(path.join(root, 'Dockerfile'), 'FROM scratch\nCOPY . /app\n');
  return { bytes, dirs };
}

function rate(count: number, ms: number): string {
  return (count / (ms / 1000)).toFixed(0);
}

async function main(): Promise<void> {
  const parent = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  const base = await mkdtemp(path.join(parent, 'layerwise-bench-'));
  try {
    const root = path.join(base, 'ctx');
    let t0 = performance.now();
    const generated = await generate(root);
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
