/**
 * Dedup: a package the same manager already installed earlier in the stage chain is dropped
 * from the later install (the command, and the RUN, go when nothing is left in them); a value
 * that several RUN steps of a stage derive with the same text becomes one ARG before the first
 * of them.
 *
 * Both only when the result is provably the same image. An install is dropped only when it is
 * a no-op: same manager and program, same spec, same flags, same environment, nothing between
 * the two that removes the package, refreshes the index, installs over it or writes where the
 * manager keeps its record of it, and no command between whose effects are not known. A value
 * is hoisted only when BuildKit's own expansion of an ARG computes what the shell would (see
 * hoistable below) from inputs no step between changes, and nothing else sees the new ARG.
 */
import path from 'node:path';
import type { Dockerfile, Mount, RunInstruction } from '../../dockerfile/model.js';
import type { BuildGraph, Stage, Step } from '../../graph/graph.js';
import { repeatedInstalls, type RepeatedInstall } from '../../rules/installs.js';
import { baseChain, itemWord, removedPackages, runAnalysis, runRange } from '../../rules/shared.js';
import type { Activity, RunAnalysis, SimpleCommand } from '../../shell/index.js';
import { isRedirection, lexShell, ShellLexError } from '../../shell/lex.js';
import { stepEffects } from '../../shell/effects.js';
import { statements, type Statement } from '../../shell/statements.js';
import { declarations, inScope, mayReadEnvironment, reads, TOOL_VARIABLES, variableReference } from '../../shell/variables.js';
import { blankBefore, blockOf } from '../blocks.js';
import { defineTransform, type Plan } from '../define.js';
import type { TextEdit } from '../edits.js';

/** What dedup knows of a package manager: where it records what is installed, and what changes that. */
interface Manager {
  /** Where the manager records installed packages: a write there between the two can undo the first. */
  state: (p: string) => boolean;
  /** Activity rules that change which version an install picks (a refreshed index, an upgrade). */
  refresh: string[];
  /** Flags (and sub-commands) that make an install act on a package already installed. */
  forcing: string[];
  /** Another install by the manager between the two can remove or replace it (a conflict, a dependency). */
  installsBetween: 'always' | 'pinned' | 'never';
}

const under = (roots: string[]) => (p: string) => roots.some((r) => p === r || p.startsWith(`${r}/`) || r.startsWith(`${p}/`) || p === '/');

const MANAGERS: Record<string, Manager> = {
  'apt-get install': { state: under(['/var/lib/dpkg']), refresh: ['apt-get update', 'apt-get upgrade'], forcing: ['reinstall', '--reinstall', '--only-upgrade'], installsBetween: 'always' },
  'apk add': { state: under(['/lib/apk', '/etc/apk']), refresh: ['apk update'], forcing: ['-u', '--upgrade', '-l', '--latest', '--force-overwrite', '--force-broken-world'], installsBetween: 'always' },
  'yum install': { state: under(['/var/lib/rpm', '/var/lib/dnf', '/var/lib/yum']), refresh: ['yum makecache'], forcing: ['reinstall'], installsBetween: 'always' },
  // pip records a package as its dist-info folder in site-packages, wherever the Python is.
  'pip install': {
    state: (p) => p === '/' || /\/(site|dist)-packages(\/|$)/.test(p) || /^\/usr(\/local)?\/lib\/python[^/]*$/.test(p) || /^\/usr(\/local)?(\/lib)?$/.test(p),
    refresh: [],
    forcing: ['-U', '--upgrade', '--force-reinstall', '-I', '--ignore-installed'],
    // Installing another package may move this one to another version as a dependency: a
    // later install that pins a version would then move it back.
    installsBetween: 'pinned',
  },
  // Global npm packages sit side by side, each with its own dependencies.
  'npm install': { state: under(['/usr/local/lib/node_modules', '/usr/lib/node_modules']), refresh: [], forcing: ['-f', '--force'], installsBetween: 'never' },
};

