/**
 * Measured profiles: per-step durations taken from real builds (layerwise's own build records,
 * or `docker build --progress=plain|rawjson` logs users already have), kept in a JSON file
 * (where: profile-path.ts; format in docs/timing.md).
 *
 * A step is known by its stage, its position among the stage's executing steps and its
 * instruction text with whitespace folded: line numbers are not part of it, so the profile
 * survives lines moving; an edited step is a new step with no data until it is measured.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildRecord } from '../engine/driver.js';
import { engineRecord, type EngineIdentity, type EngineRecord } from '../engine/engine.js';
import { stageStepsOf } from '../engine/graph-steps.js';
import { mapRecordToLines } from '../engine/line-map.js';
import type { Vertex } from '../engine/progress.js';
import { InputError } from '../core/errors.js';
import { stageLabel, type BuildGraph, type Step } from '../graph/graph.js';
import { redact, redactOutput } from '../core/secrets.js';

export const PROFILE_VERSION = 1;
/** Samples kept per step (the newest). */
export const MAX_SAMPLES = 10;

export interface StepSamples {
  stage: string;
  /** Position among the stage's executing steps, 0-based. */
  position: number;
  instruction: string;
  /** Line when last measured (for people; not part of the identity). */
  line: number;
  /** Seconds, newest last. */
  samples: number[];
}

export interface Profile {
  version: typeof PROFILE_VERSION;
  /** Keyed by {@link stepKey}. */
  steps: Record<string, StepSamples>;
  /** Seconds a build takes beyond its steps (loading the definition, sending the context, exporting). */
  overhead: number[];
  updated: string;
  /** The engine of the last recorded build (`profile record`, bench); absent for imported logs. */
  engine?: EngineRecord;
}

export function emptyProfile(): Profile {
  return { version: PROFILE_VERSION, steps: {}, overhead: [], updated: new Date(0).toISOString() };
}

/** An instruction as a profile keeps it: on one line, its secrets redacted (the profile is written out as it is). */
function fold(text: string): string {
  return redact(text.replace(/\s+/g, ' ').trim());
}

/** Executing position of a step in its stage. */
function positionOf(g: BuildGraph, step: Step): number {
  return g.stages[step.stage].steps.filter((s) => s.executes && s.position < step.position).length;
}

/** The identity of a step in a profile. */
export function stepKey(g: BuildGraph, step: Step): string {
  return `${stageLabel(g.stages[step.stage])}#${positionOf(g, step)} ${fold(step.instruction.text)}`;
}

/** The durations of the steps that ran (not cached) in a build record, by step. */
export function measuredSteps(record: Pick<BuildRecord, 'vertices'>, g: BuildGraph): Map<Step, number> {
  const byLine = new Map<number, Step>();
  for (const s of g.stages) for (const st of s.steps) byLine.set(st.line, st);
  const out = new Map<Step, number>();
  for (const { vertex, location } of mapRecordToLines(record, stageStepsOf(g)).vertices) {
    if (!location || vertex.cached || vertex.durationSeconds === undefined || vertex.state === 'error') continue;
    const step = byLine.get(location.line);
    // A FROM of a local image is resolved, not run: its few milliseconds are not a step's cost.
    if (step && step.keyword !== 'FROM') out.set(step, vertex.durationSeconds);
  }
  return out;
}

/** Seconds of a build not spent in its steps: wall time minus the span of its step vertices. */
export function buildOverhead(record: Pick<BuildRecord, 'vertices' | 'wallSeconds'>): number | undefined {
  if (!(record.wallSeconds > 0)) return undefined; // a log without a clock
  const steps = record.vertices.filter((v: Vertex) => v.stepIndex !== undefined && v.started !== undefined && v.completed !== undefined && !v.cached && v.keyword !== 'FROM');
  if (!steps.length) return undefined;
  const span = Math.max(...steps.map((v) => v.completed!)) - Math.min(...steps.map((v) => v.started!));
  return Math.max(0, record.wallSeconds - span);
}

/** Adds a build's measurements to a profile (returns a new profile). */
export function importRecord(
  profile: Profile,
  record: Pick<BuildRecord, 'vertices' | 'wallSeconds'> & { engine?: EngineIdentity },
  g: BuildGraph,
): Profile {
  const steps = { ...profile.steps };
  for (const [step, seconds] of measuredSteps(record, g)) {
    const key = stepKey(g, step);
    const prev = steps[key];
    steps[key] = {
      stage: stageLabel(g.stages[step.stage]),
      position: positionOf(g, step),
      instruction: fold(step.instruction.text),
      line: step.line,
      samples: [...(prev?.samples ?? []), seconds].slice(-MAX_SAMPLES),
    };
  }
  const oh = buildOverhead(record);
  const overhead = oh === undefined ? profile.overhead : [...profile.overhead, oh].slice(-MAX_SAMPLES);
  const engine = record.engine ? engineRecord(record.engine) : profile.engine;
  return { version: PROFILE_VERSION, steps, overhead, updated: new Date().toISOString(), ...(engine ? { engine } : {}) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The profile's samples for a step: by its key, else by the same instruction in the same stage,
 * else by the same instruction anywhere when only one step has it (a step moved or a stage renamed).
 */
export function lookup(profile: Profile, g: BuildGraph, step: Step): StepSamples | undefined {
  const exact = profile.steps[stepKey(g, step)];
  if (exact) return exact;
  const text = fold(step.instruction.text);
  const all = Object.values(profile.steps).filter((s) => s.instruction === text);
  const sameStage = all.filter((s) => s.stage === stageLabel(g.stages[step.stage]));
  if (sameStage.length === 1) return sameStage[0];
  return all.length === 1 ? all[0] : undefined;
}

export async function loadProfile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyProfile();
    throw new InputError(`cannot read profile: ${(e as Error).message}`, file);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not a profile (invalid JSON: ${(e as Error).message})`, file);
  }
  const p = data as Partial<Profile>;
  if (!p || p.version !== PROFILE_VERSION || typeof p.steps !== 'object' || !Array.isArray(p.overhead)) {
    throw new InputError(`not a layerwise profile of version ${PROFILE_VERSION}`, file);
  }
  return p as Profile;
}

/** Writes a profile atomically (temp file + rename). */
export async function saveProfile(file: string, profile: Profile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, redactOutput(JSON.stringify(profile, null, 2) + '\n', 'json'));
  await rename(tmp, file);
}
