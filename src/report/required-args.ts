/**
 * The build args a file needs and was not given (graph.requiredArgs), said the same way by
 * every command: analyze, graph, explain and fix go on with the base as the image the user
 * supplies, and say which args to pass to model the real one.
 */
import type { BuildGraph } from '../graph/graph.js';
import { stageLabel } from '../graph/graph.js';

export interface RequiredArgJson {
  name: string;
  stage: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** `required_build_args` of every command's JSON: empty when the build has all it needs. */
export function requiredArgsJson(graph: BuildGraph): RequiredArgJson[] {
  return graph.requiredArgs.map((a) => ({
    name: a.name,
    stage: stageLabel(graph.stages[a.stage]),
    line: a.range.start.line,
    column: a.range.start.column,
    endLine: a.range.end.line,
    endColumn: a.range.end.column,
  }));
}

/** One line per arg, `file:line:col: needs build arg ...`; empty when none is missing. */
export function requiredArgsText(graph: BuildGraph): string[] {
  return graph.requiredArgs.map((a) => {
    const s = graph.stages[a.stage];
    const from = s.steps[0].instruction.text.replace(/\s+/g, ' ');
    return `${graph.dockerfile.file}:${a.range.start.line}:${a.range.start.column}: needs build arg ${a.name} (${from}), which has no default, so every build passes it: the base is taken as an image not known here (pass --build-arg ${a.name}=<image> to model the real one)`;
  });
}
