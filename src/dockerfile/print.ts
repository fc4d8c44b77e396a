/**
 * Prints a Dockerfile back from its model. The text is cut into pieces that tile it: the
 * instructions (by their ranges, continuation lines and heredoc bodies included) and the
 * trivia between them (BOM, directives, comments, blank space, line ends). Printing the pieces
 * in order gives the file back byte for byte; a range that is off shows up as a gap, an
 * overlap or a piece of the wrong kind, which is what the round-trip tests look for.
 */
import { isSpace } from './chars.js';
import type { Dockerfile } from './model.js';

export type PieceKind = 'bom' | 'directive' | 'comment' | 'space' | 'newline' | 'instruction' | 'other';

/** A slice `[start, end)` of the source (UTF-16 offsets). */
export interface Piece {
  kind: PieceKind;
  start: number;
  end: number;
}

/** The pieces of a Dockerfile's source, in order. */
export function tileDockerfile(df: Dockerfile): Piece[] {
  const src = df.source;
  const pieces: Piece[] = [];
  const directiveStarts = new Set(df.directives.map((d) => d.range.start.offset));
  let cursor = 0;
  if (df.bom) {
    pieces.push({ kind: 'bom', start: 0, end: 1 });
    cursor = 1;
  }
  const trivia = (from: number, to: number) => {
    let i = from;
    while (i < to) {
      const nl = src.indexOf('\n', i);
      const lineEnd = nl < 0 || nl >= to ? to : nl;
      // The line ending: \n with any \r before it (BuildKit trims all of them).
      let contentEnd = lineEnd;
      while (contentEnd > i && src[contentEnd - 1] === '\r') contentEnd--;
      let j = i;
      while (j < contentEnd && isSpace(src[j]) && src[j] !== '\r' && src[j] !== '\n') j++;
      if (j > i) pieces.push({ kind: 'space', start: i, end: j });
      if (j < contentEnd) {
        const kind: PieceKind = src[j] !== '#' ? 'other' : directiveStarts.has(j) ? 'directive' : 'comment';
        pieces.push({ kind, start: j, end: contentEnd });
      }
      const next = lineEnd < to ? lineEnd + 1 : to;
      if (next > contentEnd) pieces.push({ kind: 'newline', start: contentEnd, end: next });
      i = next;
    }
  };
  for (const inst of df.instructions) {
    const { start, end } = inst.range;
    trivia(cursor, start.offset);
    pieces.push({ kind: 'instruction', start: start.offset, end: end.offset });
    cursor = Math.max(cursor, end.offset);
  }
  trivia(cursor, src.length);
  return pieces;
}

/** The source text rebuilt from the model's pieces: identical to `df.source`. */
export function printDockerfile(df: Dockerfile): string {
  return tileDockerfile(df).map((p) => df.source.slice(p.start, p.end)).join('');
}
