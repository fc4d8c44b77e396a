/**
 * The GitHub Action (action.yml): analyze each image, write SARIF for code scanning, print
 * annotations, and on a pull request post or update one comment saying what the pull
 * request's changes rebuild in each image and which findings it brings. Everything GitHub
 * gives a step (GITHUB_* variables, the event file, the inputs) is read in main.ts; this
 * module takes them as arguments.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { analyze, failures, type AnalyzeResult } from '../analyze/analyze.js';
import { CONFIG_FILE, loadConfig, type Config } from '../analyze/config.js';
import { fingerprints } from '../analyze/fingerprint.js';
import { InputError } from '../core/errors.js';
import { resolveTarget, type Target } from '../core/target.js';
import { writeFileAtomic } from '../core/write-file.js';
import { redact, redactOutput } from '../core/secrets.js';
import { explain } from '../explain/explain.js';
import { loadModel } from '../model.js';
import { analyzeGithub, analyzeSarif } from '../report/analyze.js';
import { summary } from '../report/explain.js';
import { RULES } from '../rules/index.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import { durations, predictCold, type Estimator } from '../timing/predict.js';
import { VERSION } from '../version.js';
import { COMMENT_MARKER, commentBody, type ImageReport } from './comment.js';
import { GitHubApiError, GitHubClient, upsertComment } from './github.js';

const run = promisify(execFile);

export interface ActionInputs {
  /** Dockerfiles relative to the workspace; empty: every Dockerfile git tracks. */
  dockerfiles: string[];
  /** The build context of every Dockerfile; undefined: each Dockerfile's folder. */
  context?: string;
  /** The config file; undefined: .layerwise.yaml of the workspace when there is one. */
  config?: string;
  sarifFile: string;
  annotations: boolean;
  comment: boolean;
  failOnFindings: boolean;
  token?: string;
}

/** The pull request of a `pull_request` (or `pull_request_target`) event. */
export interface PullRequest {
  number: number;
  baseSha: string;
  headSha: string;
}

export interface ActionContext {
  /** GITHUB_REPOSITORY, owner/name. */
  repository: string;
  /** GITHUB_API_URL. */
  apiUrl: string;
  pullRequest?: PullRequest;
}

export interface ActionIo {
  /** The step's log (workflow commands such as `::warning` go here). */
  log(line: string): void;
  setOutput(name: string, value: string): Promise<void>;
  summary(markdown: string): Promise<void>;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Escapes a workflow command's message (GitHub's toolkit: %, CR, LF) and property values (also : and ,). */
