/**
 * Which context entries a COPY/ADD source or a RUN bind mount reads, as BuildKit resolves it
 * (dockerfile2llb dispatchCopy → FileOp copy with AllowWildcard, AllowEmptyWildcard,
 * FollowSymlinks and CopyDirContentsOnly; fsutil/copy; cache/contenthash). Decisions mirrored:
 *
 * - A source is joined to `/` (`system.NormalizePath("/", src)`), so `..` cannot leave the
 *   context: `../x` reads `x` at the context root. Such sources are reported in `outside`.
 * - A source is a glob when a segment holds an unescaped `*`, `?` or `[`. The segments before
 *   it are a plain path (symlinks followed); the rest is matched with Go's `filepath.Match`
 *   against paths below it, so `*` stays within one segment and `**` is just `*`: it is not
 *   "any depth" in COPY, unlike in .dockerignore. A matched directory is taken whole.
 * - A glob that matches nothing copies nothing and the build goes on (AllowEmptyWildcard);
 *   a plain path that is absent fails the build, and so does a glob whose plain directory
 *   part is absent (fsutil walks it and gets ENOENT). Both are reported, not thrown.
 * - The source path itself is resolved through symlinks (within the context, absolute links
 *   restart at the context root); symlinks inside a copied directory are copied as links.
 * - `--exclude` patterns are matched, with the .dockerignore matcher, against paths relative
 *   to each resolved source; they never exclude the source itself.
 * - Only what survived .dockerignore exists: an ignored path is "not found".
 */
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { BadPatternError, compareGo, containsWildcards, goMatch, splitWildcards } from './gopath.js';
import { PatternError, PatternMatcher, type MatchInfo } from './patternmatcher.js';
import type { ContextEntry } from './walk.js';

/** Why a source read nothing. */
export type MissingReason =
  /** A plain path that is not in the context (absent, or excluded by .dockerignore). */
  | 'not-found'
  /** A glob that matched nothing: BuildKit copies nothing and carries on. */
  | 'no-match'
  /** The plain directory part of a glob is not in the context. */
  | 'base-not-found'
  /** A malformed glob (`[` unclosed, trailing `\`). */
  | 'bad-pattern'
  /** The path runs through a loop of symlinks: BuildKit fails the step ("too many links"). */
  | 'symlink-loop';

export interface MissingSource {
  /** The source as given. */
  readonly source: string;
  readonly reason: MissingReason;
  /** Whether BuildKit fails the build on it (when the step runs, not before). */
  readonly failsBuild: boolean;
  /** True when .dockerignore excludes the path: the usual cause of a "not found". */
  readonly ignored: boolean;
  /** For a symlink loop: the link where resolving gave up. */
  readonly loop?: string;
}

/** What one instruction reads from the context. */
export interface Selection {
  /** Every entry read, files, directories and symlinks, sorted by path, without duplicates. */
  readonly entries: readonly ContextEntry[];
  /** The regular files among `entries`. */
  readonly files: readonly ContextEntry[];
  readonly missing: readonly MissingSource[];
  /** Sources whose path climbs above the context root; BuildKit clamps them to the root. */
  readonly outside: readonly string[];
}

export interface SelectOptions {
  /** `COPY --exclude` patterns (already variable-expanded). */
  exclude?: readonly string[];
}

// continuity's fs.RootPath gives up after 255 links.
const MAX_LINKS = 255;

type Resolved = { found: true; path: string; entry: ContextEntry | undefined; links: ContextEntry[] } | { found: false; loop?: string };

/** The walked context indexed for lookups; built once per context. */
export class ContextIndex {
  private readonly byPath = new Map<string, ContextEntry>();
  private readonly childrenOf = new Map<string, ContextEntry[]>();

  constructor(readonly entries: readonly ContextEntry[]) {
    for (const entry of entries) {
      this.byPath.set(entry.path, entry);
      const parent = parentOf(entry.path);
      let siblings = this.childrenOf.get(parent);
      if (!siblings) this.childrenOf.set(parent, (siblings = []));
      siblings.push(entry);
    }
    for (const siblings of this.childrenOf.values()) siblings.sort((a, b) => compareGo(a.path, b.path));
  }

