/**
 * Parse throughput of the Dockerfile parser on generated files: many small realistic ones and
 * one of 5,000 lines. Prints files/s, MB/s and lines/s for each set. Run after a build:
 * `node dist/bench/parse.js` (about 10 s; `--seconds N` per set to change it).
 */
import { performance } from 'node:perf_hooks';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { generateDockerfile } from '../test/unit/dockerfile/generate.js';

const arg = process.argv.indexOf('--seconds');
const seconds = arg > 0 ? Number(process.argv[arg + 1]) : 4;

interface Corpus {
  name: string;
  files: string[];
}

const small: Corpus = {
  name: 'small (20-80 lines)',
  files: Array.from({ length: 200 }, (_, i) => generateDockerfile(20 + (i * 7) % 61, i + 1)),
};
const large: Corpus = { name: 'large (5,000 lines)', files: [generateDockerfile(5000, 42)] };

function run(c: Corpus): void {
  const bytes = c.files.reduce((n, f) => n + Buffer.byteLength(f), 0);
  const lines = c.files.reduce((n, f) => n + f.split('\n').length - 1, 0);
  // Warm up the JIT before measuring.
  for (let i = 0; i < 3; i++) for (const f of c.files) parseDockerfile(f);
  let rounds = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (const f of c.files) parseDockerfile(f);
    rounds++;
    elapsed = performance.now() - start;
  }
  const s = elapsed / 1000;
  const files = (rounds * c.files.length) / s;
  const mb = (rounds * bytes) / s / 1e6;
  const ls = (rounds * lines) / s;
  console.log(`${c.name.padEnd(22)} ${files.toFixed(0).padStart(8)} files/s ${mb.toFixed(2).padStart(8)} MB/s ${ls.toFixed(0).padStart(10)} lines/s  (${rounds * c.files.length} files in ${s.toFixed(1)} s)`);
}

console.log(`parse throughput, ${seconds} s per set (node ${process.version})`);
run(small);
run(large);
