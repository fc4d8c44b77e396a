/** The figures of a set of runs: min, median, max, and which run stands for the median. */

export interface Summary {
  min: number;
  /** The statistical median (the mean of the two middle runs for an even count). */
  median: number;
  max: number;
  /**
   * The run whose per-step record is shown: the median run for an odd count, the faster of the
   * two middle runs for an even one (a real run, never an average).
   */
  medianRun: number;
}

export function summarize(runs: readonly number[]): Summary {
  if (!runs.length) throw new Error('summarize: no runs');
  const order = runs.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s || a.i - b.i);
  const n = order.length;
  const mid = n >> 1;
  const median = n % 2 ? order[mid]!.s : (order[mid - 1]!.s + order[mid]!.s) / 2;
  return { min: order[0]!.s, median, max: order[n - 1]!.s, medianRun: order[n % 2 ? mid : mid - 1]!.i };
}

/** How many times faster `fast` is than `slow`; null when either is missing or zero. */
export function speedup(slow: number | null | undefined, fast: number | null | undefined): number | null {
  if (!slow || !fast) return null;
  return slow / fast;
}

/** Rounds seconds to milliseconds, for JSON. */
export function ms(s: number): number {
  return Math.round(s * 1000) / 1000;
}
