/**
 * Split install: the manifest-first half that works inside one RUN. A RUN after a copy of the
 * whole context whose `&&` chain starts with dependency installs that read only manifests
 * (`pip install -r requirements.txt && pip install -e .`, `npm ci && npm run build`) becomes
 * two RUNs: the installs, then the rest. An install that also installs the project itself is
 * split the way its tool allows: `uv sync` → `uv sync --no-install-project`, `poetry install` →
 * `poetry install --no-root`, `composer install` → `--no-scripts --no-autoloader` first, and
 * pip's `-r FILE` plus a local project → the requirements alone first. late-source-copy then
 * moves the first RUN before the copy, after narrow copies of the manifests.
 *
 * What pip resolved in the first RUN is frozen (`pip freeze`) into a constraints file that the
 * project install uses (`-c`), so installing the project cannot move a version the first RUN
 * chose; the file lives in /tmp and the project install removes it, so the image does not
 * hold it. uv, poetry and composer install from their lockfile: nothing to freeze.
 *
 * Why it keeps the image: the commands run in the same order in the same environment (the
 * chain is split only between `&&`-joined commands, never after one that changes the shell's
 * state: `cd`, `export`, `set`, an assignment), and a dependency installed first is found
 * installed by the second install. Only where the first RUN can then move: the steps between
 * the copy and it move too (they read only manifests) and nothing changes scope in between.
 * `pip install -e .` alone is declined: pip cannot install a project's dependencies without
 * the project (list them in a requirements file, or use uv or poetry); so is `cargo build`
 * (see projectSplit: the dummy-main trick is not safe enough to do unasked).
 */
import type { Dockerfile } from '../../dockerfile/model.js';
import type { Step } from '../../graph/graph.js';
import { isManifest, runRange } from '../../rules/shared.js';
import { copiedPaths, sourceCopies, under, writesCopied } from '../copies.js';
import { FROZEN_CONSTRAINTS, isLocalPath, type RunAnalysis, type ShellWord, type SimpleCommand } from '../../shell/index.js';
import { cacheCleanup, partEffects, stepEffects } from '../../shell/effects.js';
import { runAnalysis } from '../../shell/run-analysis.js';
import { blockOf } from '../blocks.js';
import { planPyprojectSplit } from '../pyproject-split.js';
import { defineTransform, type Plan } from '../define.js';

/** Commands that change the shell's state for the commands after them. */
const STATEFUL = new Set(['cd', 'pushd', 'popd', 'export', 'set', 'unset', 'source', '.', 'alias', 'umask', 'shopt', 'trap', 'eval', 'exec', 'readonly', 'declare', 'typeset', 'local', 'ulimit']);
const SCOPE = new Set(['ARG', 'ENV', 'WORKDIR', 'USER', 'SHELL', 'ONBUILD']);
/** Where the frozen constraints wait between the two RUNs. */
const CONSTRAINTS = FROZEN_CONSTRAINTS;

/**
 * The parts of a plain `a && b | c && d` script in order (a part is a command or a pipeline,
 * as command indices), or null for anything else: `;`, `||`, `&`, subshells, substitutions.
 */
function chain(a: RunAnalysis): number[][] | null {
  const order = a.commands.map((_, i) => i).sort((x, y) => a.commands[x].range.start - a.commands[y].range.start);
  if (!order.length) return null;
  const parts: number[][] = [[order[0]]];
  for (let k = 1; k < order.length; k++) {
    const prev = a.commands[order[k - 1]].range;
    const cur = a.commands[order[k]].range;
    if (cur.start < prev.end) return null;
    const between = a.script.slice(prev.end, cur.start);
    if (/^\s*&&\s*$/.test(between)) parts.push([order[k]]);
    else if (/^\s*\|\s*$/.test(between)) parts[parts.length - 1].push(order[k]);
    else return null;
  }
  // Nothing before the first command or after the last but blanks: no `;`, no trailing `&`.
  if (a.script.slice(0, a.commands[order[0]].range.start).trim() || a.script.slice(a.commands[order[order.length - 1]].range.end).trim()) return null;
  return parts;
}