  get(rel: string): ContextEntry | undefined {
    return this.byPath.get(rel);
  }

  children(dir: string): readonly ContextEntry[] {
    return this.childrenOf.get(dir) ?? [];
  }

  /**
   * Resolves `rel` inside the context like continuity's `fs.RootPath`: `..` stops at the
   * root, a symlink is replaced by its target (absolute targets start again at the root),
   * the last component is followed only when `followLast`. A loop is not found, with the link
   * where it gave up: the build fails at that step, as a missing source does, so it is reported
   * where the step reads it rather than thrown without a place.
   */
  resolve(rel: string, followLast: boolean): Resolved {
    let queue = splitPath(rel);
    const resolved: string[] = [];
    const links: ContextEntry[] = [];
    while (queue.length > 0) {
      const part = queue[0];
      queue = queue.slice(1);
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const candidate = [...resolved, part].join('/');
      const entry = this.byPath.get(candidate);
      if (!entry) return { found: false };
      if (entry.type === 'symlink' && (queue.length > 0 || followLast)) {
        links.push(entry);
        if (links.length > MAX_LINKS) return { found: false, loop: entry.path };
        const target = entry.linkTarget ?? '';
        if (target.startsWith('/')) resolved.length = 0;
        queue = [...splitPath(target), ...queue];
        continue;
      }
      if (queue.length > 0 && entry.type !== 'dir') return { found: false };
      resolved.push(part);
    }
    const p = resolved.join('/');
    return { found: true, path: p, entry: this.byPath.get(p), links };
  }
}

/**
 * The entries read by a COPY/ADD with these local sources (URLs and git refs are not context
 * sources: leave them out). `ignore` is the .dockerignore matcher, used only to say why a
 * path is missing.
 */
export function selectSources(index: ContextIndex, sources: readonly string[], options: SelectOptions = {}, ignore?: PatternMatcher): Selection {
  const exclude = compileExclude(options.exclude ?? []);
  const acc = new Accumulator();
  for (const source of sources) {
    if (climbsOut(source)) acc.outside.push(source);
    const rel = path.posix.join('/', source).slice(1);
    if (!containsWildcards(rel)) {
      const root = index.resolve(rel, true);
      if (!root.found) acc.missing(source, 'not-found', ignore, rel, root.loop);
      else acc.addRoot(index, root, exclude);
      continue;
    }
    const { base, pattern } = splitWildcards(rel);
    const baseDir = index.resolve(base, true);
    if (!baseDir.found) {
      acc.missing(source, 'base-not-found', ignore, base, baseDir.loop);
      continue;
    }
    baseDir.links.forEach((l) => acc.add(l));
    let matches: string[];
    try {
      matches = baseDir.path === '' || baseDir.entry?.type === 'dir' ? globBelow(index, baseDir.path, pattern) : [];
    } catch (err) {
      if (!(err instanceof BadPatternError)) throw err;
      acc.missing(source, 'bad-pattern');
      continue;
    }
    if (matches.length === 0) acc.missing(source, 'no-match');
    for (const match of matches) {
      // Each match is copied with FollowSymlinks: a matched link is read through.
      const root = index.resolve(match, true);
      if (!root.found) acc.missing(source, 'not-found', ignore, match, root.loop);
      else acc.addRoot(index, root, exclude);
    }
  }
  return acc.result();
}

/**
 * The entries a `RUN --mount=type=bind,source=X` reads from the context: X is a plain path
 * (no globbing; `path.Join("/", source)` like COPY), symlinks followed, a directory whole.
 * The default source is the context root.
 */
export function selectBindMount(index: ContextIndex, source = '', ignore?: PatternMatcher): Selection {
  const acc = new Accumulator();
  if (climbsOut(source)) acc.outside.push(source);
  const rel = path.posix.join('/', source).slice(1);
  const root = index.resolve(rel, true);
  if (!root.found) acc.missing(source, 'not-found', ignore, rel, root.loop);
  else acc.addRoot(index, root, undefined);
  return acc.result();
}

