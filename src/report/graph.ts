/**
 * Reporters for `layerwise graph`: pure functions from a BuildGraph (and what the context
 * says about each step's sources) to text, JSON or Graphviz dot.
 */
import { stageLabel, type BuildGraph, type Source, type Step } from '../graph/graph.js';
import { humanSeconds, type Durations, type Prediction } from '../timing/predict.js';
import { requiredArgsJson, requiredArgsText } from './required-args.js';

import type { StepContextFiles } from '../model.js';

export type { StepContextFiles };

export interface GraphReportInput {
  graph: BuildGraph;
  /** The cold build's schedule and each step's duration, when durations are known or estimated. */
  cold?: { prediction: Prediction; durations: Durations };
  /** Keyed by `${stage}:${position}`. */
  contextFiles?: Map<string, StepContextFiles>;
}

function sourceJson(graph: BuildGraph, s: Source): Record<string, unknown> {
  switch (s.kind) {
    case 'context': return { kind: 'context', paths: s.paths, exclude: s.exclude };
    case 'stage': return { kind: 'stage', stage: stageLabel(graph.stages[s.stage]), paths: s.paths };
    case 'image': return { kind: 'image', ref: s.ref, paths: s.paths };
    case 'remote': return { kind: 'remote', url: s.url };
    case 'heredoc': return { kind: 'heredoc', name: s.name };
  }
}

function stepJson(input: GraphReportInput, step: Step): Record<string, unknown> {
  const ctx = input.contextFiles?.get(`${step.stage}:${step.position}`);
  return {
    line: step.line,
    endLine: step.endLine,
    kind: step.keyword,
    instruction: step.instruction.text,
    executes: step.executes,
    expanded: step.expanded,
    inputs: {
      args: Object.fromEntries(step.scope.args),
      env: Object.fromEntries(step.scope.env),
      workdir: step.scope.workdir,
      user: step.scope.user,
      uses: step.uses,
      sources: step.sources.map((s) => sourceJson(input.graph, s)),
      ...(ctx ? { contextFiles: ctx.files, missing: ctx.missing } : {}),
    },
  };
}

/** The documented JSON shape of `layerwise graph --format json` (see docs/graph.md). */
export function graphJson(input: GraphReportInput): Record<string, unknown> {
  const { graph } = input;
  const wave = new Map<number, number>();
  graph.waves.forEach((w, i) => w.forEach((s) => wave.set(s, i)));
  return {
    file: graph.dockerfile.file,
    target: stageLabel(graph.stages[graph.target]),
    required_build_args: requiredArgsJson(graph),
    stages: graph.stages.map((s) => ({
      index: s.index,
      name: s.name,
      base: s.base.kind === 'image' ? s.base.ref : s.base.kind === 'stage' ? stageLabel(graph.stages[s.base.stage]) : 'scratch',
      baseStage: s.base.kind === 'stage' ? s.base.stage : null,
      platform: s.platform,
      line: s.line,
      needed: s.needed,
      wave: wave.get(s.index) ?? null,
      steps: s.steps.map((st) => stepJson(input, st)),
    })),
    edges: graph.edges.map((e) => ({
      from: typeof e.from === 'number' ? stageLabel(graph.stages[e.from]) : e.from,
      fromStage: typeof e.from === 'number' ? e.from : null,
      to: stageLabel(graph.stages[e.to]),
      toStage: e.to,
      kind: e.kind,
      line: e.line,
    })),
    waves: graph.waves.map((w) => w.map((s) => stageLabel(graph.stages[s]))),
    ...(input.cold ? { schedule: scheduleJson(input) } : {}),
  };
}

/** The cold build's schedule: per stage start/end, the critical path, and per step duration and basis. */
function scheduleJson(input: GraphReportInput): Record<string, unknown> {
  const { graph } = input;
  const { prediction, durations } = input.cold!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    cold_s: r(prediction.seconds),
    overhead_s: r(durations.overhead),
    basis: prediction.basis,
    critical_path: prediction.schedule.criticalStages.map((s) => stageLabel(graph.stages[s])),
    critical_steps: prediction.schedule.criticalPath.map((st) => st.line),
    stages: [...prediction.schedule.stages].map(([s, t]) => ({ stage: stageLabel(graph.stages[s]), start_s: t ? r(t.start) : null, end_s: t ? r(t.end) : null })),
    steps: graph.stages.flatMap((s) => (s.needed ? s.steps : []).filter((st) => st.executes).map((st) => {
      const d = durations.of(st);
      return { line: st.line, seconds: r(d.seconds), basis: d.basis, detail: d.detail };
    })),
  };
}

