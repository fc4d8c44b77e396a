/**
 * RUN command analysis: the simple commands of a RUN line, with ranges in its script, and
 * what each does (see activities.ts). Scripts that `sh -c` or `bash <<EOF` run are analysed
 * too, their commands' ranges mapped back into the outer script.
 */
import type { RunInstruction } from '../dockerfile/model.js';
import { SHELLS } from './activities.js';
import { classify, type Activity, type Redirect, type ShellWord, type SimpleCommand } from './classify.js';
import { lexShell, ShellLexError, type LexWord, type Span } from './lex.js';
import { parseCommands, type RawCommand } from './parse.js';

export interface RunAnalysis {
  /**
   * The script the ranges refer to: the RUN line as BuildKit joins it (with its
   * here-documents appended, as BuildKit hands them to the shell), a here-document run as
   * the whole script, or for the exec form the argv joined with spaces.
   */
  script: string;
  commands: SimpleCommand[];
  /** One per command, in the same order. */
  activities: Activity[];
  /**
   * Where the script stops being valid shell (an unterminated quote or substitution). The
   * commands are then read leniently: the open construct runs to the end of the script.
   */
  error: { message: string; offset: number } | null;
}

export interface AnalyzeOptions {
  /** Variables the RUN sees (its ARGs and ENV): a lone `$NAME` operand is read through them. */
  env?: ReadonlyMap<string, string>;
}

/** How deep `sh -c "sh -c '...'"` is followed. */
const MAX_DEPTH = 4;

/** Maps an offset in the text being lexed to an offset in the analysed script. */
type Mapper = (offset: number) => number;

interface Collector {
  commands: SimpleCommand[];
  activities: Activity[];
  error: RunAnalysis['error'];
  env?: ReadonlyMap<string, string>;
  /** Offsets in the script of each character of a word's value, for `sh -c` words. */
  maps: WeakMap<ShellWord, number[]>;
}

/** Analyses a shell-form script (`/bin/sh -c SCRIPT`). */
export function analyzeRun(script: string, opts: AnalyzeOptions = {}): RunAnalysis {
  const c = collector(opts);
  collect(c, script, (o) => o, 0);
  return { script, commands: c.commands, activities: c.activities, error: c.error };
}

/** Analyses an exec-form command (`RUN ["sleep", "4"]`): one command, no shell. */
export function analyzeExec(argv: readonly string[], opts: AnalyzeOptions = {}): RunAnalysis {
  const c = collector(opts);
  const script = argv.join(' ');
  if (argv.length) {
    let at = 0;
    const words = argv.map((value): LexWord => {
      const start = at;
      at += value.length + 1;
      const map = Array.from(value, (_, k) => start + k);
      return { type: 'word', start, end: start + value.length, raw: value, value, map, literal: true, quoted: false, subs: [] };
    });
    add(c, script, (o) => o, 0, { words, assignments: [], redirects: [], start: 0, end: script.length, arms: [] }, new Set());
  }
  return { script, commands: c.commands, activities: c.activities, error: null };
}

/**
 * Analyses a RUN instruction as BuildKit runs it (dockerfile2llb dispatchRun): the exec form
 * as argv; a RUN that is one here-document runs its body as the script (a `#!` line naming
 * something other than a shell makes it one opaque command); otherwise the bodies follow the
 * line, each closed by its delimiter, and the shell reads them.
 */
export function analyzeRunInstruction(inst: RunInstruction, opts: AnalyzeOptions = {}): RunAnalysis {
  const key = inst.command.form === 'exec'
    ? `exec\0${JSON.stringify(inst.command.argv)}`
    : `shell\0${inst.command.script.raw}${inst.heredocs.map((h) => `\0${h.name}\0${h.content}`).join('')}`;
  return remembered(key, opts.env, (env) => analyzeInstruction(inst, { ...opts, env }));
}

/**
 * Analyses already made, by the text analysed, each with the variables it read and their
 * values: the same RUN text seen again with the same values of those variables (the graph of
 * a changed build arg, the editor's next keystroke, the file fix makes) is analysed once.
 * An analysis depends on nothing but its text and the variables it looks up (resolveWord),
 * so the reuse is exact. Callers never change an analysis (runAnalysis shares one per step too).
 */
const analysed = new Map<string, { withEnv: boolean; reads: Map<string, string | undefined> | null; env: ReadonlyMap<string, string> | undefined; result: RunAnalysis }[]>();
const MAX_ANALYSED = 4096;

function remembered(key: string, env: ReadonlyMap<string, string> | undefined, analyse: (env: ReadonlyMap<string, string> | undefined) => RunAnalysis): RunAnalysis {
  const known = analysed.get(key);
  if (known) {
    for (const k of known) {
      const same = k.withEnv !== (env !== undefined) ? false : k.reads
        ? [...k.reads].every(([n, v]) => env?.get(n) === v)
        : sameMap(k.env, env);
      if (same) return k.result;
    }
  }
  const reads = new Map<string, string | undefined>();
  let all = false;
  // Records the names looked up; anything that reads the map whole makes the analysis depend on all of it.
  const recording: ReadonlyMap<string, string> | undefined = env && {
    get: (n: string) => {
      const v = env.get(n);
      reads.set(n, v);
      return v;
    },
    has: (n: string) => {
      reads.set(n, env.get(n));
      return env.has(n);
    },
    get size() { all = true; return env.size; },
    forEach: (...a: Parameters<ReadonlyMap<string, string>['forEach']>) => { all = true; env.forEach(...a); },
    entries: () => { all = true; return env.entries(); },
    keys: () => { all = true; return env.keys(); },
    values: () => { all = true; return env.values(); },
    [Symbol.iterator]: () => { all = true; return env[Symbol.iterator](); },
  };
  const result = analyse(recording);
  const list = known ?? [];
  if (list.length < 16) list.push({ withEnv: env !== undefined, reads: all ? null : reads, env: all && env ? new Map(env) : undefined, result });
  if (!known) {
    analysed.set(key, list);
    if (analysed.size > MAX_ANALYSED) analysed.delete(analysed.keys().next().value!);
  }
  return result;
}

