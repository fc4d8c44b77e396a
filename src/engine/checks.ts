/**
 * BuildKit's own checks: the Dockerfile frontend's check method, what `docker buildx build
 * --call=check` runs. buildctl asks for it as a frontend subrequest (`--opt
 * requestid=frontend.lint`; buildctl adds `frontend.caps=moby.buildkit.frontend.subrequests`)
 * and nothing is built. The frontend answers with result metadata (frontend/subrequests/lint:
 * `result.json`, `result.txt`, `result.statuscode`), of which buildctl prints `result.txt`
 * only (cmd/buildctl/build.go), so that text is what is read here, exactly as lint.PrintTo
 * writes it, per warning:
 *
 *     (empty line)
 *     WARNING: <RuleName> - <url>
 *     <detail>
 *     <file>:<first line>
 *     --------------------
 *      <n> | >>> <line of the warning>      (or `    ` for a line of context around it)
 *     --------------------
 *
 * The text has no rule description (result.json has; buildctl does not print it) and no
 * column: BuildKit locates its checks by whole lines (parser.Node.Location, Character 0).
 */
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { firstLine, run } from './exec.js';
import { DEFAULT_BUILDKIT_HOST, chosenEngine, detectEngine, detectEngineOnce, type EngineIdentity } from './engine.js';

/** One warning of BuildKit's checks, as buildctl prints it. */
export interface BuildCheckWarning {
  /** BuildKit's rule name, `SecretsUsedInArgOrEnv`. */
  rule: string;
  /** The rule's page, `https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/`. */
  url?: string;
  /** What BuildKit says about this occurrence. */
  detail: string;
  /** The file as the frontend names it, and the lines the warning marks (1-based); absent when it has no location. */
  location?: { file: string; startLine: number; endLine: number };
}

const RULE_LINE = /^WARNING: (\S+)(?: - (\S+))?$/;
const SOURCE_HEADER = /^(.*):(\d+)$/;
const RULER = '--------------------';
const SOURCE_LINE = /^ *(\d+) \| (>>>| {3}) /;

/** Reads buildctl's printed lint result (see the module comment); anything else in the text is ignored. */
export function parseBuildCheckText(text: string): BuildCheckWarning[] {
  const lines = text.split('\n');
  const out: BuildCheckWarning[] = [];
  let i = 0;
  while (i < lines.length) {
    const head = RULE_LINE.exec(lines[i]!);
    if (!head) {
      i++;
      continue;
    }
    i++;
    const detail: string[] = [];
    // The detail runs to the source block (`file:N` then a ruler), the next warning or the end.
    while (i < lines.length && !RULE_LINE.test(lines[i]!) && !(SOURCE_HEADER.test(lines[i]!) && lines[i + 1] === RULER)) detail.push(lines[i++]!);
    while (detail.length && detail[detail.length - 1] === '') detail.pop();
    const w: BuildCheckWarning = { rule: head[1]!, ...(head[2] ? { url: head[2] } : {}), detail: detail.join('\n') };
    const src = i < lines.length ? SOURCE_HEADER.exec(lines[i]!) : null;
    if (src && lines[i + 1] === RULER) {
      i += 2;
      const marked: number[] = [];
      for (; i < lines.length && lines[i] !== RULER; i++) {
        const m = SOURCE_LINE.exec(lines[i]!);
        if (m && m[2] === '>>>') marked.push(Number(m[1]));
      }
      i++;
      const start = Number(src[2]);
      w.location = { file: src[1]!, startLine: start, endLine: Math.max(start, ...marked) };
    }
    out.push(w);
  }
  return out;
}

/** Why an engine cannot run BuildKit's checks, or undefined when it can. */
export function buildChecksUnavailable(engine: EngineIdentity): string | undefined {
  if (engine.kind === 'docker') {
    return `${engine.description} has no check method (BuildKit's checks came with Dockerfile frontend 1.8, and \`docker build\` 20.10 cannot ask for them); run with a current BuildKit: --engine buildkit, or BUILDKIT_HOST=ADDRESS`;
  }
  if (engine.kind === 'buildx') {
    return `${engine.description}: layerwise asks for BuildKit's checks through buildctl only; point BUILDKIT_HOST at the builder's BuildKit (or run docker buildx build --call=check yourself)`;
  }
  return undefined;
}

/**
 * The engine that runs the checks: the one chosen (`--engine`, `--builder`, BUILDKIT_HOST);
 * with no choice, the BuildKit at buildctl's default socket when it answers (checks need a
 * current BuildKit, and docker's v0.8 has none), else whatever detection finds, so the error
 * says what there is. A UsageError when no engine can run them.
 */
export async function engineForBuildChecks(env: NodeJS.ProcessEnv = process.env): Promise<EngineIdentity> {
  const choice = chosenEngine();
  const free = !choice.kind && !choice.builder && !choice.host && !env['BUILDKIT_HOST'];
  const local = free ? await detectEngine({ kind: 'buildctl', host: DEFAULT_BUILDKIT_HOST, env }) : undefined;
  const d = local?.engine ? local : await detectEngineOnce();
  if (!d.engine) {
    const reasons = [...(local?.reasons ?? []), ...d.reasons];
    throw new UsageError(`--with-build-checks needs a current BuildKit to run its checks, and none answers: ${reasons.join('; ') || 'no engine found'}`);
  }
  const why = buildChecksUnavailable(d.engine);
  // What was passed over on the way (a BUILDKIT_HOST that does not answer) is part of why.
  if (why) throw new UsageError(`--with-build-checks: ${why}${d.reasons.length ? ` (passed over: ${d.reasons.join('; ')})` : ''}`);
  return d.engine;
}

export interface BuildCheckOptions {
  /** The build context folder (BuildKit's CopyIgnoredFile reads its .dockerignore). */
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs BuildKit's checks on `engine` (a BuildKit spoken to with buildctl). Without a target the
 * frontend checks every stage, as `--call=check` does. A UsageError when buildctl fails (an
 * older frontend that does not know the request says so in its message).
 */
export async function runBuildChecks(engine: EngineIdentity, o: BuildCheckOptions): Promise<BuildCheckWarning[]> {
  const why = buildChecksUnavailable(engine);
  if (why) throw new UsageError(`--with-build-checks: ${why}`);
  const dockerfile = path.resolve(o.dockerfile);
  const args = [
    'build',
    '--frontend', 'dockerfile.v0',
    '--local', `context=${path.resolve(o.context)}`,
    '--local', `dockerfile=${path.dirname(dockerfile)}`,
    '--opt', `filename=${path.basename(dockerfile)}`,
    '--opt', 'requestid=frontend.lint',
    '--progress=quiet',
  ];
  if (o.target) args.push('--opt', `target=${o.target}`);
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--opt', `build-arg:${k}=${v}`);
  const r = await run(engine.client, args, { env: { ...process.env, ...engine.env }, timeoutMs: o.timeoutMs ?? 120_000 });
  if (r.code !== 0) {
    const said = r.spawnError?.message ?? (r.stderr.split('\n').filter((l) => /error/i.test(l)).pop() || firstLine(r.stderr) || `exit code ${r.code}`);
    throw new UsageError(`--with-build-checks: ${engine.description} could not run BuildKit's checks: ${said.trim()}`);
  }
  return parseBuildCheckText(r.stdout);
}
