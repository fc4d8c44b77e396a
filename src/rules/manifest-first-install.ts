import { defineRule, stepCost } from './define.js';
import { broadCopies, isManifest, pathsNamed, runAnalysis, stepsAfter } from './shared.js';

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
    description: 'A dependency install (or a step that reads only dependency manifests) runs after a copy of the whole source instead of after a copy of its manifests.',
    fix: 'safe',
    fixedBy: ['split-install', 'late-source-copy'],
    sources: [],
    messages: {
      install: '{{step}} installs dependencies after {{copy}} (line {{copyLine}}): every source edit re-runs it; copy {{manifests}} first, install, then copy the rest',
      reads: '{{step}} reads the dependency manifest {{manifests}} after {{copy}} (line {{copyLine}}): every source edit re-runs it; copy the manifest first and run this before the rest of the source',
    },
  },
  check(ctx) {
    for (const copy of broadCopies(ctx.graph, ctx.context)) {
      for (const step of stepsAfter(ctx.graph, copy)) {
        const a = runAnalysis(step);
        if (!a) continue;
        // A step that names other copied files too is a build of them, not a manifest reader.
        const allNamed = pathsNamed(step, copy, ctx.context);
        const named = allNamed.length && allNamed.every(isManifest) ? allNamed : [];
        const installs = a.activities.filter((x) => x.kind === 'install');
        if (!installs.length && !named.length) continue;
        const manifests = named.length ? named : installs.flatMap((x) => x.unknown).filter(isManifest);
        const cost = stepCost(ctx.durations, [step]);
        ctx.report({
          messageId: installs.length ? 'install' : 'reads',
          data: {
            step: `RUN at line ${step.line}`,
            copy: copy.instruction.text.replace(/\s+/g, ' '),
            copyLine: copy.line,
            manifests: manifests.length ? manifests.join(', ') : 'the manifests and lockfiles it reads',
          },
          range: step.instruction.range,
          related: [{ range: copy.instruction.range, message: 'the copy of the source it runs after' }],
          cost: { rebuild_s: cost.seconds, basis: cost.basis },
        });
      }
    }
  },
});
