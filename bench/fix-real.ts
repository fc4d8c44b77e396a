/**
 * What `fix` does on real Dockerfiles that a person restructured by hand: per pair, the
 * source-edit speedup of the human's "after" over "before", of `fix`'s result over "before",
 * and the cold-build ratio, side by side. The files stay outside the project: the corpus
 * folder is an argument.
 *
 *   node dist/bench/fix-real.js CORPUS_DIR [--case NAME=CONTEXT:BEFORE:AFTER]... [--measure [--runs N] [--time-scale N]]
 *
 * CORPUS_DIR holds one folder per pair with `before.Dockerfile`, `after.Dockerfile` and the
 * build context in `context/` (or a `case.json` saying `{ "context": ..., "before": ...,
 * "after": ... }`, paths relative to the folder). `--case` adds a pair from anywhere (the seed:
 * `--case sglang=/tmp/corpus/sglang:/tmp/corpus/sglang/docker/Dockerfile:/tmp/corpus/sglang-after.Dockerfile`).
 *
 * Without `--measure` the figures are the model's predictions (`fix`'s effect model: profile
 * where measured, cost model elsewhere) for the representative source edit of the context and
 * the cold build: the same numbers `fix` prints; each row says `predicted`.
 *
 * With `--measure` (needs the engine: scripts/engine.sh up) they are measured by `bench
 * --simulate` on the real context: the human's after against before, and fix's output against
 * before, each a cold build and an edit of the same file (the predicted representative edit),
 * `--runs` builds per figure (default 1). Stand-ins take their step's estimated time divided by
 * the time scale; by default each pair gets the scale that brings before's predicted cold build
 * to about 30 s, so a corpus of heavy files is measured in minutes while the per-step overhead of
 * the engine stays small beside the simulated work. A pair fix leaves unchanged is not built
 * again: its speedup is 1 by construction (the row says so).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bench, BenchBuildError, type BenchResult } from '../src/bench/bench.js';
import { speedup } from '../src/bench/stats.js';
import { detectEngineOnce } from '../src/engine/engine.js';
import { openContext, type BuildContext } from '../src/context/index.js';
import { fixText } from '../src/fix/fix.js';
import { predictEffect, type Effect } from '../src/fix/effect.js';

interface Pair {
  name: string;
  context: string;
  before: string;
  after: string;
}

function usage(msg: string): never {
  console.error(`usage: node dist/bench/fix-real.js CORPUS_DIR [--case NAME=CONTEXT:BEFORE:AFTER]... [--measure [--runs N] [--time-scale N]]: ${msg}`);
  process.exit(2);
}

/** A corpus may be a folder of links to pairs kept elsewhere (a selection of a bigger corpus). */
function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function pairsOf(dir: string): Pair[] {
  if (!existsSync(dir)) return [];
  const out: Pair[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).filter((x) => x.isDirectory() || (x.isSymbolicLink() && isDir(path.join(dir, x.name)))).sort((a, b) => a.name.localeCompare(b.name))) {
    const d = path.join(dir, e.name);
    const spec = existsSync(path.join(d, 'case.json')) ? (JSON.parse(readFileSync(path.join(d, 'case.json'), 'utf8')) as Partial<Pair>) : {};
    const p: Pair = {
      name: e.name,
      context: path.resolve(d, spec.context ?? 'context'),
      before: path.resolve(d, spec.before ?? 'before.Dockerfile'),
      after: path.resolve(d, spec.after ?? 'after.Dockerfile'),
    };
    if (existsSync(p.before) && existsSync(p.after)) out.push(p);
    else console.error(`${e.name}: skipped (no ${existsSync(p.before) ? path.basename(p.after) : path.basename(p.before)})`);
  }
  return out;
}

const args = process.argv.slice(2);
const VALUED = new Set(['--case', '--runs', '--time-scale']);
for (const a of args) if (a.startsWith('--') && !VALUED.has(a) && a !== '--measure') usage(`unknown option ${a}`);
const dir = args.find((a, i) => !a.startsWith('--') && !VALUED.has(args[i - 1] ?? ''));
const MEASURE = args.includes('--measure');
function numberOption(name: string, min: number): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < min) usage(`${name} takes a number of at least ${min}, got "${args[i + 1] ?? ''}"`);
  if (!MEASURE) usage(`${name} needs --measure`);
  return v;
}
const RUNS = numberOption('--runs', 1) ?? 1;
if (!Number.isInteger(RUNS)) usage(`--runs takes a whole number, got "${RUNS}"`);
const TIME_SCALE = numberOption('--time-scale', 1);
if (!dir) usage('the corpus folder is missing');
const pairs = pairsOf(path.resolve(dir));
for (let i = 0; i < args.length; i++) {
  if (args[i] !== '--case') continue;
  const m = /^([^=]+)=([^:]+):([^:]+):([^:]+)$/.exec(args[++i] ?? '');
  if (!m) usage(`--case takes NAME=CONTEXT:BEFORE:AFTER, got "${args[i] ?? ''}"`);
  pairs.push({ name: m[1], context: path.resolve(m[2]), before: path.resolve(m[3]), after: path.resolve(m[4]) });
}
if (!pairs.length) usage(`no pairs in ${dir}`);

