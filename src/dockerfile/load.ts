import { readFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import { LineIndex } from '../core/ranges.js';
import type { Dockerfile } from './model.js';
import { parseDockerfile } from './parse.js';

/**
 * Reads and parses a Dockerfile. A file that cannot be read, is not UTF-8 text or holds NUL
 * bytes is an input error with its location, never a crash.
 */
export async function loadDockerfile(file: string, displayName = file): Promise<Dockerfile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory, not a file' : err.message;
    throw new InputError(`cannot read Dockerfile: ${why}`, displayName);
  }
  return decodeDockerfile(bytes, displayName);
}

/** Decodes a Dockerfile's bytes (a BOM is kept in the text, as the model wants it) and parses it. */
export function decodeDockerfile(bytes: Uint8Array, displayName: string): Dockerfile {
  const nul = bytes.indexOf(0);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
  } catch {
    const good = firstInvalidUtf8(bytes);
    const prefix = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, good));
    throw new InputError('not a text file (invalid UTF-8)', displayName, new LineIndex(prefix).position(prefix.length));
  }
  if (nul >= 0) {
    throw new InputError('not a text file (it contains a NUL byte)', displayName, new LineIndex(text).position(text.length));
  }
  return parseDockerfile(text, displayName);
}

/** Index of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return i;
}
