/**
 * The predicted effect of a fix: a source edit's rebuild and a cold build, before and after,
 * from the same durations (profile where measured, cost model elsewhere).
 */
import { representativeSourceEdit } from '../context/source-classes.js';
import { changeImpact, type Impact } from '../explain/impact.js';
import type { BuildContext } from '../context/index.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { buildGraph, type BuildGraph, type GraphOptions } from '../graph/graph.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import { durationsOnce, predictCold, predictRebuild, type Durations } from '../timing/predict.js';
import { timelineOf, type Timeline } from '../timing/timeline.js';
import type { Profile } from '../timing/profile.js';

export interface Effect {
  /** The rebuild of the representative source edit (the main code's, see representativeSourceEdit), seconds (null when the context has no source files). */
  sourceEdit: { change: string; seconds: number; path: string } | null;
  cold: number;
  /** The schedules behind the two figures, as timelines (for the HTML report's Gantt charts). */
  timelines?: { cold: Timeline; sourceEdit: Timeline | null };
}

export function predictEffect(text: string, file: string, context: BuildContext | undefined, opts: GraphOptions & { profile?: Profile; timeScale?: number }): Effect {
  const graph = buildGraph(parseDockerfile(text, file), opts);
  const measures = context ? contextMeasures(context) : {};
  return effectOf(graph, context, durationsOnce(opts.profile, (s) => estimateStep(s, measures)), opts.timeScale ?? 1);
}

/** The effect of a model, from durations the caller may share (and a change impact it has already worked out). */
export function effectOf(graph: BuildGraph, context: BuildContext | undefined, durationsFor: (g: BuildGraph) => Durations, scale: number, impact?: Impact[]): Effect {
  const sources = (impact ?? changeImpact({ graph, context, durationsFor, timeScale: scale, kinds: ['source'] })).filter((i) => i.kind === 'source');
  // The same edit before and after a fix: the main code's, not whichever folder is slowest here.
  const rep = representativeSourceEdit({ context });
  const worst = sources.find((i) => rep && i.subject[0] === rep.file) ?? sources[0];
  const d = durationsFor(graph);
  const cold = predictCold(graph, d);
  // The same schedule as the impact's figure: conditional steps counted as re-run.
  const edit = worst?.verdicts ? predictRebuild(graph, d, worst.verdicts).high : null;
  return {
    sourceEdit: worst ? { change: worst.change, seconds: worst.seconds, path: worst.subject[0] } : null,
    cold: cold.seconds * scale,
    timelines: { cold: timelineOf(cold.schedule, d, scale), sourceEdit: edit && timelineOf(edit.schedule, d, scale) },
  };
}
