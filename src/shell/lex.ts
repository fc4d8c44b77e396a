/**
 * A POSIX/bash tokenizer for RUN scripts: words (quotes removed, expansions kept as written,
 * every character mapped back to its offset in the script), operators, and here-document
 * bodies. It knows enough of the grammar to find commands; it does not expand anything.
 *
 * Why not sh-syntax (mvdan/sh as wasm): see ./syntax.ts. In short, its v0.5 JSON drops the
 * command nodes (a statement's `Cmd` comes back as a bare `{Pos, End}`, no words), and it is
 * async only, so it serves as a syntax check and a test oracle, not as the parser here.
 */

/** A half-open span of offsets into the analysed script. */
export interface Span {
  start: number;
  end: number;
}

export interface LexWord {
  type: 'word';
  start: number;
  end: number;
  /** The word as written. */
  raw: string;
  /** Quotes and escapes removed; `$VAR`, `$(...)` and globs kept as written. */
  value: string;
  /** For each character of `value`, its offset in the script. */
  map: number[];
  /** No expansion and no unquoted glob: `value` is exactly what the command receives. */
  literal: boolean;
  /** Some part was quoted or escaped (a quoted word is never a reserved word). */
  quoted: boolean;
  /** Command and process substitutions inside the word, lexed. */
  subs: LexSub[];
  /** The body of the here-document this word is the delimiter of. */
  heredoc?: { start: number; end: number; expand: boolean };
}

export interface LexSub {
  start: number;
  end: number;
  tokens: Token[];
}

export interface LexOp {
  type: 'op';
  /** `\n` for a newline. */
  op: string;
  start: number;
  end: number;
}

export type Token = LexWord | LexOp;

export class ShellLexError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'ShellLexError';
  }
}

// Longest first.
const OPERATORS = [
  ';;&', '&>>', '<<<', '<<-',
  ';;', ';&', '&&', '||', '|&', '&>', '>>', '>|', '>&', '<<', '<&', '<>',
  '<', '>', '|', '&', ';', '(', ')',
];
const REDIRECTIONS = new Set(['&>>', '<<<', '<<-', '&>', '>>', '>|', '>&', '<<', '<&', '<>', '<', '>']);
const META = new Set([' ', '\t', '\r', '\n', ';', '&', '|', '<', '>', '(', ')']);

export function isRedirection(op: string): boolean {
  return REDIRECTIONS.has(op);
}

/**
 * Tokenizes a script. Strict mode throws ShellLexError at the start of an unterminated quote
 * or substitution; lenient mode (the fallback) lets it run to the end of the script instead.
 */
export function lexShell(text: string, opts: { lenient?: boolean } = {}): Token[] {
  const lx = new Lexer(text, 0, text.length, opts.lenient ?? false);
  return lx.tokens(false);
}

class Lexer {
  private i: number;
  /** Whether `tokens(true)` found its `)`. */
  private closed = false;

  constructor(
    private readonly text: string,
    from: number,
    private readonly end: number,
    private readonly lenient: boolean,
  ) {
    this.i = from;
  }

