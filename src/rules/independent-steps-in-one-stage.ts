import { defineRule, stepCost } from './define.js';
import { dependsOn, stepEffects, type Effects } from '../shell/effects.js';
import type { Step } from '../graph/graph.js';

/**
 * Steps of one stage run one after another, even when none of them needs what another made:
 * BuildKit runs stages side by side, not the steps of a stage. Steps that read and write
 * different places could each be a stage of their own, and the cold build would wait for the
 * longest of them instead of all of them.
 *
 * What a step reads and writes is read off its shell commands (see {@link stepEffects}); a
 * command this cannot classify makes the step read and write everything, so it is never
 * claimed to be independent of anything.
 */
export default defineRule({
  meta: {
    name: 'independent-steps-in-one-stage',
    category: 'parallelism',
    severity: 'info',
    description: 'Expensive steps of one stage that do not depend on each other run one after another; as parallel stages the cold build would wait only for the longest.',
    fix: 'safe',
    fixedBy: ['parallel-stages'],
    options: { minSeconds: 'seconds the independent steps must take together to be reported (default 1)' },
    messages: {
      group: 'RUN steps at lines {{lines}} do not depend on each other: none reads or overwrites what another writes ({{writes}}); as parallel stages the cold build would wait only for the longest (line {{longest}}) instead of all {{count}} in a row',
    },
  },
  check(ctx) {
    const min = typeof ctx.options.minSeconds === 'number' ? ctx.options.minSeconds : 1;
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      const nodes = stage.steps.filter((s) => s.executes && s.keyword !== 'FROM').map((step) => ({ step, effects: stepEffects(step) }));
      // ancestors[i]: the nodes node i depends on, directly or through others.
      const ancestors: Set<number>[] = [];
      nodes.forEach((n, j) => {
        const anc = new Set<number>();
        for (let i = 0; i < j; i++) {
          if (anc.has(i) || !dependsOn(n.effects, nodes[i].effects)) continue;
          anc.add(i);
          ancestors[i].forEach((k) => anc.add(k));
        }
        ancestors.push(anc);
      });
      const independent = (i: number, j: number) => !ancestors[i].has(j) && !ancestors[j].has(i);
      const seconds = (i: number) => ctx.durations.of(nodes[i].step).seconds;
      let left = nodes
        .map((_, i) => i)
        .filter((i) => nodes[i].step.keyword === 'RUN' && !nodes[i].effects.unknown && !nodes[i].effects.system && seconds(i) >= min)
        .sort((a, b) => seconds(b) - seconds(a) || a - b);
      // Greedy, longest first: each group is a set of pairwise independent steps.
      while (left.length >= 2) {
        const group: number[] = [];
        for (const i of left) if (group.every((g) => independent(g, i))) group.push(i);
        left = left.filter((i) => !group.includes(i));
        if (group.length < 2) continue;
        const steps = group.map((i) => nodes[i].step).sort((a, b) => a.position - b.position);
        const all = stepCost(ctx.durations, steps);
        const longest = nodes[group[0]].step;
        const saved = all.seconds - ctx.durations.of(longest).seconds;
        ctx.report({
          messageId: 'group',
          data: {
            lines: listOf(steps.map((s) => String(s.line))),
            writes: steps.map((s) => `line ${s.line} writes ${describeWrites(nodes.find((n) => n.step === s)!.effects.writes)}`).join('; '),
            longest: longest.line,
            count: steps.length,
          },
          range: steps[0].instruction.range,
          related: steps.slice(1).map((s) => ({ range: s.instruction.range, message: s === longest ? 'independent of the others (the longest)' : 'independent of the others' })),
          cost: { cold_s: Math.round(saved * 1e6) / 1e6, basis: all.basis },
        });
      }
    }
  },
});

/** `36, 42 and 48`. */
function listOf(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function describeWrites(ws: string[]): string {
  const shown = [...new Set(ws)].filter((w) => !ws.some((o) => o !== w && w.startsWith(`${o}/`)));
  return shown.length ? shown.join(', ') : 'nothing';
}

