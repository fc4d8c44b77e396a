/**
 * The build context as BuildKit receives it: a walk of the context directory filtered by the
 * .dockerignore patterns, mirroring fsutil's filtered walk (tonistiigi/fsutil filter.go), which
 * the docker CLI/buildx run on the client to send the context.
 */
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Stats } from 'node:fs';
import { InputError } from '../core/errors.js';
import { compareGo } from './gopath.js';
import type { MatchInfo, PatternMatcher } from './patternmatcher.js';
import { mapLimit } from './pool.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** One path of the context as BuildKit sees it. */
export interface ContextEntry {
  /** Relative POSIX path from the context root, e.g. `src/app.py`. */
  readonly path: string;
  /** `other` is a socket, FIFO or device: sent as such, never read. */
  readonly type: EntryType;
  /** Permission bits with setuid/setgid/sticky (`st_mode & 0o7777`); uid/gid are not kept. */
  readonly mode: number;
  readonly size: number;
  /** For symlinks: the target string, exactly as stored (never resolved by the walk). */
  readonly linkTarget?: string;
}

// Stat calls queued at once inside one directory; bounds memory on huge directories.
const STAT_CONCURRENCY = 64;

/**
 * Walks `root` and returns the entries BuildKit would receive, in walk order (directories
 * before their contents, names in Go byte order).
 *
 * Symlinks are listed, not followed. An excluded directory is only descended into when an
 * exception (`!pattern`) could re-include something below it, using fsutil's own test: if
 * every exception is a plain path (no glob characters before a trailing `/*` or `/**`) only
 * directories that prefix one of them are entered; with any glob exception every excluded
 * directory is entered. An excluded directory reappears in the result when something inside
 * it is re-included, as fsutil sends it as a parent.
 *
 * Throws InputError naming the path when the root or a directory that is sent cannot be read;
 * like fsutil, a permission error inside an excluded directory is ignored.
 */
export async function walkContext(root: string, matcher?: PatternMatcher): Promise<ContextEntry[]> {
  return (await walkRecorded(root, matcher)).entries;
}

/** What a walk saw besides the entries, for telling later whether the disk still holds the same (see context/snapshot.ts). */
export interface WalkRecord {
  /** Absolute, symlink-free root. */
  root: string;
  entries: ContextEntry[];
  /** Per entry (same index): its lstat change times and inode. */
  stamps: Float64Array;
  /** Every directory listed (the sent ones and the excluded ones entered), with its change times. */
  dirs: { rel: string; mtimeMs: number; ctimeMs: number; names?: string[] }[];
  /** `Date.now()` before the first listing: a time stamp this close is not trusted (see snapshot.ts). */
  startedAt: number;
}

/** Numbers per entry in {@link WalkRecord.stamps}: mtimeMs, ctimeMs, ino. */
export const STAMP_WIDTH = 3;

/**
 * Stamps this close (ms) to a walk's start may hide a later change made in the same tick of
 * the file system's clock (see context/snapshot.ts).
 */
export const RACY_MS = 2000;

/** Whether a directory listed at `startedAt` with these stamps must be listed again to be trusted. */
function racyDir(startedAt: number, mtimeMs: number, ctimeMs: number): boolean {
  return mtimeMs >= startedAt - RACY_MS || ctimeMs >= startedAt - RACY_MS;
}

