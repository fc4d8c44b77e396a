/**
 * split-install's form for a pip install of a local project whose dependencies its
 * pyproject.toml lists (`pip install -e "python[${BUILD_TYPE}]" --extra-index-url …`), the
 * way real projects write it: inside a RUN that chains other work before it (`case` arms
 * that set a variable, `cd`, `if` blocks), after a source copy or where a RUN put the source
 * again (`cp -r /tmp/local_src /app`, see copies.ts).
 *
 * The RUN becomes two. Before the source copy: a COPY of the pyproject.toml alone into a
 * folder of its own (PYPROJECT_DEPS_DIR), then a RUN with the commands that came before the
 * project install and need nothing of the source, the statements that only set shell
 * variables (a `case` that sets CUINDEX: repeated, as both halves read it), and the
 * dependencies-only install: a program prints the requirements the pyproject lists for the
 * extras asked (PYPROJECT_DEPS_PROGRAM) and pip installs them with the install's own options,
 * then the folder is removed. After the copy, where the RUN was: the rest as written, with
 * the project installed `--no-deps`: its dependencies are installed already, resolved from the
 * same requirements in the same environment, so pip would have installed nothing else.
 *
 * Only when that holds: the hoisted commands' effects are known, touch nothing of the source,
 * and are the same in the folder a kept `cd` left (they read no relative path); nothing but
 * the acquisition of the source stands between the copy and the RUN (a system install may pass
 * a step that only puts the source in place); the pyproject lists its dependencies itself
 * (not `dynamic`), none from a local path.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { BuildContext } from '../context/index.js';
import { manifestClosure } from '../context/manifests.js';
import type { Dockerfile } from '../dockerfile/model.js';
import type { Step } from '../graph/graph.js';
import { runRange } from '../rules/shared.js';
import { lexShell, PYPROJECT_DEPS_DIR, PYPROJECT_DEPS_PROGRAM, type RunAnalysis, type ShellWord, type SimpleCommand } from '../shell/index.js';
import { partEffects, type Effects } from '../shell/effects.js';
import { runAnalysis } from '../shell/run-analysis.js';
import { statements } from '../shell/statements.js';
import { declaredNames, reads } from '../shell/variables.js';
import { blockOf } from './blocks.js';
import { under, type SourceCopy } from './copies.js';
import type { Plan } from './define.js';

/** A part of a script's top-level `&&` chain: a command, a pipeline or a compound command, with the commands inside. */
export interface Part {
  start: number;
  end: number;
  commands: number[];
}

const CLOSERS: Record<string, string> = { if: 'fi', case: 'esac', for: 'done', while: 'done', until: 'done', select: 'done', '{': '}' };
const CONTINUES = new Set(['then', 'do', 'else', 'elif', '!']);
/** After these operators a word stands first in a command. */
const COMMAND_START = new Set(['&&', '||', ';', '\n', '|', '(', ')', ';;', '&', '|&']);

/**
 * The top-level `a && case … esac && ( … ) && b | c` chain of a script, or null when anything
 * else joins its parts at the top level (`;`, `||`, `&`, a newline) or it does not lex.
 */
