/**
 * `layerwise bench` as a library call: build a Dockerfile (and optionally a second one on the
 * same context) on the real engine, cold, unchanged and after each change, several times, and
 * set beside each figure what layerwise predicts from a profile of the first cold build.
 *
 * Everything happens in a temp copy of the context under fresh `layerwise-bench/` tags; both
 * are removed at the end, also when a build fails or the caller aborts.
 */
import path from 'node:path';
import { pruneBuildCache, removeTempDirs } from '../engine/cleanup.js';
import { build, cacheArgs, failedVertex, type BuildRecord, type CacheOptions } from '../engine/driver.js';
import { detectEngineOnce, engineRecord, type EngineIdentity, type EngineRecord } from '../engine/engine.js';
import { stageStepsOf } from '../engine/graph-steps.js';
import { mapRecordToLines, mapVertexToLine } from '../engine/line-map.js';
import type { Vertex } from '../engine/progress.js';
import { explain } from '../explain/explain.js';
import type { Status, StepVerdict } from '../cache/invalidation.js';
import type { Target } from '../core/target.js';
import { InputError, UsageError } from '../core/errors.js';
import { loadDockerfile } from '../dockerfile/load.js';
import type { Dockerfile } from '../dockerfile/model.js';
import { buildGraph, stageLabel, type BuildGraph, type Step } from '../graph/graph.js';
import { estimateStep } from '../timing/estimate.js';
import { durations, predictCold, predictRebuild, type Durations, type Estimator } from '../timing/predict.js';
import { buildOverhead, emptyProfile, importRecord, type Profile } from '../timing/profile.js';
import { changeImpact } from '../explain/impact.js';
import { openContext } from '../context/index.js';
import { writeStandin } from '../simulate/build.js';
import type { SimulateModelOptions } from '../simulate/index.js';
import { durationsOnce } from '../timing/predict.js';
import { applyChange, changedPaths, checkChange, parseChangeSpec, type ChangeSpec } from './changes.js';
import { summarize, type Summary } from './stats.js';
import { benchTag, imageFacts, makeWorkspace, removeBenchImages, type ImageFacts, type Workspace } from './workspace.js';

export const DEFAULT_RUNS = 3;

export interface BenchOptions extends CacheOptions {
  /** The build context (read once, copied; never written). */
  context: string;
  /** The Dockerfile; default `<context>/Dockerfile`. A relative path is relative to the working directory. */
  file?: string;
  /** A second Dockerfile, built on the same context and measured the same way. */
  compare?: string;
  /** `touch:PATH`, `edit:PATH`, `arg:NAME=VALUE` (see changes.ts), or already parsed. */
  changes?: (string | ChangeSpec)[];
  /** Builds per figure (default 3). */
  runs?: number;
  /**
   * Cold builds start from an empty build cache (`docker builder prune --all`) instead of
   * running with `--no-cache`. The cache is shared by everything that builds on the engine.
   */
  prune?: boolean;
  target?: string;
  buildArgs?: Record<string, string>;
  /** Default: the first engine found. */
  engine?: EngineIdentity;
  /** Stops the running build and cleans up; bench then rejects with {@link BenchAbortedError}. */
  signal?: AbortSignal;
  /** Called before each build. */
  onProgress?: (p: BenchProgress) => void;
  /** For steps the profile has no measurement of (FROM, steps of unbuilt stages). */
  estimate?: Estimator;
  /**
   * Build stand-ins instead (see src/simulate/): the same cache structure without the work, so
   * a Dockerfile whose bases, downloads or hours of compiling are out of reach is measured
   * offline. With no changes given, an edit of the context's representative source file.
   */
  simulate?: SimulateModelOptions;
}

export type Phase = 'cold' | 'noop' | 'warm' | 'change';

export interface BenchProgress {
  /** The Dockerfile, as shown to the user. */
  file: string;
  phase: Phase;
  /** For `change` and `warm`: the change being measured. */
  spec?: string;
  /** 1-based run within the figure. */
  run: number;
  runs: number;
  /** 1-based build count over the whole bench, and the total. */
  build: number;
  builds: number;
}

