/**
 * `layerwise verify` as a library call: build two Dockerfiles on the same context on the real
 * engine, stage by stage, and compare the images they make (files and config), so that a
 * restructured Dockerfile can be shown to make what the original made.
 *
 * The user's files are only read. A Dockerfile given as text is written to a temp directory
 * outside the context and built with `-f`. Every image is tagged `layerwise-verify/...`, read
 * once (`docker save`) and removed at once; whatever is left is removed at the end, also when a
 * build fails or the caller aborts.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, removeTempDirs } from '../engine/cleanup.js';
import { build, cacheArgs, failedVertex, type BuildRecord, type CacheOptions } from '../engine/driver.js';
import { detectEngineOnce, engineRecord, type EngineIdentity, type EngineRecord } from '../engine/engine.js';
import { stageStepsOf } from '../engine/graph-steps.js';
import { imageConfigFromJson } from '../engine/image-config.js';
import { readImageArchive, saveImage, type ImageArchive } from '../engine/image-files.js';
import { mapVertexToLine } from '../engine/line-map.js';
import { InputError } from '../core/errors.js';
import { displayPath } from '../core/display-path.js';
import { decodeDockerfile, encodeDockerfile, loadDockerfile } from '../dockerfile/load.js';
import type { Dockerfile } from '../dockerfile/model.js';
import { buildGraph, stageLabel, type BuildGraph } from '../graph/graph.js';
import { applyAllowList, type AllowEntry, type AllowList, type Allowance } from './allow.js';
import { compareImages, type Difference, type ImageSnapshot } from './compare.js';
import { removeVerifyImages, verifyTag } from './images.js';
import { comparisonLabel, planComparisons, type PlannedComparison, type StageRef } from './plan.js';

/** A Dockerfile by path, or as text (`path`: where it would live, for messages and its `<name>.dockerignore`). */
export type DockerfileInput = string | { text: string; path?: string };

export type Role = 'file' | 'against';

export interface VerifyOptions extends CacheOptions {
  /** The build context both files are built from (read, never written). */
  context: string;
  /** FILE: the Dockerfile being checked. */
  file: DockerfileInput;
  /** OTHER: the reference it must build the same images as. */
  against: DockerfileInput;
  /** Stages of OTHER to compare; default every named stage. The default target is always compared. */
  targets?: string[];
  buildArgs?: Record<string, string>;
  allow?: AllowList;
  /** Default: the first engine found. */
  engine?: EngineIdentity;
  /** Stops the running build and cleans up; verify then rejects with {@link VerifyAbortedError}. */
  signal?: AbortSignal;
  /** Called before each build (and for each build found in the cache). */
  onProgress?: (p: VerifyProgress) => void;
  /**
   * Snapshots kept between calls (fix --verify checks several candidates against one original):
   * a build whose Dockerfile text, ignore file, stage, args and context path are the same is not
   * run again. The context's files are assumed not to change while the cache is in use.
   */
  cache?: VerifyCache;
}

export interface VerifyProgress {
  role: Role;
  /** The Dockerfile as shown to the user. */
  file: string;
  stage: string;
  /** 1-based, over the builds this call needs; `builds` is their number. */
  build: number;
  builds: number;
  /** Taken from the cache: no build runs. */
  cached: boolean;
}

export type AllowedDifference = Difference & { allowance: Allowance };

export interface StageResult {
  /** The stage name compared on both sides; null for a default target with unlike names. */
  stage: string | null;
  isDefault: boolean;
  /** For people: `final (default target)`. */
  label: string;
  /** The stage's name (or index) in OTHER, and in FILE (null: FILE has no such stage). */
  againstStage: string;
  fileStage: string | null;
  /** Image config digests, when built. */
  againstImage?: string;
  fileImage?: string;
  differences: Difference[];
  allowed: AllowedDifference[];
}

export interface BuildFailure {
  role: Role;
  file: string;
  /** The stage that was being built (its label). */
  stage: string;
  /** The failing step's line in `file`, when the progress named the step. */
  line?: number;
  /** The failing step as BuildKit named it (`[final 3/4] RUN false`). */
  step?: string;
  error: string;
  /** What the failing step printed (or the end of the build's output). */
  output: string[];
}