class Accumulator {
  private readonly selected = new Map<string, ContextEntry>();
  private readonly missed: MissingSource[] = [];
  readonly outside: string[] = [];

  add(entry: ContextEntry): void {
    this.selected.set(entry.path, entry);
  }

  missing(source: string, reason: MissingReason, ignore?: PatternMatcher, rel?: string, loop?: string): void {
    if (loop !== undefined) {
      this.missed.push({ source, reason: 'symlink-loop', failsBuild: true, ignored: false, loop });
      return;
    }
    const ignored = ignore !== undefined && rel !== undefined && rel !== '' && ignore.matchesOrParentMatches(rel);
    this.missed.push({ source, reason, failsBuild: reason !== 'no-match', ignored });
  }

  /** Adds a resolved source: the links passed through, the entry, and below a directory
   * everything not excluded (excluded directories still come in when something inside is
   * re-included, as fsutil/copy creates them as parents). */
  addRoot(index: ContextIndex, root: Extract<Resolved, { found: true }>, exclude: PatternMatcher | undefined): void {
    root.links.forEach((l) => this.add(l));
    if (root.entry) this.add(root.entry);
    if (root.path !== '' && root.entry?.type !== 'dir') return;
    const prefix = root.path === '' ? 0 : root.path.length + 1;
    const pending: { entry: ContextEntry; added: boolean }[] = [];
    const visit = (dir: string, parentInfo: MatchInfo | undefined): void => {
      for (const child of index.children(dir)) {
        let excluded = false;
        let info: MatchInfo | undefined;
        if (exclude) {
          const r = exclude.matchesUsingParentResults(child.path.slice(prefix), parentInfo);
          excluded = r.matched;
          info = r.info;
        }
        if (!excluded) {
          for (const p of pending) {
            if (!p.added) {
              this.add(p.entry);
              p.added = true;
            }
          }
          this.add(child);
        }
        if (child.type === 'dir') {
          if (excluded) pending.push({ entry: child, added: false });
          const depth = pending.length;
          visit(child.path, info);
          if (excluded) pending.length = depth - 1;
        }
      }
    };
    visit(root.path, undefined);
  }

  result(): Selection {
    const entries = [...this.selected.values()].sort((a, b) => compareGo(a.path, b.path));
    return { entries, files: entries.filter((e) => e.type === 'file'), missing: this.missed, outside: this.outside };
  }
}

/**
 * fsutil/copy `resolveWildcards`: walk below `base` (not through symlinked directories) and
 * keep each path whose path relative to `base` matches; a matched directory is not entered.
 */
function globBelow(index: ContextIndex, base: string, pattern: string): string[] {
  // `*`, `?` never match `/`, so only paths as deep as the pattern can match, unless a
  // class or an escape could match a slash.
  const depth = pattern.includes('[') || pattern.includes('\\') ? Infinity : pattern.split('/').length;
  const prefix = base === '' ? 0 : base.length + 1;
  const out: string[] = [];
  const visit = (dir: string, level: number): void => {
    for (const child of index.children(dir)) {
      if (goMatch(pattern, child.path.slice(prefix))) {
        out.push(child.path);
        continue;
      }
      if (child.type === 'dir' && level < depth) visit(child.path, level + 1);
    }
  };
  visit(base, 1);
  // Go validates the whole pattern even when nothing was tried against it.
  goMatch(pattern, '');
  return out;
}

function compileExclude(patterns: readonly string[]): PatternMatcher | undefined {
  if (patterns.length === 0) return undefined;
  try {
    return new PatternMatcher(patterns);
  } catch (err) {
    if (err instanceof PatternError) throw new InputError(`invalid --exclude pattern ${JSON.stringify(patterns[err.index])}: ${err.message}`);
    throw err;
  }
}

function climbsOut(source: string): boolean {
  const normalized = path.posix.normalize(source);
  return !source.startsWith('/') && (normalized === '..' || normalized.startsWith('../'));
}

function splitPath(p: string): string[] {
  return p.split('/').filter((part) => part !== '' && part !== '.');
}

function parentOf(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash < 0 ? '' : p.slice(0, slash);
}
