/**
 * Matches a simple command against the activity table (activities.ts): unwraps `sudo`,
 * `env`, `xargs`, `python -m`, finds the first rule that fits, and reads its operands
 * (packages, URLs, source files, durations), skipping flags and their values.
 */
import { ACTIVITY_RULES, FILE_COMMANDS, SHELLS, WRAPPERS, type ActivityKind, type ActivityRule, type Wrapper } from './activities.js';
import type { Span } from './lex.js';
import { isVersionCheck } from './package-managers.js';

/** A word of a command: as written, after quote removal, and where it is in the script. */
export interface ShellWord {
  raw: string;
  /** Quotes and escapes removed; expansions (`$VAR`, `$(...)`) kept as written. */
  value: string;
  /** No expansion and no unquoted glob: `value` is exactly what the command receives. */
  literal: boolean;
  range: Span;
}

export interface Redirect {
  op: string;
  /** The descriptor before the operator (`2>&1`), or null. */
  fd: number | null;
  target: ShellWord | null;
  /** For `<<` and `<<-`: the body in the script, and whether the shell expands it. */
  heredoc: (Span & { expand: boolean }) | null;
}

export interface SimpleCommand {
  name: ShellWord;
  args: ShellWord[];
  /** `NAME=value` words before the name: they set the command's environment. */
  assignments: ShellWord[];
  redirects: Redirect[];
  /** From the first assignment, word or redirection to the last. */
  range: Span;
  /** The `if`/`case` arms it runs in (see {@link exclusive}); absent: none. */
  arms?: readonly string[];
}

/** Whether two commands are in different arms of one `if` or `case`: at most one of them runs. */
export function exclusive(a: SimpleCommand, b: SimpleCommand): boolean {
  const of = (c: SimpleCommand) => new Map((c.arms ?? []).map((x) => [x.slice(0, x.indexOf(':')), x] as const));
  const x = of(a);
  for (const [id, arm] of of(b)) if (x.has(id) && x.get(id) !== arm) return true;
  return false;
}

export interface Activity {
  kind: ActivityKind;
  /**
   * The rule that matched (`apt-get install`); for file and shell commands their name, for
   * other commands argv[0] as the shell sees it (`./build.sh`).
   */
  rule: string;
  /** Index of the command in the analysis' `commands`. */
  command: number;
  /** The counted operands: packages, URLs, source files; for sleep, the durations as written. */
  items: string[];
  /**
   * Where further items come from when they cannot be counted: list files (`-r
   * requirements.txt`), manifests (`package.json`), local projects (`.`), words whose
   * expansion is not known (`$PACKAGES`). Empty when `items` is the whole count.
   */
  unknown: string[];
  /** For sleep: the total in seconds, or null when an operand is not a literal duration. */
  seconds?: number | null;
}

/** What a shell command runs: the `-c` string, or a here-document on its input. */
export type InnerScript = { word: ShellWord } | { heredoc: Redirect };

export interface Classified {
  activity: Omit<Activity, 'command'>;
  inner?: InnerScript;
}

