/**
 * Parses Dockerfile text into the typed model (model.ts), with BuildKit's rules: the joining
 * of lines (lexer.ts), the per-instruction line parsers (words.ts), the flag and argument
 * checks of frontend/dockerfile/instructions/parse.go, and heredocs.
 */
import { InputError } from '../core/errors.js';
import type { Range } from '../core/ranges.js';
import { expand } from './expand.js';
import { Lexer, type LogicalLine } from './lexer.js';
import {
  KEYWORDS, type CommandForm, type Directive, type Dockerfile, type Flag, type Heredoc,
  type Instruction, type Keyword, type KeyValue, type Mount, type MountType, type Token,
} from './model.js';
import { extractFlags, parseWords, splitCsv, splitKeyword, splitWhitespace, type Word } from './words.js';

/** Instructions whose arguments may open heredocs (BuildKit's heredocDirectives). */
const HEREDOC_KEYWORDS = new Set<Keyword>(['RUN', 'COPY', 'ADD']);

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

  token(w: Word): Token {
    return { raw: this.line.text.slice(w.start, w.end), range: this.range(w.start, w.end) };
  }

  fail(message: string, at?: number): never {
    const pos = at === undefined ? this.lexer.index.position(this.line.start) : this.lexer.index.position(this.line.map.start(at));
    throw new InputError(message, this.lexer.file, pos);
  }
}

