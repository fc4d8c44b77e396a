/**
 * What a step reads and writes in the image's file system, read off its shell commands: the
 * parallelism rule and the restructuring transforms ask the same question, so one piece of
 * code answers it. A command this cannot classify makes the step read and write everything.
 */
import path from 'node:path';
import type { Step } from '../graph/graph.js';
import { runAnalysis } from './run-analysis.js';
import { ACTIVITY_RULES, PYPROJECT_DEPS_PROGRAM, type ActivityRule } from './activities.js';
import { lexShell, type Token } from './lex.js';
import { isLocalPath, type Activity, type ShellWord, type SimpleCommand } from './classify.js';
import { cleanedCaches, isVersionCheck, managerArgv, managerNamed, managerOf, rootCacheDirs } from './package-managers.js';
import type { RunAnalysis } from './analyze.js';

/** What a step reads and writes in the image's file system, as absolute paths (`/` is everything). */
export interface Effects {
  reads: string[];
  writes: string[];
  /** A command could not be classified: the step reads and writes everything. */
  unknown: boolean;
  /** With `unknown`: the first command it could not classify, as written (`kernels`), when one is to blame. */
  unknownCommand?: string;
  /**
   * A package manager installs into the system (an interpreter's site-packages, a global
   * package store, its caches): the step reads and writes the system, anywhere but the paths
   * listed, which are the project files it reads (its manifests) and writes (`node_modules`).
   * Every other step depends on it both ways; it can still move before a copy that does not
   * bring what it reads or writes.
   */
  system?: boolean;
  /**
   * Where the '/' in `reads` (`writes`) stands only for paths whose value is not known (a
   * build arg with no default, a variable the script sets): not for the root named as such.
   */
  loose?: { reads: boolean; writes: boolean };
  /** Folders in `writes` that only an archive unpacked into (`unzip x.zip`, `tar -xf x.tgz` in the WORKDIR): it adds the names the archive holds. */
  unpacked?: string[];
  /**
   * Lockfiles in `writes` that only a package manager's install rewrites, in place, to match
   * the manifests it read (`npm install`'s package-lock.json, see the table's
   * rewritesLockfiles): what it installs follows the lockfile given, only the lockfile's own
   * text may change. Not when another command of the step writes them too.
   */
  lockfiles?: string[];
}

const EVERYTHING: Effects = { reads: ['/'], writes: ['/'], unknown: true };

