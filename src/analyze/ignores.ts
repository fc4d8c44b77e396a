/**
 * Inline ignores, hadolint-style: `# layerwise ignore=rule-a,rule-b` in the comment lines
 * directly above an instruction silences those rules on it; `# layerwise global ignore=...`
 * anywhere silences them in the whole file.
 */
import type { Dockerfile } from '../dockerfile/model.js';

export interface Ignores {
  global: Set<string>;
  /** Rule names ignored per instruction, by the instruction's first line. */
  byLine: Map<number, Set<string>>;
  /** Lines the instructions span: first line → last line. */
  spans: [number, number][];
}

const NAMES = /^[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*$/;

function names(list: string): string[] {
  return NAMES.test(list.trim()) ? list.split(',').map((s) => s.trim()) : [];
}

export function readIgnores(df: Dockerfile): Ignores {
  const global = new Set<string>();
  for (const line of df.source.split('\n')) {
    const m = /^\s*#\s*layerwise\s+global\s+ignore\s*=\s*(.+?)\s*$/.exec(line);
    if (m) names(m[1]).forEach((n) => global.add(n));
  }
  const byLine = new Map<number, Set<string>>();
  const spans: [number, number][] = [];
  for (const inst of df.instructions) {
    spans.push([inst.range.start.line, inst.range.end.line]);
    for (const c of inst.comments) {
      const m = /^layerwise\s+ignore\s*=\s*(.+?)\s*$/.exec(c);
      if (!m) continue;
      const set = byLine.get(inst.range.start.line) ?? new Set<string>();
      names(m[1]).forEach((n) => set.add(n));
      byLine.set(inst.range.start.line, set);
    }
  }
  return { global, byLine, spans };
}

/** Whether a finding of `rule` starting at `line` is silenced. */
export function isIgnored(ig: Ignores, rule: string, line: number): boolean {
  if (ig.global.has(rule)) return true;
  const span = ig.spans.find(([a, b]) => line >= a && line <= b);
  return !!span && !!ig.byLine.get(span[0])?.has(rule);
}
