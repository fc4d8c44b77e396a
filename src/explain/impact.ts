/**
 * Change impact: for the kinds of change this context actually sees, which step first
 * rebuilds and what the rebuild costs. The kinds: an edit of source files of each language
 * under each top-level folder, a change to each dependency manifest or lockfile, each build
 * arg with a default, each base image, and the change classes of the config file. Each is
 * judged by the same invalidation model as `explain`.
 */
import path from 'node:path';
import { changedContext } from '../cache/changes.js';
import { invalidation, type StepVerdict } from '../cache/invalidation.js';
import type { BuildContext } from '../context/index.js';
import { manifestClasses, sourceClasses } from '../context/source-classes.js';
import { buildGraph, type BuildGraph, type Stage, type Step } from '../graph/graph.js';
import { predictRebuild, type Durations } from '../timing/predict.js';

export interface Impact {
  /** In words: "an edit under python/". */
  change: string;
  kind: 'source' | 'manifest' | 'arg' | 'base' | 'config';
  /** The paths (or arg, or image) taken as changed. */
  subject: string[];
  first_rebuilt_line: number | null;
  rebuilt_steps: number;
  /** Predicted seconds of the rebuild (time scale applied), conditional steps counted as re-run. */
  seconds: number;
  basis: Durations['basis'];
  /** Not part of the JSON: the verdicts, for rules that need them. */
  verdicts?: StepVerdict[];
}

function summarize(graph: BuildGraph, verdicts: StepVerdict[], d: Durations, timeScale: number) {
  const rebuilt = verdicts.filter((v) => v.step.executes && v.status === 'rebuilt');
  const high = predictRebuild(graph, d, verdicts).high;
  return {
    first_rebuilt_line: rebuilt[0]?.step.line ?? null,
    rebuilt_steps: rebuilt.length,
    seconds: high.seconds * timeScale,
    basis: d.basis,
  };
}

/** A copy of the graph whose stages on `image` had another base: what a new base image looks like to the cache. */
function withOtherBase(g: BuildGraph, image: string): BuildGraph {
  const stages: Stage[] = g.stages.map((s) => {
    if (s.base.kind !== 'image' || s.base.ref !== image) return s;
    const from: Step = { ...s.steps[0], expanded: { ...s.steps[0].expanded, image: `${image} (before)` } };
    return { ...s, steps: [from, ...s.steps.slice(1)] };
  });
  return { ...g, stages };
}

export function changeImpact(opts: {
  graph: BuildGraph;
  context?: BuildContext;
  /** Durations of a graph's steps (the graph of a changed arg has steps of its own); asked once per change, so best memoized (durationsOnce). */
  durationsFor: (g: BuildGraph) => Durations;
  timeScale: number;
  extra?: { name: string; paths: string[] }[];
  /** Only these kinds of change (`fix` predicts source edits only); default all. */
  kinds?: readonly Impact['kind'][];
}): Impact[] {
  const { graph, context, timeScale } = opts;
  const out: Impact[] = [];
  const judge = (change: string, kind: Impact['kind'], subject: string[], paths: string[], previous = graph, args?: Record<string, string>) => {
    if (opts.kinds && !opts.kinds.includes(kind)) return;
    const current = args ? withArgs(graph, args) : graph;
    const verdicts = invalidation({ previous, current, changes: changedContext(paths) });
    out.push({ change, kind, subject, ...summarize(current, verdicts, opts.durationsFor(current), timeScale), verdicts });
  };

  if (context) {
    for (const m of manifestClasses(context)) judge(m.change, 'manifest', m.paths, m.paths.slice(0, 1));
    for (const c of sourceClasses(context)) judge(c.change, 'source', [c.file], [c.file]);
  }
  for (const c of opts.extra ?? []) judge(`a change to ${c.name}`, 'config', c.paths, c.paths);

  const seenArgs = new Set<string>();
  for (const inst of graph.dockerfile.instructions) {
    if (inst.keyword !== 'ARG') continue;
    for (const decl of inst.decls) {
      const name = decl.key.raw;
      if (!decl.value || seenArgs.has(name)) continue;
      seenArgs.add(name);
      judge(`build arg ${name} set to another value`, 'arg', [name], [], graph, { [name]: `${decl.value.raw}-changed` });
    }
  }
  const images = new Set(graph.stages.filter((s) => s.needed && s.base.kind === 'image').map((s) => (s.base as { ref: string }).ref));
  for (const image of images) judge(`a new version of base image ${image}`, 'base', [image], [], withOtherBase(graph, image));
  return out.sort((a, b) => b.seconds - a.seconds || b.rebuilt_steps - a.rebuilt_steps);
}

/** The graph of the same file built with some args changed. */
function withArgs(g: BuildGraph, args: Record<string, string>): BuildGraph {
  return buildGraph(g.dockerfile, { ...g.options, buildArgs: { ...g.options.buildArgs, ...args } });
}
