/**
 * Which builds `layerwise verify` compares: every named stage of OTHER (or the targets asked
 * for) against the stage of the same name in FILE, and always the default target (the last
 * stage) of each. A pure function of the two files' stage lists.
 */
import { InputError } from '../core/errors.js';

/** A stage as the plan needs it. */
export interface StageRef {
  index: number;
  /** Lower-cased `AS` name, or null. */
  name: string | null;
}

export interface PlannedComparison {
  /** The stage name compared on both sides; null for a default target whose two stages are not named alike. */
  stage: string | null;
  /** Both sides are the default target (the last stage; what `docker build` without `--target` makes). */
  isDefault: boolean;
  against: StageRef;
  /** null: FILE has no stage of that name (a difference, not an error). */
  file: StageRef | null;
}

const label = (s: StageRef) => s.name ?? String(s.index);

/** How a comparison is named to people: `final`, `final (default target)`, `default target (runtime in FILE, final in OTHER)`. */
export function comparisonLabel(c: Pick<PlannedComparison, 'stage' | 'isDefault' | 'against' | 'file'>): string {
  if (!c.isDefault) return c.stage ?? label(c.against);
  if (c.stage !== null) return `${c.stage} (default target)`;
  const named = c.file?.name || c.against.name;
  return named ? `default target (${label(c.file!)} in FILE, ${label(c.against)} in OTHER)` : 'default target';
}

/**
 * Plans the comparisons. `targets` (as given with `--target`; case does not matter, as in
 * BuildKit) must name stages of OTHER, or this throws an InputError naming `againstName`.
 */
export function planComparisons(
  against: readonly StageRef[],
  file: readonly StageRef[],
  targets: readonly string[] = [],
  againstName = 'OTHER',
): PlannedComparison[] {
  if (against.length === 0 || file.length === 0) throw new Error('planComparisons: a Dockerfile without stages');
  const byName = (stages: readonly StageRef[], n: string) => stages.find((s) => s.name === n);
  const names: string[] = [];
  if (targets.length) {
    for (const t of targets) {
      const n = t.toLowerCase();
      if (!byName(against, n)) throw new InputError(`target stage "${t}" could not be found`, againstName);
      if (!names.includes(n)) names.push(n);
    }
  } else {
    for (const s of against) if (s.name !== null) names.push(s.name);
  }

  const lastA = against[against.length - 1]!;
  const lastF = file[file.length - 1]!;
  const sameDefaultName = lastA.name !== null && lastA.name === lastF.name;
  const out: PlannedComparison[] = [];
  // The default target first: it is what an unqualified `docker build` makes, and what most people ship.
  out.push({ stage: sameDefaultName ? lastA.name : null, isDefault: true, against: lastA, file: lastF });
  for (const n of names) {
    if (sameDefaultName && n === lastA.name) continue;
    out.push({ stage: n, isDefault: false, against: byName(against, n)!, file: byName(file, n) ?? null });
  }
  return out;
}
