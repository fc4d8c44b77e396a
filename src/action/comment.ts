/**
 * The pull request comment: what the pull request's changes rebuild in each image, in steps
 * and minutes, and the findings it brings. A pure function of what the Action found.
 */
import type { AnalyzedFinding } from '../analyze/analyze.js';
import { ruleDocsUrl } from '../report/rule-docs.js';

/** The hidden line the Action finds its own comment by. */
export const COMMENT_MARKER = '<!-- layerwise-action: pull request comment -->';

/** What the pull request does to one image. */
export interface ImageReport {
  /** The Dockerfile, relative to the repository. */
  file: string;
  /** The target stage's name ('' when unnamed). */
  target: string;
  /** How its build changes; `error` when the Dockerfile could not be read (shown, not thrown). */
  rebuild:
    | { kind: 'rebuild'; rebuilt: number; conditional: number; steps: number; firstLine: number | null; firstInstruction: string | null; lowS: number; highS: number; basis: string }
    | { kind: 'new'; steps: number; coldS: number; basis: string }
    | { kind: 'error'; message: string };
  /** Findings of this Dockerfile that its version at the base did not have. */
  newFindings: AnalyzedFinding[];
  /** Findings in all, and at the base (null when the base had no such file). */
  findings: number;
  baseFindings: number | null;
}

export interface CommentInput {
  images: ImageReport[];
  baseSha: string;
  headSha: string;
  version: string;
  /** Where the rule pages are (config docs-url). */
  docsUrl: string;
}

const MAX_FINDINGS = 50;

/** Minutes, the unit a pull request's reader thinks in: one decimal, never "0.0" for a rebuild that takes time. */
export function minutes(s: number): string {
  const m = s / 60;
  if (m === 0) return '0 min';
  if (m < 0.1) return '< 0.1 min';
  return `${m >= 10 ? Math.round(m) : m.toFixed(1)} min`;
}

/** Text in a table cell as code: pipes escaped, backticks fenced by more backticks. */
function code(s: string, max = 60): string {
  let t = s.replace(/\s+/g, ' ').trim();
  if (t.length > max) t = t.slice(0, max - 1) + '…';
  const fence = t.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${t.replace(/\|/g, '\\|')}${fence.length > 1 ? ' ' : ''}${fence}`;
}

/** A message as Markdown text: no HTML gets through (a `<!--` would hide the rest). */
function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function rebuildCells(r: ImageReport['rebuild']): [string, string, string] {
  switch (r.kind) {
    case 'error':
      return ['cannot tell', text(r.message), '—'];
    case 'new':
      return [`all ${r.steps} steps (a new image)`, '—', `${minutes(r.coldS)} (${r.basis}, cold build)`];
    case 'rebuild': {
      if (r.rebuilt === 0 && r.conditional === 0) return [`nothing (all ${r.steps} steps cached)`, '—', '0 min'];
      const what = `${r.rebuilt} of ${r.steps} steps${r.conditional ? `, ${r.conditional} more if copied files differ` : ''}`;
      const from = r.firstLine !== null ? `line ${r.firstLine}${r.firstInstruction ? ` ${code(r.firstInstruction)}` : ''}` : '—';
      const time = Math.abs(r.highS - r.lowS) < 0.05 * Math.max(r.highS, 1) ? minutes(r.highS) : `${minutes(r.lowS)} to ${minutes(r.highS)}`;
      return [what, from, `${time} (${r.basis})`];
    }
  }
}

export function commentBody(c: CommentInput): string {
  const short = (sha: string) => sha.slice(0, 7);
  const out = [COMMENT_MARKER, '### layerwise: what this pull request rebuilds', ''];
  if (!c.images.length) out.push('No Dockerfile to analyze.', '');
  else {
    out.push(`Changes against the base ${code(short(c.baseSha))}, per image, on a builder that has the base's build in its cache:`, '');
    out.push('| image | rebuilds | from | about |', '| --- | --- | --- | --- |');
    for (const img of c.images) {
      const [what, from, time] = rebuildCells(img.rebuild);
      out.push(`| ${code(img.file)}${img.target ? ` (${code(img.target)})` : ''} | ${what} | ${from} | ${time} |`);
    }
    out.push('');
    const fresh = c.images.flatMap((img) => img.newFindings.map((f) => ({ img, f })));
    if (!fresh.length) out.push('**No new findings.**');
    else {
      out.push(`**New findings** (${fresh.length}):`, '');
      for (const { img, f } of fresh.slice(0, MAX_FINDINGS)) {
        const page = ruleDocsUrl(c.docsUrl, f.rule);
        out.push(`- ${code(`${img.file}:${f.range.start.line}`)} ${f.severity} [${f.rule}](${page}): ${text(f.message)}`);
      }
      if (fresh.length > MAX_FINDINGS) out.push(`- … and ${fresh.length - MAX_FINDINGS} more (see the annotations or the SARIF file)`);
    }
    const totals = c.images.filter((i) => i.rebuild.kind !== 'error').map((i) => `${code(i.file)} ${i.findings}${i.baseFindings !== null ? ` (base ${i.baseFindings})` : ''}`);
    if (totals.length) out.push('', `Findings in all: ${totals.join(', ')}.`);
  }
  out.push('', `<sub>layerwise ${text(c.version)} · base ${short(c.baseSha)} · head ${short(c.headSha)} · this comment is updated on each push</sub>`, '');
  return out.join('\n');
}
