/**
 * Fixes are text edits, applied by one applier: sorted, overlapping edits set aside (they are
 * planned again on the next pass), every other line of the file kept byte for byte.
 */
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
