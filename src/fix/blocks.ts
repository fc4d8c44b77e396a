/**
 * An instruction as a block of lines: its own lines and the comment lines directly above it
 * (they explain it, so they move with it), as offsets into the source.
 */
import type { Dockerfile, Instruction } from '../dockerfile/model.js';

export interface Block {
  /** Start of the first comment line above the instruction (or of the instruction). */
  start: number;
  /** Start of the instruction's own first line. */
  instructionStart: number;
  /** Just after the instruction's last line ending. */
  end: number;
}

function lineStart(src: string, offset: number): number {
  return src.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(src: string, offset: number): number {
  const nl = src.indexOf('\n', offset);
  return nl < 0 ? src.length : nl + 1;
}

export function blockOf(df: Dockerfile, inst: Instruction): Block {
  const src = df.source;
  const instructionStart = lineStart(src, inst.range.start.offset);
  let start = instructionStart;
  // Walk up over comment lines (not blank ones, not directives at the top of the file).
  while (start > 0) {
    const prev = lineStart(src, start - 1);
    const text = src.slice(prev, start).trim();
    if (!text.startsWith('#') || df.directives.some((d) => d.range.start.offset >= prev && d.range.start.offset < start)) break;
    start = prev;
  }
  return { start, instructionStart, end: lineEnd(src, inst.range.end.offset) };
}

/** Whether the line just before `offset` is blank (so a removed block should take it along). */
export function blankBefore(src: string, offset: number): number | null {
  if (offset === 0) return null;
  const prev = lineStart(src, offset - 1);
  return src.slice(prev, offset).trim() === '' ? prev : null;
}
