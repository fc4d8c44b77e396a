/**
 * Huge inputs with bounded memory: generates (once, reused; in `--dir`, default
 * $TMPDIR/layerwise-huge) a context of `--files` small files in many folders (default
 * 1,000,000), a Dockerfile of `--lines` lines (default 50,000), a context of symlink loops, a
 * 2,000-level deep tree, and two contexts of four files each, one of very large (sparse) files
 * and one of small ones. Runs `analyze`, `explain` and `graph` on each as the CLI does (one
 * process per run) and a hash of the whole context in-process, and prints time, peak RSS and
 * the exit code. Memory should follow the number of files, not their bytes: the big-bytes and
 * small-bytes contexts are printed side by side.
 *
 *   node dist/bench/huge.js [--files N] [--lines N] [--dir DIR] [--only many,long,loops,deep,bytes] [--timeout SECONDS] [--clean]
 *
 * `--clean` deletes the generated folder afterwards (generating a million files takes minutes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { generateDockerfile } from './analyze.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const FILES = Number(option('--files') ?? 1_000_000);
const LINES = Number(option('--lines') ?? 50_000);
const DIR = path.resolve(option('--dir') ?? path.join(os.tmpdir(), 'layerwise-huge'));
const ONLY = option('--only')?.split(',');
/** Seconds a run may take before it is stopped (and printed as such). */
const TIMEOUT_S = Number(option('--timeout') ?? 600);
const DEPTH = 2000;
const BIG_BYTES = 512 * 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'src', 'cli', 'main.js');

const DOCKERFILE = 'FROM alpine:3.20\nWORKDIR /app\nCOPY p0/ /app/p0/\nRUN echo build > /app/built\nCOPY . /app\nRUN ls /app\n';

