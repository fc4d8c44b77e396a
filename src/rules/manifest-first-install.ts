import { defineRule, stepCost } from './define.js';
import { broadCopies, folderCopies, installReads, isManifest, pathsNamed, runAnalysis, stepsAfter } from './shared.js';
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
    description: 'A dependency install (or a step that reads only dependency manifests) runs after a copy of the source (the whole context, or a project folder) instead of after a copy of its manifests.',
    fix: 'safe',
    fixedBy: ['split-install', 'late-source-copy'],
    sources: [],
    messages: {
      install: '{{step}} installs the dependencies of {{manifests}}{{extras}} after {{copy}} (line {{copyLine}}): every source edit re-runs it; copy {{manifests}} first, install, then copy the rest',
      reads: '{{step}} reads the dependency manifest {{manifests}} after {{copy}} (line {{copyLine}}): every source edit re-runs it; copy the manifest first and run this before the rest of the source',
    },
  },
  check(ctx) {
    const seen = new Set<Step>();
    const copies = [...broadCopies(ctx.graph, ctx.context), ...folderCopies(ctx.graph, ctx.context)];
    for (const copy of copies) {
      for (const step of stepsAfter(ctx.graph, copy)) {
        if (seen.has(step)) continue;
        const a = runAnalysis(step);
        if (!a) continue;
        const reads = installReads(ctx.graph, step, copy, ctx.context);
        // A step that names other copied files too is a build of them, not a manifest reader.
        const allNamed = pathsNamed(ctx.graph, step, copy, ctx.context);
        const named = allNamed.length && allNamed.every(isManifest) ? allNamed : [];
        // An install that reads nothing of the copy is steps-after-source-copy's.
        let messageId: 'install' | 'reads';
        let manifests = reads.manifests;
        if (reads.installs && reads.manifests.length && !reads.projectOnly) messageId = 'install';
        // A compile that names only its manifest (`python setup.py build`, `mvn -f pom.xml package`)
        // builds the project around it: it needs the source, so it is no manifest reader.
        else if (!reads.installs && named.length && !a.activities.some((x) => x.kind === 'compile')) {
          messageId = 'reads';
          manifests = named;
        } else continue;
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