export function topParts(a: RunAnalysis): Part[] | null {
  let tokens;
  try {
    tokens = lexShell(a.script);
  } catch {
    return null;
  }
  const stack: string[] = [];
  const spans: { start: number; end: number }[] = [];
  let start = -1;
  let end = -1;
  let first = true;
  for (const t of tokens) {
    if (t.type === 'word') {
      if (start < 0) start = t.start;
      end = t.end;
      if (first && !t.quoted) {
        if (CLOSERS[t.value]) {
          stack.push(CLOSERS[t.value]);
          first = t.value !== 'case';
          continue;
        }
        if (stack.length && stack[stack.length - 1] === t.value) {
          stack.pop();
          first = false;
          continue;
        }
        if (CONTINUES.has(t.value)) continue;
      }
      first = false;
      continue;
    }
    if (start < 0 && t.op === '(') start = t.start;
    const inCase = stack.includes('esac');
    if (!inCase && t.op === '(') stack.push(')');
    else if (!inCase && t.op === ')' && stack[stack.length - 1] === ')') stack.pop();
    if (stack.length === 0 && t.op !== ')' && t.op !== '(') {
      if (t.op === '&&') {
        if (start < 0) return null;
        spans.push({ start, end });
        start = -1;
      } else if (t.op !== '|' && !/^\d*[<>]/.test(t.op) && t.op !== '&>' && t.op !== '&>>') {
        // `;`, `||`, `&`, a newline: not a plain chain (a trailing newline or `;` aside).
        if (!['\n', ';'].includes(t.op)) return null;
        if (start >= 0) {
          spans.push({ start, end });
          start = -1;
        }
        spans.push({ start: -1, end: -1 });
      }
    }
    if (stack.length || !['&&', ';', '\n'].includes(t.op)) end = Math.max(end, t.end);
    first = COMMAND_START.has(t.op);
  }
  if (stack.length) return null;
  if (start >= 0) spans.push({ start, end });
  // A separator is allowed only at the very end.
  const sep = spans.findIndex((s) => s.start < 0);
  if (sep >= 0 && spans.slice(sep).some((s) => s.start >= 0)) return null;
  return spans.filter((s) => s.start >= 0).map((s) => ({ ...s, commands: a.commands.map((c, i) => ({ c, i })).filter(({ c }) => c.range.start >= s.start && c.range.end <= s.end).map(({ i }) => i) }));
}

function sourceOffsets(df: Dockerfile, step: Step, start: number, end: number): { start: number; end: number } {
  const r = runRange(df, step, { start, end });
  return { start: r.start.offset, end: r.end.offset };
}

/** The names a part sets with assignment-only statements (`CUINDEX=126` in the arms of a `case`), or null when it does anything else that touches files. */
function setter(step: Step, a: RunAnalysis, part: Part): string[] | null {
  const names = statements(a).filter((s) => s.start >= part.start && s.end <= part.end && s.assignment).map((s) => s.assignment!.name);
  if (!names.length) return null;
  const e = partEffects(step, part.commands);
  if (e.unknown || e.reads.length || e.writes.length || e.system) return null;
  return [...new Set(names)];
}

function touches(e: Effects, areas: string[]): boolean {
  return [...e.reads, ...e.writes].some((p) => areas.some((a) => under(p, a) || under(a, p)));
}

const same = (x: Effects, y: Effects) => JSON.stringify([[...x.reads].sort(), [...x.writes].sort(), !!x.system]) === JSON.stringify([[...y.reads].sort(), [...y.writes].sort(), !!y.system]);

