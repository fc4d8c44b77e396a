/**
 * Build logs users already have: `docker build --progress=plain` output saved from CI (with
 * or without our `<seconds>\t` timestamps) or `--progress=rawjson` streams, read into the same
 * vertex records our own driver makes.
 */
import { readFile } from 'node:fs/promises';
import { parseRawJsonProgress } from '../engine/progress-rawjson.js';
import { parsePlainProgress, parseTimedTranscript, type Vertex } from '../engine/progress.js';
import { InputError } from '../core/errors.js';

export interface LogRecord {
  vertices: Vertex[];
  /** Known only when the log carries times (rawjson, or a timed transcript). */
  wallSeconds: number;
}

export async function readBuildLog(file: string): Promise<LogRecord> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read build log: ${(e as Error).message}`, file);
  }
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  if (first.trimStart().startsWith('{')) {
    // rawjson times are absolute: the build's clock starts at its first vertex.
    const p = parseRawJsonProgress(text, 0);
    const starts = p.vertices.map((v) => v.started).filter((x): x is number => x !== undefined);
    const ends = p.vertices.map((v) => v.completed).filter((x): x is number => x !== undefined);
    return { vertices: p.vertices, wallSeconds: starts.length && ends.length ? Math.max(...ends) - Math.min(...starts) : 0 };
  }
  if (/^\d+(\.\d+)?\t/.test(first)) {
    const lines = parseTimedTranscript(text);
    return { vertices: parsePlainProgress(lines).vertices, wallSeconds: Math.max(0, ...lines.map((l) => l.at ?? 0)) };
  }
  const p = parsePlainProgress(text);
  if (!p.vertices.length) throw new InputError('not a BuildKit progress log (no #N step lines)', file);
  // Plain logs carry durations but no clock: the overhead outside steps cannot be told.
  return { vertices: p.vertices, wallSeconds: 0 };
}
