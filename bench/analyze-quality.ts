/**
 * How well `analyze` says what an expert would say, on the analyze-real corpus
 * (test/fixtures/analyze-real/<case>/: Dockerfiles of our own reproducing patterns of real public
 * Dockerfiles, each with the expert's expected.json; see test/analyze-real.ts for its format).
 *
 *   node dist/bench/analyze-quality.js [--verbose] [--json] [case...]
 *
 * Each case is analyzed as a user would: `layerwise analyze CASE -f FILE --format json` in a
 * process of its own (with the case's --target / --build-arg). Scoring, per finding analyze
 * reports (matched by rule and line; a finding stands for the whole instruction it points into,
 * and for its related locations):
 *   worth   it matches an `expect` entry of the case;
 *   wrong   otherwise, it matches a `mustNot` entry, or it matches nothing and the case's
 *           worth.others is "wrong" (cases of well-made files say so);
 *   minor   otherwise (true but not worth raising on that file: worth.minor, or others "minor").
 * Figures over all cases:
 *   recall        expected findings found / expected findings (the issue's goal: >= 90%)
 *   worth share   worth findings / all findings (goal: >= 80%)
 *   wrong share   wrong findings / all findings (goal: <= 5%)
 *   rejects       cases where analyze rejected the input (exit 2) or did not print its JSON report
 *                 (a crash); goal: 0. Exit 1 (findings at or above --fail-on) is a complete report.
 *                 A rejected case reports nothing, so its expected findings count as missed.
 * Recall is also split between expected findings of existing rules and of proposed ones
 * (proposed-rules.json: names no rule has yet). Prints figures only; exits 0 unless misused.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../src/rules/index.js';
import { caseNames, instructionSpans, loadCase, readCaseDockerfile, scoreCase, type CaseScore, type ReportedFinding } from '../test/analyze-real.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose');
const asJson = argv.includes('--json');
const unknownFlag = argv.find((a) => a.startsWith('--') && a !== '--verbose' && a !== '--json');
if (unknownFlag) {
  console.error(`usage: node dist/bench/analyze-quality.js [--verbose] [--json] [case...]: unknown option ${unknownFlag}`);
  process.exit(2);
}
const all = caseNames();
const only = argv.filter((a) => !a.startsWith('--'));
const missing = only.filter((n) => !all.includes(n));
if (missing.length > 0) {
  console.error(`usage: node dist/bench/analyze-quality.js [--verbose] [--json] [case...]: no such case: ${missing.join(', ')}`);
  process.exit(2);
}
const names = only.length > 0 ? only : all;
const existing = new Set(RULES.map((r) => r.meta.name));

interface Row {
  name: string;
  exit: number;
  error?: string;
  score: CaseScore;
}

function run(name: string): Row {
  const c = loadCase(name);
  const args = [cli, 'analyze', c.dir, '-f', c.dockerfilePath, '--format', 'json'];
  if (c.expected.target) args.push('--target', c.expected.target);
  for (const a of c.expected.buildArgs ?? []) args.push('--build-arg', a);
  const p = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const exit = p.status ?? 1;
  let findings: ReportedFinding[] = [];
  let error: string | undefined;
  // Exit 1 is analyze's verdict on findings at or above --fail-on (error by default): the report
  // is complete. Exit 2 is a rejected input; anything else, or output that is not the JSON
  // report, is a crash. Both count as rejects.
  if (exit === 0 || exit === 1) {
    try {
      findings = (JSON.parse(p.stdout) as { findings: ReportedFinding[] }).findings;
    } catch {
      error = `not a JSON report: ${(p.stderr || p.stdout).trim().split('\n')[0]}`;
    }
  } else {
    error = (p.stderr || p.stdout).trim().split('\n')[0];
  }
  return { name, exit, error, score: scoreCase(c.expected, findings, instructionSpans(readCaseDockerfile(c))) };
}

const rows = names.map(run);
const count = (v: string): number => rows.reduce((n, r) => n + r.score.verdicts.filter((x) => x.verdict === v).length, 0);
const findingsTotal = rows.reduce((n, r) => n + r.score.verdicts.length, 0);
const expectedTotal = rows.reduce((n, r) => n + r.score.expected, 0);
const foundTotal = rows.reduce((n, r) => n + r.score.found, 0);
const rejects = rows.filter((r) => r.error !== undefined);

// Split recall by whether the expected entry names a rule analyze has (any of its alternatives).
let expExisting = 0;
let foundExisting = 0;
for (const r of rows) {
  loadCase(r.name).expected.expect.forEach((e, i) => {
    const rules = Array.isArray(e.rule) ? e.rule : [e.rule];
    if (!rules.some((x) => existing.has(x))) return;
    expExisting++;
    if (r.score.hits[i]) foundExisting++;
  });
}

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);
const figures = {
  cases: rows.length,
  expected: expectedTotal,
  found: foundTotal,
  recall: expectedTotal === 0 ? null : foundTotal / expectedTotal,
  recallExistingRules: expExisting === 0 ? null : foundExisting / expExisting,
  recallProposedRules: expectedTotal - expExisting === 0 ? null : (foundTotal - foundExisting) / (expectedTotal - expExisting),
  findings: findingsTotal,
  worth: count('worth'),
  minor: count('minor'),
  wrong: count('wrong'),
  worthShare: findingsTotal === 0 ? null : count('worth') / findingsTotal,
  wrongShare: findingsTotal === 0 ? null : count('wrong') / findingsTotal,
  rejects: rejects.map((r) => ({ case: r.name, exit: r.exit, error: r.error })),
};

if (asJson) {
  const perCase = rows.map((r) => ({
    case: r.name,
    exit: r.exit,
    expected: r.score.expected,
    found: r.score.found,
    missed: r.score.missed,
    findings: r.score.verdicts.map((v) => ({ rule: v.finding.rule, line: v.finding.line, verdict: v.verdict })),
  }));
  console.log(JSON.stringify({ figures, cases: perCase }, null, 2));
} else {
  const w = Math.max(4, ...rows.map((r) => r.name.length));
  console.log(`${'case'.padEnd(w)}  found  findings  worth  minor  wrong`);
  for (const r of rows) {
    const v = (k: string): number => r.score.verdicts.filter((x) => x.verdict === k).length;
    const status = r.error === undefined ? '' : `  REJECTED (exit ${r.exit}): ${r.error}`;
    console.log(`${r.name.padEnd(w)}  ${`${r.score.found}/${r.score.expected}`.padStart(5)}  ${String(r.score.verdicts.length).padStart(8)}  ${String(v('worth')).padStart(5)}  ${String(v('minor')).padStart(5)}  ${String(v('wrong')).padStart(5)}${status}`);
    if (verbose) {
      for (const m of r.score.missed) console.log(`${''.padEnd(w)}    missed ${Array.isArray(m.rule) ? m.rule.join('|') : m.rule} at line ${m.line}`);
      for (const x of r.score.verdicts.filter((y) => y.verdict === 'wrong')) console.log(`${''.padEnd(w)}    wrong  ${x.finding.rule} at line ${x.finding.line}`);
    }
  }
  console.log('');
  console.log(`cases ${rows.length}, expected findings ${expectedTotal}, findings reported ${findingsTotal}`);
  console.log(`recall        ${pct(foundTotal, expectedTotal)} (${foundTotal}/${expectedTotal}; existing rules ${pct(foundExisting, expExisting)} of ${expExisting}, proposed rules ${pct(foundTotal - foundExisting, expectedTotal - expExisting)} of ${expectedTotal - expExisting})`);
  console.log(`worth share   ${pct(figures.worth, findingsTotal)} (${figures.worth}/${findingsTotal})`);
  console.log(`minor share   ${pct(figures.minor, findingsTotal)} (${figures.minor}/${findingsTotal})`);
  console.log(`wrong share   ${pct(figures.wrong, findingsTotal)} (${figures.wrong}/${findingsTotal})`);
  console.log(`rejects       ${rejects.length}${rejects.length ? `: ${rejects.map((r) => r.name).join(', ')}` : ''}`);
}
