import { defineRule, stepCost } from './define.js';
import { broadCopies, folderCopies, installReads, needsSource, pathsNamed, runAnalysis, stepsAfter } from './shared.js';
import type { Step } from '../graph/graph.js';

/**
 * Steps that read nothing a source copy brought (an OS package install, a global tool, a
 * third-party build or download) but run after it: every edit of a copied file re-runs them.
 * One finding per copy names them all, with their time summed: they can move before the copy,
 * or into stages of their own that build in parallel.
 */
export default defineRule({
  meta: {
    name: 'steps-after-source-copy',
    category: 'cache-order',
    severity: 'warning',
    description: 'RUN steps that read nothing a preceding source copy brought (package installs, tool downloads, third-party builds) run after it, so every edit of a copied file re-runs them.',
    fix: 'safe',
    fixedBy: ['late-source-copy', 'parallel-stages'],
    options: { minSeconds: 'seconds a step must take to be named (default 1)' },
    messages: {
      one: '{{step}} reads nothing {{copy}} (line {{copyLine}}) brought, yet runs after it: every edit of a copied file re-runs it; run it before the copy (or in a stage of its own)',
      many: '{{count}} steps (lines {{lines}}) read nothing {{copy}} (line {{copyLine}}) brought, yet run after it: every edit of a copied file re-runs them all; run them before the copy, or in stages of their own that build in parallel',
    },
  },
  check(ctx) {
    const min = typeof ctx.options.minSeconds === 'number' ? ctx.options.minSeconds : 1;
    const seen = new Set<Step>();
    for (const copy of [...broadCopies(ctx.graph, ctx.context), ...folderCopies(ctx.graph, ctx.context)]) {
      const steps: Step[] = [];
      for (const step of stepsAfter(ctx.graph, copy)) {
        if (seen.has(step) || step.keyword !== 'RUN') continue;
        const a = runAnalysis(step);
        // A step of file commands only costs nothing worth moving; one that names copied files, or
        // installs from manifests the copy brought, is manifest-first-install's or needs the source.
        if (!a || a.activities.every((x) => x.kind === 'file' || x.kind === 'shell')) continue;
        if (needsSource(ctx.graph, step, copy, ctx.context) || pathsNamed(ctx.graph, step, copy, ctx.context).length) continue;
        const reads = installReads(ctx.graph, step, copy, ctx.context);
        if (reads.manifests.length || reads.projects.length) continue;
        if (stepCost(ctx.durations, [step]).seconds < min) continue;
        steps.push(step);
      }
      if (!steps.length) continue;
      steps.forEach((s) => seen.add(s));
      const cost = stepCost(ctx.durations, steps);
      const copyText = copy.instruction.text.replace(/\s+/g, ' ');
      ctx.report({
        messageId: steps.length === 1 ? 'one' : 'many',
        data: { step: `RUN at line ${steps[0].line}`, count: steps.length, lines: steps.map((s) => s.line).join(', '), copy: copyText, copyLine: copy.line },
        range: steps[0].instruction.range,
        related: [
          { range: copy.instruction.range, message: 'the source copy they run after' },
          ...steps.slice(1).map((s) => ({ range: s.instruction.range, message: 'reads nothing the copy brought' })),
        ],
        cost: { rebuild_s: cost.seconds, basis: cost.basis },
      });
    }
  },
});
