/**
 * Parse and parse+graph throughput, in-process: on real Dockerfiles from a folder (every file
 * named like a Dockerfile below it; default: test/fixtures, or `--corpus DIR`), on many small
 * generated files and on one of 5,000 lines. Prints files/s, MB/s and lines/s per set; the
 * editor goal is ≥ 5,000 real files/s for parse+graph. Files that are rejected (a located
 * InputError, as the CLI would print) are counted and left out of the timing.
 *
 *   node dist/bench/parse.js [--corpus DIR] [--seconds N] [--rounds N]
 *
 * `--rounds` repeats each measurement and prints min / median / max of the rounds. On a shared
 * machine wall-clock rates depend on the load, so the rate per second of this process's own
 * CPU time (user + system, GC threads included) is printed beside them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/core/errors.js';
import { decodeBytes } from '../src/dockerfile/load.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { buildGraph } from '../src/graph/graph.js';
import { generateDockerfile } from '../test/unit/dockerfile/generate.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(option('--seconds') ?? 2);
const rounds = Number(option('--rounds') ?? 3);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = path.resolve(option('--corpus') ?? path.join(repo, 'test/fixtures'));

interface Corpus {
  name: string;
  files: string[];
}

/** `Dockerfile`, `Dockerfile.dev`, `Containerfile`, `app.Dockerfile`, `debian.dockerfile`... */
function isDockerfileName(name: string): boolean {
  if (/\.dockerignore$/i.test(name)) return false;
  return /(^|_)(dockerfile|containerfile)([.-].*)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

function findDockerfiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st?.isDirectory()) findDockerfiles(abs, out);
    else if (st?.isFile() && isDockerfileName(name)) out.push(abs);
  }
  return out;
}

/** The real files that parse and graph, and how many were rejected (and why, first few). */
function loadReal(dir: string): { corpus: Corpus; rejected: string[] } {
  const files: string[] = [];
  const rejected: string[] = [];
  for (const file of findDockerfiles(dir)) {
    const text = decodeBytes(readFileSync(file));
    try {
      buildGraph(parseDockerfile(text, file));
      files.push(text);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      rejected.push(err.format());
    }
  }
  return { corpus: { name: `real (${path.basename(dir)})`, files }, rejected };
}

/** Files per second of wall time and per second of this process's CPU time. */
function measure(c: Corpus, work: (text: string) => unknown): { wall: number; cpu: number } {
  for (let i = 0; i < 3; i++) for (const f of c.files) work(f); // JIT warm-up
  let done = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (const f of c.files) work(f);
    done += c.files.length;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: done / (elapsed / 1000), cpu: done / ((cpu.user + cpu.system) / 1e6) };
}

function run(c: Corpus, what: string, work: (text: string) => unknown): void {
  const bytes = c.files.reduce((n, f) => n + Buffer.byteLength(f), 0);
  const lines = c.files.reduce((n, f) => n + f.split('\n').length - 1, 0);
  const results = Array.from({ length: rounds }, () => measure(c, work));
  const wall = results.map((r) => r.wall).sort((a, b) => a - b);
  const cpu = results.map((r) => r.cpu).sort((a, b) => a - b);
  const median = wall[wall.length >> 1];
  const n = (x: number): string => x.toFixed(0);
  console.log(
    `${`${c.name}, ${what}`.padEnd(36)} median ${n(median).padStart(6)} files/s ${((median * bytes) / c.files.length / 1e6).toFixed(2).padStart(6)} MB/s ${n((median * lines) / c.files.length).padStart(8)} lines/s` +
      ` (min ${n(wall[0])}, max ${n(wall[wall.length - 1])});` +
      ` per CPU-second: median ${n(cpu[cpu.length >> 1])}, min ${n(cpu[0])} files/s`,
  );
}

const parse = (text: string): unknown => parseDockerfile(text, 'Dockerfile');
const parseGraph = (text: string): unknown => buildGraph(parseDockerfile(text, 'Dockerfile'));

const { corpus: real, rejected } = loadReal(corpusDir);
const realBytes = real.files.reduce((n, f) => n + Buffer.byteLength(f), 0);
console.log(`parse throughput (node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} CPUs); real corpus ${corpusDir}: ${real.files.length} files, ${(realBytes / 1e6).toFixed(2)} MB, ${rejected.length} rejected`);
for (const r of rejected.slice(0, 5)) console.log(`  rejected: ${r}`);
if (real.files.length) {
  run(real, 'parse+graph', parseGraph);
  run(real, 'parse', parse);
}
const small: Corpus = {
  name: 'small (20-80 lines)',
  files: Array.from({ length: 200 }, (_, i) => generateDockerfile(20 + (i * 7) % 61, i + 1)),
};
const large: Corpus = { name: 'large (5,000 lines)', files: [generateDockerfile(5000, 42)] };
run(small, 'parse+graph', parseGraph);
run(large, 'parse+graph', parseGraph);
