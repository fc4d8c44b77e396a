/**
 * Content identity of context entries, so "did anything this COPY reads change" is one digest
 * comparison. What counts mirrors what BuildKit puts in its content cache keys
 * (cache/contenthash: a tarsum-style header without mtime, plus the bytes): file bytes and
 * permission bits, a directory's permission bits, a symlink's target string. Not mtime (BuildKit
 * leaves it out of the header) and not uid/gid (buildx resets them to 0 when sending the
 * context).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { compareGo } from './gopath.js';
import type { ContextEntry } from './walk.js';

export interface HashOptions {
  /** Files open at once; each holds one read buffer. Default 16. */
  concurrency?: number;
  /** Per-path identity digests already known (filled in as files are hashed). */
  cache?: Map<string, Promise<string>>;
}

const DEFAULT_CONCURRENCY = 16;
const CHUNK_BYTES = 128 * 1024;

/**
 * Identity digest (`sha256:<hex>`) of each entry, keyed by path. Files are streamed through a
 * fixed buffer per worker, so memory stays at `concurrency × 128 KiB` whatever the file sizes.
 * Throws InputError naming the file when one cannot be read.
 */
export async function hashEntries(root: string, entries: readonly ContextEntry[], options: HashOptions = {}): Promise<Map<string, string>> {
  const cache = options.cache ?? new Map<string, Promise<string>>();
  const withBuffer = bufferPool(options.concurrency ?? DEFAULT_CONCURRENCY);
  for (const entry of entries) {
    if (cache.has(entry.path)) continue;
    const digest =
      entry.type === 'file'
        ? withBuffer((buffer) => hashFile(root, entry, buffer)).then((content) => identity(entry, content))
        : Promise.resolve(identity(entry));
    cache.set(entry.path, digest);
  }
  // Promise.all handles every rejection at once (awaiting one by one would leave later
  // failures unhandled for a while, which Node treats as fatal).
  const digests = await Promise.all(entries.map((e) => cache.get(e.path)!));
  return new Map(entries.map((e, i) => [e.path, digests[i]]));
}

/**
 * Runs tasks with one of at most `size` read buffers each: the bound on open files and on
 * memory. Tasks wait in order for a free buffer.
 */
function bufferPool(size: number): <T>(task: (buffer: Buffer) => Promise<T>) => Promise<T> {
  const free: Buffer[] = [];
  const waiting: (((buffer: Buffer) => void) | undefined)[] = [];
  let head = 0; // index queue: Array#shift is linear on long queues
  let created = 0;
  const acquire = (): Promise<Buffer> => {
    const buffer = free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (created < Math.max(1, size)) {
      created++;
      return Promise.resolve(Buffer.allocUnsafe(CHUNK_BYTES));
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (buffer: Buffer): void => {
    if (head < waiting.length) {
      const next = waiting[head]!;
      waiting[head++] = undefined; // let the closure go
      next(buffer);
    } else {
      waiting.length = head = 0;
      free.push(buffer);
    }
  };
  return async (task) => {
    const buffer = await acquire();
    try {
      return await task(buffer);
    } finally {
      release(buffer);
    }
  };
}

/**
 * One digest for a selection, independent of the order given: entries are sorted by path
 * (Go byte order) and each contributes its path and identity.
 */
export function combinedDigest(entries: readonly ContextEntry[], digests: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  const paths = [...new Set(entries.map((e) => e.path))].sort(compareGo);
  for (const p of paths) {
    const d = digests.get(p);
    if (d === undefined) throw new Error(`no digest for ${p}`);
    hash.update(p).update('\0').update(d).update('\n');
  }
  return 'sha256:' + hash.digest('hex');
}

/** Identity of one entry; for files `content` is the sha256 hex of the bytes. */
export function identity(entry: ContextEntry, content?: string): string {
  const hash = createHash('sha256').update(entry.type).update('\0');
  switch (entry.type) {
    case 'file':
      hash.update(entry.mode.toString(8)).update('\0').update(content ?? '');
      break;
    case 'symlink':
      hash.update(entry.linkTarget ?? '');
      break;
    default:
      hash.update(entry.mode.toString(8));
  }
  return 'sha256:' + hash.digest('hex');
}

async function hashFile(root: string, entry: ContextEntry, buffer: Buffer): Promise<string> {
  const abs = path.join(root, entry.path);
  let handle;
  try {
    // O_NOFOLLOW: the walk saw a regular file; if it became a symlink since, fail, not follow.
    handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw unreadable(entry, abs, err);
  }
  try {
    const hash = createHash('sha256');
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      hash.update(buffer.subarray(0, bytesRead));
      // A short read of a regular file is its end: saves a read call per small file.
      if (bytesRead < buffer.length) break;
    }
    return hash.digest('hex');
  } catch (err) {
    throw unreadable(entry, abs, err);
  } finally {
    await handle.close();
  }
}

function unreadable(entry: ContextEntry, abs: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new InputError(`cannot read ${entry.path} in the build context (${code})`, abs);
}
