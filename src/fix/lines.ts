/**
 * The lines of the file the user gave: transforms plan on the text of their pass (steps moved,
 * RUNs split, ARGs moved by earlier transforms), so the line numbers in their notes and
 * declines are of that text. `fix` reports them in the ORIGINAL file's lines, so a reason
 * names the line the user sees in their editor (and the one analyze names).
 *
 * Instructions are matched by their text: a moved instruction keeps its text exactly; a split
 * RUN's parts are each a piece of the original's text (its first line, or a later one); an
 * inserted instruction (a narrow COPY, a new stage) has no original and keeps its number.
 */
import { parseDockerfile } from '../dockerfile/parse.js';
import type { Instruction } from '../dockerfile/model.js';

interface Span {
  start: number;
  end: number;
  lines: string[];
  /** The lines joined: what an exact match compares. */
  key: string;
}

/** Spans of the last texts asked: fix asks for the original's and each pass's text once per transform. */
const spansOf = new Map<string, Span[]>();

function spans(text: string): Span[] {
  let out = spansOf.get(text);
  if (out) return out;
  const lines = text.split('\n');
  out = parseDockerfile(text, 'Dockerfile').instructions.map((i: Instruction) => {
    const own = lines.slice(i.range.start.line - 1, i.range.end.line).map((l) => l.trim());
    return { start: i.range.start.line, end: i.range.end.line, lines: own, key: own.join('\n') };
  });
  spansOf.set(text, out);
  if (spansOf.size > 8) spansOf.delete(spansOf.keys().next().value!);
  return out;
}

/** A function from a line of `planned` to the line of `original` it came from (null for a line fix added). */
export function originalLines(original: string, planned: string): (line: number) => number | null {
  if (original === planned) return (l) => l;
  let from: Span[];
  let to: Span[];
  try {
    from = spans(original);
    to = spans(planned);
  } catch {
    return (l) => l;
  }
  const used = new Set<Span>();
  const map = new Map<Span, { span: Span; offset: number }>();
  const byKey = new Map<string, Span[]>();
  for (const f of from) {
    const list = byKey.get(f.key);
    if (list) list.push(f);
    else byKey.set(f.key, [f]);
  }
  // Exact matches first (moved and untouched instructions), nearest first so that twins keep their order.
  for (const t of to) {
    const same = (byKey.get(t.key) ?? []).filter((f) => !used.has(f));
    if (!same.length) continue;
    const f = same.reduce((a, b) => (Math.abs(b.start - t.start) < Math.abs(a.start - t.start) ? b : a));
    used.add(f);
    map.set(t, { span: f, offset: 0 });
  }
  // Then pieces: a part of a split RUN starts with one of the original's lines (after its keyword).
  for (const t of to) {
    if (map.has(t)) continue;
    // The line's command: without the keyword and flags on a first line, without `&&` (or `;`, `||`) on a continuation.
    const command = (l: string, i: number) => (i === 0 ? l.replace(/^\S+\s+(--\S+\s+)*/, '') : l.replace(/^(&&|\|\||;)\s*/, ''));
    const first = command(t.lines[0], 0);
    if (!first) continue;
    const f = from.find((x) => !used.has(x) && x.lines.some((l, i) => command(l, i).startsWith(first)));
    if (!f) continue;
    const offset = f.lines.findIndex((l, i) => command(l, i).startsWith(first));
    map.set(t, { span: f, offset });
  }
  // Last, an instruction a transform rewrote in place (mount flags added, a command dropped):
  // the unmatched original of the same keyword that shares most of its words.
  // Each span's words and keyword worked out once, not once per unmatched instruction of the
  // result (that was quadratic on a long file with many rewritten instructions).
  const wordsOf = new Map<Span, Set<string>>();
  const words = (x: Span) => {
    let w = wordsOf.get(x);
    if (!w) wordsOf.set(x, (w = new Set(x.lines.join(' ').split(/\s+/).filter((w) => w.length > 1 && w !== '\\' && w !== '&&'))));
    return w;
  };
  const keywordOf = (x: Span) => x.lines[0].split(/\s/)[0].toUpperCase();
  const fromKeywords = new Map(from.map((f) => [f, keywordOf(f)]));
  for (const t of to) {
    if (map.has(t)) continue;
    const tw = words(t);
    const tk = keywordOf(t);
    let best: { f: Span; score: number } | null = null;
    for (const f of from) {
      if (used.has(f) || fromKeywords.get(f) !== tk) continue;
      const fw = words(f);
      const shared = [...tw].filter((w) => fw.has(w)).length;
      const score = shared / Math.max(1, Math.min(tw.size, fw.size));
      if (score >= 0.5 && (!best || score > best.score)) best = { f, score };
    }
    if (best) map.set(t, { span: best.f, offset: 0 });
  }
  return (line) => {
    // The spans are in file order and do not overlap: a binary search, not a scan per line asked.
    let lo = 0;
    let hi = to.length - 1;
    let t: Span | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = to[mid];
      if (line < s.start) hi = mid - 1;
      else if (line > s.end) lo = mid + 1;
      else {
        t = s;
        break;
      }
    }
    if (!t) return line;
    const m = map.get(t);
    if (!m) return null;
    return Math.min(m.span.end, m.span.start + m.offset + (line - t.start));
  };
}

/**
 * A message with every `line N`, `lines N, M and K` and `line N-M` read through `map`; a line
 * fix added itself (a narrow COPY) is named as a line of the result.
 */
export function relineMessage(message: string, map: (line: number) => number | null): string {
  return message.replace(/\b(lines?) (\d+(?:(?:, | and |-)\d+)*)/g, (all, word: string, nums: string) => {
    const ns = nums.split(/(, | and |-)/);
    if (ns.some((n, i) => i % 2 === 0 && map(Number(n)) === null)) return `${all} of the result`;
    return `${word} ${ns.map((n, i) => (i % 2 === 0 ? String(map(Number(n))) : n)).join('')}`;
  });
}
