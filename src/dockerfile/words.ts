/**
 * The word splitters of BuildKit's line parsers (frontend/dockerfile/parser/line_parsers.go,
 * split_command.go), each returning offsets into the joined line so that every word gets a
 * source range.
 */
import { isSpace } from './chars.js';

/** A word of a joined line: `text` is what BuildKit keeps, `[start, end)` where it was. */
export interface Word {
  text: string;
  start: number;
  end: number;
}

/** The keyword and the rest of a joined line (BuildKit's splitCommand, before the flags). */
export function splitKeyword(line: string): { keyword: Word; restStart: number } {
  let s = 0;
  while (s < line.length && isSpace(line[s])) s++;
  let e = s;
  while (e < line.length && !isSeparator(line.charCodeAt(e))) e++;
  let r = e;
  while (r < line.length && isSeparator(line.charCodeAt(r))) r++;
  return { keyword: { text: line.slice(s, e), start: s, end: e }, restStart: r };
}

/** BuildKit's `reWhitespace` characters: `[\t\v\f\r ]`. */
function isSeparator(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d && c !== 0x0a);
}

/** Whether a UTF-16 code unit is one of Go's ASCII whitespace (unicode.IsSpace below 0x80). */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Leading `--flag[=value]` words (BuildKit's extractBuilderFlags, split_command.go). BuildKit
 * walks the line byte by byte and turns each byte into a rune, so a non-ASCII character in a
 * flag comes out as one Latin-1 character per UTF-8 byte, and the bytes 0x85 and 0xA0 (inside
 * e.g. `à` or `Å`) count as whitespace. Both quirks are kept: the flag text is what BuildKit
 * hands to its flag parser. Quotes and backslashes are processed; `--` alone ends the flags.
 */
export function extractFlags(line: string, from: number): { flags: Word[]; argsStart: number } {
  // Most instructions have no flag: when the first non-blank is plain ASCII and does not
  // start `--`, the byte walk below would stop there too.
  let p = from;
  while (p < line.length && isAsciiSpace(line.charCodeAt(p))) p++;
  if (p >= line.length) return { flags: [], argsStart: line.length };
  const c = line.charCodeAt(p);
  const d = line.charCodeAt(p + 1);
  if (c < 0x80 && (c !== 0x2d || (p + 1 < line.length ? d < 0x80 && d !== 0x2d : true))) return { flags: [], argsStart: p };
  // The line as UTF-8 bytes (one char per byte), and for each byte the UTF-16 offset of the
  // first code point that starts at or after it (so a cut inside a character rounds up).
  const bytes = Buffer.from(line.slice(from), 'utf8').toString('latin1');
  const at: number[] = new Array(bytes.length + 1);
  let b = 0;
  for (let i = from; i < line.length; ) {
    const cp = line.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    at[b] = i;
    for (let k = 1; k < n; k++) at[b + k] = i + units;
    b += n;
    i += units;
  }
  at[bytes.length] = line.length;
  const flags: Word[] = [];
  let pos = 0;
  for (;;) {
    while (pos < bytes.length && isSpace(bytes[pos])) pos++;
    if (pos >= bytes.length) return { flags, argsStart: line.length };
    if (bytes[pos] !== '-' || bytes[pos + 1] !== '-') return { flags, argsStart: at[pos] };
    const start = pos;
    let word = '';
    let blankOK = false;
    let quote = '';
    for (; pos < bytes.length; pos++) {
      const ch = bytes[pos];
      if (quote) {
        if (ch === quote) {
          quote = '';
          continue;
        }
        if (ch === '\\') {
          if (pos + 1 === bytes.length) {
            quote = '';
            continue;
          }
          pos++;
        }
        word += bytes[pos];
        continue;
      }
      if (isSpace(ch)) break;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === bytes.length) continue;
        pos++;
      }
      word += bytes[pos];
    }
    if (word === '--') {
      // `--` ends the flags; what follows is the arguments.
      return { flags, argsStart: at[pos] };
    }
    if (blankOK || word.length) flags.push({ text: word, start: at[start], end: at[pos] });
  }
}

/**
 * Words separated by whitespace, quotes kept (BuildKit's parseWords, for ENV, LABEL and
 * ARG): the quotes are removed later, by expansion.
 */
export function parseWords(rest: string, from: number, escape: string): Word[] {
  const words: Word[] = [];
  const chars = rest;
  let pos = from;
  while (pos < chars.length) {
    while (pos < chars.length && isSpace(chars[pos])) pos++;
    if (pos >= chars.length) break;
    const start = pos;
    let word = '';
    let blankOK = false;
    let quote = '';
    while (pos < chars.length) {
      let ch = chars[pos];
      if (!quote) {
        if (isSpace(ch)) break;
        if (ch === "'" || ch === '"') {
          quote = ch;
          blankOK = true;
        } else if (ch === escape) {
          if (pos + 1 === chars.length) {
            pos++;
            continue; // an escape token at the end of the line is dropped
          }
          // Outside quotes an escape token and what follows are kept as they are.
          word += ch;
          pos++;
          ch = chars[pos];
        }
        word += ch;
        pos++;
        continue;
      }
      if (ch === quote) quote = '';
      else if (ch === escape && quote !== "'") {
        if (pos + 1 === chars.length) {
          quote = '';
          pos++;
          continue;
        }
        word += ch;
        pos++;
        ch = chars[pos];
      }
      word += ch;
      pos++;
    }
    if (blankOK || word.length) words.push({ text: word, start, end: pos });
  }
  return words;
}

/** Words split on BuildKit's `reWhitespace` (FROM, EXPOSE, shell-form COPY/ADD/VOLUME). */
export function splitWhitespace(rest: string, from: number, to = rest.length): Word[] {
  const words: Word[] = [];
  const re = /[^\t\v\f\r ]+/g;
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) && m.index < to) {
    const end = Math.min(m.index + m[0].length, to);
    words.push({ text: rest.slice(m.index, end), start: m.index, end });
  }
  return words;
}

/** BuildKit's `--mount` value: comma-separated `key=value` fields, CSV quoting allowed. */
export function splitCsv(value: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '"') {
        if (value[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields;
}
