import type { BuildGraph, Stage, Step } from '../graph/graph.js';
import { runAnalysis } from '../shell/run-analysis.js';
import { variableReference } from '../shell/variables.js';
import { defineRule, stepCost } from './define.js';
import { perCommitDeclarations } from './shared.js';

/**
 * A build arg that CI sets anew for every commit (`GIT_SHA`, `COMMIT_SHA`, `BUILD_DATE`, a
 * `VERSION` with no default), declared before steps that do not read it. Once passed, its
 * value is in the environment of every later RUN of the stage and of the stages built FROM
 * it, so BuildKit keys them by it: every commit re-runs them, whatever changed. Declared just
 * before the step that reads it (a LABEL, the compile that embeds it), a new commit re-runs
 * only that.
 */
export default defineRule({
  meta: {
    name: 'per-commit-arg-early',
    category: 'arg-scope',
    severity: 'warning',
    description: 'A build arg that CI passes anew for every commit (a commit id, build date or version with no default) is declared before steps that do not read it, so every build re-runs them.',
    fix: null,
    messages: {
      early: '{{kind}} {{name}} takes a new value with every commit (CI passes it with --build-arg), and it is in the environment of {{count}} step{{s}} before the first that reads it (line{{s}} {{lines}}): every build re-runs them; {{verb}} it just before line {{useLine}}',
      unused: '{{kind}} {{name}} takes a new value with every commit (CI passes it with --build-arg), and no later build step reads it, but every build re-runs {{count}} step{{s}} after it (line{{s}} {{lines}}): declare it after the last build step (with a LABEL that records it) or drop it',
    },
  },
  check(ctx) {
    const perCommit = perCommitDeclarations(ctx.graph);
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const decl of stage.steps) {
        for (const d of perCommit.get(decl) ?? []) {
          const r = rerun(ctx.graph, stage, decl, d.name);
          if (!r.steps.length) continue;
          const cost = stepCost(ctx.durations, r.steps);
          const n = r.steps.length;
          const lines = r.steps.map((s) => s.line);
          const data = {
            kind: decl.keyword,
            name: d.name,
            count: n,
            s: n === 1 ? '' : 's',
            lines: lines.length > 4 ? `${lines[0]}–${lines[lines.length - 1]}` : lines.join(', '),
            useLine: r.user?.line ?? 0,
            verb: decl.keyword === 'ARG' ? 'declare' : 'set',
          };
          ctx.report({
            messageId: r.user ? 'early' : 'unused',
            data,
            range: d.range,
            cost: { rebuild_s: cost.seconds, basis: cost.basis, per: 'build' },
            // An ENV set from the arg: the ARG that brings the per-commit value is part of the cause.
            related: [
              ...(d.from ? [{ range: d.from.range, message: `${d.from.name} brings the per-commit value` }] : []),
              ...r.steps.map((s) => ({ range: s.instruction.range, message: `re-runs on every commit (${d.name})` })),
            ],
          });
        }
      }
    }
  },
});

/**
 * Whether a step reads the variable: its words name it (a LABEL, `--build-arg` to a script),
 * or it compiles or runs a program the analysis does not know, which may embed it (a
 * `build.rs` reading `GIT_SHA`). Package installs and file commands do not.
 */
function readsIt(step: Step, name: string): boolean {
  if (step.uses.includes(name)) return true;
  const inst = step.instruction;
  if (inst.keyword !== 'RUN') return false;
  const text = [inst.text, ...inst.heredocs.map((h) => h.content)].join('\n');
  if (variableReference(name).test(text)) return true;
  const a = runAnalysis(step);
  return !a || !!a.error || a.activities.some((x) => x.kind === 'compile' || x.kind === 'other');
}

/**
 * The executing steps that re-run when the variable changes, before the first step that reads
 * it: from the first RUN after the declaration on (BuildKit keys a RUN by its environment,
 * and every step after a re-run one re-runs), in the stage and the stages built FROM it.
 */
function rerun(graph: BuildGraph, stage: Stage, decl: Step, name: string): { steps: Step[]; user: Step | null } {
  const steps: Step[] = [];
  const inherits = new Set([stage.index]);
  const endsRebuilt = new Map<number, boolean>();
  for (const s of graph.stages) {
    if (s.index < stage.index || !s.needed) continue;
    let rebuilt = false;
    let body: Step[];
    if (s.index === stage.index) body = s.steps.filter((x) => x.position > decl.position);
    else if (s.base.kind === 'stage' && inherits.has(s.base.stage)) {
      inherits.add(s.index);
      rebuilt = endsRebuilt.get(s.base.stage) ?? false;
      body = s.steps.slice(1);
    } else continue;
    for (const step of body) {
      if (readsIt(step, name)) return { steps, user: step };
      // Re-declared without a value in a child stage it is still the passed value; an ENV of the same name hides it.
      if (step.keyword === 'ENV' && step.instruction.keyword === 'ENV' && step.instruction.pairs.some((p) => p.key.raw === name)) return { steps, user: step };
      if (!step.executes) continue;
      if (!rebuilt && step.keyword === 'RUN') rebuilt = true;
      if (rebuilt) steps.push(step);
    }
    endsRebuilt.set(s.index, rebuilt);
  }
  return { steps, user: null };
}
