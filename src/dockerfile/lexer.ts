/**
 * Turns Dockerfile text into logical lines the way BuildKit's parser does
 * (frontend/dockerfile/parser/parser.go), but keeps every offset so that each token of
 * a joined line can be traced back to its place in the file.
 *
 * Why not dockerfile-ast: it keeps comment lines inside continuations and the bodies of
 * heredocs as arguments of the instruction (e.g. `COPY <<EOF /x` gets the heredoc body as
 * extra sources), and it has no notion of BuildKit's join rules, so the text it hands on is
 * not the text BuildKit evaluates. The rules below are BuildKit's, line for line.
 */
import { InputError } from '../core/errors.js';
import { LineIndex } from '../core/ranges.js';
import { leadingSpace, trimSpace, utf8Length } from './chars.js';

/** One physical line: `[start, contentEnd)` is its text without the line ending. */
export interface PhysicalLine {
  start: number;
  contentEnd: number;
  /** Offset after the line ending (start of the next line). */
  end: number;
}

/** A piece of a joined line that comes from one place in the source. */
interface Segment {
  joined: number;
  src: number;
  length: number;
}

/** Maps offsets in a joined logical line back to offsets in the source text. */
export class SourceMap {
  constructor(private readonly segments: Segment[]) {}

  /** Source offset of the character at joined offset `j` (for a range start). */
  start(j: number): number {
    const segs = this.segments;
    for (let i = segs.length - 1; i >= 0; i--) {
      const s = segs[i];
      if (j >= s.joined && (j < s.joined + s.length || i === segs.length - 1)) return s.src + (j - s.joined);
    }
    return segs.length ? segs[0].src : 0;
  }

  /** Source offset just after the character at joined offset `j - 1` (for a range end). */
  end(j: number): number {
    const segs = this.segments;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      if (j > s.joined && j <= s.joined + s.length) return s.src + (j - s.joined);
    }
    return this.start(j);
  }
}

export interface RawHeredocBody {
  /** Source range of the body lines (without the terminator line). */
  bodyStart: number;
  bodyEnd: number;
  /** Source range of the terminator line's content. */
  terminatorStart: number;
  terminatorEnd: number;
  /** Body text as BuildKit collects it (line endings kept). */
  content: string;
}

export interface LogicalLine {
  /** The joined text (BuildKit's `line`): continuations removed, comment lines dropped. */
  text: string;
  map: SourceMap;
  /** Source offsets of the whole instruction, from its first character to the end of its last line's content. */
  start: number;
  end: number;
  startLine: number;
  endLine: number;
  /** Comment lines directly above (BuildKit's PrevComment). */
  comments: string[];
  /** Whether an empty line sat inside the continuation (BuildKit warns). */
  emptyContinuationLine: boolean;
  /** Filled in by the caller when the instruction may contain heredocs. */
  heredocBodies: RawHeredocBody[];
}

export interface Directive {
  name: string;
  value: string;
  line: number;
  start: number;
  end: number;
}

/**
 * BuildKit's directive regexp, applied after `#` and the Go-whitespace after it are cut
 * (directives.go). Go's `\s` is [\t\n\f\r ] (no \v) and its `.` matches anything but \n,
 * unlike JavaScript's.
 */
const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
/** bufio.Scanner's default limit: a line (with its newline) longer than this is an error. */
const MAX_LINE_BYTES = 64 * 1024;
/** Directives BuildKit knows; any other `# key=value` line ends the directive block. */
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);

export function splitLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    // BuildKit's trimNewline: trailing \r and \n characters are not part of the content.
    let contentEnd = nl < 0 ? text.length : nl;
    while (contentEnd > start && (text[contentEnd - 1] === '\r' || text[contentEnd - 1] === '\n')) contentEnd--;
    lines.push({ start, contentEnd, end });
    start = end;
  }
  return lines;
}

/**
 * The line-by-line state machine of BuildKit's parser: directives, comments, continuations,
 * and (through `readHeredocs`) heredoc bodies. Heredoc detection needs the instruction's
 * words, so the caller supplies it.
 */
export class Lexer {
  readonly lines: PhysicalLine[];
  readonly index: LineIndex;
  escape: '\\' | '`' = '\\';
  readonly directives: Directive[] = [];
  private directivesDone = false;
  private continuation = Lexer.continuationRegex('\\');
  private i = 0;
  private comments: string[] = [];

  constructor(readonly text: string, readonly file: string) {
    this.lines = splitLines(text);
    this.index = new LineIndex(text);
  }

  private static continuationRegex(escape: string): RegExp {
    const e = escape === '\\' ? '\\\\' : escape;
    // An escape token at the end of a line continues it, unless it is itself escaped.
    return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
  }

  private content(l: PhysicalLine): string {
    return this.text.slice(l.start, l.contentEnd);
  }

  private fail(message: string, lineNo: number, column = 1): never {
    throw new InputError(message, this.file, { line: lineNo, column });
  }

