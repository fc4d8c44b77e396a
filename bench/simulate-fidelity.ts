/**
 * How far a simulation can be trusted for what `fix` buys: on the fix corpus
 * (test/fixtures/fix-corpus/<case>/), the speedup of the fixed Dockerfile over the original, on
 * a source edit (the case's `edit` file) and cold, measured by real builds and by simulated
 * ones (`bench --simulate`, time scale 1: each stand-in takes the time its step took in the real
 * cold build, from the profiles of those builds, as `simulate --profile` would), and
 * per case the ratio simulated ÷ real. The goal: every ratio within 15% of 1.
 *
 *   node dist/bench/simulate-fidelity.js [runs] [case...]
 *
 * Needs the engine (scripts/engine.sh up). Cases whose fix changes nothing have a speedup of 1
 * on both sides and are left out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench, BenchBuildError, type BenchResult } from '../src/bench/bench.js';
import { openContext } from '../src/context/index.js';
import { detectEngineOnce } from '../src/engine/engine.js';
import { fixText } from '../src/fix/fix.js';
import type { Profile } from '../src/timing/profile.js';

interface CorpusCase {
  file: string;
  edit: string;
}

const corpusDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'fix-corpus');
const runsArg = process.argv[2];
const RUNS = runsArg === undefined ? 1 : Number(runsArg);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`usage: node dist/bench/simulate-fidelity.js [runs] [case...]: runs must be a whole number of at least 1, got "${runsArg}"`);
  process.exit(2);
}
const only = process.argv.slice(3);

/** OTHER (original) ÷ FILE (fixed), cold and edit. */
function speedups(r: BenchResult): { cold: number; edit: number } {
  const [fixed, original] = r.results;
  return { cold: original!.cold.summary.median / fixed!.cold.summary.median, edit: original!.changes[0]!.summary.median / fixed!.changes[0]!.summary.median };
}

interface Row {
  name: string;
  real?: { cold: number; edit: number };
  sim?: { cold: number; edit: number };
  note: string;
}

async function measure(name: string, spec: CorpusCase): Promise<Row | null> {
  const dir = path.join(corpusDir, name);
  const file = path.join(dir, spec.file);
  const original = readFileSync(file, 'utf8');
  const fixed = fixText(original, spec.file, await openContext(dir, file)).fixed;
  if (fixed === original) return null;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'layerwise-fidelity-'));
  try {
    const fixedFile = path.join(tmp, 'Dockerfile.fixed');
    writeFileSync(fixedFile, fixed);
    const common = { context: dir, file: fixedFile, compare: file, changes: [`edit:${spec.edit}`], runs: RUNS };
    const realRun = await bench(common);
    const real = speedups(realRun);
    // The stand-ins take the times the real builds measured (the profiles of both cold builds):
    // what is compared is the cache structure, not how well the cost model guesses a step.
    const [a, b] = realRun.results.map((r) => r.profile);
    const profile: Profile = { ...a!, steps: { ...b!.steps, ...a!.steps }, overhead: [...a!.overhead, ...b!.overhead] };
    const sim = speedups(await bench({ ...common, simulate: { timeScale: 1, profile } }));
    return { name, real, sim, note: '' };
  } catch (e) {
    if (!(e instanceof BenchBuildError)) throw e;
    return { name, note: `${e.phase} build failed${e.line ? ` at line ${e.line}` : ''}: ${(e.record.error ?? '').split('\n')[0]}` };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { engine, reasons } = await detectEngineOnce();
  if (!engine) {
    console.error(`no engine (${reasons.join('; ')}): start one with scripts/engine.sh up`);
    process.exit(1);
  }
  const names = readdirSync(corpusDir, { withFileTypes: true }).filter((e) => e.isDirectory() && (!only.length || only.includes(e.name))).map((e) => e.name).sort();
  const rows: Row[] = [];
  for (const name of names) {
    const spec = JSON.parse(readFileSync(path.join(corpusDir, name, 'case.json'), 'utf8')) as CorpusCase;
    process.stderr.write(`${name} ...\n`);
    const r = await measure(name, spec);
    if (r) rows.push(r);
  }
  const x = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)}×`);
  const ratio = (s: number | undefined, r: number | undefined) => (s === undefined || r === undefined ? undefined : s / r);
  console.log(`fix corpus: speedup of the fixed Dockerfile over the original, real builds vs simulated (bench --simulate, time scale 1); ${RUNS} run${RUNS === 1 ? '' : 's'} per figure; ${engine.description}`);
  console.log('');
  console.log('| case | edit real | edit simulated | ratio | cold real | cold simulated | ratio | note |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  const ratios: { name: string; what: string; r: number }[] = [];
  for (const row of rows) {
    const re = ratio(row.sim?.edit, row.real?.edit);
    const rc = ratio(row.sim?.cold, row.real?.cold);
    if (re !== undefined) ratios.push({ name: row.name, what: 'edit', r: re });
    if (rc !== undefined) ratios.push({ name: row.name, what: 'cold', r: rc });
    console.log(`| ${row.name} | ${x(row.real?.edit)} | ${x(row.sim?.edit)} | ${re === undefined ? '–' : re.toFixed(2)} | ${x(row.real?.cold)} | ${x(row.sim?.cold)} | ${rc === undefined ? '–' : rc.toFixed(2)} | ${row.note} |`);
  }
  console.log('');
  const worst = ratios.sort((a, b) => Math.abs(Math.log(b.r)) - Math.abs(Math.log(a.r)))[0];
  if (worst) {
    const within = ratios.filter((q) => Math.abs(q.r - 1) <= 0.15).length;
    console.log(`worst ratio: ${worst.r.toFixed(2)} (${worst.name}, ${worst.what}); ${within} of ${ratios.length} figures within 15%`);
  }
}

await main();