/** One step of the Dockerfile in the median run of a figure, beside its prediction. */
export interface StepFigure {
  line: number;
  stage: string;
  instruction: string;
  /** BuildKit ran it (true), took it from the cache (false), or showed no vertex for it (null). */
  ran: boolean | null;
  /** Seconds it ran, when it ran. */
  seconds: number | null;
  /** When it started, seconds after the build command did, when it ran and the engine's progress says (the HTML report's measured timeline). */
  started?: number;
  /** What explain says about it (`rebuilt` for every step of a cold build). */
  predicted: Status;
  /** The step's share of the prediction: its duration when predicted to run, else 0. */
  predictedSeconds: number;
}

export interface Figure {
  /** Wall seconds of each measured build, in run order. */
  runs: number[];
  summary: Summary;
  /** Predicted wall seconds (conditional steps counted as cached); null when nothing to predict from. */
  predicted: number | null;
  /** Predicted with conditional steps re-run; equals `predicted` when there are none. */
  predictedHigh: number | null;
  /** Wall seconds of the median run outside its steps (context, definition, export); null when no step ran. */
  overhead: number | null;
  steps: StepFigure[];
}

export interface ChangeFigure extends Figure {
  spec: string;
}

export interface FileResult {
  /** The Dockerfile as the user named it. */
  file: string;
  /** The image of the first cold build; null when the engine has no docker image store. */
  image: ImageFacts | null;
  cold: Figure;
  noop: Figure;
  changes: ChangeFigure[];
  /** The step times of the first cold build, as a profile (what its predictions came from; not in the JSON report). */
  profile?: Profile;
}

export interface BenchResult {
  /** `real`: the Dockerfiles themselves were built; `simulated`: their stand-ins (src/simulate/). */
  mode: 'real' | 'simulated';
  /** The context as the user named it. */
  context: string;
  target?: string;
  engine: string;
  /** The engine's identity and version (engine, version, buildkitVersion, host/builder). */
  engineInfo: EngineRecord;
  /** How vertex times were read (see BuildRecord.timing). */
  timing: BuildRecord['timing'];
  runs: number;
  /** How cold builds were made cold. */
  cache: 'no-cache' | 'pruned';
  results: FileResult[];
  /** What the bench made and removed again. */
  cleanup: { dirs: string[]; tags: string[] };
}

/** A build failed: what failed, where, and what it printed. */
export class BenchBuildError extends Error {
  constructor(
    readonly file: string,
    readonly phase: Phase,
    readonly spec: string | undefined,
    readonly record: BuildRecord,
    /** The failing step's line in `file`, when the progress named the step. */
    readonly line: number | undefined,
    readonly vertex: Vertex | undefined,
  ) {
    super(`${file}${line ? `:${line}` : ''}: the ${phase === 'change' || phase === 'warm' ? `${phase} build (${spec})` : `${phase} build`} failed: ${record.error ?? `exit code ${record.exitCode}`}`);
    this.name = 'BenchBuildError';
  }
}

export class BenchAbortedError extends Error {
  constructor() {
    super('bench aborted');
    this.name = 'BenchAbortedError';
  }
}

/** Until src/timing/estimate.ts exists: no guess for steps without a measurement. */
/** Steps the first build did not measure (it ran them all, so: only FROM) are estimated. */
const defaultEstimate: Estimator = (step) => estimateStep(step);

interface Input {
  display: string;
  path: string;
  df: Dockerfile;
}

