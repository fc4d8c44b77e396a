/**
 * Durations for every step (measured where the profile has samples, estimated elsewhere, each
 * labelled with its basis) and the predictions built on them: a cold build (every step runs)
 * and a change rebuild (the steps explain marks rebuilt; conditional ones counted both ways).
 */
import type { StepVerdict } from '../cache/invalidation.js';
import type { BuildGraph, Step } from '../graph/graph.js';
import { lookup, median, type Profile } from './profile.js';
import { schedule, type Schedule } from './schedule.js';

export interface Duration {
  seconds: number;
  basis: 'measured' | 'estimated';
  /** For people: "median of 3 builds" or the estimate's reasoning. */
  detail: string;
}

/** Estimates a step that has no measurement (see estimate.ts). */
export type Estimator = (step: Step) => { seconds: number; basis: string };

export interface Durations {
  of: (step: Step) => Duration;
  /** Executing steps of needed stages with no measurement. */
  unmeasured: Step[];
  /** Seconds a build spends outside its steps (measured, or 0 when the profile has none). */
  overhead: number;
  /** 'measured' when every running step has samples, 'estimated' when none has, else 'mixed'. */
  basis: 'measured' | 'estimated' | 'mixed';
}

/**
 * `durations` for any graph, each worked out once: a change impact asks for the same graph's
 * durations once per kind of change, a prediction once more for the cold build.
 */
export function durationsOnce(profile: Profile | undefined, estimate: Estimator): (graph: BuildGraph) => Durations {
  const known = new WeakMap<BuildGraph, Durations>();
  return (graph) => {
    let d = known.get(graph);
    if (!d) known.set(graph, (d = durations(graph, profile, estimate)));
    return d;
  };
}

export function durations(graph: BuildGraph, profile: Profile | undefined, estimate: Estimator): Durations {
  const table = new Map<Step, Duration>();
  const unmeasured: Step[] = [];
  let measured = 0;
  for (const stage of graph.stages) {
    for (const step of stage.steps) {
      if (!step.executes) {
        table.set(step, { seconds: 0, basis: 'estimated', detail: 'not a build step' });
        continue;
      }
      if (step.keyword === 'FROM') {
        // BuildKit resolves a base image, it does not run it: its time is the build's overhead.
        table.set(step, { seconds: 0, basis: 'measured', detail: 'base image: resolved, not run' });
        continue;
      }
      const s = profile ? lookup(profile, graph, step) : undefined;
      if (s && s.samples.length) {
        measured += stage.needed ? 1 : 0;
        table.set(step, { seconds: median(s.samples), basis: 'measured', detail: `median of ${s.samples.length} build${s.samples.length === 1 ? '' : 's'}` });
      } else {
        if (stage.needed) unmeasured.push(step);
        const e = estimate(step);
        table.set(step, { seconds: e.seconds, basis: 'estimated', detail: e.basis });
      }
    }
  }
  const basis = basisOf(unmeasured.length, measured);
  return {
    of: (step) => table.get(step) ?? { seconds: 0, basis: 'estimated', detail: 'unknown step' },
    unmeasured,
    overhead: profile?.overhead.length ? median(profile.overhead) : 0,
    basis,
  };
}

export function basisOf(unmeasured: number, measured: number): Durations['basis'] {
  return unmeasured === 0 ? 'measured' : measured === 0 ? 'estimated' : 'mixed';
}

export interface Prediction {
  /** Wall seconds including the build's overhead. */
  seconds: number;
  schedule: Schedule;
  basis: Durations['basis'];
}

export interface PredictOptions {
  maxParallelism?: number;
}

/** Every step runs. */
export function predictCold(graph: BuildGraph, d: Durations, opts: PredictOptions = {}): Prediction {
  const s = schedule({ graph, duration: (st) => d.of(st).seconds, maxParallelism: opts.maxParallelism });
  return { seconds: s.wallSeconds + d.overhead, schedule: s, basis: d.basis };
}

/**
 * Only what explain says re-runs. Conditional steps may or may not: `low` counts them as
 * cached, `high` as rebuilt.
 */
export function predictRebuild(graph: BuildGraph, d: Durations, verdicts: StepVerdict[], opts: PredictOptions = {}): { low: Prediction; high: Prediction } {
  const status = new Map(verdicts.map((v) => [v.step, v.status]));
  const run = (withConditional: boolean): Prediction => {
    const s = schedule({
      graph,
      duration: (st) => d.of(st).seconds,
      runs: (st) => status.get(st) === 'rebuilt' || (withConditional && status.get(st) === 'conditional'),
      maxParallelism: opts.maxParallelism,
    });
    return { seconds: s.wallSeconds + d.overhead, schedule: s, basis: d.basis };
  };
  return { low: run(false), high: run(true) };
}

/** "16 min", "42 s", "1.5 s": the way people say a duration. */
export function humanSeconds(s: number): string {
  if (s >= 90 * 60) return `${(s / 3600).toFixed(1)} h`;
  if (s >= 90) return `${Math.round(s / 60)} min`;
  if (s >= 10) return `${Math.round(s)} s`;
  return `${s.toFixed(1)} s`;
}