/** Flags that change what is printed or asked, not what is installed. */
const OUTPUT_ONLY = new Set(['-y', '--yes', '--assume-yes', '-q', '-qq', '--quiet']);
const NPM_GLOBAL = new Set(['-g', '--global']);
/** pip reads requirement and constraint files whose content a step between may have changed. */
const PIP_FILES = /^(-r|--requirement|-c|--constraint|-e|--editable)(=|$)/;
const PINNED = /[=<>!~@]/;
/** File commands whose operands are files they write. */
const WRITES_OPERANDS = new Set(['rm', 'rmdir', 'mv', 'cp', 'ln', 'install', 'tar', 'unzip', 'find', 'chmod', 'chown', 'chgrp', 'sed', 'tee', 'touch', 'mkdir', 'patch', 'gzip', 'gunzip', 'xz', 'unxz', 'bzip2', 'zstd']);

/** The words of a command that say which program installs (`apt-get`, `python3 -m pip`): those before its operands. */
function programOf(cmd: SimpleCommand, sub: string): string {
  const argv = [cmd.name, ...cmd.args].map((w) => w.value);
  const at = argv.indexOf(sub, 1);
  return argv.slice(0, at < 0 ? 1 : at).filter((v) => !v.startsWith('-')).map((v, i) => (i === 0 ? path.posix.basename(v) : v)).join(' ');
}

/** The sub-command word (`install`, `add`, `reinstall`): the first non-flag word after the program. */
function subOf(cmd: SimpleCommand): string {
  const argv = [cmd.name, ...cmd.args].map((w) => w.value);
  const m = argv.findIndex((v, i) => i > 0 && v === '-m');
  return argv.find((v, i) => i > (m >= 0 ? m + 1 : 0) && !v.startsWith('-')) ?? '';
}

/** Everything of an install but its package operands and output-only flags, as a sorted list. */
function settings(cmd: SimpleCommand, act: Activity): string[] {
  const items = new Set(act.items);
  const args = cmd.args.map((w) => w.value);
  const sub = args.indexOf(subOf(cmd));
  return args.filter((v, i) => i !== sub && !items.has(v) && !OUTPUT_ONLY.has(v)).sort();
}

/** A script the shell runs as one `&&` chain: a failing command fails the step, and no command is nested. */
function andChain(step: Step, a: RunAnalysis): boolean {
  const inst = step.instruction as RunInstruction;
  if (inst.command.form === 'exec') return true;
  try {
    return lexShell(a.script).every((t) => t.type === 'word' || t.op === '&&' || (isRedirection(t.op) && t.op !== '<<' && t.op !== '<<-'));
  } catch (e) {
    if (e instanceof ShellLexError) return false;
    throw e;
  }
}

/** The statements of a flat script that stand at its top level (not inside a `$(...)`), in order. */
function topLevel(a: RunAnalysis, all: Statement[] = statements(a)): Statement[] {
  return all.filter((s) => !all.some((o) => o !== s && o.start <= s.start && o.end >= s.end && (o.start < s.start || o.end > s.end))).sort((x, y) => x.start - y.start);
}

