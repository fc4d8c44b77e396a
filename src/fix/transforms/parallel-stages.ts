/**
 * Parallel stages: RUN steps of a stage that need nothing the stage's earlier steps made move
 * into stages of their own, built from the same base, and the stage takes back exactly what
 * each wrote with `COPY --from` at the step's old place. BuildKit then runs them side by side,
 * and the cold build waits for the longest instead of all of them in a row.
 *
 * A step moves only when what it writes is known (shell effects: absolute paths, no unknown
 * command) and it does not depend on an earlier step of the stage other than WORKDIR (copied
 * into the new stage) and a narrow COPY just before it that only it reads (moved with it).
 * WORKDIR, USER and SHELL lines before it are repeated in the new stage, and the ARG and ENV
 * lines whose variables it may read, so it runs in the same scope as far as it can tell. At least two steps must qualify: one step alone gains nothing.
 */
import path from 'node:path';
import type { Dockerfile, FromInstruction } from '../../dockerfile/model.js';
import { contextPath } from '../../cache/changes.js';
import { stageLabel, type BuildGraph, type Stage, type Step } from '../../graph/graph.js';
import { dependsOn, stepEffects, type Effects } from '../../shell/effects.js';
import { declaredNames, reads, TOOL_VARIABLES } from '../../shell/variables.js';
import { blankBefore, blockOf } from '../blocks.js';
import { copyDest, under } from '../copies.js';
import { defineTransform, type Plan } from '../define.js';

const SCOPE = new Set(['ARG', 'ENV', 'WORKDIR', 'USER', 'SHELL']);

interface Candidate {
  step: Step;
  feeder: Step | null;
  writes: string[];
}

/** The outermost written paths: `/opt/wheels` covers `/opt/wheels/x.whl`. */
function roots(writes: string[]): string[] {
  const sorted = [...new Set(writes.map((w) => path.posix.normalize(w)))].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const w of sorted) if (!out.some((r) => w === r || w.startsWith(r + '/'))) out.push(w);
  return out.sort();
}

function slug(p: string): string {
  return path.posix.basename(p).toLowerCase().replace(/[^a-z0-9-_.]/g, '-').replace(/^[^a-z]+/, '') || 'step';
}

function candidates(graph: BuildGraph, stage: Stage, plan: Plan): Candidate[] {
  const earlier: { step: Step; effects: Effects }[] = [];
  const out: Candidate[] = [];
  const steps = stage.steps;
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i];
    if (!step.executes || step.keyword === 'WORKDIR') continue;
    const effects = stepEffects(step);
    const prev = steps[i - 1];
    // A narrow COPY right before the step that only the step reads moves with it.
    const feeder = prev.keyword === 'COPY' && prev.sources.every((s) => s.kind === 'context') && step.keyword === 'RUN' ? prev : null;
    const others = earlier.filter((e) => e.step !== feeder);
    const why =
      step.keyword !== 'RUN' ? null
        : effects.unknown ? 'what it writes is not known'
          : effects.system ? 'it installs into the system: what it writes cannot be copied back'
          : !effects.writes.length || effects.writes.some((w) => !w.startsWith('/') || w === '/') ? 'what it writes is not known'
            : others.some((e) => dependsOn(effects, e.effects)) ? null
              : '';
    if (why === '' && feeder) {
      const fe = stepEffects(feeder);
      // Nobody but this step may read what the feeder copied before the next step.
      const later = steps.slice(i + 1).filter((s) => s.executes && s.keyword === 'RUN');
      if (later.some((s) => dependsOn(stepEffects(s), fe) && !dependsOn(stepEffects(s), effects))) {
        earlier.push({ step, effects });
        continue;
      }
    }
    if (why === '') out.push({ step, feeder, writes: roots(effects.writes) });
    else if (why) plan.declined.push(`line ${step.line} stays in stage ${stageLabel(stage)}: ${why}`);
    earlier.push({ step, effects });
  }
  return out;
}

/** Whether a COPY of the whole context later in the stage brings the feeder's files again. */
function coveredLater(stage: Stage, feeder: Step): boolean {
  const fd = copyDest(feeder);
  return stage.steps.some((s) => s.position > feeder.position && s.keyword === 'COPY' && s.sources.some((x) => x.kind === 'context' && x.paths.every((p) => contextPath(p) === '.'))
    && under(fd, copyDest(s)));
}