function overlaps(a: string, b: string): boolean {
  return a === b || a === '/' || b === '/' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * A later step depends on an earlier one when it reads what that one wrote, or writes where it
 * wrote (the order of the two writes decides what the image holds). Reading what a later step
 * overwrites is no dependency for parallel stages: each starts from the state before both.
 */
/** Whether `later` reads or writes anything `earlier` wrote. */
export function dependsOn(later: Effects, earlier: Effects): boolean {
  // Every step reads some file of the system (its program, at least): the system is shared.
  if (earlier.system && (later.system || later.reads.length || later.writes.length)) return true;
  if (later.system && earlier.writes.length) return true;
  return [...later.reads, ...later.writes].some((r) => earlier.writes.some((w) => overlaps(r, w)));
}

/** Why a step's effects are not known, for a decline: which command is to blame when one is. */
export function unknownWhy(e: Effects): string {
  const c = e.unknownCommand && (e.unknownCommand.length > 40 ? `${e.unknownCommand.slice(0, 39)}…` : e.unknownCommand);
  return c ? `what it reads and writes is not known (layerwise does not model \`${c}\`)` : 'what it reads and writes is not known';
}

/** The effects of a step: COPY/ADD write their destination, WORKDIR its directory, RUN what its commands touch. */
export function stepEffects(step: Step): Effects {
  if (step.keyword === 'COPY' || step.keyword === 'ADD') {
    const dest = String(step.expanded.dest ?? '');
    if (dest.includes('$')) return EVERYTHING;
    return { reads: [], writes: [clean(path.posix.resolve(step.scope.workdir, dest))], unknown: false };
  }
  if (step.keyword === 'WORKDIR') return { reads: [], writes: [clean(String(step.expanded.workdir))], unknown: false };
  if (step.keyword !== 'RUN') return EVERYTHING;
  const a = runAnalysis(step);
  if (!a || a.error) return EVERYTHING;
  return runEffectsOnce(step, a);
}

/**
 * Effects already worked out per analysis (analyses are shared by equal RUN texts, see
 * shell/analyze.ts), each with what else it read: the working directory, the user, the RUN
 * line, and the variables looked up with their values. The graph of a changed build arg
 * repeats nearly every step; only those that read the arg are worked out again.
 */
const effectsOf = new WeakMap<RunAnalysis, { workdir: string; user: string | null; line: string | null; reads: Map<string, string | undefined> | null; vars: Map<string, string>; result: Effects }[]>();

function runEffectsOnce(step: Step, a: RunAnalysis): Effects {
  const inst = step.instruction;
  const line = inst.keyword === 'RUN' && inst.command.form === 'shell' ? inst.command.script.raw : null;
  const vars = variables(step, a.script);
  const known = effectsOf.get(a) ?? [];
  for (const k of known) {
    if (k.workdir !== step.scope.workdir || k.user !== step.scope.user || k.line !== line) continue;
    if (k.reads ? [...k.reads].every(([n, v]) => vars.get(n) === v) : sameVars(k.vars, vars)) return k.result;
  }
  const recording = new RecordingVars(vars);
  const result = runEffects(step, a, recording);
  if (known.length < 16) known.push({ workdir: step.scope.workdir, user: step.scope.user, line, reads: recording.all ? null : recording.reads, vars, result });
  effectsOf.set(a, known);
  return result;
}

function sameVars(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The variables of a RUN, noting each name looked up (and whether the whole map was read). */
class RecordingVars extends Map<string, string> {
  readonly reads = new Map<string, string | undefined>();
  all = false;
  override get(name: string): string | undefined {
    const v = super.get(name);
    this.reads?.set(name, v);
    return v;
  }
  override has(name: string): boolean {
    this.reads?.set(name, super.get(name));
    return super.has(name);
  }
  override get size(): number {
    this.all = true;
    return super.size;
  }
  override forEach(...args: Parameters<Map<string, string>['forEach']>): void {
    this.all = true;
    super.forEach(...args);
  }
  override entries(): MapIterator<[string, string]> {
    this.all = true;
    return super.entries();
  }
  override keys(): MapIterator<string> {
    this.all = true;
    return super.keys();
  }
  override values(): MapIterator<string> {
    this.all = true;
    return super.values();
  }
  override [Symbol.iterator](): MapIterator<[string, string]> {
    this.all = true;
    return super[Symbol.iterator]();
  }
}

/**
 * The effects of some of a RUN's commands alone (by index into its analysis), as if the step
 * ran only those: what a part of an `&&` chain would do as a RUN of its own.
 */
export function partEffects(step: Step, indices: readonly number[]): Effects {
  const a = runAnalysis(step);
  if (!a || a.error) return EVERYTHING;
  const keep = new Set(indices);
  return runEffects(step, { ...a, commands: a.commands.filter((_, i) => keep.has(i)), activities: a.activities.filter((_, i) => keep.has(i)) });
}

function clean(p: string): string {
  // normalize keeps a leading `//` (POSIX leaves its meaning to the system; Linux reads it as `/`).
  const n = path.posix.normalize(p).replace(/^\/\/+/, '/');
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Shell builtins and commands that touch no file (their redirections aside). */
const NO_FILES = new Set([
  'echo', 'printf', 'true', 'false', ':', 'sleep', 'usleep', 'test', '[', '[[', 'set', 'unset', 'export', 'readonly',
  'declare', 'typeset', 'local', 'exit', 'return', 'shift', 'wait', 'trap', 'umask', 'ulimit', 'shopt', 'hash', 'type',
  'pwd', 'date', 'id', 'whoami', 'hostname', 'uname', 'nproc', 'which', 'tty', 'seq', 'yes', 'basename', 'dirname',
  'sync', 'let', 'getopts', 'break', 'continue', 'read', 'tr', 'expr',
]);
/** Builtins: no program file is read to run them. */
const BUILTINS = new Set([...NO_FILES, 'cd', 'pushd', 'popd', 'source', '.', 'eval', 'exec', 'command', 'alias', 'unalias']);
/** Commands that read the files named as operands. */
const READERS = new Set([
  'cat', 'head', 'tail', 'wc', 'nl', 'od', 'xxd', 'base64', 'md5sum', 'sha1sum', 'sha224sum', 'sha256sum', 'sha384sum',
  'sha512sum', 'b2sum', 'cksum', 'rev', 'file', 'stat', 'readlink', 'realpath', 'ls', 'du', 'diff', 'cmp', 'zcat', 'strings', 'cut',
]);
/** Flags of those commands (and others here) that take the next word as their value. */
const VALUE_FLAGS: Record<string, string[]> = {
  head: ['-n', '-c'], tail: ['-n', '-c'], cut: ['-d', '-f', '-c', '-b'], stat: ['-c', '--format'], od: ['-A', '-t', '-j', '-N'],
  sort: ['-k', '-t', '-T', '-S', '-o', '--output'], grep: ['-e', '-f', '-m', '-A', '-B', '-C', '-d', '-D', '--include', '--exclude'],
  sed: ['-e', '-f', '-l'], awk: ['-f', '-v', '-F'], mkdir: ['-m', '--mode'], touch: ['-r', '-d', '-t'], cp: ['-t', '--target-directory', '-S', '--suffix'],
  mv: ['-t', '--target-directory', '-S', '--suffix'], ln: ['-t', '--target-directory', '-S', '--suffix'], install: ['-m', '-o', '-g', '-t', '-S', '--mode', '--owner', '--group', '--target-directory'],
  tar: ['-f', '--file', '-C', '--directory', '-T', '--files-from', '-X', '--exclude-from', '--exclude', '--strip-components', '--transform', '--owner', '--group', '--mode', '-b', '--use-compress-program', '-I'],
  unzip: ['-d', '-x'], wget: (ACTIVITY_RULES.find((r) => r.id === 'wget')?.valueFlags ?? []) as string[],
  curl: (ACTIVITY_RULES.find((r) => r.id === 'curl')?.valueFlags ?? []) as string[],
  git: ['-C', '-c', '--git-dir', '--work-tree'],
  clone: ['--depth', '-b', '--branch', '-o', '--origin', '-c', '--config', '--reference', '--filter', '-j', '--jobs', '--separate-git-dir', '--template', '-u', '--upload-pack', '--shallow-since', '--shallow-exclude'],
  pip: ['-c', '--constraint', '-r', '--requirement', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root', '-d', '--dest', '-w', '--wheel-dir', '--platform', '--python-version', '--implementation', '--abi', '--only-binary', '--no-binary', '--trusted-host', '--cache-dir', '--src', '--upgrade-strategy', '--progress-bar', '--log', '--timeout', '--retries', '--proxy'],
  gcc: ['-o', '-I', '-L', '-D', '-U', '-l', '-include', '-x', '-MF', '-MT', '-MQ', '-isystem', '-idirafter', '-iquote', '-Xlinker', '--sysroot', '-target'],
  'cargo build': ['--manifest-path', '--target-dir', '-p', '--package', '--features', '-F', '--target', '-j', '--jobs', '--profile', '--bin', '--example', '--test', '--bench', '--config', '-Z', '--color', '--message-format'],
  'cargo fetch': ['--manifest-path', '--target', '--config', '-Z', '--color'],
  'go build': ['-C', '-o', '-p', '-tags', '-ldflags', '-gcflags', '-asmflags', '-mod', '-modfile', '-pkgdir', '-buildmode', '-compiler', '-overlay', '-pgo'],
  'go mod download': ['-C', '-modfile'],
  chmod: ['--reference'], chown: ['--reference'], chgrp: ['--reference'],
};

interface Parsed {
  flags: { name: string; value?: string; word?: ShellWord }[];
  operands: ShellWord[];
}

/**
 * Splits words into flags (with their values) and operands. Short flags bundle as getopt reads
 * them (`-fsSLo FILE`, `-ofile`); with `bundles: false` (gcc) a flag is one word, its value
 * the next word or attached (`-Iinclude`).
 */
function parseArgs(args: ShellWord[], valueFlags: readonly string[] = [], bundles = true): Parsed {
  const out: Parsed = { flags: [], operands: [] };
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (v === '--') {
      out.operands.push(...args.slice(i + 1));
      break;
    }
    if (!v.startsWith('-') || v === '-') {
      out.operands.push(args[i]);
      continue;
    }
    if (v.startsWith('--')) {
      const eq = v.indexOf('=');
      if (eq > 0) out.flags.push({ name: v.slice(0, eq), value: v.slice(eq + 1) });
      else if (valueFlags.includes(v)) out.flags.push({ name: v, value: args[i + 1]?.value, word: args[++i] });
      else out.flags.push({ name: v });
      continue;
    }
    if (valueFlags.includes(v) || v.length === 2) {
      if (valueFlags.includes(v)) out.flags.push({ name: v, value: args[i + 1]?.value, word: args[++i] });
      else out.flags.push({ name: v });
      continue;
    }
    if (!bundles) {
      const attached = valueFlags.find((f) => !f.startsWith('--') && f.length === 2 && v.startsWith(f));
      out.flags.push(attached ? { name: attached, value: v.slice(2) } : { name: v });
      continue;
    }
    // A bundle: `-xzf FILE`, `-ofile`, `-fsSL`.
    for (let k = 1; k < v.length; k++) {
      const f = `-${v[k]}`;
      if (!valueFlags.includes(f)) {
        out.flags.push({ name: f });
        continue;
      }
      if (k < v.length - 1) out.flags.push({ name: f, value: v.slice(k + 1) });
      else out.flags.push({ name: f, value: args[i + 1]?.value, word: args[++i] });
      break;
    }
  }
  return out;
}

/** Effects of one command; `null` when it cannot be classified. */
interface CommandEffects {
  reads: (string | null)[];
  writes: (string | null)[];
  /** `cd DIR`: the directory (null when not known). */
  cd?: string | null;
  /** It installs into the system (see Effects.system). */
  system?: boolean;
  /** Of `writes`, the folders an archive is unpacked into (see Effects.unpacked). */
  unpacks?: (string | null)[];
  /** Of `writes`, the lockfiles an install rewrites in place (see Effects.lockfiles). */
  relocks?: (string | null)[];
}

type Resolve = (value: string | null | undefined) => string | null;

/**
 * The effects of a RUN: each command's reads and writes, its redirections, and the program
 * file it runs, with `cd` followed (exactly at the top level of the script; inside a subshell,
 * `sh -c` or a here-document, the directories before and after both count).
 */
function runEffects(step: Step, a: RunAnalysis, vars = variables(step, a.script)): Effects {
  const reads: string[] = [];
  const writes: string[] = [];
  let system = false;
  const nested = nestedSpans(step, a);
  let cwds: (string | null)[] = [step.scope.workdir];
  const pathDirs = (vars.get('PATH') ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter((d) => d.startsWith('/'));
  // Whether a '/' in reads (writes) came from a path not known, and whether from the root as such.
  const loose = { reads: false, writes: false };
  const root = { reads: false, writes: false };
  const unpacked = new Set<string>();
  // Lockfiles an install rewrote in place, and every other write (a lockfile written otherwise is just written).
  const relocked = new Set<string>();
  const otherWrites = new Set<string>();
  const add = (list: string[], ps: (string | null)[]) => {
    const which = list === reads ? 'reads' : 'writes';
    for (const p of ps) {
      if (p === null) list.push('/'), (loose[which] = true);
      else if (!p.startsWith('/dev/') && p !== '/dev') {
        const c = p.startsWith('/') ? clean(p) : p;
        if (c === '/') root[which] = true;
        list.push(c);
      }
    }
  };
  for (const [i, cmd] of a.commands.entries()) {
    const activity = a.activities[i];
    for (const cwd of cwds) {
      const resolve: Resolve = (value) => resolvePath(value, cwd, vars, step);
      const e = commandEffects(cmd, activity, resolve, cwd, vars, step);
      if (!e) return { ...EVERYTHING, unknownCommand: [cmd.name.value, ...cmd.args.slice(0, 1).map((w) => w.value)].join(' ') };
      if (e.system) system = true;
      add(reads, e.reads);
      // A folder only unpacked into is told apart (unless something else writes it as such).
      const into = (e.unpacks ?? []).filter((u): u is string => u !== null && u.startsWith('/') && clean(u) !== '/');
      for (const u of into) unpacked.add(clean(u));
      const before = writes.length;
      add(writes, e.writes.filter((w) => w === null || !into.includes(w)));
      const relocks = (e.relocks ?? []).filter((l): l is string => l !== null);
      for (const w of writes.slice(before)) (relocks.includes(w) ? relocked : otherWrites).add(w);
      for (const r of cmd.redirects) {
        const t = r.target;
        if (!t || r.heredoc) continue;
        if (r.op === '>&' || r.op === '<&') {
          if (/^(\d+|-)$/.test(t.value)) continue;
        }
        const p = resolve(wordValue(t, vars));
        const before = writes.length;
        if (['>', '>>', '>|', '&>', '&>>', '>&'].includes(r.op)) add(writes, [p]);
        else if (r.op === '<') add(reads, [p]);
        else if (r.op === '<>') add(reads, [p]), add(writes, [p]);
        for (const w of writes.slice(before)) otherWrites.add(w);
      }
      // The program itself: a change of it (an install before) changes what the command does.
      const name = wordValue(cmd.name, vars);
      if (name === null) return EVERYTHING;
      if (name.includes('/')) add(reads, [resolve(name)]);
      else if (!BUILTINS.has(name)) add(reads, pathDirs.map((d) => `${clean(d)}/${name}`));
    }
    if (cmd.name.value === 'cd' || cmd.name.value === 'pushd' || cmd.name.value === 'popd') {
      const to = cmd.name.value === 'popd' ? undefined : parseArgs(cmd.args).operands[0];
      const next = cwds.map((cwd) => (to ? resolvePath(wordValue(to, vars), cwd, vars, step) : cmd.name.value === 'cd' ? homeOf(step, vars) : null));
      cwds = nested(cmd) ? [...new Set([...cwds, ...next])] : [...new Set(next)];
    }
  }
  const wrote = new Set(writes);
  // A folder some other command wrote as such is no longer only unpacked into.
  const onlyUnpacked = [...unpacked].filter((u) => !wrote.has(u));
  for (const u of onlyUnpacked) wrote.add(u);
  const vague = { reads: loose.reads && !root.reads, writes: loose.writes && !root.writes };
  // Written by another command too (or somewhere not known: '/'), a lockfile is not only rewritten by its manager.
  const lockfiles = [...relocked].filter((l) => ![...otherWrites].some((w) => overlaps(l, w)));
  return {
    reads: [...new Set(reads)],
    writes: [...wrote],
    unknown: false,
    ...(system ? { system } : {}),
    ...(vague.reads || vague.writes ? { loose: vague } : {}),
    ...(onlyUnpacked.length ? { unpacked: onlyUnpacked } : {}),
    ...(lockfiles.length ? { lockfiles } : {}),
  };
}

/** The variables a RUN's words can be read through: its ARG and ENV, less those the script sets itself. */
function variables(step: Step, script: string): Map<string, string> {
  const vars = new Map([...step.scope.args, ...step.scope.env]);
  for (const m of script.matchAll(/(?:^|[\s;&|(`])([A-Za-z_][A-Za-z0-9_]*)\+?=/g)) vars.delete(m[1]);
  for (const m of script.matchAll(/\b(?:for|read|select)\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)/g)) vars.delete(m[1]);
  const home = homeOf(step, vars);
  if (!vars.has('HOME') && home !== null && !/(?:^|[\s;&|(`])HOME\+?=/.test(script)) vars.set('HOME', home);
  return vars;
}

function homeOf(step: Step, vars: Map<string, string>): string | null {
  if (vars.has('HOME')) return vars.get('HOME')!;
  return step.scope.user === null || step.scope.user === 'root' || step.scope.user === '0' ? '/root' : null;
}

/**
 * A word's value with `$NAME` and `${NAME}` read through the step's variables; null when it
 * holds anything else the shell would expand (`$(...)`, `${NAME%%.*}`, an unknown variable).
 */
function wordValue(w: ShellWord, vars: Map<string, string>): string | null {
  if (w.literal || !/[$`]/.test(w.value)) return w.value;
  const v = w.value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, a: string | undefined, b: string | undefined) => vars.get((a ?? b)!) ?? m);
  return /[$`]/.test(v) ? null : v;
}

/** An absolute, normalised path for a word's value (a glob stands for the directory it starts in). */
function resolvePath(value: string | null | undefined, cwd: string | null, vars: Map<string, string>, step: Step): string | null {
  if (value === undefined || value === null) return null;
  let v = value;
  if (v === '~' || v.startsWith('~/')) {
    const home = homeOf(step, vars);
    if (home === null) return null;
    v = home + v.slice(1);
  }
  const glob = v.search(/[*?[]/);
  if (glob >= 0) {
    const head = v.slice(0, glob);
    v = head.endsWith('/') ? head : path.posix.dirname(head || '.');
    if (!head.includes('/')) v = '.';
  }
  if (!v.startsWith('/')) {
    if (cwd === null) return null;
    v = path.posix.join(cwd, v);
  }
  return clean(v);
}

/**
 * Whether a command runs where a `cd` does not outlast it: in a `( ... )` subshell, in the
 * script of `sh -c`, or in a here-document fed to a shell. When the script's parentheses do not
 * pair up (a `case` pattern), every command counts as nested.
 */
function nestedSpans(step: Step, a: RunAnalysis): (cmd: SimpleCommand) => boolean {
  const spans: { start: number; end: number }[] = [];
  a.commands.forEach((c, i) => {
    if (a.activities[i].kind === 'shell') spans.push(c.range);
  });
  let balanced = true;
  try {
    const open: number[] = [];
    // In a `case`, the `)` after a pattern (and an optional `(` before it) is no subshell:
    // a pattern comes after `in` and after each `;;`, up to its `)`.
    const cases: boolean[] = [];
    let pattern = false;
    let prev: Token | undefined;
    for (const t of lexShell(a.script)) {
      const atCommand = !prev || (prev.type === 'op' && prev.op !== ')');
      const last = prev;
      prev = t;
      if (t.type === 'word') {
        if (t.quoted) continue;
        // `esac` where a pattern would start ends the case.
        if (pattern) {
          if (t.value === 'esac' && last?.type === 'op') cases.pop(), (pattern = false);
          continue;
        }
        if (t.value === 'case' && atCommand) cases.push(false);
        else if (t.value === 'in' && cases.length && !cases[cases.length - 1] && last?.type === 'word') (cases[cases.length - 1] = true), (pattern = true);
        else if (t.value === 'esac' && cases.length && atCommand) cases.pop();
        continue;
      }
      if (t.op === ';;' || t.op === ';&' || t.op === ';;&') {
        if (cases.length && cases[cases.length - 1]) pattern = true;
        continue;
      }
      if (pattern) {
        if (t.op === ')') pattern = false;
        continue;
      }
      if (t.op === '(') open.push(t.start);
      else if (t.op === ')') {
        const s = open.pop();
        if (s === undefined) balanced = false;
        else spans.push({ start: s, end: t.end });
      }
    }
    if (open.length) balanced = false;
  } catch {
    balanced = false;
  }
  const inst = step.instruction;
  const line = inst.keyword === 'RUN' && inst.command.form === 'shell' ? inst.command.script.raw : null;
  const bodies = line !== null && a.script !== line && a.script.startsWith(line) ? line.length : Infinity;
  return (cmd) => !balanced || cmd.range.start >= bodies || spans.some((s) => cmd.range.start > s.start && cmd.range.end <= s.end);
}

const SYSTEM_UPDATES: Record<string, string> = { 'apt-get update': '/var/lib/apt/lists', 'apk update': '/var/cache/apk', 'yum makecache': '/var/cache' };

/**
 * A command that only empties a package manager's download cache or index: `npm cache clean
 * --force`, `apt-get dist-clean`, `pip cache purge`, `rm -rf /var/lib/apt/lists/*` (the
 * managers and their caches: package-managers.ts). Nothing a build step reads lives there but
 * the managers themselves, which download again.
 */
export function cacheCleanup(cmd: SimpleCommand): boolean {
  const words = managerArgv([cmd.name, ...cmd.args].map((w) => w.value));
  if (cleanedCaches(words).length) return true;
  if (words[0] === 'rm') {
    const dirs = rootCacheDirs();
    const operands = words.slice(1).filter((w) => !w.startsWith('-'));
    return operands.length > 0 && operands.every((o) => !o.includes('$') && dirs.some((d) => o === d || o.startsWith(`${d}/`)));
  }
  return false;
}

/** Effects of one command by its name and activity; null when it cannot be classified. */
function commandEffects(cmd: SimpleCommand, activity: Activity, resolve: Resolve, cwd: string | null, vars: Map<string, string>, step: Step): CommandEffects | null {
  const name = cmd.name.value.slice(cmd.name.value.lastIndexOf('/') + 1);
  const val = (w: ShellWord | undefined) => (w ? wordValue(w, vars) ?? null : null);
  const res = (w: ShellWord | undefined) => (w ? resolve(val(w)) : null);
  const all = (ws: ShellWord[]) => ws.map(res);
  const p = parseArgs(cmd.args, VALUE_FLAGS[activity.rule] ?? VALUE_FLAGS[name] ?? [], !['gcc', 'go build', 'go mod download'].includes(activity.rule));
  // `-` is standard input or output, not a file.
  p.operands = p.operands.filter((w) => w.value !== '-');
  const flag = (...names: string[]) => p.flags.find((f) => names.includes(f.name));
  const has = (...names: string[]) => !!flag(...names);
  const flagPath = (...names: string[]) => {
    const f = flag(...names);
    return f ? resolve(f.word ? val(f.word) : f.value) : undefined;
  };

  if (activity.kind === 'shell') return { reads: [], writes: [] };
  // `pip freeze`, `pip list`, `uv pip freeze`, `python -m pip show x`: they read what is installed.
  const words = [cmd.name, ...cmd.args].map((w) => w.value);
  const pipAt = words.findIndex((w, i) => /^pip(\d+(\.\d+)?)?$/.test(w.slice(w.lastIndexOf('/') + 1)) && (i === 0 || (i === 1 && words[0] === 'uv') || (i === 2 && words[1] === '-m')));
  if (pipAt >= 0 && ['freeze', 'list', 'show', 'check'].includes(words[pipAt + 1])) return { reads: [], writes: [], system: true };
  if (cacheCleanup(cmd)) return { reads: [], writes: [], system: true };
  if (activity.kind === 'file' && isVersionCheck(managerArgv(words))) return { reads: [], writes: [] };
  if (activity.kind === 'sleep') return { reads: [], writes: [] };
  if (name === 'cd' || name === 'pushd' || name === 'popd') return { reads: [], writes: [] };
  // `env` with words runs a command (`env A=1 make`); alone it prints, like printenv.
  if (name === 'printenv' || (name === 'env' && !cmd.args.length)) return { reads: [], writes: [] };
  if (name === 'command') return cmd.args[0] && ['-v', '-V'].includes(cmd.args[0].value) ? { reads: [], writes: [] } : null;
  if (NO_FILES.has(name)) return { reads: [], writes: [] };
  // split-install's program that prints the dependencies a pyproject.toml lists: it reads that file alone.
  if (/^python(\d+(\.\d+)?)?$/.test(name) && cmd.args[0]?.value === '-c' && cmd.args[1]?.value === PYPROJECT_DEPS_PROGRAM && cmd.args.length === 4) return { reads: [res(cmd.args[2])], writes: [] };
  if (READERS.has(name)) return { reads: p.operands.length ? all(p.operands) : [], writes: [] };

  switch (name) {
    case 'mkdir':
    case 'rmdir':
    case 'rm':
    case 'touch':
    case 'shred':
      return { reads: name === 'touch' && has('-r') ? [flagPath('-r') ?? null] : [], writes: all(p.operands) };
    case 'chmod':
    case 'chown':
    case 'chgrp':
      if (has('--reference')) return { reads: [flagPath('--reference') ?? null], writes: all(p.operands) };
      // `chmod -x file` reads as a flag: with fewer than two operands the mode went missing.
      return p.operands.length >= 2 ? { reads: [], writes: all(p.operands.slice(1)) } : null;
    case 'tee':
      return { reads: [], writes: all(p.operands) };
    case 'cp':
    case 'mv':
    case 'install':
    case 'ln': {
      if (name === 'install' && has('-d', '--directory')) return { reads: [], writes: all(p.operands) };
      const target = flagPath('-t', '--target-directory');
      const sources = target !== undefined ? p.operands : p.operands.slice(0, -1);
      let dest: string | null = target !== undefined ? target : res(p.operands[p.operands.length - 1]);
      if (name === 'ln' && target === undefined && p.operands.length === 1) dest = cwd;
      if (!p.operands.length) return null;
      const srcs = all(sources);
      return { reads: srcs, writes: [dest, ...(name === 'mv' ? srcs : [])] };
    }
    case 'sort': {
      const out = flagPath('-o', '--output');
      return { reads: all(p.operands), writes: out !== undefined ? [out] : [] };
    }
    case 'uniq':
      return { reads: all(p.operands.slice(0, 1)), writes: all(p.operands.slice(1, 2)) };
    case 'grep':
    case 'egrep':
    case 'fgrep': {
      const pattern = has('-e', '-f', '--regexp', '--file') ? 0 : 1;
      const files = p.operands.slice(pattern);
      const recursive = has('-r', '-R', '--recursive', '--dereference-recursive');
      const f = flagPath('-f', '--file');
      return { reads: [...all(files), ...(recursive && !files.length ? [cwd] : []), ...(f !== undefined ? [f] : [])], writes: [] };
    }
    case 'sed': {
      const script = has('-e', '-f', '--expression', '--file') ? 0 : 1;
      const files = all(p.operands.slice(script));
      const f = flagPath('-f', '--file');
      const inPlace = p.flags.some((x) => x.name === '-i' || x.name === '--in-place' || /^-[a-zA-Z]*i/.test(x.name)) || cmd.args.some((w) => /^-i./.test(w.value));
      return { reads: [...files, ...(f !== undefined ? [f] : [])], writes: inPlace ? files : [] };
    }
    case 'awk':
    case 'gawk':
    case 'mawk': {
      const program = has('-f') ? 0 : 1;
      const files = p.operands.slice(program).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value));
      const f = flagPath('-f');
      // A program can write files of its own (`print > "x"`): only a program without `>` or system() is read.
      const text = p.operands[0]?.value ?? '';
      if (program && /[>|]|system|getline/.test(text)) return null;
      return { reads: [...all(files), ...(f !== undefined ? [f] : [])], writes: [] };
    }
    case 'find': {
      const roots: ShellWord[] = [];
      for (const w of cmd.args) {
        if (/^[-(!]/.test(w.value)) break;
        roots.push(w);
      }
      const words = cmd.args.map((w) => w.value);
      if (words.some((w) => ['-exec', '-execdir', '-ok', '-okdir', '-fprint', '-fprint0', '-fprintf', '-fls'].includes(w))) return null;
      const r = roots.length ? all(roots) : [cwd];
      return { reads: r, writes: words.includes('-delete') ? r : [] };
    }
    case 'tar':
      return tarEffects(cmd, resolve, vars, cwd, step);
    case 'gzip':
    case 'gunzip':
    case 'bzip2':
    case 'bunzip2':
    case 'xz':
    case 'unxz':
    case 'zstd':
    case 'unzstd': {
      const files = all(p.operands);
      if (has('-c', '--stdout', '-t', '--test', '-l', '--list')) return { reads: files, writes: [] };
      return { reads: files, writes: files.map((f) => (f === null ? null : path.posix.dirname(f))) };
    }
    case 'unzip': {
      const d = flagPath('-d');
      const into = d !== undefined ? d : cwd;
      return { reads: all(p.operands.slice(0, 1)), writes: [into], unpacks: [into] };
    }
    case 'curl': {
      const urls = p.operands.map((w) => val(w));
      const dir = flagPath('--output-dir');
      const base = dir !== undefined ? dir : cwd;
      const writes: (string | null)[] = [];
      for (const f of p.flags) {
        if (f.name === '-o' || f.name === '--output') writes.push(f.value === '-' ? '/dev/stdout' : (dir !== undefined && f.value && !f.value.startsWith('/') ? resolvePath(f.value, dir, vars, step) : flagValue(f, resolve, vars)));
        if (f.name === '-O' || f.name === '--remote-name' || f.name === '--remote-name-all') writes.push(...urls.map((u) => remoteName(u, base)));
        if (f.name === '-T' || f.name === '--upload-file' || f.name === '-K' || f.name === '--config') return null;
      }
      return { reads: [], writes };
    }
    case 'wget': {
      const urls = p.operands.map((w) => val(w));
      const o = flag('-O', '--output-document');
      const dir = flagPath('-P', '--directory-prefix');
      const writes: (string | null)[] = [];
      if (o) {
        if (o.value !== '-') writes.push(flagValue(o, resolve, vars));
      } else writes.push(...urls.map((u) => remoteName(u, dir !== undefined ? dir : cwd)));
      for (const f of p.flags) if (['-o', '--output-file', '-a', '--append-output'].includes(f.name)) writes.push(flagValue(f, resolve, vars));
      if (has('-i', '--input-file')) return null;
      return { reads: [], writes };
    }
    case 'git':
      return gitEffects(cmd, resolve, vars, cwd, step);
    case 'useradd':
    case 'groupadd':
    case 'adduser':
    case 'addgroup':
    case 'usermod':
    case 'groupmod':
      return { reads: ['/etc'], writes: ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow', '/home'] };
    case 'ldconfig':
      return { reads: ['/etc/ld.so.conf', '/etc/ld.so.conf.d', '/lib', '/usr/lib', '/usr/local/lib'], writes: ['/etc/ld.so.cache'] };
    default:
      break;
  }

  if (activity.kind === 'download' && SYSTEM_UPDATES[activity.rule]) return { reads: ['/etc'], writes: [SYSTEM_UPDATES[activity.rule]] };
  const os = osPackages(cmd, activity, p.operands, res);
  if (os) return os;
  if (activity.rule === 'pip install' || activity.rule === 'uv pip install' || activity.rule === 'pip download' || activity.rule === 'pip wheel') {
    // Only an install into a directory of its own is known; into the interpreter's site-packages it touches the system.
    const pp = parseArgs(pipArgs(cmd), VALUE_FLAGS.pip);
    const into = pp.flags.find((f) => ['-t', '--target', '--prefix', '--root', '-d', '--dest', '-w', '--wheel-dir'].includes(f.name));
    const lists = pp.flags.filter((f) => ['-r', '--requirement', '-c', '--constraint', '-e', '--editable'].includes(f.name)).map((f) => flagValue(f, resolve, vars));
    // A local project (`.`, `./libs/x`, `.[gpu]`) is read whole; its extras are not part of the path.
    const local = pp.operands.filter((w) => isLocalPath(w.value)).map((w) => resolve(val(w)?.replace(/\[.*$/, '')));
    // Into the interpreter's site-packages (no directory of its own): the system.
    if (!into) return activity.rule === 'pip install' || activity.rule === 'uv pip install' ? { reads: [...lists, ...local], writes: [], system: true } : null;
    return { reads: [...lists, ...local], writes: [flagValue(into, resolve, vars)] };
  }
  if (activity.rule === 'gcc') {
    const out = flagPath('-o');
    const sources = p.operands.filter((w) => /\.(c|cc|cpp|cxx|c\+\+|m|mm|s|S|h|hpp|o|a)$/.test(w.value)).map(res);
    if (sources.length !== p.operands.length) return null;
    const includes = p.flags.filter((f) => ['-I', '-L', '-isystem', '-iquote', '-idirafter'].includes(f.name) || /^-[IL]./.test(f.name)).map((f) => (f.value !== undefined ? flagValue(f, resolve, vars) : resolve(f.name.slice(2))));
    return { reads: [...sources, ...sources.map((s) => (s === null ? null : path.posix.dirname(s))), ...includes, '/usr'], writes: [out !== undefined ? out : cwd] };
  }
  // Cargo and Go build one module: its folder in, its output and their caches of downloads out.
  const home = homeOf(step, vars);
  if (activity.rule === 'cargo build' || activity.rule === 'cargo fetch') {
    const manifest = flagPath('--manifest-path');
    const dir = manifest === undefined ? cwd : manifest === null ? null : path.posix.dirname(manifest);
    const cargoHome = vars.get('CARGO_HOME') ?? (home === null ? null : `${home}/.cargo`);
    if (activity.rule === 'cargo fetch') return { reads: [dir, cargoHome], writes: [cargoHome] };
    const target = flagPath('--target-dir');
    return { reads: [dir, cargoHome], writes: [target !== undefined ? target : dir === null ? null : `${dir}/target`, cargoHome] };
  }
  // `go generate` runs whatever its comments say.
  if (activity.rule === 'go build' && cmd.args.some((w) => w.value === 'generate')) return null;
  if (activity.rule === 'go build' || activity.rule === 'go mod download') {
    const c = flagPath('-C');
    const dir = c === undefined ? cwd : c;
    const gopath = vars.get('GOPATH') ?? (home === null ? null : `${home}/go`);
    const gocache = vars.get('GOCACHE') ?? (home === null ? null : `${home}/.cache/go-build`);
    // `go mod download` reads the module's go.mod and go.sum (and a workspace's go.work), no
    // source; a `replace` to a local folder is the context's to tell (context/manifests.ts).
    if (activity.rule === 'go mod download') {
      const mod = (f: string) => (dir === null ? null : clean(path.posix.join(dir, f)));
      return { reads: [mod('go.mod'), mod('go.sum'), mod('go.work'), mod('go.work.sum'), gopath], writes: [gopath] };
    }
    // `go install` puts the binary in GOPATH/bin, `go build` in the folder unless -o says where.
    const out = flagPath('-o');
    return { reads: [dir, gopath, gocache], writes: [out !== undefined ? out : dir, gopath, gocache] };
  }
  const project = projectInstall(cmd, activity, cwd, vars, resolve);
  if (project) return project;
  // Anything else (scripts, build tools that run arbitrary steps): not known.
  return null;
}

/**
 * An OS package manager installing or removing packages (package-managers.ts: its `os`
 * managers, their install rules and removal words): it reads and writes the system (its
 * database, the index `apt-get update` fetched, the files of the packages), and reads nothing
 * of a build's own files but the package files it is given (`apt-get install ./x.deb`, `dpkg -i
 * x.deb`, `apk add --allow-untrusted /tmp/x.apk`). So it moves before a copy it does not read,
 * like any system install (it still depends on every step before it that touches the system).
 */
function osPackages(cmd: SimpleCommand, activity: Activity, operands: ShellWord[], res: (w: ShellWord | undefined) => string | null): CommandEffects | null {
  const argv = managerArgv([cmd.name, ...cmd.args].map((w) => w.value));
  const m = managerOf(argv);
  const dpkg = activity.rule === 'dpkg -i';
  if (!dpkg && !m?.os) return null;
  const verb = argv.slice(1).find((w) => !w.startsWith('-')) ?? '';
  const installs = dpkg || (activity.kind === 'install' && m!.rules.includes(activity.rule));
  if (!installs && !m!.removes?.includes(verb)) return null;
  // A package file is read from the build's files; a package name is not a path.
  const files = dpkg ? operands : operands.filter((w) => /^\.{0,2}\//.test(w.value) || /\.(deb|rpm|apk)$/.test(w.value));
  return { reads: files.map(res), writes: [], system: true };
}

/**
 * Project installs by a language's package manager, run in the project's folder: they read
 * its manifests and lockfile and install into the system (and into the folders named in
 * `writes`). Only the forms that read nothing else are known: no packages named on the command
 * line (`npm install x` edits package.json), no install of the project itself (`uv sync`
 * without `--no-install-project`, `poetry install` without `--no-root`: they read the source),
 * no autoloader or scripts of composer's (they read the source too). Scripts a manifest runs
 * on install (package.json's `postinstall`) are the context's to tell: see context/manifests.ts.
 */
function projectInstall(cmd: SimpleCommand, activity: Activity, cwd: string | null, vars: Map<string, string>, resolve: Resolve): CommandEffects | null {
  const rule = (ACTIVITY_RULES as readonly ActivityRule[]).find((r) => r.id === activity.rule);
  if (cwd === null || activity.kind !== 'install' || !rule) return null;
  const p = parseArgs(cmd.args, rule.valueFlags ?? []);
  // The subcommand words (`ci`, `install`, `dependency:go-offline`) are not packages.
  const subWords = new Set((rule.sub ?? []).flat());
  if (p.operands.some((w) => !subWords.has(w.value))) return null;
  const has = (...names: string[]) => p.flags.some((f) => names.includes(f.name));
  const at = (dir: string | null | undefined, ...names: string[]) => names.map((n) => (dir ? clean(path.posix.join(dir, n)) : null));
  // `npm ci --prefix DIR`, `composer -d DIR`: the project is elsewhere.
  const dirFlag = p.flags.find((f) => ['--prefix', '-C', '--dir', '-d', '--working-dir', '--cwd'].includes(f.name));
  const dir = dirFlag ? resolve(dirFlag.word ? wordValue(dirFlag.word, vars) : dirFlag.value) : cwd;
  switch (activity.rule) {
    case 'npm ci':
      return { reads: at(dir, 'package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'), writes: at(dir, 'node_modules'), system: true };
    case 'npm install': {
      // With no package named, it installs what package.json (and a lockfile, where there is
      // one) asks for. Unlike `npm ci` it writes the lockfile, in place (told apart as
      // `lockfiles`): where the context has none (the common case of `npm install`), npm's
      // lockfile stays as it was; where the context brings one, a copy after it puts the
      // context's back (late-source-copy judges that). `-g` with no package installs the project itself.
      if (has('-g', '--global', '--location')) return null;
      const locks = has('--no-package-lock', '--no-save') ? [] : at(dir, ...(managerNamed('npm')?.rewritesLockfiles ?? []));
      return { reads: at(dir, 'package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'), writes: [...at(dir, 'node_modules'), ...locks], relocks: locks, system: true };
    }
    case 'yarn install':
      // Only a lockfile-bound install: a plain one may rewrite yarn.lock, which the copy then puts back.
      if (!has('--frozen-lockfile', '--immutable', '--pure-lockfile')) return null;
      return { reads: at(dir, 'package.json', 'yarn.lock', '.yarnrc', '.yarnrc.yml', '.npmrc', '.yarn'), writes: at(dir, 'node_modules', '.yarn', '.pnp.cjs', '.pnp.loader.mjs'), system: true };
    case 'pnpm install':
      if (!has('--frozen-lockfile')) return null;
      return { reads: at(dir, 'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'), writes: at(dir, 'node_modules'), system: true };
    case 'uv sync': {
      if (!has('--no-install-project', '--only-deps')) return null;
      const venv = vars.get('UV_PROJECT_ENVIRONMENT');
      return { reads: at(dir, 'pyproject.toml', 'uv.lock', '.python-version', 'uv.toml'), writes: venv ? [resolve(venv)] : at(dir, '.venv'), system: true };
    }
    case 'poetry install':
      if (!has('--no-root') || has('--only-root')) return null;
      return { reads: at(dir, 'pyproject.toml', 'poetry.lock', 'poetry.toml'), writes: at(dir, '.venv'), system: true };
    case 'bundle install':
      return { reads: at(dir, 'Gemfile', 'Gemfile.lock', '.bundle'), writes: at(dir, '.bundle', 'vendor/bundle'), system: true };
    case 'composer install':
      if (!has('--no-scripts') || !has('--no-autoloader')) return null;
      return { reads: at(dir, 'composer.json', 'composer.lock', 'auth.json'), writes: at(dir, 'vendor'), system: true };
    case 'mvn dependency:go-offline':
      return { reads: at(dir, 'pom.xml', '.mvn', 'mvnw'), writes: at(dir, 'target'), system: true };
    case 'gradle dependencies':
      // The build scripts, the wrapper and its folder (version catalogs live in gradle/ too).
      return {
        reads: at(dir, 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradle.properties', 'gradle.lockfile', 'gradle', 'gradlew'),
        writes: at(dir, '.gradle', 'build'),
        system: true,
      };
    default:
      return null;
  }
}

function flagValue(f: { value?: string; word?: ShellWord }, resolve: Resolve, vars: Map<string, string>): string | null {
  if (f.word) return resolve(wordValue(f.word, vars));
  return f.value === undefined ? null : resolve(f.value);
}

/** Where `curl -O` / `wget` put a URL: its last path segment in the directory. */
function remoteName(url: string | null, dir: string | null): string | null {
  if (url === null || dir === null) return null;
  const m = /^[a-z]+:\/\/[^/]*(\/[^?#]*)?/i.exec(url);
  const base = m?.[1] ? path.posix.basename(m[1]) : '';
  return base ? clean(path.posix.join(dir, base)) : dir;
}

/** `python -m pip ...` and `uv pip ...`: the words after `pip`'s subcommand. */
function pipArgs(cmd: SimpleCommand): ShellWord[] {
  const words = [cmd.name, ...cmd.args];
  const at = words.findIndex((w, i) => i > 0 && ['install', 'download', 'wheel'].includes(w.value));
  return at < 0 ? [] : words.slice(at + 1);
}

function tarEffects(cmd: SimpleCommand, resolve: Resolve, vars: Map<string, string>, cwd: string | null, step: Step): CommandEffects | null {
  const args = [...cmd.args];
  // `tar xzf file`: the first word is a bundle of flags without the dash.
  if (args[0] && /^[A-Za-z]+$/.test(args[0].value) && /[xctru]/.test(args[0].value)) args[0] = { ...args[0], value: `-${args[0].value}` };
  const p = parseArgs(args, VALUE_FLAGS.tar);
  const names = p.flags.map((f) => f.name);
  const mode = names.find((n) => ['-x', '--extract', '--get', '-c', '--create', '-t', '--list', '-r', '--append', '-u', '--update'].includes(n));
  const f = p.flags.find((x) => x.name === '-f' || x.name === '--file');
  const file = f && f.value !== '-' ? flagValue(f, resolve, vars) : undefined;
  const c = p.flags.find((x) => x.name === '-C' || x.name === '--directory');
  const dir = c ? flagValue(c, resolve, vars) : cwd;
  const ops = p.operands.map((w) => resolvePath(wordValue(w, vars), dir, vars, step));
  if (mode === '-x' || mode === '--extract' || mode === '--get') return { reads: file !== undefined ? [file] : [], writes: [dir], unpacks: [dir] };
  if (mode === '-t' || mode === '--list') return { reads: file !== undefined ? [file] : [], writes: [] };
  if (mode === '-c' || mode === '--create') return { reads: ops.length ? ops : [dir], writes: file !== undefined ? [file] : [] };
  if (mode) return { reads: ops, writes: file !== undefined ? [file] : [null] };
  return null;
}

function gitEffects(cmd: SimpleCommand, resolve: Resolve, vars: Map<string, string>, cwd: string | null, step: Step): CommandEffects | null {
  let i = 0;
  let dir = cwd;
  const args = cmd.args;
  // Global options before the subcommand: `git -C dir ...`, `git -c key=value ...`.
  while (i < args.length && args[i].value.startsWith('-')) {
    const v = args[i].value;
    if (v === '-C') dir = resolvePath(wordValue(args[++i], vars), dir, vars, step);
    else if (v === '-c') i++;
    else return null;
    i++;
  }
  const sub = args[i]?.value;
  const rest = args.slice(i + 1);
  if (sub === 'clone') {
    const p = parseArgs(rest, VALUE_FLAGS.clone);
    const url = p.operands[0] ? wordValue(p.operands[0], vars) : null;
    if (p.operands[1]) return { reads: [], writes: [resolvePath(wordValue(p.operands[1], vars), dir, vars, step)] };
    if (url === null || dir === null) return { reads: [], writes: [null] };
    const name = path.posix.basename(url.replace(/\/+$/, '').replace(/\.git$/, '').replace(/^.*:/, ''));
    return { reads: [], writes: [name ? clean(path.posix.join(dir, name)) : null] };
  }
  if (['checkout', 'fetch', 'pull', 'reset', 'submodule', 'switch', 'apply', 'am', 'clean', 'init'].includes(sub ?? '')) return { reads: [dir], writes: [dir] };
  if (['rev-parse', 'log', 'describe', 'status', 'show', 'diff', 'ls-files'].includes(sub ?? '')) return { reads: [dir], writes: [] };
  return null;
}

/** Whether `p` is `dir` or lies in it. */
function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/**
 * Whether a step names one of `places` (where a build's source is: a copy's destination,
 * where a RUN put it again): a word of its text holds a place or its last folder name (`cd
 * sglang`, `pip install -e sglang/python`), or it reads a variable whose value does.
 */
function namesPlace(step: Step, places: string[]): boolean {
  const text = step.instruction.text;
  const segment = (s: string) => new RegExp(`(^|[^A-Za-z0-9_.-])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_.])`);
  const marks = places.flatMap((a) => [a, a.slice(a.lastIndexOf('/') + 1)]).filter((m) => m && m !== '/').map(segment);
  const named = (t: string) => marks.some((m) => m.test(t));
  if (named(text)) return true;
  for (const [name, value] of [...step.scope.args, ...step.scope.env]) {
    if (value !== undefined && named(value) && new RegExp(`\\$\\{?${name}\\b`).test(text)) return true;
  }
  return false;
}

/**
 * A step *blind* to the source: it names none of `places` (see namesPlace) and runs outside
 * them. A third-party installer or script (`curl … | sh`, `bash dependencies.sh`, `apt-key
 * adv`) does not know the project's layout, so layerwise takes it to leave the source alone
 * even where it cannot read what the step does: the judgement an expert makes when moving such
 * steps before a source copy (late-source-copy says when it made it; steps-after-source-copy
 * names them). Returns what such a step touches that could be the source, only what it names:
 * not what it is not known to touch (a command not modelled; '/' for a path whose value is not
 * known), nor a folder above the source an archive is unpacked into (it adds the names the
 * archive holds). The root or a folder above the source named as such (`find / -delete`,
 * `chown -R app .`) still counts. Null when the step is not blind.
 */
export function blindEffects(step: Step, places: readonly string[]): Effects | null {
  const at = places.map((a) => (a.length > 1 ? a.replace(/\/+$/, '') : a));
  if (step.keyword !== 'RUN' && step.keyword !== 'COPY' && step.keyword !== 'ADD') return null;
  if (at.some((a) => within(step.scope.workdir, a)) || namesPlace(step, at)) return null;
  const e = stepEffects(step);
  if (e.unknown) return { ...e, reads: [], writes: [] };
  const above = (p: string) => at.some((a) => within(a, p) && a !== p);
  return {
    ...e,
    reads: e.reads.filter((p) => !(p === '/' && e.loose?.reads)),
    writes: e.writes.filter((p) => !(p === '/' && e.loose?.writes) && !(e.unpacked?.includes(p) && above(p))),
  };
}
