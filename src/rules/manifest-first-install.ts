import { defineRule, stepCost } from './define.js';
import { broadCopies, folderCopies, installReads, isManifest, needsSource, pathsNamed, runAnalysis, stepsAfter } from './shared.js';
import type { Step } from '../graph/graph.js';

/**
 * A dependency install that follows a copy of the whole source re-runs on every source edit,
 * though it reads only the manifests. Copying the manifests first, installing, then copying
 * the rest keeps the install cached until a manifest changes.
 */
export default defineRule({
  meta: {
    name: 'manifest-first-install',
    category: 'cache-order',
    severity: 'warning',
    description: 'A dependency install (or a step that reads only dependency manifests) runs after a copy of the source (the whole context, or a project folder) instead of after a copy of its manifests, or reads nothing of the copy at all.',
    fix: 'safe',
    fixedBy: ['split-install', 'late-source-copy'],
    sources: [],
    messages: {
      install: '{{step}} installs the dependencies of {{manifests}}{{extras}} after {{copy}} (line {{copyLine}}): every source edit re-runs it; copy {{manifests}} first, install, then copy the rest',
      unneeded: '{{step}} installs packages that do not come from the copied source, yet runs after {{copy}} (line {{copyLine}}): every source edit re-runs it; run it before the copy (or in a stage of its own)',
      reads: '{{step}} reads the dependency manifest {{manifests}} after {{copy}} (line {{copyLine}}): every source edit re-runs it; copy the manifest first and run this before the rest of the source',
    },
  },
  check(ctx) {
    const seen = new Set<Step>();
    const copies = [...broadCopies(ctx.graph, ctx.context).map((c) => ({ copy: c, broad: true })), ...folderCopies(ctx.graph, ctx.context).map((c) => ({ copy: c, broad: false }))];
    for (const { copy, broad } of copies) {
      for (const step of stepsAfter(ctx.graph, copy)) {
        if (seen.has(step)) continue;
        const a = runAnalysis(step);
        if (!a) continue;
        const reads = installReads(ctx.graph, step, copy, ctx.context);
        // A step that names other copied files too is a build of them, not a manifest reader.
        const allNamed = pathsNamed(ctx.graph, step, copy, ctx.context);
        const named = allNamed.length && allNamed.every(isManifest) ? allNamed : [];
        let messageId: 'install' | 'reads' | 'unneeded';
        let manifests = reads.manifests;
        if (reads.installs && reads.manifests.length && !reads.projectOnly) messageId = 'install';
        else if (!reads.installs && named.length) {
          messageId = 'reads';
          manifests = named;
        } else if (broad && reads.installs && !reads.projectOnly && !needsSource(ctx.graph, step, copy, ctx.context)) messageId = 'unneeded';
        else continue;
        seen.add(step);
        const cost = stepCost(ctx.durations, [step]);
        ctx.report({
          messageId,
          data: {
            step: `RUN at line ${step.line}`,
            copy: copy.instruction.text.replace(/\s+/g, ' '),
            copyLine: copy.line,
            manifests: manifests.join(', '),
            extras: reads.extras.length ? ` (with its extras ${[...new Set(reads.extras)].join(', ')})` : '',
          },
          range: step.instruction.range,
          related: [{ range: copy.instruction.range, message: 'the copy of the source it runs after' }],
          cost: { rebuild_s: cost.seconds, basis: cost.basis },
        });
      }
    }
  },
});
