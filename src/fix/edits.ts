/**
 * Fixes are text edits, applied by one applier: sorted, overlapping edits set aside (they are
 * planned again on the next pass), every other line of the file kept byte for byte.
 */
import { diffLines } from 'diff';

export interface TextEdit {
  /** Offsets into the text the edit was planned on; `start === end` inserts. */
  start: number;
  end: number;
  text: string;
}

export interface Applied {
  text: string;
  applied: TextEdit[];
  /** Edits that overlapped an earlier one: left for the next pass. */
  skipped: TextEdit[];
}

export function applyEdits(source: string, edits: readonly TextEdit[]): Applied {
  // Stable order: by start, inserts before replacements at the same offset, then as planned.
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || (a.e.end - a.e.start) - (b.e.end - b.e.start) || a.i - b.i).map((x) => x.e);
  const applied: TextEdit[] = [];
  const skipped: TextEdit[] = [];
  let last = -1;
  for (const e of sorted) {
    // Touching is not overlapping: an insert at the end of a replaced span is kept.
    if (e.start < last) {
      skipped.push(e);
      continue;
    }
    applied.push(e);
    last = Math.max(last, e.end);
  }
  let out = '';
  let at = 0;
  for (const e of applied) {
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return { text: out + source.slice(at), applied, skipped };
}

/**
 * The edits that turn `before` into `after`, whole lines replaced, inserted or removed, in the
 * applier's form: `applyEdits(before, editsBetween(before, after)).text === after`. Fix runs
 * its transforms to a fixpoint, each pass planning on the text the one before left, so what a
 * caller holding `before` (an editor's buffer) applies is the difference of the two texts.
 */
export function editsBetween(before: string, after: string): TextEdit[] {
  const edits: TextEdit[] = [];
  let at = 0;
  let open: TextEdit | null = null;
  for (const part of diffLines(before, after)) {
    if (part.added) {
      open ??= { start: at, end: at, text: '' };
      open.text += part.value;
    } else if (part.removed) {
      open ??= { start: at, end: at, text: '' };
      at += part.value.length;
      open.end = at;
    } else {
      if (open) edits.push(open);
      open = null;
      at += part.value.length;
    }
  }
  if (open) edits.push(open);
  return edits;
}
