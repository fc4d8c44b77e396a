import type { Step } from '../graph/graph.js';
import { statements, type Statement } from '../shell/statements.js';
import { defineRule } from './define.js';
import { runAnalysis, runRange } from './shared.js';

interface Run {
  step: Step;
  statements: Statement[];
}

function shorten(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The same shell logic written out in two RUN steps: a derived value computed again, or the
 * same commands run again. Compared as written (blanks collapsed, no renaming), so only exact
 * copies are found; when one copy changes, the other silently keeps the old logic.
 */
export default defineRule({
  meta: {
    name: 'repeated-shell-logic',
    category: 'duplication',
    severity: 'info',
    description: 'Two RUN steps repeat the same shell logic: a value derived the same way, or the same sequence of commands.',
    fix: 'safe',
    fixedBy: ['dedup'],
    options: { minLength: 'characters a single command must have to count as long (default 60)' },
    messages: {
      derivation: '{{text}} derives {{names}} again, as {{where}} does: derive it once (an ARG or ENV with the same expansion, or a script both steps run) so the copies cannot drift apart',
      commands: '{{what}} repeat{{s}} {{where}} ({{text}}): keep {{them}} in one place (a stage both build on, or a script both steps run)',
    },
  },
  check(ctx) {
    const minLength = typeof ctx.options.minLength === 'number' ? ctx.options.minLength : 60;
    const runs: Run[] = [];
    for (const stage of ctx.graph.stages) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a || step.instruction.keyword !== 'RUN' || step.instruction.command.form !== 'shell') continue;
        runs.push({ step, statements: statements(a) });
      }
    }
    runs.sort((x, y) => x.step.line - y.step.line);

    const qualifies = (block: Statement[]): boolean => {
      if (block.some((s) => s.derives.length)) return true;
      const counted = block.filter((s) => !s.noise);
      if (!counted.some((s) => !s.cheap)) return false;
      return counted.length >= 2 || (counted.length === 1 && counted[0].key.length >= minLength);
    };

    for (let b = 1; b < runs.length; b++) {
      const later = runs[b].statements;
      for (let j = 0; j < later.length; j++) {
        // The longest run of statements, starting here, that an earlier RUN has in the same order.
        let best: { run: Run; at: number; length: number } | undefined;
        for (let r = 0; r < b; r++) {
          const earlier = runs[r].statements;
          for (let i = 0; i < earlier.length; i++) {
            let n = 0;
            while (i + n < earlier.length && j + n < later.length && earlier[i + n].key === later[j + n].key) n++;
            if (n > (best?.length ?? 0)) best = { run: runs[r], at: i, length: n };
          }
        }
        if (!best) continue;
        const block = later.slice(j, j + best.length);
        // Leading and trailing noise (`set -e`, `cd /x`) is not part of what is repeated.
        while (block.length > 1 && block[0].noise) block.shift();
        while (block.length > 1 && block[block.length - 1].noise) block.pop();
        if (!qualifies(block)) continue;
        const step = runs[b].step;
        const start = Math.min(...block.map((s) => s.start));
        const end = Math.max(...block.map((s) => s.end));
        const text = shorten(block.map((s) => s.key).join(' ; '));
        const range = runRange(ctx.file, step, { start, end });
        const first = best.run.statements[best.at + later.slice(j).indexOf(block[0])];
        const line = runRange(ctx.file, best.run.step, first).start.line;
        const where = line === best.run.step.line ? `the RUN at line ${line}` : `line ${line} (the RUN at line ${best.run.step.line})`;
        const lastEarlier = best.run.statements[best.at + later.slice(j).indexOf(block[block.length - 1])];
        const related = [{ range: runRange(ctx.file, best.run.step, { start: first.start, end: lastEarlier.end }), message: 'the same logic, first here' }];
        const derived = [...new Set(block.flatMap((s) => s.derives))];
        if (derived.length && block.length === 1) {
          ctx.report({ messageId: 'derivation', data: { text, names: derived.join(', '), where }, range, related });
        } else {
          const n = block.length;
          ctx.report({ messageId: 'commands', data: { what: n === 1 ? 'this command' : `these ${n} commands`, s: n === 1 ? 's' : '', text, where, them: n === 1 ? 'it' : 'them' }, range, related });
        }
        j += best.length - 1;
      }
    }
  },
});
