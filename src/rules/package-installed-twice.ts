import { defineRule } from './define.js';
import { repeatedInstalls } from './installs.js';
import { itemWord, runAnalysis, runRange } from './shared.js';

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
    fix: 'safe',
    fixedBy: ['dedup'],
    messages: {
      again: '{{item}} is installed again by {{rule}}: {{where}} already installed it{{as}}; drop it here',
    },
  },
  check(ctx) {
    for (const { first, again } of repeatedInstalls(ctx.graph)) {
      const { step, item, rule } = again;
      const cmd = runAnalysis(step)!.commands[again.command];
      const firstStage = ctx.graph.stages[first.step.stage];
      const firstWord = itemWord(first.step, runAnalysis(first.step)!.commands[first.command], first.item);
      const firstRange = firstWord ? runRange(ctx.file, first.step, firstWord.range) : first.step.instruction.range;
      const firstLine = firstRange.start.line;
      const where =
        first.step.stage === step.stage ? `line ${firstLine}` : `line ${firstLine}, in stage ${firstStage.name ?? firstStage.index} that this stage is built FROM,`;
      ctx.report({
        messageId: 'again',
        data: { item, rule, where, as: first.item === item ? '' : ` (as ${first.item})` },
        range: runRange(ctx.file, step, itemWord(step, cmd, item)?.range ?? cmd.range),
        related: [{ range: firstRange, message: `${first.item} installed first here` }],
      });
    }
  },
});
