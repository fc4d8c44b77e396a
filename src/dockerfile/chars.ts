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

/** Go's `strings.TrimSpace` (unicode.IsSpace at both ends). */
export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Length of `s` without its trailing Go-whitespace. */
export function trimmedEnd(s: string): number {
  let b = s.length;
  while (b > 0 && isSpace(s[b - 1])) b--;
  return b;
}

/** Number of UTF-8 bytes `s[from, to)` takes (BuildKit's limits are in bytes). */
export function utf8Length(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