/** `$NAME` and `${NAME}` read through the step's ARG and ENV; null when anything else is left to expand. */
function valueOf(step: Step, w: string): string | null {
  const vars = new Map([...step.scope.args, ...step.scope.env]);
  const v = w.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, a?: string, b?: string) => vars.get((a ?? b)!) ?? m);
  return /[$`]/.test(v) ? null : v;
}

function sameMap(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
}

function mountsInto(mounts: Mount[], m: Manager): string | undefined {
  return mounts.map((x) => x.target).find((t): t is string => t !== null && m.state(path.posix.normalize(t)));
}

/** Why the later install is not a no-op, or null when it is one. */
function whyNot(df: Dockerfile, r: RepeatedInstall): string | null {
  const { first, again } = r;
  const m = MANAGERS[again.rule];
  if (!m) return `dedup does not know whether ${again.rule} skips a package that is installed already`;
  const fa = runAnalysis(first.step)!;
  const aa = runAnalysis(again.step)!;
  const fc = fa.commands[first.command];
  const ac = aa.commands[again.command];
  const fLine = first.step.line;
  if (first.item !== again.item) return `line ${fLine} installed it as ${first.item}: another spec may install another version`;
  if (again.rule === 'npm install' && ![fc, ac].every((c) => c.args.some((w) => NPM_GLOBAL.has(w.value)))) return 'a local npm install writes the project\'s package.json and lockfile';
  const word = itemWord(again.step, ac, again.item);
  if (!word || !word.literal || word.value !== again.item) return `it comes from ${word?.raw ?? 'a word'} that cannot be edited alone`;
  const fp = programOf(fc, subOf(fc));
  const ap = programOf(ac, subOf(ac));
  if (fp !== ap) return `line ${fLine} installed it with ${fp}, this is ${ap}`;
  const forcing = [subOf(ac), ...ac.args.map((w) => w.value)].find((v) => m.forcing.includes(v));
  if (forcing) return `${forcing} acts on a package that is installed already`;
  if (again.rule === 'pip install' && ac.args.some((w) => PIP_FILES.test(w.value))) return 'its requirement or constraint files may have changed since';
  const fs = settings(fc, fa.activities[first.command]);
  const as = settings(ac, aa.activities[again.command]);
  if (fs.join('\0') !== as.join('\0')) return `its options (${as.join(' ') || 'none'}) are not line ${fLine}'s (${fs.join(' ') || 'none'})`;
  if (!andChain(first.step, fa)) return `the RUN at line ${fLine} is not one && chain: it may go on after the install fails`;
  const env = [...sameMap(first.step.scope.env, again.step.scope.env), ...sameMap(first.step.scope.args, again.step.scope.args)];
  if (env.length) return `${env.join(', ')} ${env.length === 1 ? 'differs' : 'differ'} from line ${fLine}`;
  if (first.step.scope.user !== again.step.scope.user) return `it runs as another USER than line ${fLine}`;
  // A package named by a path (`./x.deb`, `-c ./constraints.txt`) is another file in another WORKDIR.
  const relative = [again.item, ...as].some((v) => !v.startsWith('/') && /[/]|^\./.test(v));
  if (relative && first.step.scope.workdir !== again.step.scope.workdir) return `it names a relative path and runs in another WORKDIR than line ${fLine}`;
  for (const s of [first.step, again.step]) {
    const t = mountsInto((s.instruction as RunInstruction).mounts, m);
    if (t) return `the RUN at line ${s.line} mounts ${t}, where ${again.rule} records what it installed`;
  }
  return between(df, r, m);
}

/** What stands between the two installs and may change what the later one does. */
function between(df: Dockerfile, r: RepeatedInstall, m: Manager): string | null {
  const { first, again } = r;
  const steps = r.chain.flatMap((s: Stage) => s.steps);
  const from = steps.indexOf(first.step);
  const to = steps.indexOf(again.step);
  const fEnd = runAnalysis(first.step)!.commands[first.command].range.end;
  const aStart = runAnalysis(again.step)!.commands[again.command].range.start;
  for (const step of steps.slice(from, to + 1)) {
    if (step.keyword === 'COPY' || step.keyword === 'ADD') {
      const w = stepEffects(step).writes.find((p) => m.state(p));
      if (w !== undefined) return `line ${step.line} copies into ${w}, where ${again.rule} records what it installed`;
      continue;
    }
    const a = runAnalysis(step);
    if (!a) continue;
    const cds = a.commands.some((c) => ['cd', 'pushd', 'popd'].includes(c.name.value));
    for (const [i, cmd] of a.commands.entries()) {
      if (step === first.step && cmd.range.start < fEnd) continue;
      if (step === again.step && cmd.range.end > aStart) continue;
      const act = a.activities[i];
      const at = `line ${runRange(df, step, cmd.range).start.line}`;
      if (act.kind === 'other') return `${at} runs ${act.rule}, whose effects are not known`;
      const removed = removedPackages(cmd);
      if (removed && removed.install === again.rule) return `${at} removes packages, which can take it with them`;
      if (m.refresh.includes(act.rule)) return `the ${act.rule} at ${at} can change the version it would install`;
      if (act.rule === again.rule && act.kind === 'install') {
        const force = cmd.args.some((w) => m.forcing.includes(w.value));
        if (m.installsBetween === 'always' || force || (m.installsBetween === 'pinned' && PINNED.test(again.item))) {
          return `another ${act.rule} at ${at} can remove or replace it`;
        }
        continue;
      }
      if (act.kind === 'file') {
        // A file command that writes where the manager keeps its record can undo the first install.
        const operands = WRITES_OPERANDS.has(act.rule) ? cmd.args.filter((w) => !w.value.startsWith('-')) : [];
        const targets = [...operands, ...cmd.redirects.filter((x) => x.target && !x.heredoc).map((x) => x.target!)];
        for (const w of targets) {
          const v = valueOf(step, w.value);
          if (v === null || (!v.startsWith('/') && cds)) return `${at} writes ${w.raw}, which may be where ${again.rule} records what it installed`;
          if (m.state(path.posix.resolve(step.scope.workdir, v))) return `${at} writes ${w.raw}, where ${again.rule} records what it installed`;
        }
      }
    }
  }
  return null;
}