  /** Tokens up to the end, or up to the `)` closing the `$(` at `opened` when `closeParen`. */
  tokens(closeParen: boolean, opened = this.i): Token[] {
    const { text } = this;
    const out: Token[] = [];
    const pending: { word: LexWord; chomp: boolean }[] = [];
    let delimiter: { chomp: boolean } | null = null;
    let depth = 0;
    while (this.i < this.end) {
      const c = text[this.i];
      if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
        continue;
      }
      if (c === '\\' && text[this.i + 1] === '\n') {
        this.i += 2;
        continue;
      }
      if (c === '#') {
        while (this.i < this.end && text[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '\n') {
        out.push({ type: 'op', op: '\n', start: this.i, end: this.i + 1 });
        this.i++;
        for (const p of pending.splice(0)) this.readHeredoc(p.word, p.chomp);
        continue;
      }
      if (closeParen && c === ')' && depth === 0) {
        this.i++;
        this.closed = true;
        return out;
      }
      const op = (c === '<' || c === '>') && text[this.i + 1] === '(' ? undefined : OPERATORS.find((o) => text.startsWith(o, this.i));
      if (op !== undefined) {
        out.push({ type: 'op', op, start: this.i, end: this.i + op.length });
        this.i += op.length;
        if (op === '(') depth++;
        if (op === ')') depth--;
        if (op === '<<' || op === '<<-') delimiter = { chomp: op === '<<-' };
        continue;
      }
      const word = this.word();
      if (delimiter) {
        pending.push({ word, chomp: delimiter.chomp });
        delimiter = null;
      }
      out.push(word);
    }
    if (closeParen && !this.lenient) throw new ShellLexError(`unterminated ${this.text.slice(opened, opened + 2)}`, opened);
    // A here-document that starts on the last line has an empty body (sh warns, runs on).
    for (const p of pending) p.word.heredoc = { start: this.end, end: this.end, expand: !p.word.quoted };
    return out;
  }

  private readHeredoc(word: LexWord, chomp: boolean): void {
    const { text } = this;
    const start = this.i;
    while (this.i < this.end) {
      let lineEnd = text.indexOf('\n', this.i);
      if (lineEnd < 0 || lineEnd > this.end) lineEnd = this.end;
      let line = text.slice(this.i, lineEnd);
      if (chomp) line = line.replace(/^\t+/, '');
      if (line === word.value || line === `${word.value}\r`) {
        word.heredoc = { start, end: this.i, expand: !word.quoted };
        this.i = Math.min(lineEnd + 1, this.end);
        return;
      }
      this.i = Math.min(lineEnd + 1, this.end);
    }
    word.heredoc = { start, end: this.end, expand: !word.quoted };
  }

  private word(): LexWord {
    const { text } = this;
    const start = this.i;
    const w: LexWord = { type: 'word', start, end: start, raw: '', value: '', map: [], literal: true, quoted: false, subs: [] };
    const add = (ch: string, at: number) => {
      w.value += ch;
      w.map.push(at);
    };
    const addRaw = (from: number, to: number) => {
      for (let k = from; k < to; k++) add(text[k], k);
    };
    while (this.i < this.end) {
      const c = text[this.i];
      if ((c === '<' || c === '>') && text[this.i + 1] === '(') {
        // Process substitution (bash): a word whose commands run.
        const from = this.i;
        this.substitution(w, from);
        addRaw(from, this.i);
        continue;
      }
      if (META.has(c)) break;
      if (c === '\\') {
        if (text[this.i + 1] === '\n') {
          this.i += 2;
        } else if (this.i + 1 < this.end) {
          add(text[this.i + 1], this.i + 1);
          w.quoted = true;
          this.i += 2;
        } else {
          add(c, this.i);
          this.i++;
        }
        continue;
      }
      if (c === "'") {
        const close = text.indexOf("'", this.i + 1);
        const to = close < 0 || close >= this.end ? this.unterminated("'") : close;
        addRaw(this.i + 1, to);
        w.quoted = true;
        this.i = Math.min(to + 1, this.end);
        continue;
      }
      if (c === '"') {
        w.quoted = true;
        this.i++;
        this.doubleQuoted(w, add, addRaw, this.i - 1);
        continue;
      }
      if (c === '$' || c === '`') {
        this.expansion(w, addRaw);
        continue;
      }
      if (c === '*' || c === '?') w.literal = false;
      add(c, this.i);
      this.i++;
    }
    w.end = this.i;
    w.raw = text.slice(start, this.i);
    return w;
  }

  private doubleQuoted(w: LexWord, add: (ch: string, at: number) => void, addRaw: (from: number, to: number) => void, opened: number): void {
    const { text } = this;
    for (;;) {
      if (this.i >= this.end) {
        this.unterminated('"', opened);
        return;
      }
      const d = text[this.i];
      if (d === '"') {
        this.i++;
        return;
      }
      if (d === '\\' && '$`"\\\n'.includes(text[this.i + 1] ?? '')) {
        if (text[this.i + 1] !== '\n') add(text[this.i + 1], this.i + 1);
        this.i += 2;
      } else if (d === '$' || d === '`') {
        this.expansion(w, addRaw);
      } else {
        add(d, this.i);
        this.i++;
      }
    }
  }

  /** `$name`, `${...}`, `$(...)`, `$((...))`, `` `...` ``, `$'...'`: kept as written in the value. */
  private expansion(w: LexWord, addRaw: (from: number, to: number) => void): void {
    const { text } = this;
    const from = this.i;
    const next = text[this.i + 1] ?? '';
    if (text[this.i] === '`') {
      let j = this.i + 1;
      while (j < this.end && text[j] !== '`') j += text[j] === '\\' ? 2 : 1;
      if (j >= this.end) j = this.unterminated('`');
      const inner = new Lexer(text, this.i + 1, j, true);
      w.subs.push({ start: this.i + 1, end: j, tokens: inner.tokens(false) });
      this.i = Math.min(j + 1, this.end);
      w.literal = false;
    } else if (next === '(' && text[this.i + 2] === '(') {
      let depth = 0;
      let j = this.i + 1;
      for (; j < this.end; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      if (j >= this.end) j = this.unterminated('$((');
      this.i = Math.min(j + 1, this.end);
      w.literal = false;
    } else if (next === '(') {
      this.substitution(w, this.i);
    } else if (next === '{') {
      let depth = 0;
      let j = this.i + 1;
      for (; j < this.end; j++) {
        const ch = text[j];
        if (ch === '\\') j++;
        else if (ch === "'" || ch === '"') {
          const close = text.indexOf(ch, j + 1);
          j = close < 0 ? this.end : close;
        } else if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) break;
      }
      if (j >= this.end) j = this.unterminated('${');
      this.i = Math.min(j + 1, this.end);
      w.literal = false;
    } else if (next === "'") {
      // ANSI-C quoting: a literal string; escapes are kept as written (rare in RUN lines).
      const close = text.indexOf("'", this.i + 2);
      const to = close < 0 || close >= this.end ? this.unterminated("$'") : close;
      w.quoted = true;
      addRaw(this.i + 2, to);
      this.i = Math.min(to + 1, this.end);
      return;
    } else if (/[A-Za-z_]/.test(next)) {
      let j = this.i + 1;
      while (j < this.end && /[A-Za-z0-9_]/.test(text[j])) j++;
      this.i = j;
      w.literal = false;
    } else if (/[0-9@*#?$!-]/.test(next) && next !== '') {
      this.i += 2;
      w.literal = false;
    } else {
      // A lone `$` is a literal dollar.
      this.i++;
    }
    addRaw(from, this.i);
  }

  /** `$(`, `<(` or `>(` at `opened`: lexes up to the matching `)`. */
  private substitution(w: LexWord, opened: number): void {
    const innerStart = opened + 2;
    const inner = new Lexer(this.text, innerStart, this.end, this.lenient);
    const tokens = inner.tokens(true, opened);
    const innerEnd = inner.closed ? inner.i - 1 : inner.i;
    w.subs.push({ start: innerStart, end: innerEnd, tokens });
    this.i = inner.i;
    w.literal = false;
  }

  /** Strict: throws. Lenient: the construct runs to the end of the script. */
  private unterminated(what: string, at = this.i): number {
    if (!this.lenient) throw new ShellLexError(`unterminated ${what}`, at);
    return this.end;
  }
}