/** Checks everything that can be checked without building; throws InputError/UsageError (exit 2). */
async function prepare(options: BenchOptions): Promise<{ inputs: Input[]; changes: ChangeSpec[]; runs: number }> {
  const runs = options.runs ?? DEFAULT_RUNS;
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number of at least 1, got "${options.runs}"`);
  const given = options.changes ?? [];
  const changes = (given.length || !options.simulate ? given : await representativeEdit(options)).map((c) => (typeof c === 'string' ? parseChangeSpec(c) : c));
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.spec)) throw new UsageError(`--change ${c.spec} is given twice`);
    seen.add(c.spec);
    await checkChange(options.context, c);
  }
  const files = [options.file ?? path.join(options.context, 'Dockerfile'), ...(options.compare ? [options.compare] : [])];
  const inputs: Input[] = [];
  for (const f of files) {
    const display = displayName(f);
    const df = await loadDockerfile(path.resolve(f), display);
    // Graph errors (unknown target, bad ARG expansion in FROM) are input errors too.
    buildGraph(df, { target: options.target, buildArgs: options.buildArgs });
    for (const c of changes) if (c.kind === 'arg') buildGraph(df, { target: options.target, buildArgs: { ...options.buildArgs, [c.name]: c.value } });
    inputs.push({ display, path: path.resolve(f), df });
  }
  if (inputs.length === 2 && inputs[0]!.path === inputs[1]!.path) throw new UsageError('--compare names the same Dockerfile as -f');
  return { inputs, changes, runs };
}

/**
 * The source edit a simulated bench measures when no change is given: the representative source
 * edit of analyze's change impact (the project's main code), as `edit:PATH`.
 */
async function representativeEdit(options: BenchOptions): Promise<string[]> {
  const file = path.resolve(options.file ?? path.join(options.context, 'Dockerfile'));
  const graph = buildGraph(await loadDockerfile(file, displayName(file)), { target: options.target, buildArgs: options.buildArgs });
  const context = await openContext(options.context, file);
  const impacts = changeImpact({ graph, context, durationsFor: durationsOnce(undefined, defaultEstimate), timeScale: 1, kinds: ['source'] });
  const edit = impacts.find((i) => i.kind === 'source')?.subject[0];
  return edit ? [`edit:${edit}`] : [];
}

function displayName(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel.startsWith('..') || rel === '' ? path.resolve(file) : rel;
}

/** Run the benchmark. Rejects with InputError (bad input), BenchBuildError, or BenchAbortedError. */
export async function bench(options: BenchOptions): Promise<BenchResult> {
  const { inputs, changes, runs } = await prepare(options);
  const engine = options.engine ?? (await detectEngineOnce()).engine;
  if (!engine) throw new InputError(`no usable build engine: ${(await detectEngineOnce()).reasons.join('; ')}`);
  cacheArgs(engine, options); // a cache the engine cannot read or export is a usage error before any build
  const estimate = options.estimate ?? defaultEstimate;
  const baseArgs = options.buildArgs ?? {};
  const perFile = 2 * runs + changes.length * 2 * runs - (changes.length ? 1 : 0);
  const counter = { build: 0, builds: perFile * inputs.length };

  const tags: string[] = [];
  const dirs: string[] = [];
  let ws: Workspace | undefined;
  let timing: BuildRecord['timing'] = 'plain';
  const checkAbort = () => {
    if (options.signal?.aborted) throw new BenchAbortedError();
  };
  try {
    ws = await makeWorkspace(options.context);
    dirs.push(ws.root);
    const results: FileResult[] = [];
    for (const input of inputs) {
      const dockerfile = ws.dockerfile(input.path);
      const target: Target = { contextDir: ws.context, dockerfilePath: dockerfile, displayName: input.display };
      const graphFor = (args: Record<string, string>) => buildGraph(input.df, { target: options.target, buildArgs: args });
      const graph = graphFor(baseArgs);
      // Simulated: one stand-in per set of build args (a base or a USER may depend on them).
      const standins = new Map<string, string>();
      const sim = options.simulate;
      const simContext = sim ? await openContext(ws.context, dockerfile) : undefined;
      const dockerfileFor = async (args: Record<string, string>): Promise<string> => {
        if (!sim) return dockerfile;
        const key = JSON.stringify(Object.entries(args).sort());
        let f = standins.get(key);
        if (!f) {
          const dir = path.join(ws!.root, `standin-${results.length}-${standins.size}`);
          f = (await writeStandin(engine, graphFor(args), simContext, input.path, dir, { ...sim, ...(options.signal ? { signal: options.signal } : {}) })).file;
          standins.set(key, f);
        }
        return f;
      };

      const runBuild = async (phase: Phase, run: number, args: Record<string, string>, spec?: string): Promise<BuildRecord> => {
        checkAbort();
        counter.build++;
        options.onProgress?.({ file: input.display, phase, ...(spec ? { spec } : {}), run, runs, build: counter.build, builds: counter.builds });
        if (phase === 'cold' && options.prune) await pruneBuildCache(engine, { force: true });
        const tag = benchTag(phase);
        tags.push(tag);
        const record = await build({
          context: ws!.context,
          dockerfile: await dockerfileFor(args),
          target: options.target,
          buildArgs: args,
          noCache: phase === 'cold' && !options.prune,
          ...(options.cacheFrom ? { cacheFrom: options.cacheFrom } : {}),
          ...(options.cacheTo ? { cacheTo: options.cacheTo } : {}),
          tag,
          engine,
          quiet: true,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        // buildctl: the image tarball is not needed, except the first cold build's (image facts).
        if (record.archive && !(phase === 'cold' && run === 1)) removeTempDirs(path.dirname(record.archive));
        timing = record.timing;
        checkAbort();
        if (!record.ok) {
          const v = failedVertex(record);
          const loc = v ? mapVertexToLine(v, stageStepsOf(graphFor(args))) : undefined;
          throw new BenchBuildError(input.display, phase, spec, record, loc?.line, v);
        }
        return record;
      };

      // Cold: every step runs. The first cold build is the profile every prediction comes from.
      const cold: BuildRecord[] = [];
      for (let r = 1; r <= runs; r++) cold.push(await runBuild('cold', r, baseArgs));
      const profile = importRecord(emptyProfile(), cold[0]!, graph);
      const d = durations(graph, profile, estimate);
      const image = await imageFacts(engine, cold[0]!.tag!);
      const coldPrediction = predictCold(graph, d).seconds;
      const coldFigure = figure(graph, cold, coldPrediction, coldPrediction, (step) => ({ status: 'rebuilt', seconds: d.of(step).seconds }));

      // No-op: the same build again.
      const noop: BuildRecord[] = [];
      for (let r = 1; r <= runs; r++) noop.push(await runBuild('noop', r, baseArgs));
      const noopVerdicts = align(graph, (await explain(target, { target: options.target, buildArgs: baseArgs })).verdicts);
      const noopFigure = predicted(graph, d, noopVerdicts, noop);

      // Changes: each measured build starts from a cache that holds the unchanged build.
      let pristine = true;
      const changeFigures: ChangeFigure[] = [];
      for (const change of changes) {
        const records: BuildRecord[] = [];
        let args = baseArgs;
        for (let r = 1; r <= runs; r++) {
          if (!pristine) await runBuild('warm', r, baseArgs, change.spec);
          const applied = await applyChange(ws.context, change, baseArgs);
          args = applied.buildArgs;
          try {
            records.push(await runBuild('change', r, args, change.spec));
          } finally {
            await applied.undo();
          }
          pristine = false;
        }
        const g = change.kind === 'arg' ? graphFor(args) : graph;
        const dc = change.kind === 'arg' ? durations(g, profile, estimate) : d;
        const explained = await explain(
          target,
          change.kind === 'arg'
            ? { target: options.target, buildArgs: args, prevBuildArgs: baseArgs }
            : { target: options.target, buildArgs: baseArgs, changed: changedPaths(change) },
        );
        changeFigures.push({ spec: change.spec, ...predicted(g, dc, align(g, explained.verdicts), records) });
      }
      results.push({ file: input.display, image, cold: coldFigure, noop: noopFigure, changes: changeFigures, profile });
    }
    return {
      mode: options.simulate ? 'simulated' : 'real',
      context: displayName(options.context),
      ...(options.target ? { target: options.target } : {}),
      engine: engine.description,
      engineInfo: engineRecord(engine),
      timing,
      runs,
      cache: options.prune ? 'pruned' : 'no-cache',
      results,
      cleanup: { dirs, tags },
    };
  } finally {
    ws?.remove();
    for (const d of dirs) removeTempDirs(d);
    await removeBenchImages(engine, tags).catch(() => []);
  }
}

/** Verdicts computed on explain's own graph, moved onto `graph` (the same Dockerfile and args) by stage and position. */
export function align(graph: BuildGraph, verdicts: readonly StepVerdict[]): StepVerdict[] {
  return verdicts.map((v) => {
    const step = graph.stages[v.step.stage]?.steps[v.step.position];
    if (!step || step.line !== v.step.line || step.keyword !== v.step.keyword) {
      throw new Error(`bench: explain's step at line ${v.step.line} has no counterpart in the graph`);
    }
    return { ...v, step };
  });
}