const escMsg = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s: string) => escMsg(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Dockerfiles git tracks: `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*` (not `Dockerfile.dockerignore`). */
export async function discoverDockerfiles(workspace: string): Promise<string[]> {
  let listed: string;
  try {
    listed = await git(workspace, ['ls-files', '-z', '--', '.']);
  } catch {
    return [];
  }
  const isDockerfile = (name: string) => !name.endsWith('.dockerignore') && (/^(Dockerfile|Containerfile)$/.test(name) || /\.(Dockerfile|dockerfile|Containerfile)$/.test(name) || /^(Dockerfile|Containerfile)\./.test(name));
  return listed.split('\0').filter((f) => f && isDockerfile(path.posix.basename(f))).sort();
}

interface Image {
  file: string;
  target: Target;
  result?: AnalyzeResult;
  error?: InputError;
}

/** The estimator analyze uses, for explain and the cold build of a new image (a COPY costed by what it selects). */
async function estimatorOf(t: Target): Promise<Estimator> {
  const { context } = await loadModel(t);
  const measures = context ? contextMeasures(context) : {};
  return (step) => estimateStep(step, measures);
}

/** The base commit as a folder of its own (a detached git worktree), removed by the returned function. */
async function checkoutBase(workspace: string, sha: string): Promise<{ dir: string; done: () => Promise<void> }> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'layerwise-base-'));
  const dir = path.join(parent, 'tree');
  await git(workspace, ['worktree', 'add', '--detach', '--quiet', dir, sha]);
  return {
    dir,
    done: async () => {
      await git(workspace, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** The commit to compare with: where the pull request's branch left the base (the base itself for GitHub's merge commit). */
async function comparisonBase(workspace: string, baseSha: string, io: ActionIo): Promise<string | undefined> {
  const has = async () => git(workspace, ['cat-file', '-e', `${baseSha}^{commit}`]).then(() => true, () => false);
  if (!(await has())) {
    // actions/checkout fetches one commit by default; the base is one fetch away.
    await git(workspace, ['fetch', '--no-tags', '--quiet', '--depth=1', 'origin', baseSha]).catch(() => undefined);
    if (!(await has())) {
      io.log(`::warning::layerwise: the base commit ${baseSha} is not in the checkout and could not be fetched; check out with fetch-depth: 0 to get the pull request comment`);
      return undefined;
    }
  }
  return (await git(workspace, ['merge-base', baseSha, 'HEAD']).catch(() => baseSha)).trim() || baseSha;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** What the pull request does to one image: explain --since the base, and the findings the base did not have. */
async function reportImage(img: Image, base: string, baseTree: string, top: string, config: Config): Promise<ImageReport> {
  const file = img.file;
  if (!img.result) return { file, target: '', rebuild: { kind: 'error', message: img.error?.format() ?? 'not analyzed' }, newFindings: [], findings: 0, baseFindings: null };
  const r = img.result;
  // An unnamed target (the last stage, index N) says nothing a reader can use.
  const target = r.graph.stages[r.graph.target].name ?? '';
  const scale = config.timeScale;
  const rel = (p: string) => path.relative(top, p);
  const baseFile = path.join(baseTree, rel(await realpath(img.target.dockerfilePath)));
  const baseContext = path.join(baseTree, rel(await realpath(img.target.contextDir)));
  const estimate = await estimatorOf(img.target);
  const steps = r.graph.stages.filter((s) => s.needed).flatMap((s) => s.steps).filter((s) => s.executes).length;
  if (!(await exists(baseFile))) {
    const cold = predictCold(r.graph, durations(r.graph, undefined, estimate));
    return { file, target, rebuild: { kind: 'new', steps, coldS: cold.seconds * scale, basis: cold.basis }, newFindings: r.findings, findings: r.findings.length, baseFindings: null };
  }
  const ex = await explain(img.target, { since: base, estimate });
  const s = summary(ex);
  const rebuild: ImageReport['rebuild'] = {
    kind: 'rebuild', rebuilt: s.rebuilt, conditional: s.conditional, steps: s.steps,
    firstLine: s.first?.step.line ?? null, firstInstruction: s.first?.step.instruction.text ?? null,
    lowS: (ex.time?.low ?? 0) * scale, highS: (ex.time?.high ?? 0) * scale, basis: ex.time?.basis ?? 'estimated',
  };
  let baseResult: AnalyzeResult;
  try {
    baseResult = await analyze({ contextDir: (await stat(baseContext).then((x) => x.isDirectory(), () => false)) ? baseContext : baseTree, dockerfilePath: baseFile, displayName: r.file }, { config });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // The base did not parse: everything found now is new to this pull request.
    return { file, target, rebuild, newFindings: r.findings, findings: r.findings.length, baseFindings: null };
  }
  const before = new Set(fingerprints(baseResult));
  const now = fingerprints(r);
  return { file, target, rebuild, newFindings: r.findings.filter((_, i) => !before.has(now[i])), findings: r.findings.length, baseFindings: baseResult.findings.length };
}

/** Runs the Action in `workspace` (the repository's checkout); resolves to the exit code. */
export async function runAction(workspace: string, inputs: ActionInputs, ctx: ActionContext, given: ActionIo): Promise<number> {
  // What leaves the job (its log, outputs, summary, the comment, the SARIF file) has its secrets redacted.
  const io: ActionIo = {
    log: (line) => given.log(redact(line)),
    setOutput: (name, value) => given.setOutput(name, redact(value)),
    summary: (markdown) => given.summary(redact(markdown)),
  };
  const known = new Set(RULES.map((r) => r.meta.name));
  const ruleOptions = new Map(RULES.map((r) => [r.meta.name, Object.keys(r.meta.options ?? {})]));
  const config = await loadConfig(path.resolve(workspace, inputs.config ?? CONFIG_FILE), known, inputs.config !== undefined, ruleOptions);
  const files = inputs.dockerfiles.length ? inputs.dockerfiles : await discoverDockerfiles(workspace);
  if (!files.length) io.log('::warning::layerwise: no Dockerfile found (set the dockerfiles input)');

  const images: Image[] = [];
  for (const file of files) {
    const target = resolveTarget(path.resolve(workspace, inputs.context ?? path.dirname(file)), path.resolve(workspace, file));
    const img: Image = { file, target: { ...target, displayName: file } };
    try {
      img.result = await analyze(img.target, { config });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      img.error = e;
      const at = e.position ? `,line=${e.position.line},col=${e.position.column}` : '';
      io.log(`::error file=${escProp(e.file ?? file)}${at},title=layerwise::${escMsg(e.message)}`);
    }
    images.push(img);
  }
  const results = images.flatMap((i) => (i.result ? [i.result] : []));

  await io.setOutput('findings', String(results.reduce((n, r) => n + r.findings.length, 0)));
  if (inputs.annotations) for (const r of results) for (const line of analyzeGithub(r).split('\n').filter(Boolean)) io.log(line);
  // After explain --since has listed the untracked files: the report is not a change of the pull request.
  let written = false;
  const writeSarif = async () => {
    if (written) return;
    written = true;
    await writeFileAtomic(path.resolve(workspace, inputs.sarifFile), redactOutput(JSON.stringify(analyzeSarif(results, RULES, VERSION), null, 2) + '\n', 'json'), { create: true, displayName: inputs.sarifFile });
    await io.setOutput('sarif-file', inputs.sarifFile);
  };

  const pr = ctx.pullRequest;
  if (pr && inputs.comment) {
    const base = await comparisonBase(workspace, pr.baseSha, io);
    if (base) {
      const top = await realpath((await git(workspace, ['rev-parse', '--show-toplevel'])).trim());
      const tree = await checkoutBase(workspace, base);
      let reports: ImageReport[];
      try {
        reports = [];
        for (const img of images) reports.push(await reportImage(img, base, tree.dir, top, config));
      } finally {
        await tree.done();
      }
      await writeSarif();
      const body = redact(commentBody({ images: reports, baseSha: base, headSha: pr.headSha, version: VERSION, docsUrl: config.docsUrl }));
      await io.setOutput('new-findings', String(reports.reduce((n, r) => n + r.newFindings.length, 0)));
      await io.summary(body);
      if (!inputs.token) io.log('::warning::layerwise: no github-token, so no pull request comment (the job summary has it)');
      else {
        const client = new GitHubClient({ apiUrl: ctx.apiUrl, token: inputs.token, userAgent: `layerwise-action/${VERSION}` });
        try {
          const { action, comment } = await upsertComment(client, ctx.repository, pr.number, COMMENT_MARKER, body);
          io.log(`layerwise: ${action} the pull request comment${comment.html_url ? ` ${comment.html_url}` : ''}`);
          if (comment.html_url) await io.setOutput('comment-url', comment.html_url);
        } catch (e) {
          if (!(e instanceof GitHubApiError)) throw e;
          // A pull request from a fork gets a read-only token: the analysis still stands.
          const hint = e.status === 403 || e.status === 404 ? ' (a pull request from a fork gets a read-only token; the job summary has the comment)' : '';
          io.log(`::warning::layerwise: could not post the pull request comment: ${escMsg(e.message)}${hint}`);
        }
      }
    }
  }
  await writeSarif();

  if (images.some((i) => i.error)) return 2;
  const failing = results.flatMap((r) => failures(r).map((why) => `${r.file}: ${why}`));
  if (failing.length && inputs.failOnFindings) {
    io.log(`::error::layerwise: ${escMsg(failing.join('; '))}`);
    return 1;
  }
  return 0;
}

/** The pull request of an event payload, when the event is about one. */
export function pullRequestOf(eventName: string | undefined, payload: unknown): PullRequest | undefined {
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return undefined;
  const pr = (payload as { pull_request?: { number?: unknown; base?: { sha?: unknown }; head?: { sha?: unknown } } } | null)?.pull_request;
  if (!pr || typeof pr.number !== 'number' || typeof pr.base?.sha !== 'string' || typeof pr.head?.sha !== 'string') return undefined;
  return { number: pr.number, baseSha: pr.base.sha, headSha: pr.head.sha };
}

/** Reads and parses GITHUB_EVENT_PATH. */
export async function readEvent(file: string | undefined): Promise<unknown> {
  if (!file) return null;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the event: ${(e as Error).message}`, file);
  }
}
