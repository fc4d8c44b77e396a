/**
 * What `fix` does on real Dockerfiles that a person restructured by hand: per pair, the
 * source-edit speedup of the human's "after" over "before", of `fix`'s result over "before",
 * and the cold-build ratio, side by side. The files stay outside the project: the corpus
 * folder is an argument.
 *
 *   node dist/bench/fix-real.js CORPUS_DIR [--case NAME=CONTEXT:BEFORE:AFTER]...
 *
 * CORPUS_DIR holds one folder per pair with `before.Dockerfile`, `after.Dockerfile` and the
 * build context in `context/` (or a `case.json` saying `{ "context": ..., "before": ...,
 * "after": ... }`, paths relative to the folder). `--case` adds a pair from anywhere (the seed:
 * `--case sglang=/tmp/corpus/sglang:/tmp/corpus/sglang/docker/Dockerfile:/tmp/corpus/sglang-after.Dockerfile`).
 *
 * The figures are the model's predictions (`fix`'s effect model: profile where measured, cost
 * model elsewhere) for the slowest source edit of the context and the cold build: the same
 * numbers `fix` prints. Measured figures need `bench --simulate` (the simulate issue), which
 * this script will call once it exists; until then each row says `predicted`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
  console.error(`usage: node dist/bench/fix-real.js CORPUS_DIR [--case NAME=CONTEXT:BEFORE:AFTER]...: ${msg}`);
  process.exit(2);
}

function pairsOf(dir: string): Pair[] {
  if (!existsSync(dir)) return [];
  const out: Pair[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
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
const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--case');
if (!dir) usage('the corpus folder is missing');
const pairs = pairsOf(path.resolve(dir));
for (let i = 0; i < args.length; i++) {
  if (args[i] !== '--case') continue;
  const m = /^([^=]+)=([^:]+):([^:]+):([^:]+)$/.exec(args[++i] ?? '');
  if (!m) usage(`--case takes NAME=CONTEXT:BEFORE:AFTER, got "${args[i] ?? ''}"`);
  pairs.push({ name: m[1], context: path.resolve(m[2]), before: path.resolve(m[3]), after: path.resolve(m[4]) });
}
if (!pairs.length) usage(`no pairs in ${dir}`);

const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : undefined);
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

console.log('fix on real restructured pairs: source-edit speedup over "before" of the human\'s after and of fix (safe transforms), and cold-build speedup of fix; predicted by the effect model (bench --simulate not yet available)\n');
console.log('| case | edit | before edit | human x | fix x | fix changed | cold before | human cold x | fix cold x | mode |');
console.log('|---|---|---:|---:|---:|---|---:|---:|---:|---|');
const human: number[] = [];
const fixed: number[] = [];
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
  const h = effect(after, p.after, context);
  const f = effect(out, p.before, context);
  const hx = ratio(b?.sourceEdit?.seconds, h?.sourceEdit?.seconds);
  const fx = ratio(b?.sourceEdit?.seconds, f?.sourceEdit?.seconds);
  if (hx) human.push(hx);
  if (fx) fixed.push(fx);
  const edit = b?.sourceEdit?.path ?? '–';
  console.log(`| ${p.name} | ${edit} | ${b?.sourceEdit ? `${b.sourceEdit.seconds.toFixed(0)} s` : '–'} | ${x(hx)} | ${x(fx)} | ${out === before ? 'no' : 'yes'} | ${b ? `${b.cold.toFixed(0)} s` : '–'} | ${x(ratio(b?.cold, h?.cold))} | ${x(ratio(b?.cold, f?.cold))} | predicted |`);
}
console.log(`\nmedian source-edit speedup: human ${x(median(human))}, fix ${x(median(fixed))} over ${pairs.length} pair${pairs.length === 1 ? '' : 's'}`);