function predicted(graph: BuildGraph, d: Durations, verdicts: StepVerdict[], records: BuildRecord[]): Figure {
  const p = predictRebuild(graph, d, verdicts);
  const status = new Map(verdicts.map((v) => [v.step, v.status]));
  return figure(graph, records, p.low.seconds, p.high.seconds, (step) => {
    const st = status.get(step) ?? 'skipped';
    return { status: st, seconds: st === 'rebuilt' || st === 'conditional' ? d.of(step).seconds : 0 };
  });
}

/** The figure of a set of runs, with the per-step record of the median run beside its prediction. */
function figure(
  graph: BuildGraph,
  records: BuildRecord[],
  low: number | null,
  high: number | null,
  prediction: (step: Step) => { status: Status; seconds: number },
): Figure {
  const runs = records.map((r) => r.wallSeconds);
  const summary = summarize(runs);
  const median = records[summary.medianRun]!;
  return {
    runs,
    summary,
    predicted: low,
    predictedHigh: high,
    overhead: buildOverhead(median) ?? null,
    steps: stepFigures(graph, median, prediction),
  };
}

/** Every executing step of the needed stages: what BuildKit did with it and what was predicted. */
export function stepFigures(
  graph: BuildGraph,
  record: Pick<BuildRecord, 'vertices'>,
  prediction: (step: Step) => { status: Status; seconds: number },
): StepFigure[] {
  const seen = new Map<number, Vertex>();
  for (const { vertex, location } of mapRecordToLines(record, stageStepsOf(graph)).vertices) {
    if (!location) continue;
    for (const line of location.lines) if (!seen.has(line) || !vertex.cached) seen.set(line, vertex);
  }
  const out: StepFigure[] = [];
  for (const stage of graph.stages) {
    if (!stage.needed) continue;
    for (const step of stage.steps) {
      if (!step.executes) continue;
      const v = seen.get(step.line);
      const p = prediction(step);
      out.push({
        line: step.line,
        stage: stageLabel(stage),
        instruction: step.instruction.text.replace(/\s+/g, ' ').trim(),
        ran: v ? !v.cached : null,
        seconds: v && !v.cached && v.durationSeconds !== undefined ? v.durationSeconds : null,
        ...(v && !v.cached && v.started !== undefined ? { started: v.started } : {}),
        predicted: p.status,
        predictedSeconds: p.seconds,
      });
    }
  }
  return out;
}

/**
 * Steps where BuildKit and the prediction disagree: ran though predicted cached, or cached though
 * predicted rebuilt. FROM is left out (an image is resolved, not run) and so are conditional steps.
 */
export function surprises(steps: readonly StepFigure[]): StepFigure[] {
  return steps.filter(
    (s) => !/^FROM\b/i.test(s.instruction) && s.ran !== null && ((s.ran && s.predicted === 'cached') || (!s.ran && s.predicted === 'rebuilt')),
  );
}
