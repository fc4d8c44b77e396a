import path from 'node:path';
import { within } from '../cache/source-flow.js';
import { stageLabel, type BuildGraph, type Stage, type Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { EXPORT_NAMES, TARGET_NAMES } from './role.js';
import { runAnalysis } from './shared.js';

/** Top folders every image has: a path under them names no stage's own output. */
const SYSTEM = /^\/(usr|etc|var|tmp|bin|sbin|lib|lib64|dev|proc|sys|run|root|home|mnt|srv)?(\/|$)/;

/**
 * A stage that nothing on the way to the target reaches (no `FROM`, `COPY --from` or `RUN
 * --mount from=` of it, from the target or a stage the target needs), so BuildKit never
 * builds it: dockerfile2llb solves only the target's dependencies. Said of a stage that does
 * work (a RUN) and that no other stage reads at all, and that does not look like an image built
 * on purpose with `--target` (a CMD or ENTRYPOINT, or a name like dev, prod, test, export).
 * When one does, the file has two or more targets (it and the last stage), and a leftover is
 * said only when the target reads a path the stage writes.
 */
export default defineRule({
  meta: {
    name: 'stage-not-reached',
    category: 'reliability',
    severity: 'warning',
    description: 'A stage that does work is reached by no FROM, COPY --from or RUN --mount from= on the way to the target, so BuildKit never builds it; often the stage a later one was meant to be built FROM or copy from.',
    fix: null,
    messages: {
      reads: 'BuildKit never builds stage {{stage}} for {{target}}: no FROM, COPY --from or RUN --mount from= on the way there names it, yet {{reader}} (line {{readerLine}}) reads {{path}}, which this stage writes, so it finds nothing there; build that stage FROM {{stage}}, or COPY --from={{stage}} {{path}}, or remove the stage',
      unused: 'BuildKit never builds stage {{stage}} for {{target}}: no FROM, COPY --from or RUN --mount from= on the way there names it, so its steps never run; COPY --from={{stage}} what the target needs (or build FROM it), or remove the stage if it is left over',
    },
  },
  check(ctx) {
    const g = ctx.graph;
    const referenced = new Set(g.edges.flatMap((e) => (typeof e.from === 'number' ? [e.from] : [])));
    const target = g.stages[g.target];
    // Stages after the target are those a --target leaves out on purpose.
    const leaves = g.stages.filter((s) => !s.needed && s.index < g.target && !referenced.has(s.index));
    // One of them built on purpose makes two targets with the last stage: the file is built with several.
    const several = leaves.some(looksFinal);
    for (const stage of leaves) {
      if (!stage.steps.some((s) => s.keyword === 'RUN')) continue;
      const read = readOfWritten(g, stage);
      if (!read && several) continue;
      const data = {
        stage: stageLabel(stage),
        target: g.target === g.stages.length - 1 ? `the last stage (${stageLabel(target)})` : `--target ${stageLabel(target)}`,
        ...(read ? { reader: read.step.keyword, readerLine: read.step.line, path: read.path } : {}),
      };
      const from = stage.steps[0].instruction;
      ctx.report({
        messageId: read ? 'reads' : 'unused',
        data,
        range: from.range,
        related: read ? [{ range: read.step.instruction.range, message: `reads ${read.path}` }] : undefined,
      });
    }
  },
});

/** A stage that looks like an image built on purpose with --target: it has a command, or a target's name. */
function looksFinal(stage: Stage): boolean {
  if (stage.steps.some((s) => s.keyword === 'CMD' || s.keyword === 'ENTRYPOINT')) return true;
  return stage.name !== null && (TARGET_NAMES.test(stage.name) || EXPORT_NAMES.test(stage.name));
}

/** Absolute paths in a step's words (`--wheel-dir /wheels`, `--find-links=/wheels`), outside the system folders. */
function pathsIn(step: Step): string[] {
  const words: string[] = [];
  if (step.keyword === 'RUN') {
    const a = runAnalysis(step);
    for (const c of a?.commands ?? []) words.push(...c.args.map((w) => w.value));
  } else if (step.keyword === 'COPY' || step.keyword === 'ADD') {
    words.push(String(step.expanded.dest ?? ''));
    const sources = Array.isArray(step.expanded.sources) ? step.expanded.sources : [];
    if (step.expanded.from) words.push(...sources);
  } else if (step.keyword === 'WORKDIR') {
    words.push(String(step.expanded.workdir ?? ''));
  }
  const out = new Set<string>();
  for (const w of words) {
    for (const part of w.split(/[=:,]/)) {
      if (!part.startsWith('/') || part.includes('$')) continue;
      const p = path.posix.normalize(part).replace(/\/+$/, '');
      if (p && !SYSTEM.test(p)) out.add(p);
    }
  }
  return [...out];
}

/** A step of a stage the target needs that reads a path the unreached stage writes (its RUN and COPY words). */
function readOfWritten(g: BuildGraph, stage: Stage): { step: Step; path: string } | undefined {
  const written = stage.steps.filter((s) => s.keyword === 'RUN' || s.keyword === 'COPY' || s.keyword === 'ADD').flatMap(pathsIn);
  if (!written.length) return undefined;
  // A path the needed stages make themselves is theirs, not the unreached stage's.
  const made = new Set(g.stages.filter((s) => s.needed).flatMap((s) => s.steps.filter((x) => x.keyword === 'WORKDIR' || x.keyword === 'COPY' || x.keyword === 'ADD').flatMap(pathsIn)));
  for (const s of g.stages) {
    if (!s.needed) continue;
    for (const step of s.steps) {
      if (step.keyword !== 'RUN') continue;
      for (const p of pathsIn(step)) {
        const w = written.find((x) => within(p, x));
        if (w && ![...made].some((m) => within(p, m))) return { step, path: p };
      }
    }
  }
  return undefined;
}
