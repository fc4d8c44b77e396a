/**
 * What a builder with an empty local cache rebuilds when it imports the previous build's cache
 * from elsewhere (`--cache-from`: a registry, a folder, an inline cache): a CI runner.
 *
 * A step's key is computed from definitions and context checksums, never from results, so the
 * imported records answer for every step the previous build made; what differs is which records
 * carry a result to load. `mode=max` exports a result for every step: the runner reuses exactly
 * what a local cache would. `mode=min` (BuildKit's default, and all an inline cache holds) exports
 * results only for what already has layers: the final image's chain (the target stage and the
 * stages it is built FROM) and the base images. A step of another stage is known by key and has
 * nothing to load: it is not run when nothing needs it (its consumer is answered from the cache),
 * and re-run, with every step before it in its stage, when a step that runs needs it.
 *
 * Judged on BuildKit v0.34.2 (test/engine/remote-cache.test.ts): a registry cache exported with
 * mode=min and mode=max, a daemon pruned empty, and the per-step record of the rebuild.
 */
import type { CacheMode } from '../core/cache-spec.js';
import { stageLabel, type BuildGraph, type Step } from '../graph/graph.js';
import { describe, type Cause, type StepVerdict } from './invalidation.js';

/** The stages whose layers make the target's image: the target and its FROM parents. */
export function imageChain(g: BuildGraph): Set<number> {
  const chain = new Set<number>();
  for (let s: number | undefined = g.target; s !== undefined && !chain.has(s); ) {
    chain.add(s);
    const base: BuildGraph['stages'][number]['base'] = g.stages[s]!.base;
    s = base.kind === 'stage' ? base.stage : undefined;
  }
  return chain;
}

/** The step a stage's result is: its last executing step (its FROM when it has none). */
function stageEnd(g: BuildGraph, stage: number): Step {
  const steps = g.stages[stage]!.steps;
  return [...steps].reverse().find((s) => s.executes) ?? steps[0]!;
}

/** The step before `step` in its stage's chain (the FROM for the first). */
function parentOf(g: BuildGraph, step: Step): Step | undefined {
  const steps = g.stages[step.stage]!.steps;
  for (let i = steps.indexOf(step) - 1; i >= 0; i--) if (steps[i]!.executes) return steps[i];
  return undefined;
}

/** How surely a step is needed, or run: `sure` (the build cannot finish without it), or `maybe` (only if a conditional step re-runs). */
type Level = 0 | 1 | 2;
const MAYBE: Level = 1;
const SURE: Level = 2;

/**
 * The verdicts of a build on an empty builder that imports the previous build's cache, exported
 * with `mode`. Under max they are the local verdicts. Under min, a step outside the image chain
 * that a running step needs is rebuilt (cause `not-exported`), and so is what it needs in turn;
 * needed only by a step that may or may not re-run (conditional), it is conditional.
 */
export function withRemoteCache(g: BuildGraph, verdicts: StepVerdict[], mode: CacheMode): StepVerdict[] {
  if (mode === 'max') return verdicts;
  const chain = imageChain(g);
  const byStep = new Map(verdicts.map((v) => [v.step, v]));
  const need = new Map<Step, Level>();
  /** Steps that run for lack of a result to load: how surely, and the first step that needed them. */
  const unexported = new Map<Step, { level: Level; neededBy: number }>();

  // Walks back from the target's result the way BuildKit's solver does: a step answered by a
  // result it can load needs nothing; a step that runs needs its parent and its sources.
  const visit = (step: Step, level: Level, neededBy: number): void => {
    if ((need.get(step) ?? 0) >= level) return;
    need.set(step, level);
    const v = byStep.get(step);
    if (!v) return;
    if (step.keyword === 'FROM') {
      // A base image is pulled; a base stage's result is that stage's last step.
      const base = g.stages[step.stage]!.base;
      if (base.kind === 'stage') visit(stageEnd(g, base.stage), level, neededBy);
      return;
    }
    const loadable = chain.has(step.stage);
    let runs: Level = 0;
    if (v.status === 'rebuilt') runs = level;
    else if (v.status === 'cached' || v.status === 'conditional') {
      if (!loadable) {
        runs = level;
        const seen = unexported.get(step);
        if (!seen || seen.level < level) unexported.set(step, { level, neededBy });
      } else if (v.status === 'conditional') runs = MAYBE;
    }
    if (runs) for (const src of step.sources) if (src.kind === 'stage') visit(stageEnd(g, src.stage), runs, step.line);
    if (runs) {
      const parent = parentOf(g, step);
      if (parent) visit(parent, Math.min(runs, level) as Level, step.line);
    }
  };
  visit(stageEnd(g, g.target), SURE, stageEnd(g, g.target).line);
  // The target's key holds every step's key before it, and a conditional step's key is the
  // checksum of what it copies: to compute it BuildKit needs its source stages' results, surely
  // when a source stage changed, and only if its definition key misses (its conditional parent
  // does re-run) when just the parent may have.
  for (const v of verdicts) {
    if (v.status !== 'conditional' || !g.stages[v.step.stage]!.needed) continue;
    const sources = v.step.sources.filter((src) => src.kind === 'stage');
    const changed = sources.some((src) => byStep.get(stageEnd(g, src.stage))?.status !== 'cached');
    for (const src of sources) visit(stageEnd(g, src.stage), changed ? SURE : MAYBE, v.step.line);
  }

  return verdicts.map((v) => {
    const u = unexported.get(v.step);
    if (!u) return v;
    const stage = stageLabel(g.stages[v.step.stage]!);
    const sure = u.level === SURE;
    if (!sure && v.status === 'conditional') return v;
    const cause: Cause = { kind: 'not-exported', mode: 'min', stage, neededBy: u.neededBy, ...(sure ? {} : { maybe: true }) };
    return { ...v, status: sure ? 'rebuilt' : 'conditional', cause, reason: describe(cause, v.step) };
  });
}
