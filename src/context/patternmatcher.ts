/**
 * A port of moby/patternmatcher, the matcher BuildKit uses for .dockerignore (fsutil's
 * filtered walk), for `COPY --exclude` and for cache keys of filtered copies:
 * https://github.com/moby/patternmatcher/blob/main/patternmatcher.go
 *
 * Semantics kept exactly: patterns are trimmed and `filepath.Clean`ed, a leading `!` makes an
 * exception, the last matching pattern wins, `*`/`?` stop at `/`, `**` spans directories, a
 * pattern also matches everything below a path it matches, and matching is case-sensitive.
 */
import { BadPatternError, goClean, goMatch, goTrimSpace } from './gopath.js';

/** One pattern after cleaning, as BuildKit holds it. */
export interface Pattern {
  /** Cleaned pattern without its `!`. */
  readonly cleaned: string;
  /** True for an exception (`!pattern`): a match re-includes. */
  readonly exclusion: boolean;
}

/** Per-pattern "this directory or one of its parents matched", carried down a walk. */
export type MatchInfo = readonly boolean[];

type Kind = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface Compiled extends Pattern {
  kind: Kind;
  regexp?: RegExp;
}

/** An error in one pattern; `index` is its position in the list given to the matcher. */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

export class PatternMatcher {
  readonly patterns: readonly Pattern[];
  /** True when any pattern is an exception; BuildKit then cannot prune excluded directories. */
  readonly exclusions: boolean;
  private readonly compiled: Compiled[];
  /** Index into the caller's list for each kept pattern (blank ones are dropped). */
  readonly sourceIndex: readonly number[];

  /** `patternmatcher.New`: throws {@link PatternError} for `!` alone or a malformed glob. */
  constructor(raw: readonly string[]) {
    const compiled: Compiled[] = [];
    const sourceIndex: number[] = [];
    raw.forEach((text, index) => {
      let p = goTrimSpace(text);
      if (p === '') return;
      p = goClean(p);
      let exclusion = false;
      if (p[0] === '!') {
        if (p.length === 1) throw new PatternError('illegal exclusion pattern: "!"', index);
        exclusion = true;
        p = p.slice(1);
      }
      try {
        // Go validates with filepath.Match(p, "."), which checks the whole pattern.
        goMatch(p, '.');
      } catch (err) {
        if (err instanceof BadPatternError) throw new PatternError(err.message, index);
        throw err;
      }
      compiled.push({ cleaned: p, exclusion, ...compile(p) });
      sourceIndex.push(index);
    });
    this.compiled = compiled;
    this.patterns = compiled;
    this.sourceIndex = sourceIndex;
    this.exclusions = compiled.some((p) => p.exclusion);
  }

  /**
   * `MatchesUsingParentResults`: the form fsutil's walker and BuildKit's copy use. `parent`
   * is the info returned for the parent directory, or undefined at the top of a walk (then
   * the parents of `file` are checked explicitly, as Go does for an empty MatchInfo).
   *
   * Kept faithfully, including its quirk: a pattern skipped by the "already decided"
   * short-cut records false for the children. So `a`, `!a/b`, `a` keeps `a/b` in the context,
   * and `src/*.py`, `!src` still drops `src/x.py`, where {@link matchesOrParentMatches}
   * answers the opposite in both cases.
   */
  matchesUsingParentResults(file: string, parent?: MatchInfo): { matched: boolean; info: MatchInfo } {
    const hasParent = parent !== undefined && parent.length > 0;
    const info: boolean[] = new Array(this.compiled.length).fill(false);
    let matched = false;
    this.compiled.forEach((pattern, i) => {
      let match = hasParent ? parent[i] : false;
      if (!match) {
        // Skip an inclusion once matched, and an exception while not matched.
        if (pattern.exclusion !== matched) return;
        match = matchOne(pattern, file);
        if (!match && !hasParent) match = parentDirsMatch(pattern, file);
      }
      info[i] = match;
      if (match) matched = !pattern.exclusion;
    });
    return { matched, info };
  }

  /** `MatchesOrParentMatches`: the stateless form (BuildKit's CopyIgnoredFile check uses it). */
  matchesOrParentMatches(file: string): boolean {
    let matched = false;
    for (const pattern of this.compiled) {
      if (pattern.exclusion !== matched) continue;
      if (matchOne(pattern, file) || parentDirsMatch(pattern, file)) matched = !pattern.exclusion;
    }
    return matched;
  }
}

function parentDirsMatch(pattern: Compiled, file: string): boolean {
  const slash = file.lastIndexOf('/');
  if (slash <= 0) return false;
  const dirs = file.slice(0, slash).split('/');
  for (let i = 1; i <= dirs.length; i++) {
    if (matchOne(pattern, dirs.slice(0, i).join('/'))) return true;
  }
  return false;
}

function matchOne(p: Compiled, path: string): boolean {
  switch (p.kind) {
    case 'exact':
      return path === p.cleaned;
    case 'prefix':
      return path.startsWith(p.cleaned.slice(0, -2));
    case 'suffix': {
      const suffix = p.cleaned.slice(2);
      return path.endsWith(suffix) || (suffix[0] === '/' && path === suffix.slice(1));
    }
    case 'regexp':
      return p.regexp!.test(path);
  }
}

// Regexp metacharacters that are not glob syntax (patternmatcher's shouldEscape).
const ESCAPE = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/**
 * patternmatcher's `compile`: glob → anchored regexp, with the same exact/prefix/suffix
 * short-cuts (they only make matching faster; results equal the regexp's).
 */
function compile(pattern: string): { kind: Kind; regexp?: RegExp } {
  let re = '^';
  let kind: Kind = 'exact';
  const chars = Array.from(pattern);
  for (let i = 0, step = 0; i < chars.length; i++, step++) {
    const ch = chars[i];
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++; // `**/` is `**`
        if (i + 1 >= chars.length) {
          // `**` at the end matches everything, slashes included.
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (step === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ESCAPE.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        re += '\\' + chars[++i];
        kind = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }
  if (kind !== 'regexp') return { kind };
  // Go's RE2 and JavaScript agree on everything this produces except exotic escapes such as
  // `\pL` or `[[:alpha:]]`, and `.`-like classes on `\r`, which no real .dockerignore uses.
  return { kind, regexp: new RegExp(re + '$') };
}
