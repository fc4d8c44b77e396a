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
      many: '{{count}} packages are installed again by {{rule}} in this RUN ({{items}}): earlier steps{{where}} already installed them; drop them here',
    },
  },
  check(ctx) {
    // One finding per RUN and manager, naming every repeated package: a list of thirteen
    // repeats is one thing to change, not thirteen.
    const groups = new Map<string, ReturnType<typeof repeatedInstalls>>();
    for (const r of repeatedInstalls(ctx.graph)) {
      const key = `${r.again.step.stage}:${r.again.step.position}\0${r.again.rule}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const group of groups.values()) {
      const places = group.map(({ first, again }) => {
        const cmd = runAnalysis(again.step)!.commands[again.command];
        const firstWord = itemWord(first.step, runAnalysis(first.step)!.commands[first.command], first.item);
        return {
          first,
          again,
          range: runRange(ctx.file, again.step, itemWord(again.step, cmd, again.item)?.range ?? cmd.range),
          firstRange: firstWord ? runRange(ctx.file, first.step, firstWord.range) : first.step.instruction.range,
        };
      });
      const { first, again, range, firstRange } = places[0];
      const firstStage = ctx.graph.stages[first.step.stage];
      const inBase = (f: typeof first) => f.step.stage !== again.step.stage;
      if (places.length === 1) {
        const firstLine = firstRange.start.line;
        const where = !inBase(first) ? `line ${firstLine}` : `line ${firstLine}, in stage ${firstStage.name ?? firstStage.index} that this stage is built FROM,`;
        ctx.report({
          messageId: 'again',
          data: { item: again.item, rule: again.rule, where, as: first.item === again.item ? '' : ` (as ${first.item})` },
          range,
          related: [{ range: firstRange, message: `${first.item} installed first here` }],
        });
        continue;
      }
      const bases = [...new Set(places.filter((p) => inBase(p.first)).map((p) => ctx.graph.stages[p.first.step.stage]))];
      ctx.report({
        messageId: 'many',
        data: {
          count: places.length,
          rule: again.rule,
          items: places.map((p) => p.again.item).join(', '),
          where: !bases.length ? '' : `${places.every((p) => inBase(p.first)) ? '' : ' (some)'} in stage ${bases.map((b) => b.name ?? b.index).join(', ')} that this stage is built FROM,`,
        },
        range,
        related: [
          ...places.slice(1).map((p) => ({ range: p.range, message: `${p.again.item} installed again` })),
          ...places.map((p) => ({ range: p.firstRange, message: `${p.first.item} installed first here` })),
        ],
      });
    }
  },
});
