/**
 * Parses Dockerfile text into the typed model (model.ts), with BuildKit's rules: the joining
 * of lines (lexer.ts), the per-instruction line parsers (words.ts, BuildKit's
 * parser/line_parsers.go), the flag and argument checks of instructions/parse.go and
 * bflag.go, the `--mount` checks of commands_runmount.go, and heredocs.
 *
 * BuildKit works in two passes and so does this parser: errors of the line parsers
 * (malformed JSON arrays, `ENV` without a value, heredocs that never end, ...) are reported
 * for the whole file first; the checks of the instructions themselves (unknown instructions
 * and flags, argument counts, an instruction before the first FROM, ...) come after, in file
 * order. A file with both kinds of error reports the first of the first kind, as BuildKit
 * does.
 */
import { InputError } from '../core/errors.js';
import type { Range } from '../core/ranges.js';
import { isSpace, trimmedEnd } from './chars.js';
import { expand } from './expand.js';
import { Lexer, type LogicalLine } from './lexer.js';
import {
  KEYWORDS, type CommandForm, type Directive, type Dockerfile, type Flag, type Heredoc,
  type Instruction, type Keyword, type KeyValue, type Mount, type MountType, type Token,
} from './model.js';
import { extractFlags, parseWords, splitCsv, splitKeyword, splitWhitespace, type Word } from './words.js';

/** Instructions whose arguments may open heredocs (BuildKit's heredocDirectives). */
const HEREDOC_KEYWORDS = new Set<string>(['RUN', 'COPY', 'ADD']);

