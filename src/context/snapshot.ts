/**
 * Walks kept between opens of the same context in one process (the editor server analyzes the
 * same folder on every keystroke): a walk is reused while `lstat` shows every directory it
 * listed and every entry it sent as they were (modification and change times, inode, size,
 * mode), like git's index. A file's digest is reused on the same terms.
 *
 * Time stamps are only as fine as the file system's clock: a change made in the same tick
 * as the walk leaves them equal. As git does with "racily clean" entries, a stamp less than
 * {@link RACY_MS} before the walk began is not trusted: such a directory is listed again and
 * such a file hashed again.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { compareGo } from './gopath.js';
import { RACY_MS, STAMP_WIDTH, type WalkRecord } from './walk.js';
import type { ContextEntry } from './walk.js';

const racy = (r: WalkRecord, ms: number) => ms >= r.startedAt - RACY_MS;

function statOf(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function sameEntry(e: ContextEntry, st: Stats | undefined, stamps: Float64Array, i: number): boolean {
  if (!st) return false;
  const o = i * STAMP_WIDTH;
  return st.mtimeMs === stamps[o] && st.ctimeMs === stamps[o + 1] && st.ino === stamps[o + 2] && st.size === e.size && (st.mode & 0o7777) === e.mode;
}

/**
 * Whether the disk still holds what `r` saw: every listed directory unchanged (a racy one
 * listed again, its names compared) and every entry unchanged.
 */
export function stillFresh(r: WalkRecord): boolean {
  for (const d of r.dirs) {
    const abs = d.rel === '' ? r.root : path.join(r.root, d.rel);
    const st = statOf(abs);
    if (!st || !st.isDirectory() || st.mtimeMs !== d.mtimeMs || st.ctimeMs !== d.ctimeMs) return false;
    if (d.names) {
      let names: string[];
      try {
        names = readdirSync(abs).sort(compareGo);
      } catch {
        return false;
      }
      if (names.length !== d.names.length || names.some((n, i) => n !== d.names![i])) return false;
    }
  }
  for (let i = 0; i < r.entries.length; i++) {
    if (!sameEntry(r.entries[i], statOf(path.join(r.root, r.entries[i].path)), r.stamps, i)) return false;
  }
  return true;
}

/** Paths of `r`'s regular files whose digests can be trusted: stamps not racy. */
export function racyFiles(r: WalkRecord): string[] {
  const out: string[] = [];
  for (let i = 0; i < r.entries.length; i++) {
    const o = i * STAMP_WIDTH;
    if (r.entries[i].type === 'file' && (racy(r, r.stamps[o]) || racy(r, r.stamps[o + 1]))) out.push(r.entries[i].path);
  }
  return out;
}

/**
 * The file entries of `next` whose content is known from `prev`: same path, same stamps,
 * size and mode, not racy in `prev`. Their digests carry over to the new walk.
 */
export function carriedFiles(prev: WalkRecord, next: WalkRecord): Set<string> {
  const before = new Map<string, number>();
  prev.entries.forEach((e, i) => {
    if (e.type === 'file') before.set(e.path, i);
  });
  const out = new Set<string>();
  next.entries.forEach((e, j) => {
    const i = before.get(e.path);
    if (i === undefined || e.type !== 'file') return;
    const a = i * STAMP_WIDTH;
    const b = j * STAMP_WIDTH;
    const p = prev.stamps;
    const n = next.stamps;
    if (p[a] !== n[b] || p[a + 1] !== n[b + 1] || p[a + 2] !== n[b + 2]) return;
    if (prev.entries[i].size !== e.size || prev.entries[i].mode !== e.mode) return;
    if (racy(prev, p[a]) || racy(prev, p[a + 1])) return;
    out.add(e.path);
  });
  return out;
}