/**
 * The scope lines the new stage repeats: every WORKDIR, USER and SHELL before the step, and the
 * ARG and ENV lines whose variables the moved steps (or a kept line after them) may read. A
 * variable no moved step reads would only make the new stage re-run when it changes; variables
 * programs read by themselves (PATH, ...) are always kept.
 */
function scopeLines(stage: Stage, c: Candidate): Step[] {
  const moved = c.feeder ? [c.feeder, c.step] : [c.step];
  const before = stage.steps.filter((s) => SCOPE.has(s.keyword) && s.position < c.step.position);
  const kept: Step[] = [];
  for (const s of [...before].reverse()) {
    const names = declaredNames(s);
    const needed = !names.length
      || names.some((n) => TOOL_VARIABLES.test(n) || moved.some((m) => reads(m, n)) || kept.some((k) => k.uses.includes(n)));
    if (needed) kept.unshift(s);
  }
  return kept;
}

function fromText(df: Dockerfile, stage: Stage, graph: BuildGraph): string {
  const from = stage.steps[0].instruction as FromInstruction;
  if (stage.base.kind === 'stage') return stageLabel(graph.stages[stage.base.stage]);
  const platform = from.platform ? `--platform=${from.platform} ` : '';
  return platform + df.source.slice(from.image.range.start.offset, from.image.range.end.offset);
}

export default defineTransform({
  name: 'parallel-stages',
  safety: 'safe',
  description: 'Moves RUN steps that need nothing made earlier in their stage into stages of their own, built beside each other, and copies back exactly what each wrote.',
  plan({ graph }) {
    const plan: Plan = { edits: [], notes: [], declined: [] };
    const df = graph.dockerfile;
    const taken = new Set(graph.stages.map((s) => s.name).filter((n): n is string => n !== null));
    for (const stage of graph.stages) {
      if (!stage.needed) continue;
      const found = candidates(graph, stage, plan);
      if (found.length < 2) continue;
      const label = stageLabel(stage);
      let stagesText = '';
      for (const c of found) {
        let name = `${stage.name ?? `stage${stage.index}`}-${slug(c.writes[0])}`;
        for (let k = 2; taken.has(name); k++) name = `${stage.name ?? `stage${stage.index}`}-${slug(c.writes[0])}-${k}`;
        taken.add(name);
        const scope = scopeLines(stage, c)
          .map((s) => df.source.slice(blockOf(df, s.instruction).instructionStart, blockOf(df, s.instruction).end)).join('');
        const start = c.feeder ?? c.step;
        const b = blockOf(df, start.instruction);
        const own = df.source.slice(b.start, blockOf(df, c.step.instruction).end);
        stagesText += `# Runs beside the other steps of stage ${label}: it needs nothing they make (layerwise parallel-stages)\nFROM ${fromText(df, stage, graph)} AS ${name}\n${scope}${own}\n`;
        // The feeder's files must still reach the image: it may leave the stage only when a later
        // copy of the whole context brings them again; otherwise it stays where it was too.
        const keepFeeder = !!c.feeder && !coveredLater(stage, c.feeder);
        const feederText = keepFeeder ? df.source.slice(blockOf(df, c.feeder!.instruction).instructionStart, blockOf(df, c.feeder!.instruction).end) : '';
        const copies = feederText + c.writes.map((w) => `COPY --from=${name} ${w} ${w}\n`).join('');
        // The step (and its feeder) leave the stage; what it wrote comes back at its place.
        // The COPY --from lines of one stage stand together: the blank line above each but the first goes.
        const blank = c === found[0] ? null : blankBefore(df.source, b.start);
        plan.edits.push({ start: blank ?? b.start, end: blockOf(df, c.step.instruction).end, text: copies });
        const words = c.step.instruction.text.replace(/\s+/g, ' ');
        plan.notes.push(`${words.length > 50 ? words.slice(0, 49) + '…' : words} becomes stage ${name}, copied back with ${c.writes.join(', ')}`);
      }
      const fromBlock = blockOf(df, stage.steps[0].instruction);
      // Comments above the file's first FROM speak for the whole file: they stay on top.
      const at = stage.index === 0 ? fromBlock.instructionStart : fromBlock.start;
      plan.edits.push({ start: at, end: at, text: (at > fromBlock.start ? '\n' : '') + stagesText });
    }
    return plan;
  },
});

