/**
 * The analyze-real corpus (test/fixtures/analyze-real/<case>/): small Dockerfiles of our own, each
 * reproducing a pattern seen in real public Dockerfiles, with what an expert reviewer says of it
 * (`expected.json`). Shared by the well-formedness unit test and bench/analyze-quality.ts, which
 * scores analyze's findings against it.
 *
 * expected.json:
 *   source    the pattern and the real files (repo path:line) it reproduces; never their text
 *   role      the image's role as the expert reads it (service, toolchain image, export stage, ...)
 *   file      Dockerfile path inside the case (default "Dockerfile")
 *   target, buildArgs   passed to analyze as --target / --build-arg
 *   expect    findings the expert raises: { rule: name | [names any of which will do], line }
 *   mustNot   false alarms: { rule, line? } (no line: anywhere in the file)
 *   worth     { minor: [{ rule, line? }]  true but not worth raising here,
 *               others: "minor" | "wrong"  what any other finding counts as }
 * A rule name may be one analyze does not have yet: proposed-rules.json lists those names with what
 * the expert means, for the analyze rules to adopt.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import type { Dockerfile } from '../src/dockerfile/model.js';
import { fixturesDir } from './helpers.js';

export const casesDir = path.join(fixturesDir, 'analyze-real');

export interface RuleLine {
  rule: string | string[];
  line?: number;
}

export interface Expected {
  source: string;
  role?: string;
  file?: string;
  target?: string;
  buildArgs?: string[];
  expect: (RuleLine & { line: number })[];
  mustNot: RuleLine[];
  worth: { minor: RuleLine[]; others: 'minor' | 'wrong' };
}

export interface Case {
  name: string;
  dir: string;
  dockerfilePath: string;
  expected: Expected;
}

/** What analyze reported, as the JSON output has it (related locations when there are any). */
export interface ReportedFinding {
  rule: string;
  line: number;
  endLine: number;
  related?: { line: number; endLine?: number }[];
}

export type Verdict = 'worth' | 'minor' | 'wrong';

export function caseNames(): string[] {
  return readdirSync(casesDir).filter((n) => statSync(path.join(casesDir, n)).isDirectory()).sort();
}

export function loadCase(name: string): Case {
  const dir = path.join(casesDir, name);
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  return { name, dir, dockerfilePath: path.join(dir, expected.file ?? 'Dockerfile'), expected };
}

/** Proposed rule names (not analyze rules yet) and what each means. */
export function proposedRules(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(casesDir, 'proposed-rules.json'), 'utf8')) as Record<string, string>;
}

/**
 * The case's Dockerfile as BuildKit reads it: bytes that are not UTF-8 (a Latin-1 comment) are
 * replaced, which changes no instruction boundary.
 */
export function readCaseDockerfile(c: Case): Dockerfile {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(readFileSync(c.dockerfilePath));
  return parseDockerfile(text, c.dockerfilePath);
}

/** First and last line of each instruction (continuations and heredocs included). */
export function instructionSpans(df: Dockerfile): [number, number][] {
  return df.instructions.map((i) => [i.range.start.line, i.range.end.line]);
}

function rulesOf(e: RuleLine): string[] {
  return Array.isArray(e.rule) ? e.rule : [e.rule];
}

/**
 * The lines a finding stands for: its own range and related locations, widened to the
 * instructions they touch (a rule may point at the keyword or at one command of a long RUN; the
 * expert names the instruction).
 */
function findingLines(f: ReportedFinding, spans: [number, number][]): Set<number> {
  const out = new Set<number>();
  const add = (a: number, b: number): void => {
    for (let l = a; l <= b; l++) out.add(l);
    for (const [s, e] of spans) if (s <= b && a <= e) for (let l = s; l <= e; l++) out.add(l);
  };
  add(f.line, f.endLine);
  for (const r of f.related ?? []) add(r.line, r.endLine ?? r.line);
  return out;
}

export function matches(e: RuleLine, f: ReportedFinding, lines: Set<number>): boolean {
  return rulesOf(e).includes(f.rule) && (e.line === undefined || lines.has(e.line));
}

export interface CaseScore {
  expected: number;
  /** Expected findings that some reported finding matched. */
  found: number;
  /** Per expected entry (in order): whether a finding matched it. */
  hits: boolean[];
  missed: RuleLine[];
  verdicts: { finding: ReportedFinding; verdict: Verdict }[];
}

/**
 * Scores one case. A reported finding is `worth` when it matches an expected entry; else `wrong`
 * when it matches a mustNot entry; else `minor` when it matches worth.minor; else what
 * worth.others says. An expected entry is found when any finding matches it. A rejected case
 * (analyze exited non-zero) has no findings: every expected entry is missed.
 */
export function scoreCase(expected: Expected, findings: ReportedFinding[], spans: [number, number][]): CaseScore {
  const withLines = findings.map((f) => ({ f, lines: findingLines(f, spans) }));
  const hits = expected.expect.map((e) => withLines.some(({ f, lines }) => matches(e, f, lines)));
  const missed = expected.expect.filter((_, i) => !hits[i]);
  const verdicts = withLines.map(({ f, lines }) => {
    let verdict: Verdict;
    if (expected.expect.some((e) => matches(e, f, lines))) verdict = 'worth';
    else if (expected.mustNot.some((e) => matches(e, f, lines))) verdict = 'wrong';
    else if (expected.worth.minor.some((e) => matches(e, f, lines))) verdict = 'minor';
    else verdict = expected.worth.others;
    return { finding: f, verdict };
  });
  return { expected: expected.expect.length, found: expected.expect.length - missed.length, hits, missed, verdicts };
}
