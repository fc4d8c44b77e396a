/**
 * The bridge from layerwise's stage graph to the vertex mapper's plain shapes (line-map.ts
 * stays independent of the parser's types on purpose).
 */
import type { BuildGraph } from '../graph/graph.js';
import { vertexRule, type StageSteps } from './line-map.js';

export function stageStepsOf(g: BuildGraph): StageSteps[] {
  return g.stages.map((s) => ({
    name: s.name,
    index: s.index,
    baseImage: s.base.kind === 'image' ? s.base.ref : undefined,
    steps: s.steps.map((st) => ({
      line: st.line,
      ...vertexRule(st.keyword, { from: s.base.kind, workdir: typeof st.expanded.workdir === 'string' ? st.expanded.workdir : undefined }),
    })),
  }));
}