export interface ClassifyOptions {
  /** Values of variables the script reads but does not set (the step's ARG and ENV). */
  env?: ReadonlyMap<string, string>;
  /** Variables the script sets itself: their values are not known from `env`. */
  assigned?: ReadonlySet<string>;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
const LONE_VARIABLE = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$/;
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/;
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** A command's file name (`/usr/bin/git` → `git`). */
export const nameOf = (value: string): string => value.slice(value.lastIndexOf('/') + 1);
const matches = (names: readonly (string | RegExp)[], name: string): boolean =>
  names.some((n) => (typeof n === 'string' ? n === name : n.test(name)));
const isFlag = (v: string): boolean => v.length > 1 && v.startsWith('-');

/**
 * The words a word stands for once the shell expands it, when that is known: a literal word,
 * a lone `$NAME` whose value is given (unquoted, it splits on blanks), or a glob taken as one
 * word (`curl=8.*` matches no file; `/wheels/*.whl` is counted as one). Null otherwise.
 */
export function resolveWord(w: ShellWord, opts: ClassifyOptions): string[] | null {
  if (w.literal || !/[$`]/.test(w.value)) return [w.value];
  const m = LONE_VARIABLE.exec(w.value);
  const name = m?.[1] ?? m?.[2];
  if (!name || opts.assigned?.has(name)) return null;
  const v = opts.env?.get(name);
  if (v === undefined) return null;
  return w.raw.startsWith('"') ? [v] : v.split(/[ \t\n]+/).filter(Boolean);
}

/** Classifies one simple command. */
export function classify(cmd: SimpleCommand, opts: ClassifyOptions = {}): Classified {
  let argv = [cmd.name, ...cmd.args];
  let stdin = false;
  for (let n = 0; n < 8; n++) {
    const next = unwrap(argv);
    if (!next) break;
    argv = next.argv;
    stdin ||= next.stdin;
  }
  const head = resolveWord(argv[0], opts);
  const name = nameOf(head?.[0] ?? argv[0].value);
  const args = argv.slice(1);
  if (!head) return { activity: { kind: 'other', rule: argv[0].raw, items: [], unknown: [] } };

  if (SHELLS.includes(name)) return shell(cmd, name, args);
  // `yarn --version`, `pip -V`: the manager answers and installs nothing.
  if (isVersionCheck([name, ...args.map((a) => a.value)])) return { activity: { kind: 'file', rule: `${name} ${args[0].value}`, items: [], unknown: [] } };

  for (const rule of ACTIVITY_RULES as readonly ActivityRule[]) {
    const at = matchRule(rule, name, args);
    if (at === null) continue;
    if (rule.kind === 'sleep') return { activity: sleep(args, opts) };
    const { items, unknown } = operands(rule, args.slice(at), opts);
    if (stdin) unknown.push('xargs input');
    return { activity: { kind: rule.kind, rule: rule.id, items, unknown } };
  }
  if (FILE_COMMANDS.has(name)) return { activity: { kind: 'file', rule: name, items: [], unknown: [] } };
  return { activity: { kind: 'other', rule: head[0], items: [], unknown: [] } };
}

/**
 * `sudo cmd`, `env A=1 cmd`, `xargs cmd`, `python -m pip`: the wrapped command's argv (for
 * the wrappers given; all of the table's by default), or null when argv is not one of them.
 */
export function unwrap(argv: ShellWord[], wrappers: readonly Wrapper[] = WRAPPERS): { argv: ShellWord[]; stdin: boolean } | null {
  const name = nameOf(argv[0].value);
  const w = wrappers.find((x) => matches(x.commands, name));
  if (!w) return null;
  let i = 1;
  if (w.module) {
    for (; i < argv.length && isFlag(argv[i].value); i++) {
      if (argv[i].value === w.module) return i + 1 < argv.length ? { argv: argv.slice(i + 1), stdin: false } : null;
    }
    return null;
  }
  for (; i < argv.length && isFlag(argv[i].value); i++) {
    if (argv[i].value === '--') {
      i++;
      break;
    }
    if (w.valueFlags?.includes(argv[i].value)) i++;
  }
  if (w.assignments) while (i < argv.length && ASSIGNMENT.test(argv[i].value)) i++;
  i += w.skipOperands ?? 0;
  return i < argv.length ? { argv: argv.slice(i), stdin: w.stdin ?? false } : null;
}

/** Where the rule's operands start, or null when it does not match. */
function matchRule(rule: ActivityRule, name: string, args: ShellWord[]): number | null {
  if (!matches(rule.commands, name)) return null;
  let i = 0;
  const takesValue = (v: string) => rule.valueFlags?.includes(v) || rule.listFlags?.includes(v);
  for (const [p, alternatives] of (rule.sub ?? []).entries()) {
    while (i < args.length && isFlag(args[i].value) && args[i].value !== '--') i += takesValue(args[i].value) ? 2 : 1;
    if (i >= args.length) return rule.subOptional && p === 0 ? i : null;
    if (!alternatives.includes(args[i].value)) return null;
    i++;
  }
  if (rule.flag && !args.some((a) => a.value === rule.flag || a.value.startsWith(`${rule.flag}=`))) return null;
  return i;
}

/**
 * An installer's operand that names a path rather than a package (`.`, `.[gpu]`, `./lib`,
 * `/src/x.whl`): what it reads from the file system. The one reading, for the effects, fix
 * and the cost model.
 */
export function isLocalPath(s: string): boolean {
  return /^(\.\.?(\/|$|\[)|\/)/.test(s);
}

/** A local path that is a project to build, not a built archive (which counts as a package). */
function isLocalProject(s: string): boolean {
  return isLocalPath(s) && !/\.(whl|tar\.gz|tgz|zip|deb|rpm|apk)$/.test(s);
}

function operands(rule: ActivityRule, args: ShellWord[], opts: ClassifyOptions): { items: string[]; unknown: string[] } {
  const items: string[] = [];
  const unknown: string[] = [];
  const unresolved: string[] = [];
  let onlyOperands = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = a.value;
    if (!onlyOperands && v === '--') {
      onlyOperands = true;
      continue;
    }
    if (!onlyOperands && isFlag(v)) {
      const list = rule.listFlags?.find((f) => v === f || v.startsWith(`${f}=`) || (!f.startsWith('--') && v.startsWith(f)));
      if (list !== undefined) {
        const value = v === list ? args[++i]?.value : v.slice(list.length).replace(/^=/, '');
        if (value) unknown.push(value);
      } else if (rule.valueFlags?.includes(v)) {
        i++;
      }
      continue;
    }
    if (!rule.operands) continue;
    const words = resolveWord(a, opts);
    if (words === null) {
      // A URL with a variable in it is still one URL.
      if (rule.itemPattern?.test(v)) items.push(v);
      else if (rule.itemPattern) unresolved.push(v);
      else unknown.push(v);
      continue;
    }
    for (const s of words) {
      if (rule.operands === 'lists') unknown.push(s);
      else if (rule.itemPattern && !rule.itemPattern.test(s)) continue;
      else if (rule.localProjects && isLocalProject(s)) unknown.push(s);
      else items.push(s);
    }
  }
  if (rule.maxItems !== undefined) items.splice(rule.maxItems);
  // curl "$URL": one URL, which the table cannot recognise as such.
  if (items.length === 0 && unknown.length === 0 && unresolved.length) unknown.push(unresolved[0]);
  if (items.length === 0 && unknown.length === 0 && rule.manifest) unknown.push(rule.manifest);
  return { items, unknown };
}

/** coreutils and busybox sleep: operands are summed; a suffix s, m, h or d scales. */
function sleep(args: ShellWord[], opts: ClassifyOptions): Omit<Activity, 'command'> {
  const items: string[] = [];
  let seconds: number | null = 0;
  for (const a of args) {
    const words = resolveWord(a, opts);
    items.push(...(words ?? [a.raw]));
    for (const s of words ?? [a.raw]) {
      const m = DURATION.exec(s);
      seconds = m && seconds !== null ? seconds + Number(m[1]) * UNIT_SECONDS[m[2]] : null;
    }
  }
  if (args.length === 0) seconds = null;
  return { kind: 'sleep', rule: 'sleep', items, unknown: seconds === null ? items : [], seconds };
}

/**
 * `sh -c 'script'` runs the script; `sh <<EOF` runs the here-document; `sh file` and
 * `curl ... | sh` run something that cannot be seen from here.
 */
function shell(cmd: SimpleCommand, name: string, args: ShellWord[]): Classified {
  let command = false;
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i].value;
    if (v === '--' || v === '-') {
      i++;
      break;
    }
    if (!/^[-+][A-Za-z]/.test(v) || v.startsWith('--')) {
      if (v.startsWith('--')) continue;
      break;
    }
    if (v.startsWith('-') && v.includes('c')) command = true;
    // `-o pipefail`, `-euxo pipefail`: the option name is the next word.
    if (v.endsWith('o')) i++;
  }
  const activity = { kind: 'shell' as const, rule: name, items: [], unknown: [] };
  if (command && i < args.length) return { activity, inner: { word: args[i] } };
  const heredoc = cmd.redirects.find((r) => r.heredoc && (r.fd === null || r.fd === 0));
  if (!command && i >= args.length && heredoc) return { activity, inner: { heredoc } };
  return { activity: { kind: 'other', rule: name, items: [], unknown: [] } };
}
