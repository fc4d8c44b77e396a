/**
 * `layerwise simulate` as a library call: the stand-in of a model (see standin.ts), with step
 * times from a profile where it has them and from the cost model elsewhere.
 */
import type { BuildContext } from '../context/index.js';
import type { BuildGraph } from '../graph/graph.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import { durations } from '../timing/predict.js';
import type { Profile } from '../timing/profile.js';
import { simulate, type Simulation } from './standin.js';

export * from './standin.js';
export { ensureImages, removeSimImages, SimulationImageError, SIM_ROOT_IMAGE } from './images.js';

export interface SimulateModelOptions {
  profile?: Profile;
  /** Each second of the original takes 1/timeScale seconds (default 1). */
  timeScale?: number;
  baseVersions?: Record<string, string>;
}

/** The simulation of a graph (its context sizes the COPY estimates, when there is one). */
export function simulateGraph(graph: BuildGraph, context: BuildContext | undefined, opts: SimulateModelOptions = {}): Simulation {
  const measures = context ? contextMeasures(context) : {};
  const d = durations(graph, opts.profile, (s) => estimateStep(s, measures));
  return simulate(graph, {
    secondsOf: (step) => d.of(step).seconds,
    ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
    ...(opts.baseVersions ? { baseVersions: opts.baseVersions } : {}),
    ...(context ? { contextType: (rel: string) => (rel === '.' ? 'dir' : context.get(rel)?.type) } : {}),
  });
}