function stateful(cmd: SimpleCommand): boolean {
  return !cmd.name.value || STATEFUL.has(cmd.name.value);
}

/** How an install that also installs the project is split: the dependencies-only command, and edits of the project install. */
interface ProjectSplit {
  deps: string;
  /** pip: words added after `install` (`-c FILE`), words taken out (the `-r FILE` lists, installed already), and a command after it. */
  project?: { add: string; remove: ShellWord[]; after: string };
  note: string;
}

const raw = (ws: ShellWord[]) => ws.map((w) => w.raw).join(' ');

/** The dependencies-only form of each tool that has one: the flags that make it. */
const DEPS_ONLY: Record<string, string[]> = {
  'uv sync': ['--no-install-project'],
  'poetry install': ['--no-root'],
  'composer install': ['--no-scripts', '--no-autoloader'],
};

/**
 * `earlier` holds the commands of the steps before this one in the stage: a tool whose
 * dependencies-only form already ran there was split before (this is its second half).
 */
function projectSplit(cmd: SimpleCommand, rule: string, earlier: { cmd: SimpleCommand; rule: string }[]): ProjectSplit | { declined: string } | null {
  const words = [cmd.name, ...cmd.args];
  const has = (c: SimpleCommand, f: string) => c.args.some((w) => w.value === f || w.value.startsWith(`${f}=`));
  const env = cmd.assignments.length ? `${raw(cmd.assignments)} ` : '';
  const depsFlags = DEPS_ONLY[rule];
  if (depsFlags) {
    if (depsFlags.every((f) => has(cmd, f)) || (rule !== 'composer install' && has(cmd, '--only-root')) || has(cmd, '--only-deps')) return null;
    if (earlier.some((e) => e.rule === rule && depsFlags.every((f) => has(e.cmd, f)))) return null;
    const add = depsFlags.filter((f) => !has(cmd, f)).join(' ');
    return { deps: `${env}${raw(words)} ${add}`, note: `${rule} ${add} installs the locked dependencies first` };
  }
  if (rule === 'cargo build') {
    // The dummy-main trick (build the dependencies against a stub src/main.rs first) is not done:
    // cargo decides what to rebuild by file times, so the real source copied over the stub can be
    // taken as built already, and the stub's build leaves its own files in target/.
    return { declined: 'cargo cannot build the dependencies without the crate\'s sources; the dummy-main trick is not applied, as cargo goes by file times and the stub\'s build would stay in target/' };
  }
  if (rule !== 'pip install' && rule !== 'uv pip install') return null;
  const at = words.findIndex((w, i) => i > 0 && w.value === 'install');
  if (at < 0) return null;
  // The second half of an earlier split: it installs within the frozen constraints.
  if (words.some((w, i) => ['-c', '--constraint'].includes(w.value) && words[i + 1]?.value === CONSTRAINTS)) return null;
  const keep: ShellWord[] = [];
  const lists: ShellWord[] = [];
  let project = 0;
  for (let i = at + 1; i < words.length; i++) {
    const w = words[i];
    if (['-e', '--editable'].includes(w.value) && words[i + 1] && isLocalPath(words[i + 1].value)) {
      project++;
      i++;
      continue;
    }
    if (!w.value.startsWith('-') && isLocalPath(w.value)) {
      project++;
      continue;
    }
    if (['-r', '--requirement'].includes(w.value) && words[i + 1]) {
      lists.push(w, words[i + 1]);
      keep.push(w, words[++i]);
      continue;
    }
    if (/^--requirement=/.test(w.value)) lists.push(w);
    keep.push(w);
  }
  if (!project) return null;
  // `--no-deps`: the project alone, its dependencies installed before (the second half of a split).
  if (words.some((w) => w.value === '--no-deps')) return null;
  if (!lists.length) return { declined: 'pip cannot install a project\'s dependencies without the project: list them in a requirements file (-r), or install with uv or poetry' };
  const pip = raw(words.slice(0, at));
  return {
    deps: `${env}${raw(words.slice(0, at + 1))} ${raw(keep)} && ${pip} freeze --exclude-editable > ${CONSTRAINTS}`,
    project: { add: `-c ${CONSTRAINTS}`, remove: lists, after: `rm -f ${CONSTRAINTS}` },
    note: `its requirements install first and what they resolved is frozen into ${CONSTRAINTS}, which the project install keeps to (-c)`,
  };
}