/** The RUN's text from `start` to `end` of its script, as offsets into the Dockerfile. */
function fileSpan(df: Dockerfile, step: Step, start: number, end: number): { start: number; end: number } {
  const r = runRange(df, step, { start, end });
  return { start: r.start.offset, end: r.end.offset };
}

/** Removes a whole step with its comment lines (and the blank line above, so no gap doubles). */
function removeStep(df: Dockerfile, step: Step): TextEdit {
  const b = blockOf(df, step.instruction);
  return { start: blankBefore(df.source, b.start) ?? b.start, end: b.end, text: '' };
}

/** Edits that drop the given package words from one RUN: words, whole commands, or the step. */
function dropInstalls(df: Dockerfile, step: Step, drops: Map<number, Set<string>>, plan: Plan): boolean {
  const a = runAnalysis(step)!;
  const edits: TextEdit[] = [];
  const emptied = new Set<number>();
  for (const [i, items] of drops) {
    const cmd = a.commands[i];
    const act = a.activities[i];
    if (act.items.length + act.unknown.length > items.size) {
      if ((step.instruction as RunInstruction).command.form === 'exec') {
        plan.declined.push(`line ${step.line} keeps ${[...items].join(', ')}: an exec-form RUN is not edited word by word`);
        return false;
      }
      const argv = [cmd.name, ...cmd.args];
      for (const item of items) {
        const k = argv.findIndex((w, n) => n > 0 && w.literal && w.value === item);
        // The word goes with the blanks (and line continuations) between it and the word before it.
        edits.push({ ...fileSpan(df, step, argv[k - 1].range.end, argv[k].range.end), text: '' });
      }
    } else emptied.add(i);
  }
  if (emptied.size) {
    const stmts = topLevel(a);
    const isEmptied = (s: Statement) => [...emptied].some((i) => a.commands[i].range.start === s.start && a.commands[i].range.end === s.end);
    if (stmts.every(isEmptied)) {
      plan.edits.push(removeStep(df, step));
      return true;
    }
    if (!andChain(step, a) || [...emptied].some((i) => !stmts.some((s) => isEmptied(s) && a.commands[i].range.start === s.start))) {
      plan.declined.push(`line ${step.line} keeps its install: left without packages it would go, and its RUN is not one && chain`);
      return false;
    }
    const firstKept = stmts.findIndex((s) => !isEmptied(s));
    // Leading commands go with the `&&` after them; the others with the `&&` before them.
    if (firstKept > 0) edits.push({ ...fileSpan(df, step, stmts[0].start, stmts[firstKept].start), text: '' });
    for (let k = firstKept + 1; k < stmts.length; k++) {
      if (isEmptied(stmts[k])) edits.push({ ...fileSpan(df, step, stmts[k - 1].end, stmts[k].end), text: '' });
    }
  }
  plan.edits.push(...edits);
  return true;
}

/** The line of the package's word (a RUN can span many). */
function wordLine(df: Dockerfile, x: RepeatedInstall['first']): number {
  const w = itemWord(x.step, runAnalysis(x.step)!.commands[x.command], x.item);
  return w ? runRange(df, x.step, w.range).start.line : x.step.line;
}

