/**
 * `explain` as a library call: load the previous and the current build, gather the changed
 * context paths, and run the invalidation model.
 */
import path from 'node:path';
import type { Target } from '../core/target.js';
import { loadDockerignore } from '../context/index.js';
import { decodeDockerfile, loadDockerfile } from '../dockerfile/load.js';
import { buildGraph, stageLabel, type BuildGraph } from '../graph/graph.js';
import { changedContext, changedPathArg } from '../cache/changes.js';
import { changedSince, fileAtRef } from '../cache/git.js';
import { InputError } from '../core/errors.js';
import { invalidation, type StepVerdict } from '../cache/invalidation.js';
import { withRemoteCache } from '../cache/remote-cache.js';
import { cacheMode, type CacheMode, type CacheSpec } from '../core/cache-spec.js';
import { basisOf, durations, predictRebuild, type Estimator } from '../timing/predict.js';
import type { Profile } from '../timing/profile.js';

export interface ExplainTime {
  /** Seconds of the rebuild with conditional steps cached, and with them re-run. */
  low: number;
  high: number;
  basis: 'measured' | 'estimated' | 'mixed';
  /** Stages on the critical path of the rebuild. */
  criticalStages: string[];
  /** Lines of re-run steps that the profile has no samples for. */
  unmeasured: number[];
}

export interface ExplainResult {
  target: string;
  time?: ExplainTime;
  /** What changed, in words (for the closing line). */
  change: string;
  verdicts: StepVerdict[];
  /** The graph of the current build (for the build args it needs and was not given). */
  graph?: BuildGraph;
  /** With `cacheFrom`: the caches a builder with an empty local cache imports, and the mode they were exported with. */
  cacheFrom?: { specs: string[]; mode: CacheMode };
}

export interface ExplainOptions {
  target?: string;
  buildArgs?: Record<string, string>;
  /** The BuildKit that builds (see GraphOptions.buildkitVersion). */
  buildkitVersion?: string;
  /** Paths whose content, mode or existence changed: relative to the context, or absolute inside it (others are an InputError). */
  changed?: string[];
  /**
   * Add the paths git says changed since this ref; the previous build's Dockerfile is then the
   * file as it was at the ref (unless `prevFile` says otherwise).
   */
  since?: string;
  /** The Dockerfile of the previous build (default: the same file, or with `since` the file at that ref). */
  prevFile?: string;
  /** Args of the previous build (null value = not set); undefined = same as the current ones. */
  prevBuildArgs?: Record<string, string | null>;
  /** Measured durations; steps without samples are estimated. */
  profile?: Profile;
  /** How to estimate a step the profile does not know (default: nothing is known, 0 s). */
  estimate?: Estimator;
  /**
   * The build runs on a builder with an empty local cache that imports these caches of the
   * previous build (a CI runner): see cache/remote-cache.ts. The mode is the export's (`mode=` in
   * a spec; BuildKit's default, min, otherwise; max when any of them says so).
   */
  cacheFrom?: CacheSpec[];
}

function list(items: string[]): string {
  if (items.length <= 2) return items.join(' and ');
  return `${items.slice(0, 2).join(', ')} and ${items.length - 2} more`;
}

export async function explain(t: Target, opts: ExplainOptions = {}): Promise<ExplainResult> {
  const current = await loadDockerfile(t.dockerfilePath, t.displayName);
  const prevPath = opts.prevFile ? path.resolve(opts.prevFile) : t.dockerfilePath;
  let previous = prevPath === t.dockerfilePath ? current : await loadDockerfile(prevPath, opts.prevFile);
  if (opts.since && !opts.prevFile) {
    const before = await fileAtRef(t.dockerfilePath, opts.since);
    // No previous build of a file that did not exist: nothing to say what is cached against.
    if (!before) throw new InputError(`--since: the Dockerfile did not exist at ${opts.since}: every step is new (a cold build); give --prev-file to compare with another file`, t.displayName);
    previous = decodeDockerfile(before, `${opts.since}:${t.displayName}`);
  }
  const args = opts.buildArgs ?? {};
  const prevArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.prevBuildArgs ?? args)) if (v !== null) prevArgs[k] = v;
  const bk = opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {};
  const cur = buildGraph(current, { target: opts.target, buildArgs: args, ...bk });
  const prev = buildGraph(previous, { target: opts.target, buildArgs: prevArgs, ...bk });

  const userPaths = [...new Set((opts.changed ?? []).map((c) => changedPathArg(c, t.contextDir)))];
  const changed = [...userPaths];
  // A loop: a checkout can have more changed files than a call takes arguments.
  if (opts.since) for (const f of await changedSince(t.contextDir, opts.since)) changed.push(f);
  // The Dockerfile is itself a file of the context when it lives there (`COPY . .` copies it).
  const relFile = path.relative(t.contextDir, t.dockerfilePath);
  const fileEdited = previous.source !== current.source;
  if (fileEdited && !relFile.startsWith('..')) changed.push(relFile.split(path.sep).join('/'));

  const ignore = await loadDockerignore(t.contextDir, t.dockerfilePath);
  const local = invalidation({ previous: prev, current: cur, changes: changedContext(changed, ignore.matcher) });
  const mode: CacheMode | undefined = opts.cacheFrom?.length ? (opts.cacheFrom.some((c) => cacheMode(c) === 'max') ? 'max' : 'min') : undefined;
  const verdicts = mode ? withRemoteCache(cur, local, mode) : local;

  const parts: string[] = [];
  if (opts.since) parts.push(`the changes since ${opts.since}${changed.length ? ` (${changed.length} path${changed.length === 1 ? '' : 's'})` : ''}`);
  else if (userPaths.length) parts.push(`${userPaths.length === 1 ? 'a change to' : 'changes to'} ${list(userPaths)}`);
  const argNames = new Set([...Object.keys(args), ...Object.keys(prevArgs)]);
  const argChanges = [...argNames].filter((n) => args[n] !== prevArgs[n]).map((n) => `${n} (${prevArgs[n] ?? 'unset'} → ${args[n] ?? 'unset'})`);
  if (argChanges.length) parts.push(`build arg${argChanges.length > 1 ? 's' : ''} ${list(argChanges)}`);
  if (fileEdited) parts.push('the Dockerfile edit');
  const change = parts.length ? parts.join(' and ') : 'no change';

  const d = durations(cur, opts.profile, opts.estimate ?? (() => ({ seconds: 0, basis: 'no estimate' })));
  const { low, high } = predictRebuild(cur, d, verdicts);
  // The basis of a rebuild's time is that of the steps it re-runs, not of the whole file.
  const rerun = verdicts.filter((v) => v.step.executes && v.step.keyword !== 'FROM' && (v.status === 'rebuilt' || v.status === 'conditional')).map((v) => v.step);
  const unmeasured = rerun.filter((st) => d.unmeasured.includes(st));
  const time = {
    low: low.seconds,
    high: high.seconds,
    basis: basisOf(unmeasured.length, rerun.length - unmeasured.length),
    criticalStages: high.schedule.criticalStages.map((s) => stageLabel(cur.stages[s])),
    unmeasured: unmeasured.map((st) => st.line),
  };
  return {
    target: stageLabel(cur.stages[cur.target]), time, change: change[0].toUpperCase() + change.slice(1), verdicts, graph: cur,
    ...(mode ? { cacheFrom: { specs: opts.cacheFrom!.map((c) => c.text), mode } } : {}),
  };
}

