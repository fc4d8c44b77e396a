import type { SimpleCommand } from '../shell/index.js';
import { defineRule } from './define.js';
import { nextCommand, previousCommand, runAnalysis, runRange } from './shared.js';

/** `|| true`, `|| :`, `|| exit 0`, `|| echo ...`: commands that succeed whatever came before. */
function alwaysSucceeds(c: SimpleCommand, op: '||' | ';'): boolean {
  const name = c.name.value;
  if (name === 'true' || name === ':') return true;
  if (op === ';') return false;
  if (name === 'exit') return c.args.length === 1 && c.args[0].value === '0';
  return name === 'echo' || name === 'printf';
}

/**
 * A package install or a download whose failure the script throws away: `cmd || true`,
 * `cmd || :`, `cmd || echo failed`, `cmd; true`. The step then succeeds with a missing
 * package or file, and BuildKit caches that result until something above it changes.
 */
export default defineRule({
  meta: {
    name: 'masked-failure',
    category: 'reliability',
    severity: 'warning',
    description: 'An install or download in a RUN is followed by `|| true` (or `|| :`, `|| exit 0`, `|| echo`, `; true`), so its failure is hidden and the broken result is cached.',
    fix: null,
    messages: {
      masked: '`{{mask}}` hides a failure of {{what}}: the step succeeds without it and BuildKit caches that result; let the failure fail the build, or handle the one expected error explicitly',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        const seen = new Set<number>();
        a.commands.forEach((mask, m) => {
          const before = previousCommand(a, m);
          if (!before) return;
          const op = before.between.trim();
          if ((op !== '||' && op !== ';') || !alwaysSucceeds(mask, op)) return;
          // `a || echo failed && exit 1` still fails: the mask must end its list.
          const after = nextCommand(a, m);
          if (after && /&&|\|/.test(after.between)) return;
          // The commands the operator covers: the one before it and those joined to it by && or |.
          const covered = [before.index];
          for (let p = previousCommand(a, before.index); p && /^(&&|\||\|&)$/.test(p.between.trim()); p = previousCommand(a, p.index)) covered.push(p.index);
          const risky = covered.filter((k) => a.activities[k].kind === 'install' || a.activities[k].kind === 'download').reverse();
          if (!risky.length || seen.has(mask.range.start)) return;
          seen.add(mask.range.start);
          const opStart = a.commands[before.index].range.end + before.between.indexOf(op);
          ctx.report({
            messageId: 'masked',
            data: {
              mask: a.script.slice(opStart, mask.range.end).replace(/\s+/g, ' '),
              what: [...new Set(risky.map((k) => a.activities[k].rule))].join(', '),
            },
            range: runRange(ctx.file, step, { start: opStart, end: mask.range.end }),
          });
        });
      }
    }
  },
});