/** Writes a tree once: a marker file says it is complete (with its parameters). */
function once(dir: string, marker: string, make: () => void): void {
  const stamp = path.join(dir, '.layerwise-bench');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === marker) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  make();
  writeFileSync(stamp, marker);
  console.log(`generated ${path.basename(dir)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** `files` small files, 100 per folder, 100 folders per folder. */
function many(dir: string, files: number): void {
  once(dir, `many ${files}`, () => {
    writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
    for (let i = 0; i < files; i++) {
      const sub = path.join(dir, `p${Math.floor(i / 10_000)}`, `d${Math.floor(i / 100) % 100}`);
      if (i % 100 === 0) mkdirSync(sub, { recursive: true });
      writeFileSync(path.join(sub, `f${i % 100}.txt`), `x${i}\n`);
    }
  });
}

function long(dir: string, lines: number): void {
  once(dir, `long ${lines}`, () => {
    writeFileSync(path.join(dir, 'Dockerfile'), generateDockerfile(lines));
    for (let p = 0; p < 5; p++) {
      mkdirSync(path.join(dir, `pkg${p}`));
      writeFileSync(path.join(dir, `pkg${p}`, 'requirements.txt'), 'flask\n');
    }
  });
}

/** Links that point at themselves, at each other, and at a folder above them. */
function loops(dir: string): void {
  once(dir, 'loops', () => {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCOPY a /x/a\nCOPY self /x/self\nCOPY sub/up/sub/up/file.txt /x/\nCOPY sub/up/ /y/\nCOPY . /z\n');
    writeFileSync(path.join(dir, 'file.txt'), 'x\n');
    symlinkSync('b', path.join(dir, 'a'));
    symlinkSync('a', path.join(dir, 'b'));
    symlinkSync('self', path.join(dir, 'self'));
    mkdirSync(path.join(dir, 'sub'));
    symlinkSync('..', path.join(dir, 'sub', 'up'));
    symlinkSync('/', path.join(dir, 'sub', 'root'));
  });
}

/** A folder `d` in a folder `d` … `depth` times, with a file at the bottom (paths stay under PATH_MAX). */
function deep(dir: string, depth: number): void {
  once(dir, `deep ${depth}`, () => {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCOPY d /d\nCOPY . /all\n');
    const rel = Array.from({ length: depth }, () => 'd').join('/');
    mkdirSync(path.join(dir, rel), { recursive: true });
    writeFileSync(path.join(dir, rel, 'f'), 'bottom\n');
  });
}

/** Four files of `bytes` each (sparse: no disk used), and the same Dockerfile. */
function sized(dir: string, bytes: number): void {
  once(dir, `sized ${bytes}`, () => {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCOPY . /app\nRUN ls /app\n');
    for (let i = 0; i < 4; i++) {
      const f = path.join(dir, `blob${i}.bin`);
      writeFileSync(f, 'x');
      truncateSync(f, bytes);
    }
  });
}

interface Run {
  what: string;
  code: number | null;
  seconds: number;
  rssMB: number | null;
  note: string;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs node with `args` in a process of its own: wall time, peak RSS (GNU time), exit code, the first line of stderr. */
function measure(what: string, args: string[]): Run {
  const cmd = TIME ? TIME : process.execPath;
  const argv = TIME ? ['-f', 'LAYERWISE_BENCH %e %M', process.execPath, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', timeout: TIMEOUT_S * 1000, killSignal: 'SIGKILL' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { what, code: null, seconds: TIMEOUT_S, rssMB: null, note: `stopped after ${TIMEOUT_S} s` };
  const seconds = (performance.now() - t0) / 1000;
  const lines = (r.stderr ?? '').split('\n').filter(Boolean);
  const timed = lines.map((l) => /^LAYERWISE_BENCH ([\d.]+) (\d+)$/.exec(l)).find(Boolean);
  const other = lines.filter((l) => !l.startsWith('LAYERWISE_BENCH') && !/^Command (exited|terminated)/.test(l));
  const code = r.status ?? (r.signal ? -1 : null);
  return { what, code: TIME && /Command terminated by signal/.test(r.stderr ?? '') ? -1 : code, seconds: timed ? Number(timed[1]) : seconds, rssMB: timed ? Number(timed[2]) / 1024 : null, note: other[0]?.slice(0, 160) ?? '' };
}

function cli(name: string, dir: string, extra: string[] = []): Run[] {
  const f = path.join(dir, 'Dockerfile');
  return [
    measure(`${name}: analyze`, [CLI, 'analyze', dir, '-f', f, '--format', 'json', ...extra]),
    measure(`${name}: explain`, [CLI, 'explain', dir, '-f', f, '--changed', 'Dockerfile', '--format', 'json']),
    measure(`${name}: graph`, [CLI, 'graph', dir, '-f', f, '--format', 'json']),
  ];
}

/** The whole context hashed in-process (every file's bytes streamed). */
function hashAll(name: string, dir: string): Run {
  const index = path.join(here, '..', 'src', 'context', 'index.js');
  const script = `const { openContext } = await import(${JSON.stringify(index)}); const c = await openContext(${JSON.stringify(dir)}, ${JSON.stringify(path.join(dir, 'Dockerfile'))}); await c.digest(c.entries);`;
  return measure(`${name}: walk + hash of every file`, ['--input-type=module', '-e', script]);
}

function print(runs: Run[]): void {
  for (const r of runs) {
    const rss = r.rssMB === null ? 'peak RSS not measured' : `peak RSS ${r.rssMB.toFixed(0)} MB`;
    console.log(`  ${r.what.padEnd(40)} ${r.seconds.toFixed(2).padStart(8)} s  ${rss.padStart(18)}  ${r.code === null ? r.note : `exit ${r.code}${r.note && r.code !== 0 ? `: ${r.note}` : ''}`}`);
  }
}

function main(): void {
  mkdirSync(DIR, { recursive: true });
  const want = (s: string) => !ONLY || ONLY.includes(s);
  console.log(`huge inputs in ${DIR} (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} CPUs)`);
  if (want('bytes')) {
    const big = path.join(DIR, 'big-bytes');
    const small = path.join(DIR, 'small-bytes');
    sized(big, BIG_BYTES);
    sized(small, 1024);
    console.log(`four files of ${BIG_BYTES / 1024 / 1024} MiB beside four files of 1 KiB:`);
    print([hashAll('big bytes', big), hashAll('small bytes', small), ...cli('big bytes', big), ...cli('small bytes', small)]);
  }
  if (want('loops')) {
    loops(path.join(DIR, 'loops'));
    console.log('symlink loops (a → b → a, self → self, sub/up → .., sub/root → /):');
    print([hashAll('loops', path.join(DIR, 'loops')), ...cli('loops', path.join(DIR, 'loops'))]);
  }
  if (want('deep')) {
    deep(path.join(DIR, 'deep'), DEPTH);
    console.log(`a tree ${DEPTH} folders deep:`);
    print([hashAll('deep', path.join(DIR, 'deep')), ...cli('deep', path.join(DIR, 'deep'))]);
  }
  if (want('long')) {
    long(path.join(DIR, 'long'), LINES);
    console.log(`a ${LINES.toLocaleString('en-US')}-line Dockerfile:`);
    print(cli('long', path.join(DIR, 'long')));
  }
  if (want('many')) {
    many(path.join(DIR, 'many'), FILES);
    console.log(`a context of ${FILES.toLocaleString('en-US')} small files:`);
    print([hashAll('many', path.join(DIR, 'many')), ...cli('many', path.join(DIR, 'many'))]);
  }
  if (process.argv.includes('--clean')) rmSync(DIR, { recursive: true, force: true });
}

main();
