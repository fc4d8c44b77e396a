import type { Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { baseChain, itemWord, packageName, removedPackages, runAnalysis, runRange } from './shared.js';

interface Installed {
  step: Step;
  /** The command's index in the step's analysis. */
  command: number;
  /** The operand as written (`curl=8.5*`). */
  item: string;
}

/**
 * A package installed again by the same manager: later in the same stage, or in a stage built
 * FROM the one that installed it, whose image already has it. The second install is at best a
 * no-op ("already the newest version"); with another version pinned it is a second copy in the
 * image's layers.
 */
export default defineRule({
  meta: {
    name: 'package-installed-twice',
    category: 'duplication',
    severity: 'info',
    description: 'A package is installed again by the same package manager, in the same stage or in a stage built FROM the one that already installed it.',
    fix: null,
    messages: {
      again: '{{item}} is installed again by {{rule}}: {{where}} already installed it{{as}}; drop it here',
    },
  },
  check(ctx) {
    const reported = new Set<string>();
    for (const target of ctx.graph.stages) {
      if (!target.needed) continue;
      // Every step whose files the stage starts from or adds, in build order.
      const chain = baseChain(ctx.graph, target.index).reverse();
      const seen = new Map<string, Installed>();
      for (const stage of chain) {
        for (const step of stage.steps) {
          const a = runAnalysis(step);
          if (!a) continue;
          a.commands.forEach((cmd, i) => {
            const removed = removedPackages(cmd);
            if (removed) for (const n of removed.names) seen.delete(`${removed.install}\0${packageName(removed.install, n)}`);
            const act = a.activities[i];
            if (act.kind !== 'install') return;
            for (const item of new Set(act.items)) {
              const key = `${act.rule}\0${packageName(act.rule, item)}`;
              const first = seen.get(key);
              if (!first) {
                seen.set(key, { step, command: i, item });
                continue;
              }
              if (first.step === step && first.command === i) continue;
              const id = `${step.line}:${i}:${item}`;
              if (reported.has(id)) continue;
              reported.add(id);
              const firstStage = ctx.graph.stages[first.step.stage];
              const firstWord = itemWord(first.step, runAnalysis(first.step)!.commands[first.command], first.item);
              const firstLine = firstWord ? runRange(ctx.file, first.step, firstWord.range).start.line : first.step.line;
              const where =
                first.step.stage === step.stage ? `line ${firstLine}` : `line ${firstLine}, in stage ${firstStage.name ?? firstStage.index} that this stage is built FROM,`;
              ctx.report({
                messageId: 'again',
                data: { item, rule: act.rule, where, as: first.item === item ? '' : ` (as ${first.item})` },
                range: runRange(ctx.file, step, itemWord(step, cmd, item)?.range ?? cmd.range),
              });
            }
          });
        }
      }
    }
  },
});