  /** BuildKit's possibleParserDirective: only lines before anything else can be directives. */
  private directive(l: PhysicalLine, lineNo: number, trimmed: string, trimmedStart: number): boolean {
    if (this.directivesDone) return false;
    const m = trimmed.startsWith('#') ? DIRECTIVE.exec(trimmed.slice(1 + leadingSpace(trimmed, 1))) : null;
    if (!m || !KNOWN_DIRECTIVES.has(m[1].toLowerCase())) {
      this.directivesDone = true;
      return false;
    }
    const name = m[1].toLowerCase();
    if (this.directives.some((d) => d.name === name)) {
      this.fail(`only one ${name} parser directive can be used`, lineNo);
    }
    if (name === 'escape') {
      if (m[2] !== '`' && m[2] !== '\\') this.fail(`invalid escape token '${m[2]}' does not match \` or \\`, lineNo);
      this.escape = m[2] as '\\' | '`';
      this.continuation = Lexer.continuationRegex(this.escape);
    }
    this.directives.push({ name, value: m[2], line: lineNo, start: trimmedStart, end: l.contentEnd });
    return true;
  }

  /** BuildKit reads lines with a bufio.Scanner, which gives up on a line over 64 KiB. */
  private checkLength(l: PhysicalLine, lineNo: number): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines are far below the limit.
    const from = lineNo === 1 ? 0 : l.start;
    if ((l.end - from) * 3 < MAX_LINE_BYTES) return;
    const hasNewline = this.text[l.end - 1] === '\n';
    // The scanner needs the newline to fit in its buffer too; a last line without one fails
    // once it fills the buffer.
    const bytes = utf8Length(this.text, from, l.end);
    if (bytes > MAX_LINE_BYTES || (!hasNewline && bytes >= MAX_LINE_BYTES)) {
      this.fail(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES - 1}`, lineNo);
    }
  }

  private isComment(l: PhysicalLine): boolean {
    const s = this.content(l);
    const lead = leadingSpace(s);
    return s[lead] === '#';
  }

  /** The next logical line, or null at the end of the file. */
  next(): LogicalLine | null {
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      const lineNo = this.i + 1;
      this.i++;
      this.checkLength(l, lineNo);
      const raw = this.content(l);
      const lead = leadingSpace(raw);
      const trimmed = raw.slice(lead);
      if (trimmed.startsWith('#')) {
        // BuildKit's PrevComment: the line minus its first character (not minus the `#`: an
        // indented comment keeps its `#`), trimmed; an empty `#` forgets the comments above.
        const comment = trimSpace(this.text.slice(l.start + 1, l.end));
        if (comment === '') this.comments = [];
        else this.comments.push(comment);
      }
      // A directive is not a comment of the instruction below it.
      if (this.directive(l, lineNo, trimmed, l.start + lead)) this.comments.pop();
      // processLine: comment lines become empty.
      let lineText = trimmed.startsWith('#') ? '' : trimmed;
      const segments: Segment[] = [];
      let cont = this.continuation.exec(lineText);
      if (!cont && lineText === '') continue;
      const start = l.start + lead;
      let joined = '';
      const push = (text: string, src: number, keep: number) => {
        segments.push({ joined: joined.length, src, length: keep });
        joined += text.slice(0, keep);
      };
      push(lineText, start, cont ? cont.index + (cont[1] ? cont[1].length : 0) : lineText.length);
      let end = l.contentEnd;
      let endLine = lineNo;
      let emptyContinuationLine = false;
      while (cont && this.i < this.lines.length) {
        const c = this.lines[this.i];
        this.i++;
        this.checkLength(c, this.i);
        endLine = this.i;
        // The instruction spans every line it swallowed, as BuildKit's EndLine does.
        end = c.contentEnd;
        if (this.isComment(c)) continue;
        const text = this.content(c);
        if (leadingSpace(text) === text.length) {
          emptyContinuationLine = true;
          continue;
        }
        cont = this.continuation.exec(text);
        push(text, c.start, cont ? cont.index + (cont[1] ? cont[1].length : 0) : text.length);
      }
      const comments = this.comments;
      this.comments = [];
      return {
        text: joined,
        map: new SourceMap(segments),
        start,
        end,
        startLine: lineNo,
        endLine,
        comments,
        emptyContinuationLine,
        heredocBodies: [],
      };
    }
    return null;
  }

  /**
   * Reads the bodies of the heredocs an instruction opened, one after the other, as
   * BuildKit does: each ends at a line equal to its name (after leading tabs for `<<-`).
   */
  readHeredocs(line: LogicalLine, heredocs: { name: string; chomp: boolean }[]): void {
    for (const h of heredocs) {
      const bodyStart = this.i < this.lines.length ? this.lines[this.i].start : this.text.length;
      let content = '';
      let done = false;
      while (this.i < this.lines.length) {
        const l = this.lines[this.i];
        this.i++;
        this.checkLength(l, this.i);
        let candidate = this.content(l);
        let termStart = l.start;
        if (h.chomp) {
          const tabs = candidate.length - candidate.replace(/^\t+/, '').length;
          candidate = candidate.slice(tabs);
          termStart += tabs;
        }
        if (candidate === h.name) {
          line.heredocBodies.push({ bodyStart, bodyEnd: l.start, terminatorStart: termStart, terminatorEnd: l.contentEnd, content });
          line.end = l.contentEnd;
          line.endLine = this.i;
          done = true;
          break;
        }
        content += this.text.slice(l.start, l.end);
      }
      if (!done) {
        throw new InputError(`unterminated heredoc ${h.name}`, this.file, this.index.position(line.start));
      }
    }
  }
}

