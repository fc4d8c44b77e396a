import { defineRule, stepCost } from './define.js';
import { needsSource, sourceCopies, stepsAfter } from './shared.js';

/**
 * The layout that makes every source edit expensive: the whole context copied early, so any
 * edit re-runs every step after it. The cost is those steps' time: what an edit pays today.
 */
export default defineRule({
  meta: {
    name: 'broad-copy-before-expensive-steps',
    category: 'cache-order',
    severity: 'warning',
    description: 'A COPY of the whole context (or most of it) comes before expensive steps, so any edit of a copied file re-runs them.',
    fix: 'safe',
    fixedBy: ['split-install', 'late-source-copy', 'copy-chown'],
    options: { minSeconds: 'seconds the steps after the copy must take to be reported (default 1)' },
    messages: {
      early: '{{copy}} copies {{what}} before {{count}} step{{s}} that re-run{{v}} on every edit of a copied file; copy the source after them, and only what each step needs before it',
    },
  },
  check(ctx) {
    const min = typeof ctx.options.minSeconds === 'number' ? ctx.options.minSeconds : 1;
    for (const { step: copy, whole } of sourceCopies(ctx.graph, ctx.context)) {
      const after = stepsAfter(ctx.graph, copy);
      const cost = stepCost(ctx.durations, after);
      if (!after.length || cost.seconds < min) continue;
      // When every costly step after the copy needs the source (the compile after a
      // manifest-first install), the copy is where it belongs.
      const movable = after.filter((s) => s.keyword === 'RUN' && !needsSource(ctx.graph, s, copy, ctx.context));
      if (!movable.length || stepCost(ctx.durations, movable).seconds < min) continue;
      ctx.report({
        messageId: 'early',
        data: {
          copy: copy.instruction.text.replace(/\s+/g, ' '),
          what: whole ? 'the whole context' : 'most of the context',
          count: after.length,
          s: after.length === 1 ? '' : 's',
          v: after.length === 1 ? 's' : '',
        },
        range: copy.instruction.range,
        related: after.map((s) => ({ range: s.instruction.range, message: movable.includes(s) ? 're-runs on every edit of a copied file, though it does not need the source' : 're-runs on every edit of a copied file' })),
        cost: { rebuild_s: cost.seconds, basis: cost.basis },
      });
    }
  },
});