/** {@link walkContext}, keeping what a later stat-based check needs. */
export async function walkRecorded(root: string, matcher?: PatternMatcher): Promise<WalkRecord> {
  const startedAt = Date.now();
  const absRoot = await resolveRoot(root);
  const dirs: WalkRecord['dirs'] = [];
  let stamps: number[] = [];
  const out: ContextEntry[] = [];
  const pruneByPrefix = matcher !== undefined && onlyPrefixExceptions(matcher);
  // Excluded ancestors of the current directory, emitted once something below is included.
  const pending: { entry: ContextEntry; st: Stats; emitted: boolean }[] = [];

  // The directory's stat is taken before its listing (by the parent's listing), so a change
  // made while walking shows in its time stamps.
  const walkDir = async (dirRel: string, parentInfo: MatchInfo | undefined, dirExcluded: boolean, dst: Stats): Promise<void> => {
    const dirAbs = dirRel === '' ? absRoot : path.join(absRoot, dirRel);
    let names: string[];
    const listed: WalkRecord['dirs'][number] = { rel: dirRel, mtimeMs: dst.mtimeMs, ctimeMs: dst.ctimeMs };
    dirs.push(listed);
    try {
      names = await readdir(dirAbs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (dirExcluded && (code === 'EACCES' || code === 'EPERM')) return;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // vanished while walking
      throw new InputError(`cannot read directory ${dirRel || '.'} of the build context (${code ?? (err as Error).message})`, dirAbs);
    }
    names.sort(compareGo);
    // A listing as recent as the clock's tick may miss a change in that tick: keep the names to compare.
    if (racyDir(startedAt, dst.mtimeMs, dst.ctimeMs)) listed.names = names;
    const stats = await mapLimit(names, STAT_CONCURRENCY, async (name) => {
      const abs = path.join(dirAbs, name);
      try {
        const st = await lstat(abs);
        return { st, link: st.isSymbolicLink() ? await readlink(abs) : undefined };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new InputError(`cannot stat ${relJoin(dirRel, name)} in the build context (${(err as NodeJS.ErrnoException).code})`, abs);
      }
    });
    for (let i = 0; i < names.length; i++) {
      const found = stats[i];
      if (!found) continue;
      const rel = relJoin(dirRel, names[i]);
      const entry = toEntry(rel, found.st, found.link);
      let excluded = false;
      let info: MatchInfo | undefined;
      if (matcher) {
        const result = matcher.matchesUsingParentResults(rel, parentInfo);
        info = result.info;
        excluded = result.matched;
        if (excluded && entry.type === 'dir' && pruneByPrefix && !mayReinclude(matcher, rel)) continue;
      }
      if (!excluded) {
        for (const p of pending) {
          if (!p.emitted) {
            out.push(p.entry);
            stamps.push(p.st.mtimeMs, p.st.ctimeMs, p.st.ino);
            p.emitted = true;
          }
        }
        out.push(entry);
        stamps.push(found.st.mtimeMs, found.st.ctimeMs, found.st.ino);
      }
      if (entry.type === 'dir') {
        if (excluded) pending.push({ entry, st: found.st, emitted: false });
        const depth = pending.length;
        await walkDir(rel, info, excluded, found.st);
        if (excluded) pending.length = depth - 1;
      }
    }
  };

  await walkDir('', undefined, false, await lstat(absRoot));
  const packed = Float64Array.from(stamps);
  stamps = [];
  return { root: absRoot, entries: out, stamps: packed, dirs, startedAt };
}

async function resolveRoot(root: string): Promise<string> {
  let abs: string;
  let st: Stats;
  try {
    abs = await realpath(root);
    st = await stat(abs);
  } catch (err) {
    throw new InputError(`cannot read build context (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, root);
  }
  if (!st.isDirectory()) throw new InputError('build context is not a directory', root);
  return abs;
}

function relJoin(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function toEntry(rel: string, st: Stats, link: string | undefined): ContextEntry {
  const type: EntryType = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  const entry: ContextEntry = { path: rel, type, mode: st.mode & 0o7777, size: st.size };
  return link === undefined ? entry : { ...entry, linkTarget: link };
}

// fsutil's patternChars on Unix: an exception holding one of these is "not a prefix".
const PATTERN_CHARS = /[*[\]?^\\]/;

function withoutTrailingGlob(pattern: string): string {
  if (pattern.endsWith('/**')) return pattern.slice(0, -3);
  if (pattern.endsWith('/*')) return pattern.slice(0, -2);
  return pattern;
}

function onlyPrefixExceptions(matcher: PatternMatcher): boolean {
  return !matcher.patterns.some((p) => p.exclusion && PATTERN_CHARS.test(withoutTrailingGlob(p.cleaned)));
}

/** fsutil: an excluded directory is entered only if some exception lies below it. */
function mayReinclude(matcher: PatternMatcher, dirRel: string): boolean {
  if (!matcher.exclusions) return false;
  const dirSlash = dirRel + '/';
  return matcher.patterns.some((p) => p.exclusion && (withoutTrailingGlob(p.cleaned) + '/').startsWith(dirSlash));
}
