import path from 'node:path';
import { defineRule, stepCost } from './define.js';
import { broadCopies, copyRoots, isManifest, pathsNamed, runAnalysis, stepsAfter } from './shared.js';
import type { BuildGraph } from '../graph/graph.js';
import type { BuildContext } from '../context/index.js';
import { sourceFlow } from '../cache/source-flow.js';
import type { Step } from '../graph/graph.js';
import { lexShell } from '../shell/index.js';

/**
 * A build of one part of the repository (a gateway, a frontend) that runs after a copy of the
 * whole repository: by its words it reads only files under one top-level folder, yet an edit
 * anywhere else in the copy re-runs it. In a stage that copies only that folder it stays cached
 * until the folder changes.
 */
export default defineRule({
  meta: {
    name: 'subfolder-build-after-broad-copy',
    category: 'cache-order',
    severity: 'warning',
    description: 'A RUN that reads only files of one top-level folder of the context runs after a copy of the whole context, so edits outside that folder re-run it.',
    fix: 'safe',
    fixedBy: ['late-source-copy', 'parallel-stages'],
    options: { minSeconds: 'seconds the sub-build must take to be reported (default 1)' },
    messages: {
      subfolder: '{{step}} reads only files under {{folder}} ({{paths}}) but runs after {{copy}} (line {{copyLine}}): an edit anywhere else in the copy re-runs it; run it where only {{folder}} is copied (a stage of its own, or before the rest of the copy)',
    },
  },
  check(ctx) {
    const min = typeof ctx.options.minSeconds === 'number' ? ctx.options.minSeconds : 1;
    const seen = new Set<Step>();
    for (const copy of broadCopies(ctx.graph, ctx.context)) {
      for (const step of stepsAfter(ctx.graph, copy)) {
        if (seen.has(step)) continue;
        const folder = onlyFolder(ctx.graph, step, copy, ctx.context);
        if (!folder) continue;
        const cost = stepCost(ctx.durations, [step]);
        if (cost.seconds < min) continue;
        seen.add(step);
        ctx.report({
          messageId: 'subfolder',
          data: {
            step: `RUN at line ${step.line}`,
            folder: `${folder.name}/`,
            paths: folder.paths.join(', '),
            copy: copy.instruction.text.replace(/\s+/g, ' '),
            copyLine: copy.line,
          },
          range: step.instruction.range,
          related: [{ range: copy.instruction.range, message: 'the broad copy it runs after' }],
          cost: { rebuild_s: cost.seconds, basis: cost.basis },
        });
      }
    }
  },
});

/** Commands that read only the files named as their operands (and their input). */
const READS_OPERANDS = new Set(['file', 'sleep', 'shell', 'download']);

/**
 * The top-level folder a RUN reads from the copy, when that is all it reads: every context
 * path it names lies in that folder, no word names the copy's root, and every command that
 * may read files it does not name (a compiler, a script) runs inside the folder. Installs are
 * manifest-first-install's, and so is a step that only reads manifests (no build tool works
 * in the folder).
 */
function onlyFolder(graph: BuildGraph, step: Step, copy: Step, context?: BuildContext): { name: string; paths: string[] } | null {
  const a = runAnalysis(step);
  if (!a || a.error) return null;
  const named = pathsNamed(graph, step, copy, context);
  if (!named.length) return null;
  const top = new Set(named.map((p) => p.split('/')[0]));
  if (top.size !== 1) return null;
  const name = [...top][0];
  // A folder, not a file at the root of the context.
  if (!named.some((p) => p.includes('/')) && context?.get(name)?.type !== 'dir') return null;

  // Where the context's root is when the step runs (the copy's destination, or where a RUN moved it).
  const root = copyRoots(graph, step, copy, context).find((r) => r.root === '.')?.at;
  if (root === undefined) return null;
  const folderAbs = path.posix.join(root, name);
  const inside = (abs: string) => abs === folderAbs || abs.startsWith(`${folderAbs}/`);
  let cwd: string | null = step.scope.workdir;
  // Where a `cd` may not outlast its subshell or `sh -c`, the directory after it is not known.
  const scoped = a.activities.some((x) => x.kind === 'shell') || hasSubshell(a.script);
  // A build tool working in the folder reads all of it, not only the files it names.
  let worksIn = false;
  for (const [i, c] of a.commands.entries()) {
    const words = [c.name, ...c.args];
    for (const w of words) {
      if (w.value.startsWith('-') || w.value.includes('$')) continue;
      const abs = w.value.startsWith('/') ? path.posix.normalize(w.value) : cwd && path.posix.join(cwd, w.value);
      // `.` or `/workspace/app` at the copy's root: the whole copy.
      if (abs && (abs === root || root.startsWith(`${abs === '/' ? '' : abs}/`)) && w !== c.name) return null;
    }
    if (c.name.value === 'cd') {
      const to = c.args.find((w) => !w.value.startsWith('-'));
      cwd = to && !to.value.includes('$') && !scoped && cwd !== null ? path.posix.resolve(cwd, to.value) : null;
      continue;
    }
    const kind = a.activities[i].kind;
    if (READS_OPERANDS.has(kind)) continue;
    if ((cwd && inside(cwd)) || ranIn(c.args, cwd, inside)) {
      worksIn = true;
      continue;
    }
    // Outside the copy (its words named nothing of it but the folder, checked above), a command
    // is a tool's install or a third-party installer (`pip install maturin`, `curl … | sh -s`):
    // it reads no source it does not name (the judgement of shell/effects.ts blindEffects).
    // An install in the copy's root is the project's (manifest-first-install's).
    if (cwd && cwd !== root && !cwd.startsWith(`${root}/`)) continue;
    return null;
  }
  if (!worksIn && named.every(isManifest)) return null;
  // Files outside the folder that an edit could touch: else "edits elsewhere" says nothing.
  if (context) {
    const flow = sourceFlow(graph, context);
    const others = flow.brought(copy).some((l) => flow.carries(l, context.select(l.source.paths, { exclude: l.source.exclude }).files.map((f) => f.path)).some((f) => !f.startsWith(`${name}/`)));
    if (!others) return null;
  }
  return { name, paths: named };
}

function hasSubshell(script: string): boolean {
  try {
    // `name() { …; }` defines a function: its `()` opens no subshell.
    const tokens = lexShell(script);
    return tokens.some((t, i) => {
      const next = tokens[i + 1];
      return t.type === 'op' && t.op === '(' && !(next?.type === 'op' && next.op === ')');
    });
  } catch {
    return true;
  }
}

/** `make -C gateway`, `cargo build --manifest-path gateway/Cargo.toml`: the command works in the folder. */
function ranIn(args: { value: string }[], cwd: string | null, inside: (abs: string) => boolean): boolean {
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    let dir: string | undefined;
    if (v === '-C' || v === '--directory' || v === '--manifest-path') dir = args[i + 1]?.value;
    else if (/^--(directory|manifest-path)=/.test(v)) dir = v.slice(v.indexOf('=') + 1);
    if (dir === undefined || dir.includes('$')) continue;
    if (v.startsWith('--manifest-path')) dir = path.posix.dirname(dir);
    const abs = dir.startsWith('/') ? path.posix.normalize(dir) : cwd && path.posix.join(cwd, dir);
    if (abs && inside(abs)) return true;
  }
  return false;
}
