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

/** A binary min-heap: the simulation picks the ready step first in file order and the running step that ends first, in O(log n) each. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!this.less(a[i], a[up])) break;
      [a[i], a[up]] = [a[up], a[i]];
      i = up;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Simulates the build and returns when each step starts and ends. */
export function schedule(input: ScheduleInput): Schedule {
  const all = nodes(input);
  const cap = input.maxParallelism && input.maxParallelism > 0 ? input.maxParallelism : Infinity;
  // Each node's place in file order, how many of its inputs are not done, and who waits for it:
  // a step is found ready when its last input ends instead of by scanning every waiting step at
  // every event (quadratic on a file of thousands of steps).
  const order = new Map<Node, number>();
  all.forEach((n, i) => order.set(n, i));
  const waiting = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  const byOrder = (a: Node, b: Node) => order.get(a)! < order.get(b)!;
  // Ready steps that take time apart from those that take none: once the slots are full the
  // former wait for the next end without being looked at again, the latter still start.
  const timedReady = new Heap<Node>(byOrder);
  const zeroReady = new Heap<Node>(byOrder);
  const ready = (n: Node) => (n.seconds > 0 ? timedReady : zeroReady).push(n);
  for (const n of all) {
    waiting.set(n, n.after.length);
    for (const a of n.after) {
      let list = dependents.get(a);
      if (!list) dependents.set(a, (list = []));
      list.push(n);
    }
    if (n.after.length === 0) ready(n);
  }
  let seq = 0;
  const started = new Map<Node, number>();
  const running = new Heap<Node>((a, b) => a.timed!.end < b.timed!.end || (a.timed!.end === b.timed!.end && started.get(a)! < started.get(b)!));
  let finished = 0;
  let now = 0;
  /** A step that ended at `now`: the one whose slot a step waiting for room takes. */
  let freed: Node | undefined;
  /** Marks `n` done and hands its dependents that now have every input to `onReady`. */
  const finish = (n: Node, onReady: (d: Node) => void): void => {
    finished++;
    for (const d of dependents.get(n) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) onReady(d);
    }
  };
  // Event simulation: start what is ready (in file order) while there is room, then jump to
  // the next end. Zero-length steps finish the moment they start. A pass goes through the ready
  // steps in file order; a step a zero-length step made ready is taken in the same pass when it
  // comes later in the file, else in the next pass.
  for (;;) {
    let startedAny = true;
    while (startedAny) {
      startedAny = false;
      const nextTimed = new Heap<Node>(byOrder);
      const nextZero = new Heap<Node>(byOrder);
      let cursor = -1;
      for (;;) {
        const t = running.size < cap ? timedReady.peek() : undefined;
        const z = zeroReady.peek();
        if (!t && !z) break;
        const n = (!z || (t && order.get(t)! < order.get(z)!) ? timedReady : zeroReady).pop()!;
        cursor = order.get(n)!;
        let by: Node | undefined;
        for (const a of n.after) if (!by || a.timed!.end > by.timed!.end) by = a;
        n.by = by;
        // A step that was ready before now waited for room, not for its inputs: what decided its
        // start is the step that freed the slot (else, under a cap, the critical path would leave
        // out the wait and no longer add up to the wall time).
        if (freed && now > (n.by?.timed!.end ?? 0)) n.by = freed;
        n.timed = { start: now, end: now + n.seconds };
        startedAny = true;
        if (n.seconds === 0) {
          finish(n, (d) => {
            const later = order.get(d)! > cursor;
            (d.seconds > 0 ? (later ? timedReady : nextTimed) : later ? zeroReady : nextZero).push(d);
          });
        } else {
          started.set(n, seq++);
          running.push(n);
        }
      }
      while (nextTimed.size) timedReady.push(nextTimed.pop()!);
      while (nextZero.size) zeroReady.push(nextZero.pop()!);
    }
    if (!running.size) {
      if (finished < all.length) throw new Error('schedule: a step waits for a step that never runs');
      break;
    }
    now = running.peek()!.timed!.end;
    // Every step that ends now; the slot goes to the first of them to have started.
    let first: Node | undefined;
    while (running.size && running.peek()!.timed!.end <= now) {
      const n = running.pop()!;
      first ??= n;
      finish(n, ready);
    }
    freed = first;
  }

  const steps = new Map<Step, Timed>();
  // Loops, not spreads: Math.min(...xs) throws a RangeError past about 100,000 values.
  const byStage = new Map<number, Timed>();
  let wallSeconds = 0;
  let last: Node | undefined;
  for (const n of all) {
    const t = n.timed!;
    steps.set(n.step, t);
    if (t.end > wallSeconds) wallSeconds = t.end;
    if (n.seconds <= 0) continue;
    const span = byStage.get(n.step.stage);
    if (!span) byStage.set(n.step.stage, { start: t.start, end: t.end });
    else {
      if (t.start < span.start) span.start = t.start;
      if (t.end > span.end) span.end = t.end;
    }
    if (!last || t.end > last.timed!.end || (t.end === last.timed!.end && n.step.line > last.step.line)) last = n;
  }
  const stages = new Map<number, Timed | null>();
  for (const s of input.graph.stages) if (s.needed) stages.set(s.index, byStage.get(s.index) ?? null);
  // Walk back from the step that ends last along whatever made each step wait.
  const criticalPath: Step[] = [];
  for (let cur = last; cur; cur = cur.by) if (cur.seconds > 0) criticalPath.push(cur.step);
  criticalPath.reverse();
  const criticalStages: number[] = [];
  for (const st of criticalPath) if (criticalStages[criticalStages.length - 1] !== st.stage) criticalStages.push(st.stage);
  return { wallSeconds, steps, stages, criticalPath, criticalStages };
}
