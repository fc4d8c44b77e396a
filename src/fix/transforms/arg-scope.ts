/**
 * ARG scope: an ARG with a value, or an ENV, is in the environment of every later RUN of its
 * stage, so BuildKit re-runs all of them when its value changes, whether they read it or not.
 * This moves the declaration down to just before the first step that may read it, or to the
 * end of its stage when no step of the stage does (a stage built FROM it still sees it).
 *
 * Why it is safe: the steps it moves past do not read the variable (src/shell/variables.ts,
 * which counts any program the analysis cannot see into as a reader), so each computes the same
 * files; the declaration stays in its stage, so the image config (ENV) and what child stages
 * inherit are unchanged. It never moves past a step that declares a variable its own value
 * refers to (`ENV B=$A` stays above `ARG A`), nor past ONBUILD (a trigger runs later, in
 * another build, with whatever is in scope then). Variables that programs read by themselves
 * (PATH, proxies, PIP_*, ...) are never moved: every step may read them.
 */
import { stageLabel, type Stage, type Step } from '../../graph/graph.js';
import { declarations, declaredNames, reads, redeclares, TOOL_VARIABLES } from '../../shell/variables.js';
import { blankBefore, blockOf } from '../blocks.js';
import { defineTransform, type Plan } from '../define.js';

/**
 * Where the declaration may go: before `stop` (the first step that may read one of its
 * variables, or that re-declares a variable its value refers to), or at the stage's end.
 */
function destination(stage: Stage, decl: Step, names: string[]): { stop: Step | null; passed: Step[] } {
  const passed: Step[] = [];
  for (const step of stage.steps.filter((s) => s.position > decl.position)) {
    if (step.keyword === 'ONBUILD' || names.some((n) => reads(step, n)) || declaredNames(step).some((n) => decl.uses.includes(n))) return { stop: step, passed };
    passed.push(step);
  }
  return { stop: null, passed };
}

export default defineTransform({
  name: 'arg-scope',
  safety: 'safe',
  description: 'Moves an ARG or ENV down to just before the first step that reads it (or to the end of its stage), so a change of its value re-runs only the steps that need it.',
  plan({ graph }) {
    const plan: Plan = { edits: [], notes: [], declined: [] };
    const df = graph.dockerfile;
    for (const stage of graph.stages) {
      const landing = new Map<number, { end: boolean; text: string }>();
      for (const decl of stage.steps) {
        if (decl.keyword !== 'ARG' && decl.keyword !== 'ENV') continue;
        const names = declarations(decl).map((d) => d.name);
        // An ARG without a value is not in any step's environment: where it stands costs nothing.
        if (!names.length) continue;
        if (names.some((n) => TOOL_VARIABLES.test(n) || redeclares(decl, n))) continue;
        const { stop, passed } = destination(stage, decl, names);
        const saved = passed.filter((s) => s.executes && s.keyword === 'RUN');
        if (!saved.length) continue;
        const b = blockOf(df, decl.instruction);
        const blank = blankBefore(df.source, b.start);
        const own = df.source.slice(b.start, b.end);
        plan.edits.push({ start: blank ?? b.start, end: b.end, text: '' });
        // Declarations going to the same place land together, in their old order.
        const at = stop ? blockOf(df, stop.instruction).start : blockOf(df, stage.steps[stage.steps.length - 1].instruction).end;
        const group = landing.get(at) ?? { end: !stop, text: '' };
        group.text += own;
        landing.set(at, group);
        const lines = saved.map((s) => s.line).join(', ');
        plan.notes.push(
          `${decl.keyword} ${names.join(', ')} (line ${decl.line}) moves ${stop ? `to just before line ${stop.line}, the first step that may read it` : `to the end of stage ${stageLabel(stage)}, where no step reads it`}: a change of its value no longer re-runs line${saved.length === 1 ? '' : 's'} ${lines}`,
        );
      }
      for (const [at, g] of landing) {
        // At the end of a stage they are set apart by a blank line: they no longer belong to the step above.
        const text = g.end ? `${df.source[at - 1] === '\n' ? '' : '\n'}\n${g.text}` : g.text;
        plan.edits.push({ start: at, end: at, text });
      }
    }
    return plan;
  },
});
