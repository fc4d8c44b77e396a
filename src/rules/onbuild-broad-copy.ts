import type { CopyInstruction, Instruction } from '../dockerfile/model.js';
import { analyzeRunInstruction } from '../shell/index.js';
import { defineRule } from './define.js';
import { baseChain, isManifest } from './shared.js';

/** Whether a COPY/ADD trigger copies the child's whole context (`.`, `./`, `/`). */
function copiesWhole(inst: Instruction): inst is CopyInstruction {
  if (inst.keyword !== 'COPY' && inst.keyword !== 'ADD') return false;
  const c = inst as CopyInstruction;
  if (c.from !== null) return false;
  return c.sources.some((s) => ['.', './', '/', '*'].includes(s.raw));
}

/**
 * ONBUILD triggers run at the start of every image built FROM this one, in the order written,
 * before any step of the child: an `ONBUILD COPY .` of the child's whole context followed by
 * an `ONBUILD RUN` install makes every child re-run the install on any edit of its files, and
 * the child cannot put its manifests first.
 */
export default defineRule({
  meta: {
    name: 'onbuild-broad-copy',
    category: 'cache-order',
    severity: 'warning',
    description: "An ONBUILD COPY of the child's whole context comes before an ONBUILD RUN, so every image built FROM this one re-runs that step on any edit of its files, and cannot reorder it.",
    fix: null,
    messages: {
      onbuild: "{{copy}} copies the whole context of every image built FROM this one before {{run}} (line {{runLine}}), which runs in the child too: any edit of a child's file re-runs it, and the child cannot reorder triggers; {{advice}}",
    },
  },
  check(ctx) {
    for (const stage of baseChain(ctx.graph, ctx.graph.target)) {
      const triggers = stage.steps.map((s) => s.instruction).filter((i) => i.keyword === 'ONBUILD');
      triggers.forEach((on, k) => {
        if (on.keyword !== 'ONBUILD' || !copiesWhole(on.trigger)) return;
        const run = triggers.slice(k + 1).find((x) => x.keyword === 'ONBUILD' && x.trigger.keyword === 'RUN');
        if (!run || run.keyword !== 'ONBUILD' || run.trigger.keyword !== 'RUN') return;
        const a = analyzeRunInstruction(run.trigger);
        const manifests = a.activities.filter((x) => x.kind === 'install').flatMap((x) => x.unknown).filter(isManifest);
        const install = a.activities.some((x) => x.kind === 'install');
        ctx.report({
          messageId: 'onbuild',
          data: {
            copy: on.text.replace(/\s+/g, ' '),
            run: run.text.replace(/\s+/g, ' '),
            runLine: run.range.start.line,
            advice: install
              ? `ONBUILD COPY only the manifests and lockfiles it reads${manifests.length ? ` (${manifests.join(', ')} and its lockfile)` : ''} before it, and the rest after it; or drop the triggers and let each child write its own steps`
              : 'move the ONBUILD COPY after it, or drop the triggers and let each child write its own steps',
          },
          range: on.range,
          related: [{ range: run.range, message: 'runs in every child after the copy' }],
        });
      });
    }
  },
});