function oneLine(s: string, max = 72): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export function graphText(input: GraphReportInput): string {
  const { graph } = input;
  const out: string[] = [];
  const target = graph.stages[graph.target];
  out.push(`${graph.dockerfile.file}: ${graph.stages.length} stage${graph.stages.length === 1 ? '' : 's'}, target ${stageLabel(target)}`);
  out.push(...requiredArgsText(graph).map((l) => `  ${l}`));
  graph.waves.forEach((w, i) => {
    out.push(`  wave ${i + 1}: ${w.map((s) => stageLabel(graph.stages[s])).join(', ')}${w.length > 1 ? ' (run concurrently)' : ''}`);
  });
  if (input.cold) {
    const { prediction: p } = input.cold;
    const basis = p.basis === 'measured' ? 'measured profile' : p.basis === 'mixed' ? 'partly estimated' : 'estimated';
    out.push(`  cold build: about ${humanSeconds(p.seconds)} (${basis}), critical path: ${p.schedule.criticalStages.map((s) => stageLabel(graph.stages[s])).join(' → ') || 'none'}`);
    for (const [s, t] of p.schedule.stages) {
      if (t) out.push(`    ${stageLabel(graph.stages[s]).padEnd(16)} ${humanSeconds(t.start).padStart(7)} → ${humanSeconds(t.end)}`);
    }
  }
  for (const s of graph.stages) {
    const base = s.base.kind === 'image' ? s.base.ref : s.base.kind === 'stage' ? `stage ${stageLabel(graph.stages[s.base.stage])}` : 'scratch';
    out.push('');
    out.push(`stage ${stageLabel(s)} (line ${s.line}, from ${base})${s.needed ? '' : ' — not needed for the target'}`);
    for (const st of s.steps.slice(1)) {
      const ctx = input.contextFiles?.get(`${st.stage}:${st.position}`);
      const marks: string[] = [];
      for (const src of st.sources) {
        if (src.kind === 'stage') marks.push(`from stage ${stageLabel(graph.stages[src.stage])}`);
        if (src.kind === 'image') marks.push(`from image ${src.ref}`);
        if (src.kind === 'remote') marks.push(`from ${src.url}`);
      }
      if (ctx) marks.push(`${ctx.files.length} context file${ctx.files.length === 1 ? '' : 's'}${ctx.missing.length ? `, missing: ${ctx.missing.join(', ')}` : ''}`);
      if (st.keyword === 'RUN' && st.scope.args.size) marks.push(`args: ${[...st.scope.args.keys()].join(', ')}`);
      out.push(`  ${String(st.line).padStart(4)}  ${st.executes ? '●' : '·'} ${oneLine(st.instruction.text)}${marks.length ? `  [${marks.join('; ')}]` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}

export function graphDot(input: GraphReportInput): string {
  const { graph } = input;
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph build {', '  rankdir=LR;'];
  for (const s of graph.stages) {
    lines.push(`  s${s.index} [label=${q(`${stageLabel(s)}\nline ${s.line}`)}${s.needed ? '' : ', style=dashed'}${s.index === graph.target ? ', peripheries=2' : ''}];`);
  }
  const images = new Map<string, string>();
  for (const e of graph.edges) {
    let from: string;
    if (typeof e.from === 'number') from = `s${e.from}`;
    else {
      if (!images.has(e.from)) {
        images.set(e.from, `i${images.size}`);
        lines.push(`  i${images.size - 1} [shape=box, label=${q(e.from)}];`);
      }
      from = images.get(e.from)!;
    }
    lines.push(`  ${from} -> s${e.to} [label=${q(`${e.kind} :${e.line}`)}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