type FlagKind = 'string' | 'bool' | 'list';
/** The flags each instruction accepts (BuildKit's BFlags declarations). */
const FLAG_SPECS: Partial<Record<Keyword, Record<string, FlagKind>>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'list', network: 'string', security: 'string' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'list' },
  ADD: { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', exclude: 'list' },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const MOUNT_TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const NETWORK_MODES = new Set(['default', 'none', 'host']);
const SECURITY_MODES = new Set(['sandbox', 'insecure']);
/** The heredoc word form (BuildKit's reHeredoc). */
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;

/**
 * An error of BuildKit's instruction pass (instructions/parse.go), reported only once the
 * whole file has passed the line parsers.
 */
class InstructionError extends InputError {}

/** Context for building the tokens of one logical line. */
class LineContext {
  constructor(
    readonly line: LogicalLine,
    readonly lexer: Lexer,
  ) {}

  range(start: number, end: number): Range {
    const s = this.line.map.start(start);
    const e = end > start ? this.line.map.end(end) : s;
    return this.lexer.index.range(s, e);
  }

  token(w: { start: number; end: number }): Token {
    return { raw: this.line.text.slice(w.start, w.end), range: this.range(w.start, w.end) };
  }

  private position(at?: number) {
    return at === undefined ? this.lexer.index.position(this.line.start) : this.lexer.index.position(this.line.map.start(at));
  }

  /** An error of BuildKit's line parsers: reported at once. */
  fail(message: string, at?: number): never {
    throw new InputError(message, this.lexer.file, this.position(at));
  }

  /** An error of BuildKit's instruction checks: reported after the line parsers are done. */
  reject(message: string, at?: number): never {
    throw new InstructionError(message, this.lexer.file, this.position(at));
  }
}

/**
 * BuildKit's parseJSON: the arguments are exec form when all of them (after leading
 * whitespace) unmarshal as one JSON array; an array holding a non-string is an error;
 * anything else, trailing text after the array included, is shell form.
 */
function parseJsonArgs(cx: LineContext, from: number, to: number): { argv: string[]; end: number } | null {
  const s = cx.line.text;
  let i = from;
  while (i < to && isSpace(s[i])) i++;
  if (s[i] !== '[') return null;
  let value: unknown;
  try {
    value = JSON.parse(s.slice(i, to));
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  if (!value.every((v) => typeof v === 'string')) {
    cx.fail('when using JSON array syntax, arrays must be comprised of strings only', i);
  }
  // Go's decoder turns an unpaired surrogate escape into U+FFFD.
  const argv = (value as string[]).map((v) => v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
  return { argv, end: to };
}

/** The flags as written (BuildKit's `--name[=value]` words, before BFlags checks them). */
function readFlags(cx: LineContext, words: Word[]): Flag[] {
  return words.map((w) => {
    const body = w.text.slice(2);
    const eq = body.indexOf('=');
    return {
      name: eq < 0 ? body : body.slice(0, eq),
      value: eq < 0 ? null : body.slice(eq + 1),
      range: cx.range(w.start, w.end),
    };
  });
}

/** BuildKit's BFlags.Parse: unknown flags, duplicates, missing values, booleans. */
function checkFlags(cx: LineContext, keyword: Keyword, flags: Flag[], words: Word[]): void {
  const spec = FLAG_SPECS[keyword] ?? {};
  const seen = new Set<string>();
  flags.forEach((f, i) => {
    const at = words[i].start;
    const kind = Object.hasOwn(spec, f.name) ? spec[f.name] : undefined;
    if (!kind) cx.reject(`unknown flag: ${f.name}`, at);
    if (seen.has(f.name) && kind !== 'list') cx.reject(`duplicate flag specified: ${f.name}`, at);
    seen.add(f.name);
    if (kind === 'bool') {
      if (f.value === '') cx.reject(`missing a value on flag: ${f.name}`, at);
      if (f.value !== null && !/^(true|false)$/i.test(f.value)) {
        cx.reject(`expecting boolean value for flag ${f.name}, not: ${f.value}`, at);
      }
    } else if (f.value === null) {
      cx.reject(`missing a value on flag: ${f.name}`, at);
    }
  });
}

function flagValue(flags: Flag[], name: string): string | null {
  return flags.find((f) => f.name === name)?.value ?? null;
}

function flagBool(flags: Flag[], name: string): boolean | null {
  const f = flags.find((x) => x.name === name);
  if (!f) return null;
  return f.value === null || f.value.toLowerCase() === 'true';
}

/** Go's strconv.ParseBool. */
function goParseBool(v: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return null;
}

/** Go's strconv.ParseUint(v, base, 32). */
function goParseUint32(v: string, base: 8 | 10): boolean {
  if (!(base === 8 ? /^[0-7]+$/ : /^[0-9]+$/).test(v)) return false;
  return Number.parseInt(v, base) <= 0xffffffff;
}

/**
 * A `--mount` value (BuildKit's parseMount), fields kept unexpanded. BuildKit checks a mount
 * twice: while parsing (only that `from` holds no variable) and again when it converts the
 * build, after expanding variables. The second check is made here too for the fields that
 * hold no variable, in BuildKit's order (a field is checked against the type set before it).
 */
function parseMount(cx: LineContext, flag: Flag, at: number, strict: boolean): Mount {
  const reject = (message: string) => {
    if (strict) cx.reject(message, at);
  };
  const m: Mount = {
    type: 'bind', target: null, source: null, from: null, id: null, sharing: null, mode: null,
    uid: null, gid: null, required: null, readonly: null, env: null, size: null, range: flag.range,
  };
  // The mount type is unknown past a `type=$VAR`: type-dependent checks are then left to BuildKit.
  let typeKnown = true;
  const literal = (v: string) => !v.includes('$') && !v.includes('\\');
  for (const field of splitCsv(flag.value ?? '')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      switch (key) {
        case 'readonly': case 'ro': m.readonly = true; continue;
        case 'readwrite': case 'rw': m.readonly = false; continue;
        case 'required':
          if (typeKnown && m.type !== 'secret' && m.type !== 'ssh') reject(`unexpected key '${key}' for mount type '${m.type}'`);
          m.required = true;
          continue;
        default:
          reject(`invalid field '${field}' must be a key=value pair`);
          continue;
      }
    }
    const value = field.slice(eq + 1);
    if (key === 'from') {
      const d = value.indexOf('$');
      if (d !== -1 && d !== value.length - 1) reject(`'from' doesn't support variable expansion, define alias stage instead`);
    }
    const check = literal(value);
    const bool = (): boolean | null => {
      if (!check) return null;
      const b = goParseBool(value);
      if (b === null) reject(`invalid value for ${key}: ${value}`);
      return b;
    };
    switch (key) {
      case 'type': {
        const t = value.toLowerCase();
        if (!check) {
          typeKnown = false;
          m.typeRaw = value;
          break;
        }
        if (!MOUNT_TYPES.includes(t as MountType)) reject(`unsupported mount type "${value}"`);
        m.type = t as MountType;
        break;
      }
      case 'from': m.from = value; break;
      case 'source': case 'src': m.source = value; break;
      case 'target': case 'dst': case 'destination': m.target = value; break;
      case 'readonly': case 'ro': m.readonly = bool(); break;
      case 'readwrite': case 'rw': {
        const b = bool();
        m.readonly = b === null ? null : !b;
        break;
      }
      case 'required':
        if (typeKnown && m.type !== 'secret' && m.type !== 'ssh') reject(`unexpected key '${key}' for mount type '${m.type}'`);
        m.required = bool();
        break;
      case 'size':
        if (typeKnown && m.type !== 'tmpfs') reject(`unexpected key '${key}' for mount type '${m.type}'`);
        if (check && !/^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.test(value)) reject(`invalid value for ${key}: ${value}`);
        m.size = value;
        break;
      case 'id': m.id = value; break;
      case 'sharing': {
        const s = value.toLowerCase();
        if (check && s !== 'shared' && s !== 'private' && s !== 'locked') reject(`unsupported sharing value "${value}"`);
        m.sharing = check ? (s as Mount['sharing']) : (value as Mount['sharing']);
        break;
      }
      case 'mode':
        if (check && !goParseUint32(value, 8)) reject(`invalid value ${value} for mode`);
        m.mode = value;
        break;
      case 'uid':
      case 'gid':
        if (check && !goParseUint32(value, 10)) reject(`invalid value ${value} for ${key}`);
        m[key] = value;
        break;
      case 'env': m.env = value; break;
      default:
        reject(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (typeKnown) {
    const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (!fileInfoAllowed && m[k] !== null) reject(`${k} not allowed for "${m.type}" type mounts`);
    }
    if (m.type === 'secret') {
      if (m.from) reject('secret mount should not have a from');
      if (m.sharing) reject('secret mount should not define sharing');
      if (!m.source && !m.target && !m.id) reject('invalid secret mount. one of source, target required');
      if (m.source && m.id) reject("both source and id can't be set");
    }
    if (m.sharing && m.type !== 'cache') reject(`invalid cache sharing set for ${m.type} mount`);
  }
  return m;
}

/** Heredocs opened by a line (BuildKit's heredocsFromLine and ParseHeredoc). */
function findHeredocs(cx: LineContext): Omit<Heredoc, 'content' | 'bodyRange'>[] {
  const text = cx.line.text;
  let words: string[];
  try {
    // Always with `\` as the escape token, whatever the escape directive says (as BuildKit).
    words = expand(text, new Map(), { rawQuotes: true, rawEscapes: true, skipUnset: true }).words;
  } catch {
    return []; // BuildKit ignores lexing errors here: the line simply has no heredoc
  }
  const found: Omit<Heredoc, 'content' | 'bodyRange'>[] = [];
  let searchFrom = 0;
  for (const word of words) {
    const h = parseHeredocWord(cx, word);
    if (!h) continue;
    const at = text.indexOf(word, searchFrom);
    const start = at < 0 ? 0 : at;
    searchFrom = start + word.length;
    found.push({ ...h, range: cx.range(start, start + word.length) });
  }
  return found;
}

/** BuildKit's ParseHeredoc: the name, unquoted, and whether the body is expanded. */
function parseHeredocWord(cx: LineContext, word: string): Omit<Heredoc, 'content' | 'bodyRange' | 'range'> | null {
  const m = HEREDOC_WORD.exec(word);
  if (!m || m[3] === '') return null;
  let plain: string[];
  let raw: string[];
  try {
    plain = expand(m[3], new Map(), { skipUnset: true }).words;
    if (plain.length !== 1) return null;
    raw = expand(m[3], new Map(), { skipUnset: true, rawQuotes: true }).words;
  } catch (e) {
    cx.fail((e as Error).message);
  }
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  return { name: plain[0], chomp: m[2] === '-', expand: quotes(plain[0]) === quotes(raw[0]), fd: m[1] ? Number(m[1]) : 0 };
}

/** BuildKit's MustParseHeredoc: a heredoc word, lexing errors meaning no. */
function isHeredocWord(cx: LineContext, word: string): boolean {
  try {
    return parseHeredocWord(cx, word) !== null;
  } catch {
    return false;
  }
}

function commandForm(cx: LineContext, argsStart: number, argsEnd: number): CommandForm | null {
  if (argsStart >= argsEnd) return null;
  const json = parseJsonArgs(cx, argsStart, argsEnd);
  const token = cx.token({ start: argsStart, end: argsEnd });
  if (json) return { form: 'exec', argv: json.argv, token };
  return { form: 'shell', script: token };
}

/** BuildKit's parseNameVal (ENV, LABEL) and parseNameOrNameVal (ARG). */
function keyValues(cx: LineContext, keyword: 'ENV' | 'LABEL' | 'ARG', argsStart: number, argsEnd: number, escape: string): KeyValue[] {
  const text = cx.line.text;
  const words = parseWords(text.slice(0, argsEnd), argsStart, escape);
  if (words.length === 0) return [];
  if (keyword !== 'ARG' && !words[0].text.includes('=')) {
    // The old form `ENV name value`: up to the first blank, then the rest of the line.
    const sep = /[\t\v\f\r ]+/g;
    sep.lastIndex = argsStart;
    const m = sep.exec(text.slice(0, argsEnd));
    if (!m) cx.fail(`${keyword} must have two arguments`, argsStart);
    return [{ key: cx.token({ start: argsStart, end: m.index }), value: cx.token({ start: m.index + m[0].length, end: argsEnd }) }];
  }
  return words.map((w) => {
    const eq = w.text.indexOf('=');
    if (eq < 0) {
      if (keyword !== 'ARG') cx.fail(`Syntax error - can't find = in ${goQuote(w.text)}. Must be of the form: name=value`, w.start);
      return { key: cx.token(w), value: null };
    }
    // parseWords keeps the characters of the source, so the `=` is at the same place there.
    const src = text.indexOf('=', w.start);
    return { key: cx.token({ start: w.start, end: src }), value: cx.token({ start: src + 1, end: w.end }) };
  });
}

/** Go's %q for the strings of error messages (printable text kept, the rest escaped). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

/** Go's time.ParseDuration, as far as telling a good duration from a bad one (nanoseconds). */
function goParseDuration(s: string): { ns: number } | { error: string } {
  const orig = s;
  const bad = { error: `time: invalid duration ${goQuote(orig)}` };
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ns: 0 };
  if (s === '') return bad;
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  while (s !== '') {
    const m = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    if (m[1] === '' && (m[3] ?? '') === '') return bad;
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') return { error: `time: missing unit in duration ${goQuote(orig)}` };
    if (!(u in units)) return { error: `time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}` };
    s = s.slice(u.length);
    total += Number(`${m[1] || '0'}.${m[3] ?? ''}0`) * units[u];
  }
  return { ns: neg ? -total : total };
}

/** Builds one instruction; nested is true for the trigger of an ONBUILD. */
function buildInstruction(cx: LineContext, lexer: Lexer, nested: boolean): Instruction {
  const text = cx.line.text;
  const end = trimmedEnd(text);
  const { keyword: kw, restStart } = splitKeyword(text);
  const keyword = kw.text.toUpperCase() as Keyword;
  const { flags: flagWords, argsStart: rawArgsStart } = extractFlags(text.slice(0, end), restStart);
  const argsStart = Math.min(rawArgsStart, end);
  const flags = readFlags(cx, flagWords);
  const base = {
    keywordToken: cx.token(kw),
    range: lexer.index.range(cx.line.start, cx.line.end),
    text,
    flags,
    args: cx.token({ start: argsStart, end }),
    heredocs: [] as Heredoc[],
    comments: cx.line.comments,
    emptyContinuationLine: cx.line.emptyContinuationLine,
  };
  const escape = lexer.escape;
  const ws = () => splitWhitespace(text, argsStart, end);
  // BuildKit does not check the flags of an ONBUILD trigger until the image is used as a base.
  const validateFlags = () => {
    if (!nested) checkFlags(cx, keyword, flags, flagWords);
  };

  if (!KEYWORDS.includes(keyword)) cx.reject(`unknown instruction: ${keyword}`, kw.start);
  switch (keyword) {
    case 'FROM': {
      const args = ws();
      if (args.length !== 1 && !(args.length === 3 && args[1].text.toLowerCase() === 'as')) {
        cx.reject('FROM requires either one or three arguments', argsStart);
      }
      let stageName = null;
      if (args.length === 3) {
        const value = args[2].text.toLowerCase();
        if (!STAGE_NAME.test(value)) {
          cx.reject(`invalid name for build stage: ${goQuote(args[2].text)}, name can't start with a number or contain symbols`, args[2].start);
        }
        stageName = { value, token: cx.token(args[2]) };
      }
      validateFlags();
      return Object.assign(base, { keyword, image: cx.token(args[0]), stageName, platform: flagValue(flags, 'platform') });
    }
    case 'RUN': {
      // A RUN without arguments is accepted by BuildKit (it runs an empty shell command).
      const command = commandForm(cx, argsStart, end) ?? { form: 'shell' as const, script: cx.token({ start: argsStart, end }) };
      validateFlags();
      const mountWords = flagWords.filter((_, i) => flags[i].name === 'mount');
      const mounts = flags.filter((f) => f.name === 'mount').map((f, i) => parseMount(cx, f, mountWords[i].start, !nested));
      const network = flagValue(flags, 'network');
      if (!nested && network !== null && !NETWORK_MODES.has(network)) cx.reject(`invalid network mode ${goQuote(network)}`, flagWords[flags.findIndex((f) => f.name === 'network')].start);
      const security = flagValue(flags, 'security');
      if (!nested && security !== null && !SECURITY_MODES.has(security)) cx.reject(`security ${goQuote(security)} is not valid`, flagWords[flags.findIndex((f) => f.name === 'security')].start);
      return Object.assign(base, { keyword, command, mounts, network, security });
    }
    case 'CMD':
    case 'ENTRYPOINT': {
      const command = commandForm(cx, argsStart, end);
      validateFlags();
      return Object.assign(base, { keyword, command });
    }
    case 'SHELL': {
      const json = parseJsonArgs(cx, argsStart, end);
      validateFlags();
      if (argsStart >= end || (json && json.argv.length === 0)) cx.reject('SHELL requires at least one argument', kw.start);
      if (!json) cx.reject('SHELL requires the arguments to be in JSON form', argsStart);
      return Object.assign(base, { keyword, argv: json.argv });
    }
    case 'COPY':
    case 'ADD': {
      const json = parseJsonArgs(cx, argsStart, end);
      let tokens: Token[];
      if (json) {
        // Exec form has no per-word positions in BuildKit; each word points at the array.
        const whole = cx.range(argsStart, json.end);
        tokens = json.argv.map((raw) => ({ raw, range: whole }));
      } else tokens = ws().map((w) => cx.token(w));
      if (tokens.length < 2) {
        cx.reject(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined`, argsStart);
      }
      validateFlags();
      const dest = tokens[tokens.length - 1];
      if (isHeredocWord(cx, dest.raw)) {
        cx.reject(`${keyword} cannot accept a heredoc as a destination`, argsStart);
      }
      const excludes = flags.filter((f) => f.name === 'exclude').map((f) => f.value ?? '');
      return Object.assign(base, {
        keyword, sources: tokens.slice(0, -1), dest, json: !!json,
        from: keyword === 'COPY' ? flagValue(flags, 'from') : null,
        chown: flagValue(flags, 'chown'), chmod: flagValue(flags, 'chmod'),
        link: flagBool(flags, 'link') ?? false, parents: flagBool(flags, 'parents') ?? false,
        exclude: excludes, keepGitDir: flagBool(flags, 'keep-git-dir'), checksum: flagValue(flags, 'checksum'),
      });
    }
    case 'ARG': {
      // BuildKit never checks ARG's flags.
      const decls = keyValues(cx, 'ARG', argsStart, end, escape);
      if (decls.length === 0) cx.reject('ARG requires at least one argument', kw.start);
      for (const d of decls) if (d.key.raw === '') cx.reject('ARG names can not be blank', argsStart);
      return Object.assign(base, { keyword, decls });
    }
    case 'ENV':
    case 'LABEL': {
      const pairs = keyValues(cx, keyword, argsStart, end, escape);
      validateFlags();
      if (pairs.length === 0) cx.reject(`${keyword} requires at least one argument`, kw.start);
      for (const p of pairs) if (p.key.raw === '') cx.reject(`${keyword} names can not be blank`, argsStart);
      return Object.assign(base, { keyword, pairs });
    }
    case 'EXPOSE':
    case 'VOLUME': {
      const json = keyword === 'VOLUME' ? parseJsonArgs(cx, argsStart, end) : null;
      const items = json
        ? json.argv.map((raw) => ({ raw, range: cx.range(argsStart, json.end) }))
        : ws().map((w) => cx.token(w));
      if (items.length === 0) cx.reject(`${keyword} requires at least one argument`, kw.start);
      validateFlags();
      if (keyword === 'VOLUME' && items.some((t) => t.raw.trim() === '')) cx.reject('VOLUME specified can not be an empty string', argsStart);
      return Object.assign(base, { keyword, items, json: !!json });
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER': {
      if (argsStart >= end) cx.reject(`${keyword} requires exactly one argument`, kw.start);
      // BuildKit never checks STOPSIGNAL's flags.
      if (keyword !== 'STOPSIGNAL') validateFlags();
      return Object.assign(base, { keyword, value: cx.token({ start: argsStart, end }) });
    }
    case 'HEALTHCHECK': {
      // BuildKit's parseHealthConfig: the type word, then the command as RUN's.
      let sep = argsStart;
      while (sep < end && !isSpace(text[sep])) sep++;
      let next = sep;
      while (next < end && isSpace(text[next])) next++;
      const command = sep > argsStart ? commandForm(cx, next, end) : null;
      if (sep === argsStart) cx.reject('HEALTHCHECK requires at least one argument', kw.start);
      const type = text.slice(argsStart, sep).toUpperCase();
      const opts = {
        interval: null as string | null, timeout: null as string | null, startPeriod: null as string | null,
        startInterval: null as string | null, retries: null as number | null,
      };
      if (type === 'NONE') {
        // BuildKit looks at no flag of HEALTHCHECK NONE.
        if (command) cx.reject('HEALTHCHECK NONE takes no arguments', next);
        return Object.assign(base, { keyword, none: true, command: null, options: opts });
      }
      validateFlags();
      if (type !== 'CMD') cx.reject(`Unknown type ${goQuote(type)} in HEALTHCHECK (try CMD)`, argsStart);
      if (!command) cx.reject('Missing command after HEALTHCHECK CMD', sep);
      const durations = { interval: 'interval', timeout: 'timeout', startPeriod: 'start-period', startInterval: 'start-interval' } as const;
      for (const [field, name] of Object.entries(durations) as [keyof typeof durations, string][]) {
        const v = flagValue(flags, name);
        opts[field] = v;
        if (!v) continue;
        const d = goParseDuration(v);
        const at = flagWords[flags.findIndex((f) => f.name === name)].start;
        if ('error' in d) cx.reject(d.error, at);
        if (d.ns !== 0 && d.ns < 1e6) cx.reject(`Interval ${goQuote(name)} cannot be less than 1ms`, at);
      }
      const retries = flagValue(flags, 'retries');
      if (retries) {
        const at = flagWords[flags.findIndex((f) => f.name === 'retries')].start;
        if (!/^[+-]?[0-9]+$/.test(retries)) cx.reject(`strconv.ParseInt: parsing ${goQuote(retries)}: invalid syntax`, at);
        const n = Number(retries);
        if (n > 2147483647 || n < -2147483648) cx.reject(`strconv.ParseInt: parsing ${goQuote(retries)}: value out of range`, at);
        if (n < 0) cx.reject(`--retries cannot be negative (${n})`, at);
        opts.retries = n;
      }
      return Object.assign(base, { keyword, none: false, command, options: opts });
    }
    case 'ONBUILD': {
      if (argsStart >= end) cx.reject('ONBUILD requires at least one argument', kw.start);
      // The trigger is parsed like an instruction of its own, on the rest of the same line;
      // its line-parser errors are BuildKit's errors for this line.
      const sub: LogicalLine = { ...cx.line, text: text.slice(argsStart), map: shiftMap(cx, argsStart) };
      const subCx = new LineContext(sub, lexer);
      const triggerKw = splitKeyword(sub.text).keyword.text.toUpperCase();
      let trigger: Instruction | null = null;
      let deferred: InstructionError | null = null;
      try {
        trigger = buildInstruction(subCx, lexer, true);
      } catch (e) {
        if (!(e instanceof InstructionError)) throw e;
        deferred = e;
      }
      validateFlags();
      if (triggerKw === 'ONBUILD') cx.reject('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', argsStart);
      if (triggerKw === 'FROM' || triggerKw === 'MAINTAINER') cx.reject(`${triggerKw} isn't allowed as an ONBUILD trigger`, argsStart);
      // BuildKit keeps any other trigger as text and checks it when the image is used as a
      // base; the model needs it typed, so an invalid trigger is reported now.
      if (deferred || !trigger) throw deferred;
      return Object.assign(base, { keyword, trigger, heredocs: trigger.heredocs });
    }
  }
}

/** A source map for a suffix of a joined line. */
function shiftMap(cx: LineContext, offset: number): LogicalLine['map'] {
  const map = cx.line.map;
  return {
    start: (j: number) => map.start(j + offset),
    end: (j: number) => map.end(j + offset),
  } as LogicalLine['map'];
}

/**
 * Whether BuildKit looks for heredocs on this line (its canContainHeredoc): RUN, COPY and ADD,
 * also as an ONBUILD trigger, when their arguments are not a JSON array.
 */
function mayHaveHeredocs(cx: LineContext): boolean {
  let text = cx.line.text;
  if (!text.includes('<<')) return false;
  let { keyword, restStart } = splitKeyword(text);
  if (keyword.text.toUpperCase() === 'ONBUILD') {
    const { argsStart } = extractFlags(text, restStart);
    text = text.slice(argsStart);
    ({ keyword, restStart } = splitKeyword(text));
  }
  if (!HEREDOC_KEYWORDS.has(keyword.text.toUpperCase())) return false;
  const end = trimmedEnd(text);
  const { argsStart } = extractFlags(text.slice(0, end), restStart);
  const s = text.slice(argsStart, end).trimStart();
  if (!s.startsWith('[')) return true;
  try {
    return !Array.isArray(JSON.parse(s));
  } catch {
    return true;
  }
}

/**
 * Parses a Dockerfile. Throws InputError (with file, line and column) for anything BuildKit
 * would reject before building: unknown instructions or flags, bad JSON arrays, unterminated
 * heredocs, instructions before the first FROM other than ARG.
 */
export function parseDockerfile(source: string, file = 'Dockerfile'): Dockerfile {
  // BuildKit parses a NUL byte like any other (a comment holding one builds), but no command
  // can hold one (exec fails with "invalid argument", checked on v0.8): outside a comment line
  // it is taken for what it almost always is, a binary file.
  for (let at = source.indexOf('\0'); at >= 0; at = source.indexOf('\0', at + 1)) {
    const lineStart = source.lastIndexOf('\n', at) + 1;
    if (/^[ \t]*#/.test(source.slice(lineStart, at))) continue;
    const pos = new Lexer(source.slice(0, at), file).index.position(at);
    throw new InputError('not a text file (it contains a NUL byte)', file, pos);
  }
  const lexer = new Lexer(source, file);
  const instructions: Instruction[] = [];
  const warnings: Dockerfile['warnings'] = [];
  /** The first error of BuildKit's instruction pass, thrown once the line parsers are done. */
  let deferred: InstructionError | null = null;
  let line: LogicalLine | null;
  let seenFrom = false;
  let lines = 0;
  while ((line = lexer.next())) {
    lines++;
    const cx = new LineContext(line, lexer);
    let inst: Instruction | null = null;
    try {
      inst = buildInstruction(cx, lexer, false);
    } catch (e) {
      if (!(e instanceof InstructionError)) throw e;
      deferred ??= e;
    }
    let heredocs: Heredoc[] = [];
    if (mayHaveHeredocs(cx)) {
      const found = findHeredocs(cx);
      if (found.length) {
        lexer.readHeredocs(line, found);
        heredocs = found.map((h, i) => {
          const b = line!.heredocBodies[i];
          return { ...h, content: b.content, bodyRange: lexer.index.range(b.bodyStart, b.bodyEnd) };
        });
      }
    }
    if (!inst) continue;
    if (heredocs.length) {
      const range = lexer.index.range(line.start, line.end);
      inst = inst.keyword === 'ONBUILD'
        ? { ...inst, range, heredocs, trigger: { ...inst.trigger, range, heredocs } }
        : { ...inst, range, heredocs };
    }
    if (line.emptyContinuationLine) {
      warnings.push({ message: 'empty continuation line', range: inst.range });
    }
    if (inst.keyword === 'FROM') seenFrom = true;
    else if (!seenFrom && inst.keyword !== 'ARG') {
      deferred ??= new InstructionError('no build stage in current context', file, inst.range.start);
    }
    instructions.push(inst);
  }
  if (lines === 0) {
    throw new InputError('file with no instructions', file, lexer.index.position(source.length));
  }
  if (deferred) throw deferred;
  const directives: Directive[] = lexer.directives.map((d) => ({
    name: d.name, value: d.value, range: lexer.index.range(d.start, d.end),
  }));
  return {
    file, source, bom: source.charCodeAt(0) === 0xfeff, escape: lexer.escape, directives, instructions, warnings,
  };
}
