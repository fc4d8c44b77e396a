/**
 * Go's `unicode.IsSpace`, which BuildKit uses to trim and split lines. JavaScript's `\s`
 * differs (it includes U+FEFF and excludes U+0085), so a regex would not be faithful.
 */
export function isSpace(ch: string): boolean {
  switch (ch) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case '\u0085': case '\u00a0': case '\u1680': case '\u2028': case '\u2029':
    case '\u202f': case '\u205f': case '\u3000':
      return true;
    default:
      return ch >= '\u2000' && ch <= '\u200a';
  }
}

/** Length of the run of Go-whitespace at the start of `s` (from `from`). */
export function leadingSpace(s: string, from = 0): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i - from;
}

/** BuildKit's `reWhitespace` (`[\t\v\f\r ]+`): the separator of FROM, EXPOSE, COPY words. */
export const WHITESPACE_RUN = /[\t\v\f\r ]+/g;
