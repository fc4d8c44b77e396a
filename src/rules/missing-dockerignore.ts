import path from 'node:path';
import { contextPath } from '../cache/changes.js';
import type { BuildGraph, Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { humanBytes } from './shared.js';

/** Steps of the needed stages that read the whole context: `COPY . …`, `ADD . …`, a bind mount of it. */
export function wholeContextSteps(graph: BuildGraph): Step[] {
  return graph.stages
    .filter((s) => s.needed)
    .flatMap((s) => s.steps)
    .filter((step) => step.sources.some((src) => src.kind === 'context' && src.paths.some((p) => contextPath(p) === '.')));
}

/**
 * A step copies (or mounts) the whole context and no ignore file applies: everything in the
 * folder goes in, `.git`, dependency folders, build outputs and local environments included,
 * and any change to any of it re-runs the step. BuildKit reads `<Dockerfile>.dockerignore`
 * beside the Dockerfile first, then `.dockerignore` at the context root.
 */
export default defineRule({
  meta: {
    name: 'missing-dockerignore',
    category: 'context',
    severity: 'warning',
    description: 'A step copies the whole build context and there is no .dockerignore (nor <Dockerfile>.dockerignore), so everything in the folder goes into the step and its cache key.',
    fix: null,
    messages: {
      missing: '{{copy}} takes the whole context and no .dockerignore applies: all {{files}} files ({{size}}) go in, .git and local build outputs included, and a change to any of them re-runs this step; add a .dockerignore at the context root (or {{specific}} beside the Dockerfile)',
    },
  },
  check(ctx) {
    const c = ctx.context;
    if (!c || c.ignore.file !== undefined) return;
    const files = c.entries.filter((e) => e.type === 'file');
    const size = files.reduce((n, e) => n + e.size, 0);
    for (const step of wholeContextSteps(ctx.graph)) {
      ctx.report({
        messageId: 'missing',
        data: {
          copy: step.keyword === 'RUN' ? `RUN at line ${step.line} (a bind mount of the context)` : step.instruction.text.replace(/\s+/g, ' '),
          files: files.length,
          size: humanBytes(size),
          specific: `${path.basename(c.dockerfile)}.dockerignore`,
        },
        range: step.instruction.range,
      });
    }
  },
});
