import { readFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import type { Dockerfile } from './model.js';
import { parseDockerfile } from './parse.js';

/**
 * Reads and parses a Dockerfile. A file that cannot be read is an input error, never a crash;
 * bytes that are not UTF-8 are read as BuildKit reads them ({@link decodeBytes}).
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
  return parseDockerfile(decodeBytes(bytes), displayName);
}

/**
 * The text of a Dockerfile's bytes. BuildKit reads a Dockerfile as bytes and never rejects one
 * for its encoding: a byte that is not part of well-formed UTF-8 (Latin-1 in a comment, say)
 * is read, and reaches ENV, LABEL and RUN as U+FFFD, one per byte (checked on v0.8: `ENV
 * A=caf\xe9` gives `A=caf\ufffd`). The text keeps each such byte as the lone surrogate
 * U+DC00+byte (Python's "surrogateescape"), so that the file prints back byte for byte
 * ({@link encodeDockerfile}) while a UTF-8 encoding of it (cache-key digests, output) turns
 * each one into U+FFFD, as BuildKit does.
 */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const bad = nextInvalidUtf8(bytes, i);
      if (bad > i) out += strict.decode(bytes.subarray(i, bad));
      if (bad < bytes.length) out += String.fromCharCode(0xdc00 + bytes[bad]);
      i = bad + 1;
    }
    return out;
  }
}

/** A lone low surrogate U+DC80-U+DCFF: a byte {@link decodeBytes} could not read as UTF-8. */
const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/g;

/**
 * A string of the model as BuildKit sees it in the build: each byte that is not UTF-8 is
 * U+FFFD (so `caf\xe9` and `caf\xea` are the same ENV value to its cache, checked on v0.8).
 */
export function asBuildKitSees(s: string): string {
  return s.replace(ESCAPED_BYTE, '\ufffd');
}

/** The bytes of a Dockerfile's text: UTF-8, with each byte {@link decodeBytes} kept as it was. */
export function encodeDockerfile(text: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const m of text.matchAll(ESCAPED_BYTE)) {
    parts.push(Buffer.from(text.slice(from, m.index), 'utf8'), Buffer.from([m[0].charCodeAt(0) - 0xdc00]));
    from = m.index! + 1;
  }
  if (!parts.length) return Buffer.from(text, 'utf8');
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * Index of the first byte at or after `from` that does not begin a well-formed UTF-8
 * sequence (Go's utf8.DecodeRune rules: no overlong forms, no surrogates, nothing past
 * U+10FFFF), or the length when there is none.
 */
function nextInvalidUtf8(b: Uint8Array, from: number): number {
  let i = from;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    // The second byte's range depends on the first (RFC 3629's table).
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return i;
}