export interface VerifyResult {
  /** `failed`: a build failed, see `failure`; the stages compared before it are in `stages`. */
  status: 'equivalent' | 'different' | 'failed';
  context: string;
  file: string;
  against: string;
  engine: string;
  /** The engine's identity and version (engine, version, buildkitVersion, host/builder). */
  engineInfo: EngineRecord;
  targets?: string[];
  stages: StageResult[];
  failure?: BuildFailure;
  /** Allow-list entries that allowed nothing (stale entries hide nothing, but say so). */
  unusedAllow: AllowEntry[];
  builds: { run: number; cached: number };
  /** What verify made: every image tag and temp directory, all removed again by the time verify returns. */
  cleanup: { tags: string[]; dirs: string[] };
}

export class VerifyAbortedError extends Error {
  constructor() {
    super('verify aborted');
    this.name = 'VerifyAbortedError';
  }
}

/** Snapshots of built images by build key, kept between {@link verify} calls. Holds no images. */
export class VerifyCache {
  readonly #snapshots = new Map<string, ImageSnapshot>();
  get(key: string): ImageSnapshot | undefined {
    return this.#snapshots.get(key);
  }
  set(key: string, s: ImageSnapshot): void {
    this.#snapshots.set(key, s);
  }
  get size(): number {
    return this.#snapshots.size;
  }
  clear(): void {
    this.#snapshots.clear();
  }
}

interface Input {
  role: Role;
  display: string;
  /** The file passed to `-f`: the user's own, or the temp copy of a text. */
  dockerfile: string;
  df: Dockerfile;
  graph: BuildGraph;
  /** Hash of what BuildKit reads besides the context: the text and its `<name>.dockerignore`. */
  digest: string;
}


const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

async function readOptional(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch(() => undefined);
}

function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Reads one input; a text goes to a temp dir outside the context, with its `<name>.dockerignore`. */
async function loadInput(role: Role, input: DockerfileInput, context: string, buildArgs: Record<string, string>, dirs: string[]): Promise<Input> {
  let display: string;
  let dockerfile: string;
  let df: Dockerfile;
  let ignore: Buffer | undefined;
  if (typeof input === 'string') {
    dockerfile = path.resolve(input);
    display = displayPath(input);
    df = await loadDockerfile(dockerfile, display);
    ignore = await readOptional(`${dockerfile}.dockerignore`);
  } else {
    display = input.path ? displayPath(input.path) : role === 'file' ? '(FILE text)' : '(OTHER text)';
    df = decodeDockerfile(encodeDockerfile(input.text), display);
    const dir = makeTempDir('layerwise-verify-');
    dirs.push(dir);
    if (inside(context, dir)) {
      throw new InputError(`the temp directory ${dir} is inside the build context: set TMPDIR to a directory outside it`, display);
    }
    const name = input.path ? path.basename(input.path) : 'Dockerfile';
    dockerfile = path.join(dir, name);
    await writeFile(dockerfile, encodeDockerfile(input.text));
    if (input.path && existsSync(`${path.resolve(input.path)}.dockerignore`)) {
      await copyFile(`${path.resolve(input.path)}.dockerignore`, `${dockerfile}.dockerignore`);
      ignore = await readOptional(`${dockerfile}.dockerignore`);
    }
  }
  // Graph errors (bad ARG expansion in FROM, duplicate stage names) are input errors too.
  const graph = buildGraph(df, { buildArgs });
  const digest = sha256(`${sha256(df.source)}\n${ignore ? sha256(ignore) : '-'}`);
  return { role, display, dockerfile, df, graph, digest };
}

const refs = (g: BuildGraph): StageRef[] => g.stages.map((s) => ({ index: s.index, name: s.name }));

/** What a build is known by in the cache: everything that decides what BuildKit makes, as far as verify can see. */
function buildKey(input: Input, stage: StageRef, context: string, buildArgs: Record<string, string>, engine: EngineIdentity): string {
  const args = Object.entries(buildArgs).sort(([a], [b]) => (a < b ? -1 : 1));
  return sha256(JSON.stringify([engine.description, path.resolve(context), input.digest, stage.index, args]));
}