/** Finds the end of the first JSON value starting at `from` (Go's json.Decoder reads one value and stops). */
function firstJsonValueEnd(s: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * BuildKit's parseJSON: a JSON array of strings is exec form; anything that does not parse
 * as JSON is shell form; a JSON array holding a non-string is an error.
 */
function parseJsonArgs(cx: LineContext, from: number): { argv: string[]; end: number } | null {
  const s = cx.line.text;
  let i = from;
  while (i < s.length && /\s/.test(s[i])) i++;
  if (s[i] !== '[') return null;
  const end = firstJsonValueEnd(s, i);
  if (end < 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(s.slice(i, end));
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  if (!value.every((v) => typeof v === 'string')) {
    cx.fail('when using JSON array syntax, arrays must be comprised of strings only', i);
  }
  return { argv: value as string[], end };
}

function parseFlags(cx: LineContext, keyword: Keyword, words: Word[]): Flag[] {
  const spec = FLAG_SPECS[keyword] ?? {};
  const seen = new Set<string>();
  return words.map((w) => {
    const body = w.text.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? null : body.slice(eq + 1);
    const kind = spec[name];
    if (!kind) cx.fail(`unknown flag: ${name}`, w.start);
    if (kind === 'string') {
      if (value === null) cx.fail(`missing a value on flag: ${name}`, w.start);
      if (seen.has(name)) cx.fail(`duplicate flag specified: ${name}`, w.start);
    }
    if (kind === 'bool' && value !== null && !/^(true|false)$/i.test(value)) {
      cx.fail(`expecting boolean value for flag ${name}, not: ${value}`, w.start);
    }
    if (kind === 'list' && value === null) cx.fail(`missing a value on flag: ${name}`, w.start);
    seen.add(name);
    return { name, value, range: cx.range(w.start, w.end) };
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

function parseBoolField(cx: LineContext, value: string | undefined, key: string, at: number): boolean {
  if (value === undefined) return true;
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  return cx.fail(`invalid value for ${key}: ${value}`, at);
}

/** A `--mount` value (BuildKit's runmount.go parseMount), fields kept unexpanded. */
function parseMount(cx: LineContext, flag: Flag, at: number): Mount {
  const m: Mount = {
    type: 'bind', target: null, source: null, from: null, id: null, sharing: null, mode: null,
    uid: null, gid: null, required: null, readonly: null, env: null, size: null, range: flag.range,
  };
  for (const field of splitCsv(flag.value ?? '')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    const need = (): string => value ?? cx.fail(`invalid field '${field}' must be a key=value pair`, at);
    switch (key) {
      case 'type': {
        const t = need().toLowerCase();
        if (!MOUNT_TYPES.includes(t as MountType)) cx.fail(`unsupported mount type "${t}"`, at);
        m.type = t as MountType;
        break;
      }
      case 'target': case 'dst': case 'destination': m.target = need(); break;
      case 'source': case 'src': m.source = need(); break;
      case 'from': m.from = need(); break;
      case 'id': m.id = need(); break;
      case 'sharing': {
        const s = need();
        if (s !== 'shared' && s !== 'private' && s !== 'locked') cx.fail(`unsupported sharing value "${s}"`, at);
        m.sharing = s;
        break;
      }
      case 'mode': m.mode = need(); break;
      case 'uid': m.uid = need(); break;
      case 'gid': m.gid = need(); break;
      case 'required': m.required = parseBoolField(cx, value, key, at); break;
      case 'readonly': case 'ro': m.readonly = parseBoolField(cx, value, key, at); break;
      case 'readwrite': case 'rw': m.readonly = !parseBoolField(cx, value, key, at); break;
      case 'env': m.env = need(); break;
      case 'size': m.size = need(); break;
      default:
        cx.fail(`unexpected key '${key}' in '${field}'`, at);
    }
  }
  if (m.target === null && (m.type === 'bind' || m.type === 'cache' || m.type === 'tmpfs')) {
    cx.fail(`mount of type ${m.type} needs a target`, at);
  }
  return m;
}

/** Heredocs opened by a line (BuildKit's heredocsFromLine and ParseHeredoc). */
function findHeredocs(cx: LineContext): Omit<Heredoc, 'content' | 'bodyRange'>[] {
  const text = cx.line.text;
  let words: string[];
  try {
    words = expand(text, new Map(), { rawQuotes: true, rawEscapes: true, skipUnset: true }).words;
  } catch {
    return []; // BuildKit ignores lexing errors here: the line simply has no heredoc
  }
  const found: Omit<Heredoc, 'content' | 'bodyRange'>[] = [];
  let searchFrom = 0;
  for (const word of words) {
    const m = /^(\d*)<<(-?)([^<]*)$/.exec(word);
    if (!m || m[3] === '') continue;
    let plain: string[];
    let raw: string[];
    try {
      plain = expand(m[3], new Map(), { skipUnset: true }).words;
      raw = expand(m[3], new Map(), { skipUnset: true, rawQuotes: true }).words;
    } catch (e) {
      cx.fail((e as Error).message);
    }
    if (plain.length !== 1 || raw.length !== 1) continue;
    const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
    const at = text.indexOf(word, searchFrom);
    const start = at < 0 ? 0 : at;
    searchFrom = start + word.length;
    found.push({
      name: plain[0],
      chomp: m[2] === '-',
      expand: quotes(plain[0]) === quotes(raw[0]),
      fd: m[1] ? Number(m[1]) : 0,
      range: cx.range(start, start + word.length),
    });
  }
  return found;
}

function commandForm(cx: LineContext, argsStart: number): CommandForm | null {
  const text = cx.line.text;
  const end = text.trimEnd().length;
  if (argsStart >= end) return null;
  const json = parseJsonArgs(cx, argsStart);
  const token = cx.token({ text: '', start: argsStart, end });
  if (json) return { form: 'exec', argv: json.argv, token };
  return { form: 'shell', script: token };
}

function requireArgs(cx: LineContext, keyword: Keyword, n: number, what: 'at least one' | 'exactly one'): void {
  if (n === 0 || (what === 'exactly one' && n !== 1)) {
    cx.fail(`${keyword} requires ${what} argument${what === 'exactly one' ? '' : ''}`);
  }
}

function keyValues(cx: LineContext, keyword: 'ENV' | 'LABEL' | 'ARG', argsStart: number, escape: string): KeyValue[] {
  const text = cx.line.text;
  const words = parseWords(text, argsStart, escape);
  if (words.length === 0) return [];
  if (keyword !== 'ARG' && !words[0].text.includes('=')) {
    // The old form `ENV name value`: the name, then the rest of the line as the value.
    const name = words[0];
    let vs = name.end;
    while (vs < text.length && /[\t\v\f\r ]/.test(text[vs])) vs++;
    const ve = text.trimEnd().length;
    if (vs >= ve) cx.fail(`${keyword} must have two arguments`, name.start);
    return [{ key: cx.token(name), value: cx.token({ text: '', start: vs, end: ve }) }];
  }
  return words.map((w) => {
    const eq = w.text.indexOf('=');
    if (eq < 0) {
      if (keyword !== 'ARG') cx.fail(`Syntax error - can't find = in "${w.text}". Must be of the form: name=value`, w.start);
      return { key: cx.token(w), value: null };
    }
    // parseWords keeps the characters of the source, so the `=` is at the same place there.
    const src = text.indexOf('=', w.start);
    return {
      key: cx.token({ text: '', start: w.start, end: src }),
      value: cx.token({ text: '', start: src + 1, end: w.end }),
    };
  });
}

function buildInstruction(cx: LineContext, lexer: Lexer, nested: boolean): Instruction {
  const text = cx.line.text;
  const { keyword: kw, restStart } = splitKeyword(text);
  const keyword = kw.text.toUpperCase() as Keyword;
  if (!KEYWORDS.includes(keyword)) cx.fail(`unknown instruction: ${kw.text.toUpperCase()}`, kw.start);
  if (nested && (keyword === 'ONBUILD' || keyword === 'FROM' || keyword === 'MAINTAINER')) {
    cx.fail(`${keyword} isn't allowed as an ONBUILD trigger`, kw.start);
  }
  // ONBUILD's flags belong to its trigger.
  const { flags: flagWords, argsStart } = keyword === 'ONBUILD' ? { flags: [], argsStart: restStart } : extractFlags(text, restStart);
  const flags = parseFlags(cx, keyword, flagWords);
  const argsEnd = text.trimEnd().length;
  const base = {
    keywordToken: cx.token(kw),
    range: lexer.index.range(cx.line.start, cx.line.end),
    text,
    flags,
    args: cx.token({ text: '', start: Math.min(argsStart, argsEnd), end: argsEnd }),
    heredocs: [] as Heredoc[],
    comments: cx.line.comments,
    emptyContinuationLine: cx.line.emptyContinuationLine,
  };
  const escape = lexer.escape;
  const ws = () => splitWhitespace(text, argsStart, argsEnd);

  switch (keyword) {
    case 'FROM': {
      const args = ws();
      if (args.length !== 1 && !(args.length === 3 && args[1].text.toLowerCase() === 'as')) {
        cx.fail('FROM requires either one or three arguments', argsStart);
      }
      let stageName = null;
      if (args.length === 3) {
        const value = args[2].text.toLowerCase();
        if (!STAGE_NAME.test(value)) {
          cx.fail(`invalid name for build stage: "${args[2].text}", name can't start with a number or contain symbols`, args[2].start);
        }
        stageName = { value, token: cx.token(args[2]) };
      }
      return { ...base, keyword, image: cx.token(args[0]), stageName, platform: flagValue(flags, 'platform') };
    }
    case 'RUN': {
      const command = commandForm(cx, argsStart);
      if (!command) cx.fail('RUN requires at least one argument', kw.start);
      const mounts = flags.filter((f) => f.name === 'mount').map((f, i) => parseMount(cx, f, flagWords.filter((w) => w.text.startsWith('--mount'))[i].start));
      return { ...base, keyword, command, mounts, network: flagValue(flags, 'network'), security: flagValue(flags, 'security') };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, keyword, command: commandForm(cx, argsStart) };
    case 'SHELL': {
      const json = parseJsonArgs(cx, argsStart);
      if (!json) cx.fail('SHELL requires the arguments to be in JSON form', argsStart);
      if (json.argv.length === 0) cx.fail('SHELL requires at least one argument', argsStart);
      return { ...base, keyword, argv: json.argv };
    }
    case 'COPY':
    case 'ADD': {
      const json = parseJsonArgs(cx, argsStart);
      let tokens: Token[];
      if (json) {
        // Exec form has no per-word positions in BuildKit; each word points at the array.
        const whole = cx.range(argsStart, json.end);
        tokens = json.argv.map((raw) => ({ raw, range: whole }));
      } else tokens = ws().map((w) => cx.token(w));
      if (tokens.length < 2) {
        cx.fail(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`, argsStart);
      }
      const excludes = flags.filter((f) => f.name === 'exclude').map((f) => f.value ?? '');
      return {
        ...base, keyword, sources: tokens.slice(0, -1), dest: tokens[tokens.length - 1], json: !!json,
        from: keyword === 'COPY' ? flagValue(flags, 'from') : null,
        chown: flagValue(flags, 'chown'), chmod: flagValue(flags, 'chmod'),
        link: flagBool(flags, 'link') ?? false, parents: flagBool(flags, 'parents') ?? false,
        exclude: excludes, keepGitDir: flagBool(flags, 'keep-git-dir'), checksum: flagValue(flags, 'checksum'),
      };
    }
    case 'ARG': {
      const decls = keyValues(cx, 'ARG', argsStart, escape);
      if (decls.length === 0) cx.fail('ARG requires at least one argument', kw.start);
      return { ...base, keyword, decls };
    }
    case 'ENV':
    case 'LABEL': {
      const pairs = keyValues(cx, keyword, argsStart, escape);
      if (pairs.length === 0) cx.fail(`${keyword} requires at least one argument`, kw.start);
      for (const p of pairs) if (keyword === 'ENV' && p.key.raw === '') cx.fail('ENV names can not be blank', argsStart);
      return { ...base, keyword, pairs };
    }
    case 'EXPOSE':
    case 'VOLUME': {
      const json = keyword === 'VOLUME' ? parseJsonArgs(cx, argsStart) : null;
      const items = json
        ? json.argv.map((raw) => ({ raw, range: cx.range(argsStart, json.end) }))
        : ws().map((w) => cx.token(w));
      requireArgs(cx, keyword, items.length, 'at least one');
      if (keyword === 'VOLUME' && items.some((t) => t.raw.trim() === '')) cx.fail('VOLUME specified can not be an empty string', argsStart);
      return { ...base, keyword, items, json: !!json };
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER': {
      if (argsStart >= argsEnd) cx.fail(`${keyword} requires exactly one argument`, kw.start);
      return { ...base, keyword, value: cx.token({ text: '', start: argsStart, end: argsEnd }) };
    }
    case 'HEALTHCHECK': {
      const args = ws();
      if (args.length === 0) cx.fail('HEALTHCHECK requires at least one argument', kw.start);
      const type = args[0].text.toUpperCase();
      const retries = flagValue(flags, 'retries');
      const options = {
        interval: flagValue(flags, 'interval'), timeout: flagValue(flags, 'timeout'),
        startPeriod: flagValue(flags, 'start-period'), startInterval: flagValue(flags, 'start-interval'),
        retries: retries === null ? null : Number.parseInt(retries, 10),
      };
      if (options.retries !== null && !(options.retries >= 0)) cx.fail(`invalid value for retries: ${retries}`, argsStart);
      if (type === 'NONE') {
        if (args.length > 1) cx.fail('HEALTHCHECK NONE takes no arguments', args[1].start);
        return { ...base, keyword, none: true, command: null, options };
      }
      if (type !== 'CMD') cx.fail(`Unknown type "${args[0].text}" in HEALTHCHECK (try CMD)`, args[0].start);
      const command = commandForm(cx, args.length > 1 ? args[1].start : argsEnd);
      if (!command) cx.fail('Missing command after HEALTHCHECK CMD', args[0].end);
      return { ...base, keyword, none: false, command, options };
    }
    case 'ONBUILD': {
      if (argsStart >= argsEnd) cx.fail('ONBUILD requires at least one argument', kw.start);
      // The trigger is parsed like an instruction of its own, on the rest of the same line.
      const sub: LogicalLine = { ...cx.line, text: text.slice(argsStart), map: shiftMap(cx, argsStart) };
      const trigger = buildInstruction(new LineContext(sub, lexer), lexer, true);
      return { ...base, keyword, trigger, heredocs: trigger.heredocs };
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
 * Parses a Dockerfile. Throws InputError (with file, line and column) for anything BuildKit
 * would reject before building: unknown instructions or flags, bad JSON arrays, unterminated
 * heredocs, instructions before the first FROM other than ARG.
 */
export function parseDockerfile(source: string, file = 'Dockerfile'): Dockerfile {
  if (source.includes('\0')) {
    const at = source.indexOf('\0');
    const lexer0 = new Lexer(source.slice(0, at), file);
    const pos = lexer0.index.position(at);
    throw new InputError('not a text file (it contains a NUL byte)', file, pos);
  }
  const lexer = new Lexer(source, file);
  const instructions: Instruction[] = [];
  const warnings: Dockerfile['warnings'] = [];
  let line: LogicalLine | null;
  let seenFrom = false;
  while ((line = lexer.next())) {
    const cx = new LineContext(line, lexer);
    let inst = buildInstruction(cx, lexer, false);
    const target = inst.keyword === 'ONBUILD' ? inst.trigger : inst;
    const isJson = 'json' in target ? target.json : 'command' in target && target.command?.form === 'exec';
    if (HEREDOC_KEYWORDS.has(target.keyword) && !isJson && line.text.includes('<<')) {
      // Heredocs are BuildKit 1.4+ syntax: not in the v0.8 engine of the tests, modelled from
      // frontend/dockerfile/parser/parser.go and tested without the engine.
      const found = findHeredocs(cx);
      if (found.length) {
        lexer.readHeredocs(line, found);
        const heredocs: Heredoc[] = found.map((h, i) => {
          const b = line!.heredocBodies[i];
          return { ...h, content: b.content, bodyRange: lexer.index.range(b.bodyStart, b.bodyEnd) };
        });
        const range = lexer.index.range(line.start, line.end);
        inst = inst.keyword === 'ONBUILD'
          ? { ...inst, range, heredocs, trigger: { ...inst.trigger, range, heredocs } }
          : { ...inst, range, heredocs };
      }
    }
    if (line.emptyContinuationLine) {
      warnings.push({ message: 'empty continuation line', range: inst.range });
    }
    if (inst.keyword === 'FROM') seenFrom = true;
    else if (!seenFrom && inst.keyword !== 'ARG') {
      throw new InputError('no build stage in current context', file, inst.range.start);
    }
    instructions.push(inst);
  }
  if (instructions.length === 0) {
    throw new InputError('file with no instructions', file, lexer.index.position(source.length));
  }
  const directives: Directive[] = lexer.directives.map((d) => ({
    name: d.name, value: d.value, range: lexer.index.range(d.start, d.end),
  }));
  return {
    file, source, bom: source.charCodeAt(0) === 0xfeff, escape: lexer.escape, directives, instructions, warnings,
  };
}
