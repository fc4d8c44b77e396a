/**
 * Go's path semantics, as Docker and BuildKit apply them to build contexts (Unix flavour:
 * `/` separates, `\` escapes). Node's `path` differs in small ways that change results
 * (trailing slashes, whitespace sets, glob syntax errors), so the pieces BuildKit relies on
 * are ported here rather than approximated.
 */

/** Go's `filepath.ErrBadPattern`; BuildKit fails the build when a pattern is malformed. */
export class BadPatternError extends Error {
  constructor(readonly pattern: string) {
    super(`syntax error in pattern: ${JSON.stringify(pattern)}`);
    this.name = 'BadPatternError';
  }
}

/**
 * Go's `filepath.Clean` on Unix. Unlike `path.posix.normalize` it drops a trailing slash
 * (`a/` → `a`), which is why `docs/` in a .dockerignore means the same as `docs`.
 */
export function goClean(p: string): string {
  const cleaned = p === '' ? '.' : posixNormalize(p);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

function posixNormalize(p: string): string {
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const body = out.join('/');
  if (rooted) return '/' + body;
  return body === '' ? '.' : body;
}

// Go's unicode.IsSpace: differs from String.prototype.trim on U+0085 (Go trims it) and
// U+FEFF (Go keeps it), which matters for .dockerignore lines.
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE, '');
}

/**
 * BuildKit's `containsWildcards` (fsutil/copy and cache/contenthash): `*`, `?` or `[` not
 * preceded by a backslash. Decides whether a COPY source is a glob.
 */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/**
 * BuildKit's `splitWildcards`: the segments before the first one holding a wildcard (resolved
 * as a plain path, following symlinks) and the rest (matched with {@link goMatch} against paths
 * below it). Both halves are relative, without leading slash.
 */
export function splitWildcards(relPath: string): { base: string; pattern: string } {
  const base: string[] = [];
  const pattern: string[] = [];
  for (const part of goClean(relPath).split('/')) {
    if (part === '' || part === '.') continue;
    if (pattern.length > 0 || containsWildcards(part)) pattern.push(part);
    else base.push(part);
  }
  return { base: base.join('/'), pattern: pattern.join('/') };
}

/**
 * Go's `path.Match`/`filepath.Match` on Unix: `*` and `?` never match `/`, `[...]` classes
 * with `^` negation and ranges, `\` escapes. `**` is not special (it is two `*`). Throws
 * {@link BadPatternError} when the pattern is malformed, even if an earlier part already
 * failed to match (Go checks the whole pattern since 1.16).
 */
export function goMatch(pattern: string, name: string): boolean {
  // Work on code points: Go compares bytes of UTF-8, which is equivalent for literals, and
  // `?`/classes consume one rune.
  let pat = Array.from(pattern);
  let str = Array.from(name);
  patternLoop: while (pat.length > 0) {
    const scan = scanChunk(pat);
    const { star, chunk } = scan;
    pat = scan.rest;
    if (star && chunk.length === 0) {
      // Trailing * matches the rest of the name unless it holds a slash.
      return !str.includes('/');
    }
    const first = matchChunk(chunk, str, pattern);
    // The last chunk must consume the whole name, else a star may still help.
    if (first !== null && (first.length === 0 || pat.length > 0)) {
      str = first;
      continue;
    }
    if (star) {
      for (let i = 0; i < str.length && str[i] !== '/'; i++) {
        const rest = matchChunk(chunk, str.slice(i + 1), pattern);
        if (rest !== null) {
          if (pat.length === 0 && rest.length > 0) continue;
          str = rest;
          continue patternLoop;
        }
      }
    }
    // Before answering false, check that the rest of the pattern is well formed.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, [], pattern);
    }
    return false;
  }
  return str.length === 0;
}

function scanChunk(pat: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let star = false;
  let start = 0;
  while (start < pat.length && pat[start] === '*') {
    start++;
    star = true;
  }
  let inRange = false;
  let i = start;
  for (; i < pat.length; i++) {
    const c = pat[i];
    if (c === '\\') {
      if (i + 1 < pat.length) i++;
    } else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) break;
  }
  return { star, chunk: pat.slice(start, i), rest: pat.slice(i) };
}

/** Returns the unmatched rest of `s`, or null when the chunk does not match. */
function matchChunk(chunk: string[], s: string[], pattern: string): string[] | null {
  let failed = false;
  let si = 0;
  let ci = 0;
  while (ci < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const c = chunk[ci];
    if (c === '[') {
      let r = '';
      if (!failed) r = s[si++];
      ci++;
      let negated = false;
      if (ci < chunk.length && chunk[ci] === '^') {
        negated = true;
        ci++;
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (ci < chunk.length && chunk[ci] === ']' && nrange > 0) {
          ci++;
          break;
        }
        const lo = getEsc(chunk, ci, pattern);
        ci = lo.next;
        let hi = lo.rune;
        if (chunk[ci] === '-') {
          const h = getEsc(chunk, ci + 1, pattern);
          ci = h.next;
          hi = h.rune;
        }
        if (!failed && cp(lo.rune) <= cp(r) && cp(r) <= cp(hi)) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[si] === '/') failed = true;
        si++;
      }
      ci++;
    } else {
      if (c === '\\') {
        ci++;
        if (ci >= chunk.length) throw new BadPatternError(pattern);
      }
      if (!failed) {
        if (chunk[ci] !== s[si]) failed = true;
        si++;
      }
      ci++;
    }
  }
  return failed ? null : s.slice(si);
}

function getEsc(chunk: string[], at: number, pattern: string): { rune: string; next: number } {
  let i = at;
  if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') throw new BadPatternError(pattern);
  if (chunk[i] === '\\') {
    i++;
    if (i >= chunk.length) throw new BadPatternError(pattern);
  }
  const rune = chunk[i];
  if (i + 1 >= chunk.length) throw new BadPatternError(pattern);
  return { rune, next: i + 1 };
}

function cp(ch: string): number {
  return ch.codePointAt(0) ?? -1;
}

/**
 * Orders names as Go does (byte order of UTF-8), which is the order Go's directory walks use.
 * Plain `<` compares UTF-16 units and disagrees for characters above U+FFFF.
 */
export function compareGo(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: code-unit order equals UTF-8 byte order unless a surrogate is involved.
  if (!/[\ud800-\udfff]/.test(a) && !/[\ud800-\udfff]/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
