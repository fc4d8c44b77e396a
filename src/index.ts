/**
 * layerwise as a library: the same model and answers as the `layerwise` command, for tools
 * that run in-process (editors, CI bots, scripts).
 *
 * ```ts
 * import { resolveTarget, loadModel, graph, explain, analyze, fix } from 'layerwise';
 *
 * const target = resolveTarget('examples/ml-serving', 'examples/ml-serving/docker/Dockerfile');
 * const model = await loadModel(target);
 * graph(model).stages;                                          // as `layerwise graph --format json`
 * (await explain(target, { changed: ['python/app/server.py'] })).verdicts;
 * (await analyze(target)).findings;
 * (await fix(target)).fixed;                                    // the new text; nothing is written
 * ```
 *
 * Bad input (a Dockerfile that does not parse, a context that does not exist, a path outside
 * it) rejects with an {@link InputError} that says where (`error.format()` gives
 * `file:line:col: message`); any other error is a bug. Nothing here writes a file except
 * {@link writeFileAtomic} and {@link saveProfile}, and nothing builds except {@link verify},
 * {@link bench} and the `engine` exports.
 *
 * @packageDocumentation
 */
import type { Model } from './model.js';
import { graphJson } from './report/graph.js';
import { durations, predictCold } from './timing/predict.js';
import type { Profile } from './timing/profile.js';
import { contextMeasures, estimateStep } from './timing/estimate.js';

/** The version of this package (from its package.json). */
export { VERSION } from './version.js';

// Errors and locations.
export { InputError, UsageError } from './core/errors.js';
export type { Position, Range } from './core/ranges.js';

// What is built, and the model of it.
export { resolveTarget, type Target } from './core/target.js';
export { loadModel, type Model, type StepContextFiles } from './model.js';
export { loadDockerfile, decodeDockerfile, encodeDockerfile } from './dockerfile/load.js';
export { parseDockerfile } from './dockerfile/parse.js';
export type { Dockerfile, Instruction } from './dockerfile/model.js';
export { buildGraph, stageLabel, type BuildGraph, type GraphOptions, type Stage, type Step, type Source, type Edge } from './graph/graph.js';
export { openContext, BuildContext, type ContextEntry } from './context/index.js';

// Answers.
export { explain, type ExplainOptions, type ExplainResult, type ExplainTime } from './explain/explain.js';
export type { StepVerdict } from './cache/invalidation.js';
export { explainJson, explainText } from './report/explain.js';
export { analyze, failures, type AnalyzeOptions, type AnalyzeResult, type AnalyzedFinding, type BuildChecksRun } from './analyze/analyze.js';
export { analyzeJson, analyzeSarif, analyzeText, analyzeGithub } from './report/analyze.js';
export { analyzeCheckstyle } from './report/checkstyle.js';
export { analyzeCodeclimate } from './report/codeclimate.js';
export { analyzeJunit } from './report/junit.js';
export { fingerprints } from './analyze/fingerprint.js';
export { parseConfig, loadConfig, defaultConfig, findConfig, configCandidates, FAIL_ON, type Config, type FailOn } from './analyze/config.js';
export { RULES } from './rules/index.js';
export type { Rule, RuleMeta, Severity, Category, Cost } from './rules/define.js';
export { fix, fixText, type FixOptions, type FixResult, type Applied } from './fix/fix.js';
export { TRANSFORMS } from './fix/transforms/index.js';
export { fixAndVerify, type VerifiedFix } from './bench/verify-fix.js';
export { writeFileAtomic, type WriteOptions } from './core/write-file.js';

// Time: profiles, estimates, predictions.
export { loadProfile, saveProfile, importRecord, emptyProfile, type Profile } from './timing/profile.js';
export { defaultProfilePath } from './timing/profile-path.js';
export { durations, predictCold, predictRebuild, type Durations, type Estimator, type Prediction } from './timing/predict.js';

// On the real engine.
export { verify, VerifyAbortedError, type VerifyOptions, type VerifyResult } from './verify/index.js';
export { bench, BenchAbortedError, type BenchOptions, type BenchResult } from './bench/bench.js';
export { simulateGraph, type Simulation } from './simulate/index.js';

/** Options of {@link graph}. */
export interface GraphReportOptions {
  /** Measured step durations for the cold-build schedule; steps it lacks are estimated. */
  profile?: Profile;
}

/**
 * The stages, edges, waves and each step's cache inputs of a model, with the cold build's
 * schedule: the object `layerwise graph --format json` prints (shape in docs/graph.md).
 * Takes the model, so one loaded model serves several questions.
 */
export function graph(model: Model, opts: GraphReportOptions = {}): Record<string, unknown> {
  const measures = model.context ? contextMeasures(model.context) : {};
  const d = durations(model.graph, opts.profile, (step) => estimateStep(step, measures));
  return graphJson({ graph: model.graph, contextFiles: model.contextFiles, cold: { prediction: predictCold(model.graph, d), durations: d } });
}
