/**
 * Runs one rule on a Dockerfile in a throwaway context, the way `analyze --rule NAME` does.
 * Rule tests are tables of inputs: cases that must be found (with exact ranges) and cases that
 * must stay clean.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyze, type AnalyzedFinding } from '../../../src/analyze/analyze.js';
import { defaultConfig } from '../../../src/analyze/config.js';
import { tempDir } from '../../helpers.js';

export async function findings(rule: string, dockerfile: string, files: Record<string, string> = {}): Promise<AnalyzedFinding[]> {
  const dir = tempDir(`layerwise-rule-${rule}-`);
  for (const [f, text] of Object.entries({ ...files, Dockerfile: dockerfile })) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const r = await analyze({ contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' }, { config: defaultConfig(), only: [rule] });
  return r.findings;
}

/** `line:col-endLine:endCol` of each finding, for exact range assertions. */
export function ranges(fs: AnalyzedFinding[]): string[] {
  return fs.map((f) => `${f.range.start.line}:${f.range.start.column}-${f.range.end.line}:${f.range.end.column}`);
}

/** `line:col-endLine:endCol message` of each place a finding names besides its own. */
export function related(f: AnalyzedFinding): string[] {
  return f.related.map((x) => `${x.range.start.line}:${x.range.start.column}-${x.range.end.line}:${x.range.end.column} ${x.message}`);
}
