/**
 * What `fix` buys on the fix corpus (test/fixtures/fix-corpus/<case>/): per case, the rebuild
 * after a developer's source edit (the case's `edit` file, touched) with the original Dockerfile
 * and with the one the safe transforms make, cold builds beside them, and the median speedup
 * over all cases.
 *
 *   node dist/bench/fix-corpus.js [runs] [case...]
 *
 * Needs the engine (scripts/engine.sh up). Each case is measured with `bench()` (a temp copy of
 * the context, fresh tags, all removed afterwards). A case whose fix changes nothing counts with a
 * speedup of 1; a case whose fixed file fails to build, or is a known non-equivalent fix
 * (`knownIssue` in its case.json), is marked and still counts as measured.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchBuildError, bench, type FileResult, type Figure } from '../src/bench/bench.js';
import { summarize } from '../src/bench/stats.js';
import { detectEngineOnce } from '../src/engine/engine.js';
import { openContext } from '../src/context/index.js';
import { fixText } from '../src/fix/fix.js';

interface CorpusCase {
  file: string;
  edit: string;
  knownIssue?: string;
}

const corpusDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'fix-corpus');

const runsArg = process.argv[2];
const RUNS = runsArg === undefined ? 1 : Number(runsArg);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`usage: node dist/bench/fix-corpus.js [runs] [case...]: runs must be a whole number of at least 1, got "${runsArg}"`);
  process.exit(2);
}
const only = process.argv.slice(3);

interface Row {
  name: string;
  changed: boolean;
  note: string;
  coldOriginal?: number;
  coldFixed?: number;
  editOriginal?: number;
  editFixed?: number;
  /** Steps that ran in the median edit rebuild (FROM left out). */
  ranOriginal?: number;
  ranFixed?: number;
  speedup?: number;
}

function ran(f: Figure): number {
  return f.steps.filter((s) => s.ran && !/^FROM\b/i.test(s.instruction)).length;
}

function secs(s: number | undefined): string {
  return s === undefined ? '–' : `${s.toFixed(1)} s`;
}

function figures(r: FileResult): { cold: number; edit: number; ran: number } {
  const edit = r.changes[0]!;
  return { cold: r.cold.summary.median, edit: edit.summary.median, ran: ran(edit) };
}

async function measure(name: string, spec: CorpusCase): Promise<Row> {
  const dir = path.join(corpusDir, name);
  const file = path.join(dir, spec.file);
  const original = readFileSync(file, 'utf8');
  const fixed = fixText(original, spec.file, await openContext(dir, file)).fixed;
  const changes = [`touch:${spec.edit}`];
  const row: Row = { name, changed: fixed !== original, note: spec.knownIssue ? 'fixed image differs (known issue)' : '' };
  if (!row.changed) {
    const r = await bench({ context: dir, file, changes, runs: RUNS });
    const a = figures(r.results[0]!);
    return { ...row, note: 'fix changes nothing', coldOriginal: a.cold, coldFixed: a.cold, editOriginal: a.edit, editFixed: a.edit, ranOriginal: a.ran, ranFixed: a.ran, speedup: 1 };
  }
  // The fixed file lives outside the context, as `fix` would print it; both build the same context.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'layerwise-fix-corpus-'));
  try {
    const fixedFile = path.join(tmp, 'Dockerfile.fixed');
    writeFileSync(fixedFile, fixed);
    const r = await bench({ context: dir, file, compare: fixedFile, changes, runs: RUNS });
    const a = figures(r.results[0]!);
    const b = figures(r.results[1]!);
    return { ...row, coldOriginal: a.cold, coldFixed: b.cold, editOriginal: a.edit, editFixed: b.edit, ranOriginal: a.ran, ranFixed: b.ran, speedup: a.edit / b.edit };
  } catch (e) {
    if (!(e instanceof BenchBuildError)) throw e;
    return { ...row, note: `${e.file.endsWith('Dockerfile.fixed') ? 'fixed' : 'original'} file, ${e.phase} build failed${e.line ? ` at line ${e.line}` : ''}: ${(e.record.error ?? '').split('\n')[0]}` };
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
  const names = readdirSync(corpusDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (!only.length || only.includes(e.name)))
    .map((e) => e.name)
    .sort();
  const rows: Row[] = [];
  for (const name of names) {
    const spec = JSON.parse(readFileSync(path.join(corpusDir, name, 'case.json'), 'utf8')) as CorpusCase;
    process.stderr.write(`${name} (touch ${spec.edit}) ...\n`);
    rows.push(await measure(name, spec));
  }

  console.log(`fix corpus: rebuild after touching each case's source file, original vs fixed (safe transforms); ${RUNS} run${RUNS === 1 ? '' : 's'} per figure, median; ${engine.description}`);
  console.log('');
  console.log('| case | cold original | cold fixed | edit original | edit fixed | steps re-run | speedup | note |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const steps = r.ranOriginal === undefined ? '–' : `${r.ranOriginal} → ${r.ranFixed}`;
    const speed = r.speedup === undefined ? '–' : `${r.speedup.toFixed(2)}×`;
    console.log(`| ${r.name} | ${secs(r.coldOriginal)} | ${secs(r.coldFixed)} | ${secs(r.editOriginal)} | ${secs(r.editFixed)} | ${steps} | ${speed} | ${r.note} |`);
  }
  const speedups = rows.flatMap((r) => (r.speedup === undefined ? [] : [r.speedup]));
  const sound = rows.flatMap((r) => (r.speedup === undefined || r.note.includes('known issue') ? [] : [r.speedup]));
  console.log('');
  if (speedups.length) {
    console.log(`median source-edit speedup: ${summarize(speedups).median.toFixed(2)}× over ${speedups.length} measured case${speedups.length === 1 ? '' : 's'}`);
    if (sound.length !== speedups.length && sound.length) {
      console.log(`median without the cases whose fixed image differs: ${summarize(sound).median.toFixed(2)}× over ${sound.length}`);
    }
  }
  const failed = rows.filter((r) => r.speedup === undefined);
  if (failed.length) console.log(`not measured: ${failed.map((r) => `${r.name} (${r.note})`).join('; ')}`);
  const coldO = rows.flatMap((r) => (r.coldOriginal === undefined ? [] : [r.coldOriginal]));
  const coldF = rows.flatMap((r) => (r.coldFixed === undefined ? [] : [r.coldFixed]));
  if (coldO.length) console.log(`median cold build: original ${secs(summarize(coldO).median)}, fixed ${secs(summarize(coldF).median)}`);
}

await main();
