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
  const absRoot = await resolveRoot(root);
  const out: ContextEntry[] = [];
  const pruneByPrefix = matcher !== undefined && onlyPrefixExceptions(matcher);
  // Excluded ancestors of the current directory, emitted once something below is included.
  const pending: { entry: ContextEntry; emitted: boolean }[] = [];

  const walkDir = async (dirRel: string, parentInfo: MatchInfo | undefined, dirExcluded: boolean): Promise<void> => {
    const dirAbs = dirRel === '' ? absRoot : path.join(absRoot, dirRel);
    let names: string[];
    try {
      names = await readdir(dirAbs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (dirExcluded && (code === 'EACCES' || code === 'EPERM')) return;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // vanished while walking
      throw new InputError(`cannot read directory ${dirRel || '.'} of the build context (${code ?? (err as Error).message})`, dirAbs);
    }
    names.sort(compareGo);
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
            p.emitted = true;
          }
        }
        out.push(entry);
      }
      if (entry.type === 'dir') {
        if (excluded) pending.push({ entry, emitted: false });
        const depth = pending.length;
        await walkDir(rel, info, excluded);
        if (excluded) pending.length = depth - 1;
      }
    }
  };

  await walkDir('', undefined, false);
  return out;
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