function sameMap(a: ReadonlyMap<string, string> | undefined, b: ReadonlyMap<string, string> | undefined): boolean {
  if (!a || !b) return !a && !b;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function analyzeInstruction(inst: RunInstruction, opts: AnalyzeOptions): RunAnalysis {
  if (inst.command.form === 'exec') return analyzeExec(inst.command.argv, opts);
  const raw = inst.command.script.raw;
  const only = /^<<-?(["']?)([^\s"']+)\1$/.exec(raw.trim());
  if (only && inst.heredocs.length === 1 && inst.heredocs[0].name === only[2]) {
    const body = inst.heredocs[0].content;
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(body);
    if (shebang) {
      const interpreter = shebang[1].endsWith('/env') && shebang[2] ? shebang[2] : shebang[1];
      if (!SHELLS.includes(interpreter.slice(interpreter.lastIndexOf('/') + 1))) {
        return analyzeExec([interpreter, `<<${only[2]}`], opts);
      }
    }
    return analyzeRun(body, opts);
  }
  let script = raw;
  for (const h of inst.heredocs) script += `\n${h.content}${h.name}`;
  return analyzeRun(script, opts);
}

function collector(opts: AnalyzeOptions): Collector {
  return { commands: [], activities: [], error: null, env: opts.env, maps: new WeakMap() };
}

function collect(c: Collector, text: string, at: Mapper, depth: number, outer: ReadonlySet<string> = new Set(), arms: readonly string[] = []): void {
  let tokens;
  try {
    tokens = lexShell(text);
  } catch (e) {
    if (!(e instanceof ShellLexError)) throw e;
    c.error ??= { message: e.message, offset: at(e.offset) };
    tokens = lexShell(text, { lenient: true });
  }
  const raws = parseCommands(tokens);
  const assigned = new Set([...outer, ...raws.flatMap(assignedNames)]);
  // Constructs of an inner script are named apart from the outer ones.
  const prefix = `${depth}.${c.commands.length}.`;
  for (const raw of raws) if (raw.words.length) add(c, text, at, depth, raw, assigned, [...arms, ...raw.arms.map((x) => prefix + x)]);
}

function add(c: Collector, text: string, at: Mapper, depth: number, raw: RawCommand, assigned: ReadonlySet<string>, arms: readonly string[] = []): void {
  const end = (o: number) => (o === 0 ? at(0) : at(o - 1) + 1);
  const span = (s: number, e: number): Span => ({ start: at(s), end: e > s ? end(e) : at(s) });
  const word = (w: LexWord): ShellWord => {
    const out: ShellWord = { raw: w.raw, value: w.value, literal: w.literal, range: span(w.start, w.end) };
    c.maps.set(out, w.map.map(at));
    return out;
  };
  const redirects: Redirect[] = raw.redirects.map((r) => ({
    op: r.op,
    fd: r.fd,
    target: r.target ? word(r.target) : null,
    heredoc: r.target?.heredoc ? { ...span(r.target.heredoc.start, r.target.heredoc.end), expand: r.target.heredoc.expand } : null,
  }));
  const [name, ...args] = raw.words.map(word);
  const cmd: SimpleCommand = { name, args, assignments: raw.assignments.map(word), redirects, range: span(raw.start, raw.end), ...(arms.length ? { arms } : {}) };
  const index = c.commands.push(cmd) - 1;
  const { activity, inner } = classify(cmd, { env: c.env, assigned });
  c.activities.push({ ...activity, command: index });
  if (!inner || depth >= MAX_DEPTH) return;
  if ('word' in inner) {
    const map = c.maps.get(inner.word) ?? [];
    collect(c, inner.word.value, (o) => (o < map.length ? map[o] : (map[map.length - 1] ?? inner.word.range.end - 1) + 1), depth + 1, assigned, arms);
  } else {
    const h = raw.redirects[redirects.indexOf(inner.heredoc)]?.target?.heredoc;
    if (h) collect(c, text.slice(h.start, h.end), (o) => at(h.start + o), depth + 1, assigned, arms);
  }
}

const DECLARES = new Set(['export', 'declare', 'typeset', 'local', 'readonly', 'read']);

/**
 * Variables a statement sets (`A=1`, `export A=1`, `read A`): where the script sets a
 * variable anywhere, its ARG or ENV value is not taken for it.
 */
function assignedNames(raw: RawCommand): string[] {
  const names = raw.assignments.map((a) => a.value.slice(0, a.value.search(/\+?=/)));
  if (raw.words.length && DECLARES.has(raw.words[0].value)) {
    for (const w of raw.words.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(\+?=|$)/.exec(w.value);
      if (m) names.push(m[1]);
    }
  }
  return names;
}
