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
  while (e < line.length && !/[\t\v\f\r ]/.test(line[e])) e++;
  let r = e;
  while (r < line.length && /[\t\v\f\r ]/.test(line[r])) r++;
  return { keyword: { text: line.slice(s, e), start: s, end: e }, restStart: r };
}

/**
 * Leading `--flag[=value]` words (BuildKit's extractBuilderFlags). Quotes and backslashes in
 * a flag are processed here, as BuildKit does; `--` alone ends the flags.
 */
export function extractFlags(line: string, from: number): { flags: Word[]; argsStart: number } {
  const flags: Word[] = [];
  let pos = from;
  for (;;) {
    while (pos < line.length && isSpace(line[pos])) pos++;
    if (pos >= line.length) return { flags, argsStart: line.length };
    if (line[pos] !== '-' || line[pos + 1] !== '-') return { flags, argsStart: pos };
    const start = pos;
    let word = '';
    let blankOK = false;
    let quote = '';
    for (; pos < line.length; pos++) {
      const ch = line[pos];
      if (quote) {
        if (ch === quote) {
          quote = '';
          continue;
        }
        if (ch === '\\') {
          if (pos + 1 === line.length) {
            quote = '';
            continue;
          }
          pos++;
        }
        word += line[pos];
        continue;
      }
      if (isSpace(ch)) break;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        pos++;
      }
      word += line[pos];
    }
    if (word === '--') {
      // `--` ends the flags; what follows is the arguments.
      return { flags, argsStart: pos };
    }
    if (blankOK || word.length) flags.push({ text: word, start, end: pos });
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