async function snapshotOf(record: BuildRecord, engine: EngineIdentity): Promise<ImageSnapshot> {
  let archive: ImageArchive;
  if (record.archive) {
    try {
      archive = await readImageArchive(createReadStream(record.archive));
    } finally {
      removeTempDirs(path.dirname(record.archive));
    }
  } else {
    archive = await saveImage(record.tag!, { engine });
  }
  const config = (archive.config?.['config'] ?? archive.config?.['Config'] ?? null) as Record<string, unknown> | null;
  return { files: archive.files, config: imageConfigFromJson(config), ...(record.imageId ? { imageId: record.imageId } : {}) };
}

function failureOf(input: Input, stage: StageRef, record: BuildRecord, buildArgs: Record<string, string>, maxLines = 40): BuildFailure {
  const v = failedVertex(record);
  let line: number | undefined;
  if (v) {
    try {
      line = mapVertexToLine(v, stageStepsOf(buildGraph(input.df, { buildArgs, target: stage.name ?? undefined })))?.line;
    } catch {
      // No line is better than a wrong one; the step name is still shown.
    }
  }
  // The failing step's own output; the end of the whole transcript only when no step was named
  // (it interleaves every step, and vertices other builds on the engine labelled).
  const output = v ? v.output.slice(-maxLines) : record.transcript.slice(-maxLines).map((l) => l.text);
  return {
    role: input.role,
    file: input.display,
    stage: stageLabel(stage),
    ...(line !== undefined ? { line } : {}),
    ...(v ? { step: v.name } : {}),
    error: v?.error ?? record.error ?? `exit code ${record.exitCode}`,
    output,
  };
}

