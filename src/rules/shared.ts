/**
 * Questions several rules ask of the model: which COPY brings in (most of) the source, and
 * what a RUN reads from the files copied into the image.
 */
import path from 'node:path';
import { MANIFESTS } from '../analyze/impact.js';
import { contextPath } from '../cache/changes.js';
import type { BuildContext } from '../context/index.js';
import type { BuildGraph, Step } from '../graph/graph.js';
import { analyzeRunInstruction, type RunAnalysis } from '../shell/index.js';

/**
 * COPY/ADD steps that bring in the whole context, or most of it: `.` (or `/`), or a selection
 * holding at least half of the context's files (when there is a context to look at).
 */
export function broadCopies(graph: BuildGraph, context?: BuildContext): Step[] {
  const total = context?.entries.filter((e) => e.type === 'file').length ?? 0;
  const out: Step[] = [];
  for (const stage of graph.stages) {
    if (!stage.needed) continue;
    for (const step of stage.steps) {
      if (step.keyword !== 'COPY' && step.keyword !== 'ADD') continue;
      const src = step.sources.find((s) => s.kind === 'context');
      if (!src || src.kind !== 'context') continue;
      const whole = src.paths.some((p) => contextPath(p) === '.');
      const most = !!context && total >= 4 && context.select(src.paths, { exclude: src.exclude }).files.length * 2 >= total;
      if (whole || most) out.push(step);
    }
  }
  return out;
}

/** Executing steps after `step` in its stage. */
export function stepsAfter(graph: BuildGraph, step: Step): Step[] {
  return graph.stages[step.stage].steps.filter((s) => s.executes && s.position > step.position);
}

const analyses = new WeakMap<Step, RunAnalysis>();
/** The shell analysis of a RUN (cached per step). */
export function runAnalysis(step: Step): RunAnalysis | undefined {
  if (step.instruction.keyword !== 'RUN') return undefined;
  let a = analyses.get(step);
  if (!a) {
    a = analyzeRunInstruction(step.instruction, { env: new Map([...step.scope.args, ...step.scope.env]) });
    analyses.set(step, a);
  }
  return a;
}

/**
 * Context-relative paths a RUN names in its words that the copy brought in: an operand like
 * `python/pyproject.toml` or `gateway/src/main.rs` run from the copy's destination.
 */
export function pathsNamed(step: Step, copy: Step, context?: BuildContext): string[] {
  const a = runAnalysis(step);
  if (!a) return [];
  const dest = String(copy.expanded.dest ?? '');
  const destAbs = dest.startsWith('/') ? dest : path.posix.join(copy.scope.workdir, dest);
  const out = new Set<string>();
  for (const c of a.commands) {
    for (const w of [c.name, ...c.args]) {
      const v = w.value;
      if (!v || v.startsWith('-') || v.includes('$')) continue;
      const abs = v.startsWith('/') ? path.posix.normalize(v) : path.posix.join(step.scope.workdir, v);
      const rel = path.posix.relative(destAbs, abs);
      if (!rel || rel.startsWith('..') || path.posix.isAbsolute(rel)) continue;
      // Words that are not files of the context (grep patterns, messages) are not paths it reads.
      const exists = context ? !!context.get(rel) : /[/.]/.test(rel);
      if (exists) out.add(rel);
    }
  }
  return [...out];
}

/** Whether a path names a dependency manifest or lockfile. */
export function isManifest(p: string): boolean {
  return MANIFESTS.test(path.posix.basename(p));
}
