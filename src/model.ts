/**
 * Loading the whole model a command works on: the Dockerfile, its stage graph, and what the
 * build context holds for each step. Commands call this; they never parse on their own.
 */
import { existsSync } from 'node:fs';
import type { Target } from './core/target.js';
import { openContext, type BuildContext } from './context/index.js';
import { loadDockerfile } from './dockerfile/load.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { buildGraph, type BuildGraph, type GraphOptions } from './graph/graph.js';

/** Files a step selects from the build context (filled in when the context is available). */
export interface StepContextFiles {
  files: string[];
  missing: string[];
}

export interface Model {
  target: Target;
  graph: BuildGraph;
  /** The opened build context; absent when there is no context folder. */
  context?: BuildContext;
  /** Per step (`stage:position`), the context files its sources select; absent with the context. */
  contextFiles?: Map<string, StepContextFiles>;
}

/** Options of {@link loadModel}: the graph's, and the Dockerfile's text when it is not read from disk. */
export interface LoadOptions extends GraphOptions {
  /**
   * The Dockerfile's text, used instead of reading `target.dockerfilePath` (an editor's
   * unsaved buffer). The context is still the folder on disk.
   */
  source?: string;
}

export async function loadModel(target: Target, opts: LoadOptions = {}): Promise<Model> {
  const { source, ...graphOpts } = opts;
  const df = source !== undefined ? parseDockerfile(source, target.displayName) : await loadDockerfile(target.dockerfilePath, target.displayName);
  const graph = buildGraph(df, graphOpts);
  // A missing context is not an error here: BuildKit only fails when it builds.
  if (!existsSync(target.contextDir)) return { target, graph };
  const context = await openContext(target.contextDir, target.dockerfilePath);
  return { target, graph, context, contextFiles: selectContextFiles(context, graph) };
}

/** Per step, the context files its COPY/ADD sources or bind mounts select. */
export function selectContextFiles(ctx: BuildContext, graph: BuildGraph): Map<string, StepContextFiles> {
  const contextFiles = new Map<string, StepContextFiles>();
  for (const stage of graph.stages) {
    for (const step of stage.steps) {
      // A Set, filled one by one: a spread of a million paths overflows the call stack.
      const files = new Set<string>();
      const missing: string[] = [];
      let any = false;
      for (const src of step.sources) {
        if (src.kind !== 'context') continue;
        any = true;
        const isBind = step.keyword === 'RUN';
        const sel = isBind ? ctx.selectBindMount(src.paths[0]) : ctx.select(src.paths, { exclude: src.exclude });
        for (const f of sel.files) files.add(f.path);
        for (const m of sel.missing) missing.push(m.source);
      }
      if (any) contextFiles.set(`${step.stage}:${step.position}`, { files: [...files].sort(), missing });
    }
  }
  return contextFiles;
}