/** Whether every executing step between the copy and `step` will move before the copy too (it reads only manifests). */
function pathClear(steps: Step[], copy: Step, step: Step, dest: string): boolean {
  for (const s of steps) {
    if (s.position <= copy.position || s.position >= step.position) continue;
    if (SCOPE.has(s.keyword)) return false;
    if (!s.executes) continue;
    const e = stepEffects(s);
    if (s.keyword !== 'RUN' || e.unknown || e.reads.some((r) => under(r, dest) && r !== dest && !isManifest(r)) || e.reads.some((r) => under(dest, r))) return false;
  }
  return true;
}

function sourceOffsets(df: Dockerfile, step: Step, start: number, end: number): { start: number; end: number } {
  const r = runRange(df, step, { start, end });
  return { start: r.start.offset, end: r.end.offset };
}

export default defineTransform({
  name: 'split-install',
  safety: 'safe',
  description: 'Splits a RUN after the broad COPY whose first commands install dependencies from manifests: the installs (and a project install\'s dependencies-only form) become a RUN of their own that can move before the copy.',
  plan({ graph, context }) {
    const plan: Plan = { edits: [], notes: [], declined: [] };
    const df = graph.dockerfile;
    for (const c of sourceCopies(graph, context)) {
      const { copy, dest } = c;
      const copied = copiedPaths(c, context);
      const steps = graph.stages[copy.stage].steps;
      for (const step of steps) {
        if (step.position <= copy.position || step.keyword !== 'RUN') continue;
        if (planPyprojectSplit(c, step, context, plan, df, steps)) continue;
        const inst = step.instruction;
        if (inst.keyword !== 'RUN' || inst.command.form !== 'shell' || inst.heredocs.length) continue;
        if (inst.mounts.some((m) => m.type === 'bind')) continue;
        const a = runAnalysis(step);
        if (!a || a.error) continue;
        const order = chain(a);
        if (!order) continue;
        // A comment line inside the instruction would fall on one side of the split or the other.
        if (/\n\s*#/.test(df.source.slice(inst.range.start.offset, inst.range.end.offset))) continue;
        const whole = stepEffects(step);
        if (!whole.unknown && !whole.reads.some((r) => under(r, dest) && !isManifest(r)) && !whole.reads.some((r) => under(dest, r)) && !whole.writes.some((w) => writesCopied(w, c, copied))) continue; // it moves whole
        if (!pathClear(steps, copy, step, dest)) continue;
        // The longest head of the chain that reads only manifests and leaves the shell as it was.
        let k = 0;
        while (k < order.length) {
          if (order[k].some((i) => stateful(a.commands[i]))) break;
          const e = partEffects(step, order.slice(0, k + 1).flat());
          // A part that reads the copied files, or writes among them (`chown -R u /app`), needs the copy.
          if (e.unknown || e.reads.some((r) => under(dest, r)) || e.reads.some((r) => under(r, dest) && !isManifest(r)) || e.writes.some((w) => writesCopied(w, c, copied))) break;
          k++;
        }
        // Only a lone command is split by its tool's dependencies-only form, not one in a pipeline.
        const next = k < order.length && order[k].length === 1 ? a.commands[order[k][0]] : null;
        const earlier = steps.filter((x) => x.position < step.position && x.keyword === 'RUN').flatMap((x) => {
          const xa = runAnalysis(x);
          return xa ? xa.commands.map((c, i) => ({ cmd: c, rule: xa.activities[i].rule })) : [];
        });
        const found = next ? projectSplit(next, a.activities[order[k][0]].rule, earlier) : null;
        let split: ProjectSplit | null = null;
        if (found && 'declined' in found) plan.declined.push(`line ${step.line}: ${a.activities[order[k][0]].rule} stays after the copy: ${found.declined}`);
        else split = found;
        const head = order.slice(0, k).flat();
        if (!split && (!head.some((i) => a.activities[i].kind === 'install') || k === order.length)) continue;

        // The new first RUN: the keyword and flags as written, the head of the chain, the dependencies-only command.
        const scriptStart = inst.command.script.range.start.offset;
        const runHead = df.source.slice(inst.range.start.offset, scriptStart);
        const parts: string[] = [];
        if (head.length) {
          const lastCmd = a.commands[head[head.length - 1]];
          const last = sourceOffsets(df, step, lastCmd.range.start, lastCmd.range.end);
          parts.push(df.source.slice(scriptStart, last.end).replace(/[\s\\]+$/, ''));
        }
        if (split) parts.push(split.deps);
        // A clean-up of a package cache later in the chain also runs in the first RUN: else the
        // cache the installs filled would stay in that RUN's layer (the image's files are the
        // same either way, its size is not).
        for (const part of order.slice(k)) {
          if (part.length !== 1 || !cacheCleanup(a.commands[part[0]])) continue;
          const c = sourceOffsets(df, step, a.commands[part[0]].range.start, a.commands[part[0]].range.end);
          parts.push(df.source.slice(c.start, c.end));
        }
        const b = blockOf(df, inst);
        const indent = df.source.slice(b.instructionStart, inst.range.start.offset);
        const first = `${indent}${runHead}${parts.join(' && ')}\n`;
        // The second RUN: the rest of the chain as written, from the command after the head.
        const restCmd = a.commands[order[k][0]];
        const from = sourceOffsets(df, step, restCmd.range.start, restCmd.range.end);
        let rest = df.source.slice(from.start, inst.range.end.offset);
        if (split?.project) {
          // Offsets of the project install's words within `rest`, edited from the end so earlier ones stay put.
          const rel = (w: ShellWord) => {
            const o = sourceOffsets(df, step, w.range.start, w.range.end);
            return { start: o.start - from.start, end: o.end - from.start };
          };
          const sub = [next!.name, ...next!.args].find((w, i) => i > 0 && w.value === 'install')!;
          const cmdEnd = from.end - from.start;
          let text = `${rest.slice(0, cmdEnd)} && ${split.project.after}${rest.slice(cmdEnd)}`;
          for (const w of [...split.project.remove].reverse()) {
            const o = rel(w);
            // The word and the blanks before it (a continuation too, if it stood at a line's start).
            const before = text.slice(0, o.start).replace(/[ \t]*(\\\r?\n)?[ \t]*$/, '');
            text = before + text.slice(o.end);
          }
          const subEnd = rel(sub).end;
          rest = `${text.slice(0, subEnd)} ${split.project.add}${text.slice(subEnd)}`;
        }
        const second = `${indent}${runHead}${rest}`;
        plan.edits.push({ start: b.instructionStart, end: inst.range.end.offset, text: first + second });
        // Installs from the copied manifests, or commands that need nothing of the copy (`apk add … && adduser …` before `chown -R` of it).
        const fromManifests = head.length > 0 && partEffects(step, head).reads.some((r) => under(r, dest));
        const what = split ? split.note
          : fromManifests ? `its first ${k === 1 ? 'command installs' : `${k} commands install`} from manifests only`
            : `its first ${k === 1 ? 'command does' : `${k} commands do`} not need what line ${copy.line} copies`;
        plan.notes.push(`line ${step.line} splits in two: ${what}, so they can run before line ${copy.line}`);
      }
    }
    return plan;
  },
});
