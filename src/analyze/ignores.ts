/**
 * Inline ignores, hadolint-style: `# layerwise ignore=rule-a,rule-b` in the comment lines
 * directly above an instruction silences those rules on it; `# layerwise global ignore=...`
 * anywhere silences them in the whole file.
 */
import { InputError } from '../core/errors.js';
import type { Dockerfile } from '../dockerfile/model.js';

export interface Ignores {
  global: Set<string>;
  /** Rule names ignored per instruction, by the instruction's first line. */
  byLine: Map<number, Set<string>>;
  /** Lines the instructions span: first line → last line. */
  spans: [number, number][];
}

const NAMES = /^[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*$/;
const GLOBAL = /^(\s*#\s*layerwise\s+global\s+ignore\s*=\s*)(.*?)\s*$/;
const LOCAL = /^(\s*#\s*layerwise\s+ignore\s*=\s*)(.*?)\s*$/;

/**
 * The rule names of one ignore comment. `known` given: a name that is not a rule, or a list
 * that is not comma-separated names, is an error at its column (a typo would otherwise
 * silence nothing without a word, as hadolint's own config check says of unknown rules).
 */
function names(list: string, at: { file: string; line: number; column: number }, known?: ReadonlySet<string>): string[] {
  if (!NAMES.test(list)) {
    if (known) throw new InputError('ignore= expects rule names separated by commas (see layerwise analyze --list-rules)', at.file, at);
    return [];
  }
  const out: string[] = [];
  const re = /[a-z0-9-]+/g;
  for (let m = re.exec(list); m; m = re.exec(list)) {
    if (known && !known.has(m[0])) {
      throw new InputError(`unknown rule "${m[0]}" in an ignore comment (see layerwise analyze --list-rules)`, at.file, { line: at.line, column: at.column + m.index });
    }
    out.push(m[0]);
  }
  return out;
}

/**
 * The ignore comments of a Dockerfile. With `known` (the rule names), a comment naming
 * something that is not a rule is an {@link InputError} at that name.
 */
export function readIgnores(df: Dockerfile, known?: ReadonlySet<string>): Ignores {
  const lines = df.source.split('\n');
  const global = new Set<string>();
  const local = new Map<number, string[]>(); // line → names, for comment lines that ignore
  lines.forEach((line, i) => {
    const g = GLOBAL.exec(line);
    const l = g ? null : LOCAL.exec(line);
    const m = g ?? l;
    if (!m) return;
    // Columns count UTF-16 units from 1, as the parser's do.
    const found = names(m[2], { file: df.file, line: i + 1, column: m[1].length + 1 }, known);
    if (g) found.forEach((n) => global.add(n));
    else local.set(i + 1, found);
  });
  const byLine = new Map<number, Set<string>>();
  const spans: [number, number][] = [];
  for (const inst of df.instructions) {
    spans.push([inst.range.start.line, inst.range.end.line]);
    // The comment lines BuildKit attaches to the instruction (PrevComment) that are ignores.
    if (!inst.comments.some((c) => /^layerwise\s+ignore\s*=/.test(c))) continue;
    for (let line = inst.range.start.line - 1; line >= 1 && /^\s*(#|$)/.test(lines[line - 1]); line--) {
      const found = local.get(line);
      if (!found || !inst.comments.includes(lines[line - 1].replace(/^\s*#\s*/, '').trim())) continue;
      const set = byLine.get(inst.range.start.line) ?? new Set<string>();
      found.forEach((n) => set.add(n));
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
