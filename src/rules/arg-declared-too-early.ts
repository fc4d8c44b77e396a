import { defineRule, stepCost, type Related } from './define.js';
import { perCommitDeclarations } from './shared.js';
import type { BuildGraph, Stage, Step } from '../graph/graph.js';
import type { Range } from '../core/ranges.js';
import { declarations, inScope, isPerCommitArg, reads, redeclares, TOOL_VARIABLES } from '../shell/variables.js';

/**
 * An ARG with a value, or an ENV, is in the environment of every later RUN of its stage (and of
 * the stages built FROM it), so changing it re-runs every RUN after it, used or not (BuildKit
 * keys a RUN by its environment; see cache/invalidation.ts). Declared just before the first
 * step that reads it, a change re-runs only that step and what follows it.
 */
export default defineRule({
  meta: {
    name: 'arg-declared-too-early',
    category: 'arg-scope',
    severity: 'info',
    description: 'An ARG or ENV is declared well before the first step that reads it, so changing its value re-runs the steps in between for nothing.',
    fix: 'safe',
    fixedBy: ['arg-scope'],
    options: { minSteps: 'steps the early ARG must re-run to be reported (default 2)', minSeconds: 'seconds those steps must take to be reported (default 1)' },
    messages: {
      early: '{{kind}} {{name}} is first read at line {{useLine}}, but a change to it re-runs {{count}} step{{s}} before that (line{{s}} {{lines}}); {{verb}} it just before line {{useLine}}',
      unused: '{{kind}} {{name}} is read by no later build step, but a change to it re-runs {{count}} step{{s}} (line{{s}} {{lines}}); {{advice}}',
    },
  },
  check(ctx) {
    const minSteps = typeof ctx.options.minSteps === 'number' ? ctx.options.minSteps : 2;
    const minSeconds = typeof ctx.options.minSeconds === 'number' ? ctx.options.minSeconds : 1;
    const perCommit = perCommitDeclarations(ctx.graph);
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const decl of stage.steps) {
        for (const d of [...declarations(decl).map((x) => ({ ...x, unset: false })), ...unsetArgs(decl)]) {
          // A per-commit arg (`ARG GIT_SHA=unknown`), or an ENV set from one, is per-commit-arg-early's: it changes on every build.
          if (decl.keyword === 'ARG' && isPerCommitArg(d.name, String(decl.expanded[d.name] ?? ''))) continue;
          if (perCommit.get(decl)?.some((x) => x.name === d.name)) continue;
          const r = waste(ctx.graph, stage, decl, d.name, d.unset);
          if (!r || !r.steps.length) continue;
          const cost = stepCost(ctx.durations, r.steps);
          if (r.steps.length < minSteps && cost.seconds < minSeconds) continue;
          const n = r.steps.length;
          const common = { kind: decl.keyword, name: d.name, count: n, s: n === 1 ? '' : 's', lines: lineList(r.steps) };
          if (r.user) {
            ctx.report({
              messageId: 'early',
              data: { ...common, useLine: r.user.line, verb: decl.keyword === 'ARG' ? 'declare' : 'set' },
              range: d.range,
              related: [...rerun(r.steps, d.name), { range: r.user.instruction.range, message: `first reads ${d.name}` }],
              cost: { rebuild_s: cost.seconds, basis: cost.basis, per: decl.keyword === 'ARG' ? 'arg-change' : 'line-edit' },
            });
          } else {
            ctx.report({
              messageId: 'unused',
              data: {
                ...common,
                advice: decl.keyword === 'ARG'
                  ? 'remove it, or declare it where a step reads it'
                  : 'if only the running container needs it, set it after the last build step of the image',
              },
              range: d.range,
              related: rerun(r.steps, d.name),
              cost: { rebuild_s: cost.seconds, basis: cost.basis, per: decl.keyword === 'ARG' ? 'arg-change' : 'line-edit' },
            });
          }
        }
      }
    }
  },
});

/**
 * The steps a change of the variable re-runs before the first step that may read it, in the
 * declaring stage after the declaration and then in the stages built FROM it (in file order),
 * and that first reader (null when no later step reads it).
 */
function waste(graph: BuildGraph, stage: Stage, decl: Step, name: string, unset: boolean): { steps: Step[]; user: Step | null } | null {
  if (TOOL_VARIABLES.test(name) || redeclares(decl, name)) return null;
  // Built on a stage whose FROM reads it (a global ARG re-declared): the whole stage re-runs anyway.
  for (let s: Stage | undefined = stage; s; s = s.base.kind === 'stage' ? graph.stages[s.base.stage] : undefined) {
    if (s.steps[0].uses.includes(name)) return null;
  }
  const inherits = new Set([stage.index]);
  const endsRebuilt = new Map<number, boolean>();
  const steps: Step[] = [];
  for (const s of graph.stages) {
    if (s.index < stage.index || !s.needed) continue;
    let rebuilt = false;
    let body = s.steps.slice(1);
    if (s.index === stage.index) body = s.steps.filter((x) => x.position > decl.position);
    else if (s.base.kind === 'stage' && inherits.has(s.base.stage)) {
      inherits.add(s.index);
      rebuilt = endsRebuilt.get(s.base.stage) ?? false;
    } else continue;
    for (const step of body) {
      if (reads(step, name)) return { steps, user: step };
      if (!step.executes) continue;
      // The first RUN that has it in its environment re-runs; every step after it follows.
      // An ARG with no value is in the environment of its stage's later RUNs once a build passes one.
      if (!rebuilt && step.keyword === 'RUN' && (inScope(step, name) || (unset && s.index === stage.index))) rebuilt = true;
      if (rebuilt) steps.push(step);
    }
    endsRebuilt.set(s.index, rebuilt);
  }
  return { steps, user: null };
}

/**
 * The ARGs of a line that have no value in this build (no default, none passed): a build that
 * passes one (`--build-arg WWWGROUP=1000`, the reason to declare it) changes it, so where
 * they are declared matters as much as for an ARG with a default.
 */
function unsetArgs(decl: Step): { name: string; range: Range; unset: true }[] {
  const inst = decl.instruction;
  if (inst.keyword !== 'ARG') return [];
  return inst.decls.filter((d) => typeof decl.expanded[d.key.raw] !== 'string').map((d) => ({ name: d.key.raw, range: d.key.range, unset: true }));
}

/** The steps a change of the variable re-runs, each marked. */
function rerun(steps: Step[], name: string): Related[] {
  return steps.map((s) => ({ range: s.instruction.range, message: `re-runs when ${name} changes` }));
}

/** `36, 42` or `19–62` for a long list. */
function lineList(steps: Step[]): string {
  const lines = steps.map((s) => s.line);
  return lines.length > 4 ? `${lines[0]}–${lines[lines.length - 1]}` : lines.join(', ');
}
