/**
 * Variable expansion and word splitting of Dockerfile arguments, with the semantics of
 * BuildKit's shell lexer (frontend/dockerfile/shell/lex.go). This is not a POSIX shell:
 * no command substitution, no field splitting of quoted text, only the `${}` forms BuildKit
 * supports (`:-` `-` `:+` `+` `:?` `?` `#` `##` `%` `%%` `/` `//`). RUN text is never
 * expanded here: the shell in the container does that.
 *
 * The `#` `##` `%` `%%` `/` `//` forms, and `-` `+` without the colon, came after BuildKit
 * v0.8, which rejects them ("missing ':' in substitution"): `patterns: false` and `colonless:
 * false` give v0.8's lexer (src/core/buildkit.ts says which versions have which; both engines
 * test it in test/engine/versions.test.ts). The dedup transform hoists a value into an ARG only
 * with the forms v0.8 has, so its output builds on both.
 */
import { isSpace } from './chars.js';

export interface ExpandOptions {
  /** The escape token from the `# escape=` directive. */
  escape?: '\\' | '`';
  /** Keep quote characters in the result (BuildKit's RawQuotes). */
  rawQuotes?: boolean;
  /** Keep escape characters in the result (BuildKit's RawEscapes). */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (BuildKit's SkipUnsetEnv). */
  skipUnset?: boolean;
  /** The `#` `##` `%` `%%` `/` `//` forms (default true; false: BuildKit v0.8, which rejects them). */
  patterns?: boolean;
  /** `${V-x}` and `${V+x}` (default true; false: BuildKit v0.8, which rejects them). */
  colonless?: boolean;
}

const MISSING_COLON = "missing ':' in substitution";

export interface ExpandResult {
  /** The word with quotes processed and variables substituted. */
  value: string;
  /** The same, split into words on unquoted whitespace (after substitution). */
  words: string[];
  /** Variables referenced that had a value. */
  used: Set<string>;
  /** Variables referenced that were unset. */
  unset: Set<string>;
}

/** An expansion error (`${X:?msg}`, a bad substitution, an unterminated quote). */
export class ExpandError extends Error {}

const EOF = '';

class Words {
  word = '';
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  finish(): string[] {
    if (this.word.length) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Scanner {
  private readonly chars: string[];
  private pos = 0;
  constructor(text: string) {
    // Code points, like Go's text/scanner.
    this.chars = Array.from(text);
  }
  peek(): string {
    return this.pos < this.chars.length ? this.chars[this.pos] : EOF;
  }
  next(): string {
    return this.pos < this.chars.length ? this.chars[this.pos++] : EOF;
  }
}

class ShellWord {
  private readonly sc: Scanner;
  readonly used = new Set<string>();
  readonly unset = new Set<string>();
  private rawEscapes: boolean;
  private readonly escape: string;

  constructor(
    text: string,
    private readonly env: ReadonlyMap<string, string>,
    private readonly opts: ExpandOptions,
  ) {
    this.sc = new Scanner(text);
    this.rawEscapes = !!opts.rawEscapes;
    this.escape = opts.escape ?? '\\';
  }

  run(): { value: string; words: string[] } {
    return this.processStopOn(EOF, this.rawEscapes);
  }

  private processStopOn(stop: string, rawEscapes: boolean): { value: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new Words();
      while (this.sc.peek() !== EOF) {
        let ch = this.sc.peek();
        if (stop !== EOF && ch === stop) {
          this.sc.next();
          return { value: result, words: words.finish() };
        }
        if (ch === '$') {
          const tmp = this.processDollar();
          result += tmp;
          words.addString(tmp);
        } else if (ch === "'") {
          const tmp = this.singleQuote();
          result += tmp;
          words.addRaw(tmp);
        } else if (ch === '"') {
          const tmp = this.doubleQuote();
          result += tmp;
          words.addRaw(tmp);
        } else {
          ch = this.sc.next();
          if (ch === this.escape) {
            if (this.rawEscapes) {
              words.addRaw(ch);
              result += ch;
            }
            // The escape token escapes the next character, except at the end.
            ch = this.sc.next();
            if (ch === EOF) break;
            words.addRaw(ch);
          } else {
            words.addChar(ch);
          }
          result += ch;
        }
      }
      if (stop !== EOF) throw new ExpandError(`unexpected end of statement while looking for matching ${stop}`);
      return { value: result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private singleQuote(): string {
    let out = '';
    const open = this.sc.next();
    if (this.opts.rawQuotes) out += open;
    for (;;) {
      const ch = this.sc.next();
      if (ch === EOF) throw new ExpandError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) out += ch;
        return out;
      }
      out += ch;
    }
  }

  private doubleQuote(): string {
    let out = '';
    const open = this.sc.next();
    if (this.opts.rawQuotes) out += open;
    for (;;) {
      const p = this.sc.peek();
      if (p === EOF) throw new ExpandError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        const ch = this.sc.next();
        if (this.opts.rawQuotes) out += ch;
        return out;
      }
      if (p === '$') {
        out += this.processDollar();
        continue;
      }
      let ch = this.sc.next();
      if (ch === this.escape) {
        if (this.rawEscapes) out += ch;
        const q = this.sc.peek();
        if (q === EOF) continue;
        // Inside double quotes only ", $ and the escape token itself can be escaped.
        if (q === '"' || q === '$' || q === this.escape) ch = this.sc.next();
      }
      out += ch;
    }
  }

  private lookup(name: string): string | undefined {
    const v = this.env.get(name);
    if (v === undefined) this.unset.add(name);
    else this.used.add(name);
    return v;
  }

  private processDollar(): string {
    this.sc.next();
    if (this.sc.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const v = this.lookup(name);
      if (v === undefined && this.opts.skipUnset) return '$' + name;
      return v ?? '';
    }
    this.sc.next();
    const first = this.sc.peek();
    if (first === EOF) throw new ExpandError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ExpandError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.sc.next();
    let chs = ch;
    let nullIsUnset = false;
    if ((this.opts.patterns === false && (ch === '#' || ch === '%' || ch === '/')) || (this.opts.colonless === false && (ch === '-' || ch === '+'))) {
      throw new ExpandError(MISSING_COLON);
    }
    switch (ch) {
      case '}': {
        const v = this.lookup(name);
        if (v === undefined && this.opts.skipUnset) return `\${${name}}`;
        return v ?? '';
      }
      case ':':
      case '+':
      case '-':
      case '?':
      case '#':
      case '%': {
        if (ch === ':') {
          nullIsUnset = true;
          ch = this.sc.next();
          chs += ch;
          if (ch === '#' || ch === '%') throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
        }
        let word: string;
        try {
          word = this.processStopOn('}', ch === '#' || ch === '%').value;
        } catch (e) {
          if (this.sc.peek() === EOF) throw new ExpandError("syntax error: missing '}'");
          throw e;
        }
        const v = this.lookup(name);
        if (this.opts.skipUnset && v === undefined) return `\${${name}${chs}${word}}`;
        const set = v !== undefined;
        const value = v ?? '';
        switch (ch) {
          case '-':
            return !set || (nullIsUnset && value === '') ? word : value;
          case '+':
            return !set || (nullIsUnset && value === '') ? '' : word;
          case '?':
            if (!set) throw new ExpandError(`${name}: ${word || 'is not allowed to be unset'}`);
            if (nullIsUnset && value === '') throw new ExpandError(`${name}: ${word || 'is not allowed to be empty'}`);
            return value;
          case '%':
          case '#': {
            let greedy = false;
            if (word.startsWith(ch)) {
              greedy = true;
              word = word.slice(1);
            }
            return ch === '%' ? trimSuffix(word, value, greedy) : trimPrefix(word, value, greedy);
          }
          default:
            throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
        }
      }
      case '/': {
        const all = this.sc.peek() === '/';
        if (all) this.sc.next();
        let pattern: string;
        let replacement: string;
        try {
          pattern = this.processStopOn('/', true).value;
        } catch (e) {
          if (this.sc.peek() === EOF) throw new ExpandError("syntax error: missing '/' in ${}");
          throw e;
        }
        try {
          replacement = this.processStopOn('}', true).value;
        } catch (e) {
          if (this.sc.peek() === EOF) throw new ExpandError("syntax error: missing '}'");
          throw e;
        }
        const v = this.lookup(name);
        if (this.opts.skipUnset && v === undefined) return `\${${name}/${pattern}/${replacement}}`;
        const value = v ?? '';
        const re = shellPatternToRegex(pattern, true, false, all);
        if (all) return goReplaceAll(value, re, replacement);
        const m = re.exec(value);
        return m ? value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length) : value;
      }
      default:
        throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processName(): string {
    let name = '';
    while (this.sc.peek() !== EOF) {
      const ch = this.sc.peek();
      if (name === '' && /\p{Nd}/u.test(ch)) {
        while (this.sc.peek() !== EOF && /\p{Nd}/u.test(this.sc.peek())) name += this.sc.next();
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) return this.sc.next();
      if (!/[\p{L}\p{Nd}_]/u.test(ch)) break;
      name += this.sc.next();
    }
    return name;
  }
}

/** A shell wildcard (`*`, `?`, `\` escapes; no brackets) as a regular expression. */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    // Go's `.` (BuildKit writes `.*`, `.*?` and `.`) matches anything but a newline.
    if (c === '*') out += greedy ? '[^\\n]*' : '[^\\n]*?';
    else if (c === '?') out += '[^\\n]';
    else if (c === '\\') {
      // `\}` and `\/` are escapes of the ${} syntax, not of the pattern.
      if (chars[i + 1] === '}' || chars[i + 1] === '/') continue;
      const n = chars[++i];
      if (n !== '*' && n !== '?' && n !== '\\') throw new ExpandError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`);
      out += '\\' + n;
    } else out += c.replace(/[[\]{}.+()|^$]/g, '\\$&');
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

/**
 * Go's Regexp.ReplaceAllString: an empty match right after a match is skipped, and the
 * replacement is a template (`$name`, `${name}` and `$1` are groups, here always empty;
 * `$$` is a `$`).
 */
function goReplaceAll(value: string, re: RegExp, replacement: string): string {
  const repl = replacement.replace(/\$(\$|\{[A-Za-z0-9_]+\}|[A-Za-z0-9_]+)?/g, (m, name?: string) => (name === undefined ? '$' : name === '$' ? '$' : ''));
  let out = '';
  let last = 0;
  let pos = 0;
  let prevEnd = -1;
  while (pos <= value.length) {
    re.lastIndex = pos;
    const m = re.exec(value);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    if (end === start && start === prevEnd) {
      pos = start + (value.codePointAt(start)! > 0xffff ? 2 : 1);
      continue;
    }
    out += value.slice(last, start) + repl;
    last = prevEnd = end;
    pos = end > start ? end : end + (end < value.length && value.codePointAt(end)! > 0xffff ? 2 : 1);
  }
  return out + value.slice(last);
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** Reverses a pattern keeping each escape with the character it escapes. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = [];
  for (let i = 0; i < chars.length; ) {
    if (chars[i] === '\\' && i !== chars.length - 1) {
      out.unshift(chars[i], chars[i + 1]);
      i += 2;
    } else {
      out.unshift(chars[i]);
      i++;
    }
  }
  return out.join('');
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // The shortest/longest match at the end is the leftmost match on the reversed text.
  const rev = (s: string) => Array.from(s).reverse().join('');
  return rev(trimPrefix(reversePattern(pattern), rev(value), greedy));
}

/** Whether the lexer has nothing to do in `text`: no `$`, no quote, no escape token. */
function isPlain(text: string, escape: string): boolean {
  const e = escape.charCodeAt(0);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x24 || c === 0x27 || c === 0x22 || c === e) return false;
  }
  return true;
}

/** The words of a plain text: runs between Go-whitespace (as Words.addChar splits them). */
function splitSpace(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text[i])) {
      if (start >= 0) words.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) words.push(text.slice(start));
  return words;
}

/** Expands one word (BuildKit's ProcessWord / ProcessWords). */
export function expand(text: string, env: ReadonlyMap<string, string>, opts: ExpandOptions = {}): ExpandResult {
  // Most words hold no `$`, quote or escape token: the lexer would hand them back as they
  // are, split on whitespace.
  if (isPlain(text, opts.escape ?? '\\')) return { value: text, words: splitSpace(text), used: new Set(), unset: new Set() };
  const sw = new ShellWord(text, env, opts);
  const { value, words } = sw.run();
  return { value, words, used: sw.used, unset: sw.unset };
}

/**
 * The names of the variables a word refers to, without evaluating it (unset references are
 * kept as written). Used to know which ARG/ENV an instruction reads.
 */
export function referencedVariables(text: string, opts: Pick<ExpandOptions, 'escape'> = {}): Set<string> {
  try {
    const r = expand(text, new Map(), { ...opts, skipUnset: true });
    return r.unset;
  } catch {
    return new Set();
  }
}
