/**
 * A finding's fingerprint: what stays the same when lines move. Code quality tools compare the
 * findings of a merge request with those of its base by it (GitLab's codeclimate `fingerprint`,
 * SARIF `partialFingerprints`), and the GitHub Action tells a pull request's new findings so.
 */
import { createHash } from 'node:crypto';
import type { AnalyzedFinding, AnalyzeResult } from './analyze.js';

/**
 * Fingerprints of `r.findings`, in their order: a hash of the file, the rule and the text the
 * finding covers (whitespace collapsed), and which occurrence of that triple it is in line
 * order. Not the line (an edit above moves it) and not the message (its costs change with
 * unrelated edits).
 */
export function fingerprints(r: AnalyzeResult): string[] {
  const source = r.graph.dockerfile.source;
  const key = (f: AnalyzedFinding) => `${r.file.split('\\').join('/')}\0${f.rule}\0${source.slice(f.range.start.offset, f.range.end.offset).replace(/\s+/g, ' ').trim()}`;
  const byPosition = r.findings.map((f, i) => ({ f, i })).sort((a, b) => a.f.range.start.offset - b.f.range.start.offset || a.f.rule.localeCompare(b.f.rule));
  const seen = new Map<string, number>();
  const out: string[] = new Array(r.findings.length);
  for (const { f, i } of byPosition) {
    const k = key(f);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    out[i] = createHash('sha256').update(`${k}\0${n}`).digest('hex').slice(0, 32);
  }
  return out;
}
