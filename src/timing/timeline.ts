/**
 * A build's timeline, read off the schedule model: one bar per step that runs, when it starts
 * and ends, and whether its duration was measured (a profile's samples, or the build's own
 * progress records) or predicted (the cost model's estimate). The report's Gantt charts draw it.
 */
import type { BuildGraph, Step } from '../graph/graph.js';
import type { Durations } from './predict.js';
import type { Schedule } from './schedule.js';

export interface Bar {
  stage: number;
  line: number;
  /** The instruction, on one line. */
  instruction: string;
  /** Seconds since the build's first step started (time scale applied). */
  start: number;
  end: number;
  /** `measured`: the step's time was measured; `predicted`: estimated. */
  basis: 'measured' | 'predicted';
  /** For people: "median of 3 builds", or the estimate's reasoning. */
  detail: string;
}

export interface Timeline {
  /** Wall seconds of the steps (time scale applied), the build's own overhead left out. */
  seconds: number;
  bars: Bar[];
  /** Lines of the steps on the critical path (what decides the wall time). */
  critical: number[];
}

export const oneLine = (s: Step): string => s.instruction.text.replace(/\s+/g, ' ').trim();

/** The bars of a schedule of `graph`: the steps that take time, in start order. */
export function timelineOf(schedule: Schedule, d: Durations, scale = 1): Timeline {
  const bars: Bar[] = [];
  for (const [step, t] of schedule.steps) {
    if (t.end <= t.start) continue;
    const dur = d.of(step);
    bars.push({
      stage: step.stage,
      line: step.line,
      instruction: oneLine(step),
      start: t.start * scale,
      end: t.end * scale,
      basis: dur.basis === 'measured' ? 'measured' : 'predicted',
      detail: dur.detail,
    });
  }
  bars.sort((a, b) => a.start - b.start || a.line - b.line);
  return { seconds: schedule.wallSeconds * scale, bars, critical: schedule.criticalPath.map((s) => s.line) };
}

/** The graph's steps by line (a timeline names steps by line). */
export function stepsByLine(graph: BuildGraph): Map<number, Step> {
  return new Map(graph.stages.flatMap((s) => s.steps).map((s) => [s.line, s]));
}