/** The project operand of a pip install (`-e DIR`, `DIR[extras]`, `.`), with the words around it. */
function projectOperand(cmd: SimpleCommand): { at: number; words: ShellWord[]; project: ShellWord; editable: ShellWord | null; others: ShellWord[] } | null {
  const words = [cmd.name, ...cmd.args];
  const at = words.findIndex((w, i) => i > 0 && w.value === 'install');
  if (at < 0) return null;
  let project: ShellWord | null = null;
  let editable: ShellWord | null = null;
  const others: ShellWord[] = [];
  for (let i = at + 1; i < words.length; i++) {
    const w = words[i];
    if (['-e', '--editable'].includes(w.value) && words[i + 1]) {
      if (project) return null;
      editable = w;
      project = words[++i];
      continue;
    }
    if (!w.value.startsWith('-') && /^(\.\.?(\/|$|\[)|\/)/.test(w.value)) {
      if (project) return null;
      project = w;
      continue;
    }
    others.push(w);
  }
  if (!project || /:\/\/|^git\+/.test(project.value)) return null;
  return { at, words, project, editable, others };
}

/** Flags of pip whose value is the next word: kept with it. */
const PIP_VALUE_FLAGS = new Set(['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-c', '--constraint', '--trusted-host', '--prefix', '--root', '-t', '--target', '--src', '--upgrade-strategy', '--progress-bar', '--cache-dir', '--timeout', '--retries', '--proxy', '--config-settings', '-C']);

/**
 * Plans the split of `step` around source copy `c`; returns whether it applies (planned, or
 * declined with a reason) so that split-install's plain form is not tried on the same RUN.
 */
export function planPyprojectSplit(c: SourceCopy, step: Step, context: BuildContext | undefined, plan: Plan, df: Dockerfile, steps: Step[]): boolean {
  const inst = step.instruction;
  if (inst.keyword !== 'RUN' || inst.command.form !== 'shell' || inst.heredocs.length || !context) return false;
  const a = runAnalysis(step);
  if (!a || a.error) return false;
  const parts = topParts(a);
  if (!parts) return false;
  const areas = [c.dest, ...c.relanded.filter((r) => r.step.position < step.position).map((r) => r.at)];
  const hoisted: Part[] = [];
  const setters: Part[] = [];
  const cds: number[] = [];
  let cwd = step.scope.workdir;
  let project: { part: Part; cmd: SimpleCommand; op: NonNullable<ReturnType<typeof projectOperand>> } | null = null;
  for (const part of parts) {
    const cmds = part.commands.map((i) => a.commands[i]);
    if (part.commands.length === 1 && cmds[0].name.value === 'cd') {
      const to = cmds[0].args[0];
      if (!to || cmds[0].args.length !== 1 || !to.literal) return false;
      cwd = path.posix.resolve(cwd, to.value);
      cds.push(part.commands[0]);
      continue;
    }
    if (setter(step, a, part)) {
      setters.push(part);
      continue;
    }
    if (part.commands.length === 1 && ['pip install', 'uv pip install'].includes(a.activities[part.commands[0]].rule)) {
      const op = projectOperand(cmds[0]);
      if (op) {
        project = { part, cmd: cmds[0], op };
        break;
      }
    }
    const e = partEffects(step, part.commands);
    if (e.unknown || touches(e, areas) || !part.commands.length) return false;
    // A command after a kept `cd` moves out of that folder: only one that reads no relative path may.
    if (cds.length && !same(e, partEffects(step, [...cds, ...part.commands]))) return false;
    if (cmds.some((x) => x.name.value === '' || ['export', 'set', 'unset', 'source', '.', 'eval', 'exec', 'umask', 'alias', 'trap', 'shopt'].includes(x.name.value))) return false;
    hoisted.push(part);
  }
  if (!project) return false;
  const { op } = project;
  // `--no-deps` is the second half already; requirement files are split-install's plain form (they read the copy's files).
  if (op.others.some((w) => ['--no-deps', '-r', '--requirement', '-c', '--constraint'].includes(w.value) || /^--(requirement|constraint)=/.test(w.value))) return false;
  const line = (why: string) => plan.declined.push(`line ${step.line}: pip install stays after the copy: ${why}`);
  // Where the project is in the image, and so in the context.
  const value = op.project.value;
  const extras = /\[([^\]]*)\]$/.exec(value)?.[1] ?? '';
  if (/["`\\]/.test(extras) || /[$`]/.test(value.replace(/\[[^\]]*\]$/, ''))) return false;
  const dir = path.posix.resolve(cwd, value.replace(/\[[^\]]*\]$/, ''));
  const area = under(dir, c.dest) ? { at: c.dest } : c.relanded.find((r) => r.step.position < step.position && under(dir, r.at));
  if (!area) return false;
  const rel = path.posix.normalize(path.posix.join(c.from, path.posix.relative(area.at, dir)));
  const manifest = rel === '.' ? 'pyproject.toml' : `${rel}/pyproject.toml`;
  if (context.get(manifest)?.type !== 'file') {
    line(`${manifest} is not in the build context: pip cannot install the project's dependencies without the project`);
    return true;
  }
  let text: string;
  try {
    text = readFileSync(path.join(context.root, manifest), 'utf8');
  } catch {
    return false;
  }
  const dynamic = /^\s*dynamic\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? '';
  if (!/^\s*\[project\]\s*$/m.test(text)) {
    line(`${manifest} has no [project] table listing its dependencies`);
    return true;
  }
  if (/["']dependencies["']|["']optional-dependencies["']/.test(dynamic)) {
    line(`${manifest} leaves its dependencies to the build backend (dynamic), which reads the source`);
    return true;
  }
  if (!/^\s*(optional-)?dependencies\s*=/m.test(text)) {
    line(`${manifest} lists no dependencies, so there is nothing to install before the source`);
    return true;
  }
  const closure = manifestClosure(context, [manifest]);
  if ('reason' in closure) {
    line(closure.reason);
    return true;
  }
  // Between the copy and the RUN: only the steps that put the source in place again, and ARG/ENV the hoisted commands do not read.
  for (const s of steps) {
    if (s.position <= c.copy.position || s.position >= step.position) continue;
    if (['WORKDIR', 'USER', 'SHELL', 'ONBUILD'].includes(s.keyword)) return false;
    if (declaredNames(s).some((n) => reads(step, n))) {
      line(`it may read a variable declared between line ${c.copy.line} and it`);
      return true;
    }
    if (s.executes && !c.relanded.some((r) => r.step === s)) return false;
  }

  // The text: parts as written, joined as the RUN joined them.
  const text0 = (p: Part) => {
    const o = sourceOffsets(df, step, p.start, p.end);
    return df.source.slice(o.start, o.end);
  };
  const joiner = (p: Part) => {
    const i = parts.indexOf(p);
    if (i <= 0) return ' && ';
    const prev = sourceOffsets(df, step, parts[i - 1].start, parts[i - 1].end);
    const cur = sourceOffsets(df, step, p.start, p.end);
    return df.source.slice(prev.end, cur.start);
  };
  const scriptStart = inst.command.script.range.start.offset;
  const runHead = df.source.slice(inst.range.start.offset, scriptStart);
  const b = blockOf(df, inst);
  const indent = df.source.slice(b.instructionStart, inst.range.start.offset);
  const pipWords = op.words.slice(0, op.at + 1).map((w) => w.raw).join(' ');
  const mAt = op.words.findIndex((w) => w.value === '-m');
  const python = mAt > 0 && op.words[mAt + 1]?.value === 'pip' ? op.words.slice(0, mAt).map((w) => w.raw).join(' ') : 'python3';
  const flags: string[] = [];
  for (let i = 0; i < op.others.length; i++) flags.push(op.others[i].raw);
  const depsDir = PYPROJECT_DEPS_DIR;
  const copied = `${depsDir}/${manifest}`;
  const env = project.cmd.assignments.length ? `${project.cmd.assignments.map((w) => w.raw).join(' ')} ` : '';
  const deps = `${python} -c '${PYPROJECT_DEPS_PROGRAM}' ${copied} "${extras}" > ${depsDir}/requirements.txt${joiner(project.part)}${env}${pipWords} -r ${depsDir}/requirements.txt${flags.length ? ' ' + flags.join(' ') : ''}${joiner(project.part)}rm -rf ${depsDir}`;
  const before = [...parts.filter((p) => hoisted.includes(p) || setters.includes(p))];
  let first = '';
  before.forEach((p, i) => (first += (i ? joiner(p) : '') + text0(p)));
  first += (before.length ? joiner(project.part) : '') + deps;
  const from = c.via ? `--from=${c.via.stage} ${path.posix.join(c.via.at, path.posix.relative(c.from, manifest))}` : manifest;
  const insert = `# The dependencies ${manifest} lists, installed before the source arrives (layerwise split-install)\nCOPY ${from} ${copied}\n${indent}${runHead}${first}\n\n`;
  // The rest, where the RUN was: the kept parts as written, the project installed alone.
  const kept = parts.filter((p) => !hoisted.includes(p));
  let rest = '';
  kept.forEach((p, i) => {
    let t = text0(p);
    if (p === project!.part) {
      const install = op.words[op.at];
      const o = sourceOffsets(df, step, install.range.start, install.range.end);
      const po = sourceOffsets(df, step, p.start, p.end);
      t = `${t.slice(0, o.end - po.start)} --no-deps${t.slice(o.end - po.start)}`;
    }
    rest += (i ? joiner(p) : '') + t;
  });
  const copyBlock = blockOf(df, c.copy.instruction);
  plan.edits.push({ start: copyBlock.start, end: copyBlock.start, text: insert });
  plan.edits.push({ start: b.instructionStart, end: inst.range.end.offset, text: `${indent}${runHead}${rest}` });
  const names = [...new Set(setters.flatMap((p) => setter(step, a, p) ?? []))];
  plan.notes.push(`line ${step.line} splits in two: the dependencies ${manifest} lists install before line ${c.copy.line}, from a copy of it alone${hoisted.length ? `, with the ${hoisted.length === 1 ? 'command' : `${hoisted.length} commands`} before them that need no source` : ''}${names.length ? ` (what sets ${names.join(', ')} runs in both)` : ''}; the project installs --no-deps after the copy`);
  return true;
}
