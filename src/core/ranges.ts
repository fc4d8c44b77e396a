/**
 * Positions and ranges. Lines and columns are 1-based (as in `file:line:col` messages and
 * BuildKit's own ranges); `offset` is the 0-based UTF-16 index into the source text, so a
 * range can be sliced out of the text it came from and turned into a text edit.
 */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A half-open range: `end` is the position just after the last character. */
export interface Range {
  start: Position;
  end: Position;
}

/** Maps offsets of one text to positions; built once per text, queries are O(log lines). */
export class LineIndex {
  /** Offsets at which each line starts. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // BuildKit splits lines on \n only; a \r before it belongs to the line ending.
      if (c === 10) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Offset of the first character of 1-based `line`. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))];
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1, offset: o };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }
}

/** A range covering nothing at the start of a text, for things that have no place of their own. */
export function emptyRange(): Range {
  const p = { line: 1, column: 1, offset: 0 };
  return { start: p, end: { ...p } };
}

export function formatPosition(file: string, pos: Pick<Position, 'line' | 'column'>): string {
  return `${file}:${pos.line}:${pos.column}`;
}