const ratio = (a: number | undefined, b: number | undefined) => speedup(a, b) ?? undefined;
const x = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)}×`);
const median = (vs: number[]) => {
  const s = [...vs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

function effect(text: string, file: string, context: BuildContext | undefined): Effect | null {
  try {
    return predictEffect(text, file, context, {});
  } catch (e) {
    console.error(`${file}: ${(e as Error).message}`);
    return null;
  }
}

/** OTHER ÷ FILE of one simulated bench: cold and edit speedup of FILE. */
function speedups(r: BenchResult): { cold: number | undefined; edit: number | undefined; before: { cold: number; edit: number | undefined } } {
  const [file, other] = r.results;
  const edit = (f: typeof file) => f!.changes[0]?.summary.median;
  return {
    cold: ratio(other!.cold.summary.median, file!.cold.summary.median),
    edit: ratio(edit(other), edit(file)),
    before: { cold: other!.cold.summary.median, edit: edit(other) },
  };
}

interface Measured {
  human: ReturnType<typeof speedups>;
  fix: ReturnType<typeof speedups> | null;
  scale: number;
}

/** Human's after and fix's output against before, on stand-ins (bench --simulate). */
async function measure(p: Pair, fixed: string, before: string, edit: string | undefined, predictedCold: number | undefined): Promise<Measured> {
  const scale = TIME_SCALE ?? Math.max(1, Math.round((predictedCold ?? 30) / 30));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'layerwise-fix-real-'));
  try {
    const common = { context: p.context, compare: p.before, runs: RUNS, simulate: { timeScale: scale }, ...(edit ? { changes: [`edit:${edit}`] } : {}) };
    const human = speedups(await bench({ ...common, file: p.after }));
    let fix: ReturnType<typeof speedups> | null = null;
    if (fixed !== before) {
      // Beside the original, so that a `<name>.dockerignore` and relative paths read the same.
      const fixedFile = path.join(tmp, path.basename(p.before));
      writeFileSync(fixedFile, fixed);
      const ignore = `${p.before}.dockerignore`;
      if (existsSync(ignore)) writeFileSync(`${fixedFile}.dockerignore`, readFileSync(ignore));
      fix = speedups(await bench({ ...common, file: fixedFile }));
    }
    return { human, fix, scale };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (MEASURE) {
  const { engine, reasons } = await detectEngineOnce();
  if (!engine) {
    console.error(`--measure needs an engine (${reasons.join('; ')}): start one with scripts/engine.sh up`);
    process.exit(1);
  }
  console.log(`fix on real restructured pairs: source-edit and cold-build speedup over "before" of the human's after and of fix (safe transforms), measured by bench --simulate on ${engine.description}, ${RUNS} run${RUNS === 1 ? '' : 's'} per figure\n`);
} else {
  console.log('fix on real restructured pairs: source-edit speedup over "before" of the human\'s after and of fix (safe transforms), and cold-build speedup of fix; predicted by the effect model (--measure measures them with bench --simulate)\n');
}
console.log('| case | edit | before edit | human x | fix x | fix changed | cold before | human cold x | fix cold x | mode |');
console.log('|---|---|---:|---:|---:|---|---:|---:|---:|---|');
const human: number[] = [];
const fixed: number[] = [];
const s = (v: number | undefined) => (v === undefined ? '–' : `${v < 10 ? v.toFixed(1) : v.toFixed(0)} s`);
for (const p of pairs) {
  const context = existsSync(p.context) ? await openContext(p.context, p.before) : undefined;
  const before = readFileSync(p.before, 'utf8');
  const after = readFileSync(p.after, 'utf8');
  let out: string;
  try {
    out = fixText(before, path.basename(p.before), context, {}).fixed;
  } catch (e) {
    console.log(`| ${p.name} | – | – | – | – | fix failed: ${(e as Error).message.replace(/\|/g, '\\|')} | – | – | – | – |`);
    continue;
  }
  const b = effect(before, p.before, context);
  const changed = out === before ? 'no' : 'yes';
  const edit = b?.sourceEdit?.path;
  if (MEASURE) {
    process.stderr.write(`${p.name} ...\n`);
    try {
      const m = await measure(p, out, before, edit, b?.cold);
      const fx = m.fix ? m.fix.edit : 1;
      if (m.human.edit) human.push(m.human.edit);
      if (fx) fixed.push(fx);
      console.log(`| ${p.name} | ${edit ?? '–'} | ${s(m.human.before.edit)} | ${x(m.human.edit)} | ${x(fx)} | ${changed} | ${s(m.human.before.cold)} | ${x(m.human.cold)} | ${x(m.fix ? m.fix.cold : 1)} | simulated at 1/${m.scale} (seconds are the stand-ins') |`);
    } catch (e) {
      const why = e instanceof BenchBuildError ? `${e.phase} build of ${path.basename(e.file)} failed${e.line ? ` at line ${e.line}` : ''}: ${(e.record.error ?? '').split('\n')[0]}` : (e as Error).message;
      console.log(`| ${p.name} | ${edit ?? '–'} | – | – | – | ${changed} | – | – | – | not measured: ${why.replace(/\|/g, '\\|').slice(0, 200)} |`);
    }
    continue;
  }
  const h = effect(after, p.after, context);
  const f = effect(out, p.before, context);
  const hx = ratio(b?.sourceEdit?.seconds, h?.sourceEdit?.seconds);
  const fx = ratio(b?.sourceEdit?.seconds, f?.sourceEdit?.seconds);
  if (hx) human.push(hx);
  if (fx) fixed.push(fx);
  console.log(`| ${p.name} | ${edit ?? '–'} | ${b?.sourceEdit ? `${b.sourceEdit.seconds.toFixed(0)} s` : '–'} | ${x(hx)} | ${x(fx)} | ${changed} | ${b ? `${b.cold.toFixed(0)} s` : '–'} | ${x(ratio(b?.cold, h?.cold))} | ${x(ratio(b?.cold, f?.cold))} | predicted |`);
}
console.log(`\nmedian source-edit speedup: human ${x(median(human))}, fix ${x(median(fixed))} over ${pairs.length} pair${pairs.length === 1 ? '' : 's'}${MEASURE ? ` (${human.length} measured)` : ''}`);
