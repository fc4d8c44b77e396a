/**
 * The predicted effect of a fix: a source edit's rebuild and a cold build, before and after,
 * from the same durations (profile where measured, cost model elsewhere).
 */
import { changeImpact } from '../analyze/impact.js';
import type { BuildContext } from '../context/index.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { buildGraph, type BuildGraph, type GraphOptions } from '../graph/graph.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import { durations, predictCold } from '../timing/predict.js';
import type { Profile } from '../timing/profile.js';

export interface Effect {
  /** The slowest source edit's rebuild, seconds (null when the context has no source files). */
  sourceEdit: { change: string; seconds: number; path: string } | null;
  cold: number;
}

export function predictEffect(text: string, file: string, context: BuildContext | undefined, opts: GraphOptions & { profile?: Profile; timeScale?: number }): Effect {
  const graph = buildGraph(parseDockerfile(text, file), opts);
  const measures = context ? contextMeasures(context) : {};
  const durationsFor = (g: BuildGraph) => durations(g, opts.profile, (s) => estimateStep(s, measures));
  const scale = opts.timeScale ?? 1;
  const impact = changeImpact({ graph, context, durationsFor, timeScale: scale }).filter((i) => i.kind === 'source');
  const worst = impact[0];
  return {
    sourceEdit: worst ? { change: worst.change, seconds: worst.seconds, path: worst.subject[0] } : null,
    cold: predictCold(graph, durationsFor(graph)).seconds * scale,
  };
}
