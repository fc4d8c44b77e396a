/**
 * Loading the whole model a command works on: the Dockerfile, its stage graph, and what the
 * build context holds for each step. Commands call this; they never parse on their own.
 */
import type { Target } from './cli/common.js';
import { loadDockerfile } from './dockerfile/load.js';
import { buildGraph, type BuildGraph, type GraphOptions } from './graph/graph.js';
import type { StepContextFiles } from './report/graph.js';

export interface Model {
  target: Target;
  graph: BuildGraph;
  contextFiles?: Map<string, StepContextFiles>;
}

export async function loadModel(target: Target, opts: GraphOptions = {}): Promise<Model> {
  const df = await loadDockerfile(target.dockerfilePath, target.displayName);
  const graph = buildGraph(df, opts);
  return { target, graph };
}