/**
 * Builds FILE and OTHER for every planned stage and compares the images. Rejects with an
 * InputError for bad input (a missing file, an unknown target, no engine) before building;
 * a failing build is a result (`status: 'failed'`), not an exception.
 */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const buildArgs = options.buildArgs ?? {};
  const context = path.resolve(options.context);
  const st = await stat(context).catch(() => undefined);
  if (!st?.isDirectory()) throw new InputError('the build context is not a directory', options.context);

  const dirs: string[] = [];
  /** Tags not yet removed; `made` keeps every tag for the result. */
  const tags: string[] = [];
  const made: string[] = [];
  let engine: EngineIdentity | undefined;
  try {
    const against = await loadInput('against', options.against, context, buildArgs, dirs);
    const file = await loadInput('file', options.file, context, buildArgs, dirs);
    const plan = planComparisons(refs(against.graph), refs(file.graph), options.targets ?? [], against.display);

    engine = options.engine ?? (await detectEngineOnce()).engine;
    if (!engine) throw new InputError(`no usable build engine: ${(await detectEngineOnce()).reasons.join('; ')}`);
    const eng = engine;
    cacheArgs(eng, options); // a cache the engine cannot read or export is a usage error before any build
    const cache = options.cache ?? new VerifyCache();

    // Every build the plan needs, once each, in the order the comparisons need them.
    const jobs: { input: Input; stage: StageRef; key: string }[] = [];
    for (const c of plan) {
      // A stage FILE no longer has is a difference by its name alone: nothing to build for it.
      if (!c.file) continue;
      for (const [input, stage] of [[against, c.against], [file, c.file]] as const) {
        const key = buildKey(input, stage, context, buildArgs, eng);
        if (!jobs.some((j) => j.key === key)) jobs.push({ input, stage, key });
      }
    }
    const counts = { run: 0, cached: 0 };
    const byImageId = new Map<string, ImageSnapshot>();
    const counted = new Set<string>();
    let done = 0;
    const checkAbort = () => {
      if (options.signal?.aborted) throw new VerifyAbortedError();
    };

    /** The snapshot of one build, or the failure that stopped it. */
    const snapshot = async (input: Input, stage: StageRef): Promise<ImageSnapshot | BuildFailure> => {
      const key = buildKey(input, stage, context, buildArgs, eng);
      const known = cache.get(key);
      const progress = (cached: boolean) =>
        options.onProgress?.({ role: input.role, file: input.display, stage: stageLabel(stage), build: ++done, builds: jobs.length, cached });
      if (known) {
        // The same build needed twice in one call (a named stage that is also the default) counts once.
        if (!counted.has(key)) {
          counted.add(key);
          counts.cached++;
          progress(true);
        }
        return known;
      }
      checkAbort();
      progress(false);
      const tag = verifyTag(`${input.role}-${stageLabel(stage)}`);
      tags.push(tag);
      made.push(tag);
      const record = await build({
        context,
        dockerfile: input.dockerfile,
        // The last stage is what a build without --target makes; an unnamed one can only be built so.
        ...(stage.name ? { target: stage.name } : {}),
        buildArgs,
        ...(options.cacheFrom ? { cacheFrom: options.cacheFrom } : {}),
        ...(options.cacheTo ? { cacheTo: options.cacheTo } : {}),
        tag,
        engine: eng,
        quiet: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      checkAbort();
      counts.run++;
      counted.add(key);
      if (!record.ok) {
        // A failed build tags nothing.
        tags.splice(tags.indexOf(tag), 1);
        if (record.archive) removeTempDirs(path.dirname(record.archive));
        return failureOf(input, stage, record, buildArgs);
      }
      // An image already read (the same config digest) is the same image: no second docker save.
      let snap = record.imageId ? byImageId.get(record.imageId) : undefined;
      if (!snap) {
        snap = await snapshotOf(record, eng);
        if (record.imageId) byImageId.set(record.imageId, snap);
      } else if (record.archive) removeTempDirs(path.dirname(record.archive));
      // Read once, removed at once: a long verify holds at most one image of its own.
      await removeVerifyImages(eng, [tag]);
      tags.splice(tags.indexOf(tag), 1);
      cache.set(key, snap);
      return snap;
    };

    const used = new Set<AllowEntry>();
    const stages: StageResult[] = [];
    let failure: BuildFailure | undefined;
    for (const c of plan) {
      const result = await compareOne(c, against, file, snapshot, options.allow, used);
      if ('role' in result) {
        failure = result;
        break;
      }
      stages.push(result);
    }
    const different = stages.some((s) => s.differences.length > 0);
    return {
      status: failure ? 'failed' : different ? 'different' : 'equivalent',
      context: displayPath(options.context),
      file: file.display,
      against: against.display,
      engine: eng.description,
      engineInfo: engineRecord(eng),
      ...(options.targets?.length ? { targets: options.targets } : {}),
      stages,
      ...(failure ? { failure } : {}),
      // After a failure, entries of the stages never compared are not known to be unused.
      unusedAllow: failure ? [] : (options.allow?.entries ?? []).filter((e) => !used.has(e)),
      builds: counts,
      cleanup: { tags: made, dirs: [...dirs] },
    };
  } finally {
    for (const d of dirs) removeTempDirs(d);
    if (engine && tags.length) await removeVerifyImages(engine, tags).catch(() => []);
  }
}

async function compareOne(
  c: PlannedComparison,
  against: Input,
  file: Input,
  snapshot: (input: Input, stage: StageRef) => Promise<ImageSnapshot | BuildFailure>,
  allow: AllowList | undefined,
  used: Set<AllowEntry>,
): Promise<StageResult | BuildFailure> {
  const base = {
    stage: c.stage,
    isDefault: c.isDefault,
    label: comparisonLabel(c),
    againstStage: stageLabel(c.against),
    fileStage: c.file ? stageLabel(c.file) : null,
  };
  if (!c.file) {
    const split = applyAllowList([{ kind: 'stage', stage: c.stage!, change: 'removed' }], allow, used);
    return { ...base, differences: split.differences, allowed: split.allowed };
  }
  const before = await snapshot(against, c.against);
  if ('role' in before) return before;
  const after = await snapshot(file, c.file);
  if ('role' in after) return after;
  const split = applyAllowList(compareImages(before, after), allow, used);
  return {
    ...base,
    ...(before.imageId ? { againstImage: before.imageId } : {}),
    ...(after.imageId ? { fileImage: after.imageId } : {}),
    differences: split.differences,
    allowed: split.allowed,
  };
}