function planInstalls(graph: BuildGraph, plan: Plan): void {
  const df = graph.dockerfile;
  const byStep = new Map<Step, Map<number, Set<string>>>();
  const notes = new Map<Step, string[]>();
  for (const r of repeatedInstalls(graph)) {
    const { first, again } = r;
    const why = whyNot(df, r);
    const where = `${again.item} at line ${wordLine(df, again)} (${again.rule}; line ${wordLine(df, first)} installed it)`;
    if (why) {
      plan.declined.push(`${where} stays: ${why}`);
      continue;
    }
    const cmds = byStep.get(again.step) ?? new Map<number, Set<string>>();
    byStep.set(again.step, cmds);
    const items = cmds.get(again.command) ?? new Set<string>();
    cmds.set(again.command, items);
    items.add(again.item);
    notes.set(again.step, [...(notes.get(again.step) ?? []), `${where} goes: it is installed already`]);
  }
  for (const [step, drops] of byStep) if (dropInstalls(df, step, drops, plan)) plan.notes.push(...notes.get(step)!);
}

/**
 * The one shape of a value BuildKit v0.8 (the engine of Docker 20.10) expands in a Dockerfile
 * word exactly as a POSIX shell expands it in an assignment: plain characters, `$VAR`, `${VAR}`,
 * `${VAR:-word}` and `${VAR:+word}` (that engine has no `%`, `#` or `/` forms: `${V%%.*}` is an
 * error there), optionally inside one pair of double quotes. Quotes and escapes elsewhere, `~`,
 * globs and substitutions are read differently by the two, so they are not hoisted.
 */
const PLAIN = '[A-Za-z0-9_.,:/@%+=-]';
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const HOISTABLE = new RegExp(`^(?:${PLAIN}|\\$${NAME}|\\$\\{${NAME}(?::[-+]${PLAIN}*)?\\})*$`);
const EXPANSION = new RegExp(`\\$(?:\\{(${NAME})|(${NAME}))`, 'g');

