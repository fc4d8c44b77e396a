/**
 * How BuildKit schedules a build: every step waits for the step before it in its stage and
 * for the stages it reads from (`FROM <stage>` before the first step, `COPY --from` and
 * `RUN --mount from=` at that step only), and everything that is ready runs at once, unless a
 * cap on parallel steps (buildkitd's `max-parallelism`) says otherwise. Steps that do not run
 * (cached, metadata) take no time.
 */
import { stageOrder, type BuildGraph, type Step } from '../graph/graph.js';

export interface ScheduleInput {
  graph: BuildGraph;
  /** Seconds a step takes when it runs. Missing = 0. */
  duration: (step: Step) => number;
  /** Whether the step runs in this build (default: every executing step of a needed stage). */
  runs?: (step: Step) => boolean;
  /** At most this many steps at once (default: no cap). */
  maxParallelism?: number;
}

export interface Timed {
  start: number;
  end: number;
}

export interface Schedule {
  /** Seconds from the first step's start to the last step's end. */
  wallSeconds: number;
  steps: Map<Step, Timed>;
  /** Per needed stage: from its first running step's start to its last step's end (null when nothing in it runs). */
  stages: Map<number, Timed | null>;
  /** The chain of running steps that decides the wall time, first to last. */
  criticalPath: Step[];
  /** The stages the critical path goes through, in order, without repeats. */
  criticalStages: number[];
}

interface Node {
  step: Step;
  seconds: number;
  /** Nodes that must finish first. */
  after: Node[];
  timed?: Timed;
  /** The predecessor whose end set this node's start (for the critical path). */
  by?: Node;
}

/** Builds the dependency nodes: one per executing step of a needed stage, running or not. */
function nodes(input: ScheduleInput): Node[] {
  const { graph } = input;
  const runs = input.runs ?? (() => true);
  // A stage's last step; a stage with no step of its own passes on its base stage's (or none).
  const stageLast = new Map<number, Node | undefined>();
  const out: Node[] = [];
  for (const si of stageOrder(graph)) {
    const stage = graph.stages[si];
    if (!stage.needed) continue;
    let prev: Node | undefined = stage.base.kind === 'stage' ? stageLast.get(stage.base.stage) : undefined;
    for (const step of stage.steps) {
      if (!step.executes) continue;
      const after: Node[] = prev ? [prev] : [];
      for (const src of step.sources) {
        if (src.kind !== 'stage') continue;
        const up = stageLast.get(src.stage);
        if (up) after.push(up);
      }
      const node: Node = { step, seconds: runs(step) ? Math.max(0, input.duration(step)) : 0, after };
      out.push(node);
      prev = node;
    }
    stageLast.set(si, prev);
  }
  return out;
}

/** Simulates the build and returns when each step starts and ends. */
export function schedule(input: ScheduleInput): Schedule {
  const all = nodes(input);
  const cap = input.maxParallelism && input.maxParallelism > 0 ? input.maxParallelism : Infinity;
  const done = new Set<Node>();
  const running: Node[] = [];
  const pending = [...all];
  let now = 0;
  /** A step that ended at `now`: the one whose slot a step waiting for room takes. */
  let freed: Node | undefined;
  // Event simulation: start what is ready (in file order) while there is room, then jump to
  // the next end. Zero-length steps finish the moment they start.
  while (pending.length || running.length) {
    let started = true;
    while (started) {
      started = false;
      for (let i = 0; i < pending.length; i++) {
        const n = pending[i];
        if (!n.after.every((a) => done.has(a))) continue;
        if (n.seconds > 0 && running.length >= cap) continue;
        pending.splice(i, 1);
        i--;
        n.by = n.after.reduce<Node | undefined>((best, a) => (!best || a.timed!.end > best.timed!.end ? a : best), undefined);
        // A step that was ready before now waited for room, not for its inputs: what decided its
        // start is the step that freed the slot (else, under a cap, the critical path would leave
        // out the wait and no longer add up to the wall time).
        if (freed && now > (n.by?.timed!.end ?? 0)) n.by = freed;
        n.timed = { start: now, end: now + n.seconds };
        if (n.seconds === 0) done.add(n);
        else running.push(n);
        started = true;
      }
    }
    if (!running.length) {
      if (pending.length) throw new Error('schedule: a step waits for a step that never runs');
      break;
    }
    now = Math.min(...running.map((n) => n.timed!.end));
    for (let i = running.length - 1; i >= 0; i--) {
      if (running[i].timed!.end <= now) {
        freed = running[i];
        done.add(running[i]);
        running.splice(i, 1);
      }
    }
  }

  const steps = new Map<Step, Timed>(all.map((n) => [n.step, n.timed!]));
  const stages = new Map<number, Timed | null>();
  for (const s of input.graph.stages) {
    if (!s.needed) continue;
    const timed = all.filter((n) => n.step.stage === s.index && n.seconds > 0).map((n) => n.timed!);
    stages.set(s.index, timed.length ? { start: Math.min(...timed.map((t) => t.start)), end: Math.max(...timed.map((t) => t.end)) } : null);
  }
  const wallSeconds = all.length ? Math.max(0, ...all.map((n) => n.timed!.end)) : 0;
  // Walk back from the step that ends last along whatever made each step wait.
  const criticalPath: Step[] = [];
  let cur = all.filter((n) => n.seconds > 0).sort((a, b) => b.timed!.end - a.timed!.end || b.step.line - a.step.line)[0];
  while (cur) {
    if (cur.seconds > 0) criticalPath.unshift(cur.step);
    cur = cur.by!;
  }
  const criticalStages: number[] = [];
  for (const st of criticalPath) if (criticalStages[criticalStages.length - 1] !== st.stage) criticalStages.push(st.stage);
  return { wallSeconds, steps, stages, criticalPath, criticalStages };
}