/** Why BuildKit cannot compute the value as the shell does, or null. */
function notHoistable(value: string): string | null {
  const inner = /^"[^"]*"$/.test(value) ? value.slice(1, -1) : value;
  if (HOISTABLE.test(inner)) return null;
  const form = /\$\{[^}]*\}|\$\(|`/.exec(inner)?.[0];
  if (form && form.startsWith('${')) return `${form} is not an expansion BuildKit v0.8 does in a Dockerfile (it has $VAR, \${VAR}, \${VAR:-x} and \${VAR:+x}), so an ARG cannot compute it`;
  if (form) return 'a command substitution runs only in the shell';
  return `BuildKit reads the quotes, escapes or other characters of ${value} otherwise than the shell does`;
}

/** Whether a script sets the variable (an assignment, `export`, `read`, `for`, `unset`, ...). */
function sets(script: string, name: string, skip?: { start: number; end: number }): boolean {
  const text = skip ? script.slice(0, skip.start) + ' '.repeat(skip.end - skip.start) + script.slice(skip.end) : script;
  // An assignment anywhere, or a command that sets it standing where a command starts.
  return new RegExp(`(^|[^A-Za-z0-9_$])${name}\\+?=|(^|[;&|(]\\s*)(for|read|select|getopts|export|declare|typeset|local|readonly|unset)\\s[^;&|\\n]*\\b${name}\\b`).test(text);
}

interface Derivation {
  step: Step;
  a: RunAnalysis;
  /** The RUN's statements, `stmt` among them. */
  all: Statement[];
  stmt: Statement;
}

/** Why the value cannot be one ARG before the first RUN, or null. */
function whyNotHoist(graph: BuildGraph, stage: Stage, name: string, value: string, uses: Derivation[]): string | null {
  const why = notHoistable(value);
  if (why) return why;
  const inputs = [...new Set([...value.matchAll(EXPANSION)].map((m) => m[1] ?? m[2]))];
  if (inputs.includes(name)) return `it reads ${name} itself`;
  for (const u of uses) {
    if (!andChain(u.step, u.a) || !topLevel(u.a, u.all).includes(u.stmt)) return `the RUN at line ${u.step.line} is not one && chain with it at the top`;
    if (topLevel(u.a, u.all).length < 2) return `the RUN at line ${u.step.line} does nothing else`;
    if (sets(u.a.script, name, u.stmt)) return `the RUN at line ${u.step.line} sets ${name} again`;
    if (variableReference(name).test(u.a.script.slice(0, u.stmt.start))) return `the RUN at line ${u.step.line} reads ${name} before it is set`;
    const input = inputs.find((v) => sets(u.a.script, v));
    if (input) return `the RUN at line ${u.step.line} sets ${input}, which the value reads`;
  }
  const [first, last] = [uses[0].step, uses[uses.length - 1].step];
  for (const step of stage.steps.filter((s) => s.position > first.position && s.position < last.position)) {
    const v = inputs.find((x) => (step.keyword === 'ARG' || step.keyword === 'ENV') && declarations(step).some((d) => d.name === x));
    if (v) return `line ${step.line} sets ${v} between the RUN steps`;
  }
  if (graph.options.buildArgs && name in graph.options.buildArgs) return `--build-arg ${name} would set the ARG`;
  if (TOOL_VARIABLES.test(name)) return `programs read ${name} from their environment, where an ARG puts it`;
  // An ARG is in the environment of every later step of its stage and (on this engine) of the
  // stages built FROM it; nothing there may read it, nor may the RUN steps' own programs.
  const after = [
    ...stage.steps.filter((s) => s.position >= first.position),
    ...graph.stages.filter((s) => s !== stage && baseChain(graph, s.index).includes(stage)).flatMap((s) => s.steps),
  ];
  for (const step of after) {
    if (inScope(step, name)) return `${name} is already a build variable at line ${step.line}`;
    const own = uses.some((u) => u.step === step);
    if (own ? mayReadEnvironment(step) : reads(step, name)) return `line ${step.line} may read ${name} from its environment, where an ARG puts it`;
  }
  return null;
}

function planHoists(graph: BuildGraph, plan: Plan): void {
  const df = graph.dockerfile;
  for (const stage of graph.stages) {
    const groups = new Map<string, Derivation[]>();
    for (const step of stage.steps) {
      const inst = step.instruction;
      if (inst.keyword !== 'RUN' || inst.command.form !== 'shell') continue;
      // A RUN that PowerShell or cmd runs has no shell analysis: nothing to hoist.
      const a = runAnalysis(step);
      if (!a) continue;
      const all = statements(a);
      for (const stmt of all) {
        // A value copied or computed from a variable is logic; a constant is not worth an ARG.
        if (!stmt.assignment || !stmt.assignment.value.includes('$')) continue;
        const key = `${stmt.assignment.name}=${stmt.assignment.value}`;
        const list = groups.get(key) ?? [];
        if (!list.some((u) => u.step === step)) list.push({ step, a, all, stmt });
        groups.set(key, list);
      }
    }
    for (const [key, uses] of groups) {
      if (uses.length < 2) continue;
      const { name, value } = uses[0].stmt.assignment!;
      const lines = uses.map((u) => u.step.line).join(', ');
      const why = whyNotHoist(graph, stage, name, value, uses);
      if (why) {
        plan.declined.push(`${key} in the RUN steps at lines ${lines} stays: ${why}`);
        continue;
      }
      const at = blockOf(df, uses[0].step.instruction).start;
      plan.edits.push({ start: at, end: at, text: `ARG ${key}\n` });
      for (const u of uses) {
        const stmts = topLevel(u.a, u.all);
        const k = stmts.indexOf(u.stmt);
        // The first statement goes with the `&&` after it, any other with the `&&` before it.
        plan.edits.push({ ...(k === 0 ? fileSpan(df, u.step, u.stmt.start, stmts[1].start) : fileSpan(df, u.step, stmts[k - 1].end, u.stmt.end)), text: '' });
      }
      plan.notes.push(`${key} is derived once, as an ARG before line ${uses[0].step.line}, instead of in the RUN steps at lines ${lines}`);
    }
  }
}

export default defineTransform({
  name: 'dedup',
  safety: 'safe',
  description: 'Drops packages the same manager already installed, and derives a value repeated in several RUN steps once, as an ARG, when BuildKit computes it as the shell would.',
  plan({ graph }) {
    const plan: Plan = { edits: [], notes: [], declined: [] };
    planInstalls(graph, plan);
    planHoists(graph, plan);
    return plan;
  },
});
