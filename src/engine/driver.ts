import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../core/errors.js';
import { formatCacheSpec, isLoopbackRef, parseCacheSpec } from '../core/cache-spec.js';
import { keepArchive, makeTempDir, removeTempDirs, testTag } from './cleanup.js';
import { createDisplay } from './display.js';
import { detectEngineOnce, type EngineIdentity } from './engine.js';
import { ProgressParser, formatTimedTranscript, type TimedLine, type Vertex } from './progress.js';
import { RawJsonParser } from './progress-rawjson.js';

/** The build cache options bench, verify and profile record pass to every build (see {@link cacheArgs}). */
export type CacheOptions = Pick<BuildOptions, 'cacheFrom' | 'cacheTo'>;

export interface BuildOptions {
  /** The build context directory. */
  context: string;
  /** The Dockerfile; default `<context>/Dockerfile`. */
  dockerfile?: string;
  target?: string;
  buildArgs?: Record<string, string>;
  noCache?: boolean;
  /**
   * Cache sources: image references, or `type=registry|local,...` specs (see core/cache-spec.ts);
   * a UsageError where the engine cannot read one (the classic docker client reads images only).
   */
  cacheFrom?: string[];
  /**
   * Cache exports, `type=registry|local|inline|...,...[,mode=min|max]`; a UsageError where the
   * engine cannot export one (the classic docker client exports inline caches only).
   */
  cacheTo?: string[];
  /**
   * buildctl: also push the image to these references (`127.0.0.1:5000/team/base:1`), so later
   * builds can name it in FROM (a BuildKit daemon has no image store of its own to take it from).
   */
  push?: string[];
  /** `RUN --mount=type=secret,id=ID`: secret id -> file it is read from. */
  secrets?: Record<string, string>;
  /**
   * `RUN --mount=type=ssh[,id=ID]`: ssh id (`default` for a mount without id) -> the ssh-agent
   * socket (or key files, comma-separated) the client forwards, as `--ssh ID=PATH`.
   */
  ssh?: Record<string, string>;
  /** RUN's network; default `host` (no bridge exists on the CI machine). */
  network?: string;
  /** Default: a fresh `layerwise-test/build:<unique>` tag, so clean-up can find it. */
  tag?: string;
  labels?: Record<string, string>;
  /** Default: the first engine {@link detectEngineOnce} finds. */
  engine?: EngineIdentity;
  /** No step list on the terminal. */
  quiet?: boolean;
  /** Where the step list goes when it is a TTY; default process.stderr. */
  display?: { isTTY?: boolean; columns?: number; write(s: string): boolean };
  /** Write the timed transcript (`<seconds>\t<line>`) here. */
  transcriptPath?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface BuildRecord {
  engine: EngineIdentity;
  /** The command run, for people and for reproducing by hand. */
  command: string[];
  /** When the build command was started (ISO 8601); vertex times are seconds after it. */
  startedAt: string;
  wallSeconds: number;
  /** `sha256:...` of the image config, when the build succeeded. */
  imageId?: string;
  tag?: string;
  /** buildctl only: the image as a docker-format tarball (removed by removeTempDirs()). */
  archive?: string;
  ok: boolean;
  /** The client's exit code. */
  exitCode: number | null;
  /** The client's error message when the build failed. */
  error?: string;
  vertices: Vertex[];
  /**
   * How vertex times were obtained: `rawjson` = BuildKit's own timestamps; `plain` = from the
   * arrival of printed lines, within ±0.15 s as measured on BuildKit v0.8 (see ProgressParser).
   */
  timing: 'rawjson' | 'plain';
  /** What the client printed, with arrival times (plain) or as is (rawjson). */
  transcript: TimedLine[];
}

/** Run one build and describe what BuildKit did. Never throws for a failed build: read `ok`. */
export async function build(options: BuildOptions): Promise<BuildRecord> {
  const engine = options.engine ?? (await requireEngine());
  const cache = cacheArgs(engine, options);
  const work = makeTempDir('layerwise-build-');
  const tag = options.tag ?? testTag();
  const useRawJson = engine.supports.rawjson;
  const { command, args, archive, iidfile, metadata } = commandFor(engine, options, tag, work, useRawJson, cache);
  const env = { ...process.env, ...engine.env };

  const display = createDisplay(options.display ?? process.stderr, { quiet: options.quiet ?? false });
  const startedAt = new Date();
  const t0 = performance.now();
  const plain = new ProgressParser();
  const raw = new RawJsonParser(startedAt.getTime());
  const transcript: TimedLine[] = [];

  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGTERM' as const } : {}),
    });
    const onLine = (text: string) => {
      const at = (performance.now() - t0) / 1000;
      transcript.push({ text, at });
      if (!useRawJson) {
        const v = plain.push(text, at);
        if (v) display.update(v);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (useRawJson && stream === child.stderr) for (const v of raw.push(chunk)) display.update(v);
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const l of lines) onLine(l);
      });
      stream.on('end', () => {
        if (pending !== '') onLine(pending);
        pending = '';
      });
    }
    child.on('error', (err) => {
      transcript.push({ text: `ERROR: ${err.message}`, at: (performance.now() - t0) / 1000 });
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  const wallSeconds = Math.round(performance.now() - t0) / 1000;
  display.finish();

  const parsed = useRawJson ? raw.result() : plain.result();
  let imageId = parsed.imageId;
  if (iidfile && existsSync(iidfile)) imageId = readFileSync(iidfile, 'utf8').trim() || imageId;
  if (metadata && existsSync(metadata)) {
    const meta = JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, unknown>;
    const dgst = meta['containerimage.config.digest'];
    if (typeof dgst === 'string') imageId = dgst;
  }
  const ok = exitCode === 0;
  let error: string | undefined;
  if (!ok) {
    error = parsed.error ?? (transcript.length ? transcript[transcript.length - 1]!.text : `exit code ${exitCode}`);
  }
  if (options.transcriptPath) writeFileSync(options.transcriptPath, formatTimedTranscript(transcript));

  let keptArchive: string | undefined;
  if (ok && archive && existsSync(archive)) {
    keptArchive = archive;
    // The tag names the tarball from now on: image files and config are read from it, and
    // removing the image removes it (see keepArchive).
    keepArchive(tag, archive);
  }
  if (!keptArchive) removeTempDirs(work);

  return {
    engine,
    command: [command, ...args],
    startedAt: startedAt.toISOString(),
    wallSeconds,
    ...(ok && imageId ? { imageId } : {}),
    ...(ok ? { tag } : {}),
    ...(keptArchive ? { archive: keptArchive } : {}),
    ok,
    exitCode,
    ...(error !== undefined ? { error } : {}),
    vertices: parsed.vertices,
    timing: useRawJson ? 'rawjson' : 'plain',
    transcript,
  };
}

async function requireEngine(): Promise<EngineIdentity> {
  const d = await detectEngineOnce();
  if (!d.engine) throw new Error(`no usable build engine: ${d.reasons.join('; ')}`);
  return d.engine;
}

interface Command {
  command: string;
  args: string[];
  iidfile?: string;
  archive?: string;
  metadata?: string;
}

/**
 * The cache options of the client command line. The classic docker client (20.10, BuildKit v0.8
 * inside dockerd) reads a cache only from an image (`--cache-from IMAGE`, which must carry an
 * inline cache) and exports only inline (`--build-arg BUILDKIT_INLINE_CACHE=1`); anything else
 * is a UsageError that says so, before anything is built.
 */
export function cacheArgs(engine: EngineIdentity, options: Pick<BuildOptions, 'cacheFrom' | 'cacheTo'>): string[] {
  const from = (options.cacheFrom ?? []).map((c) => parseCacheSpec(c, '--cache-from'));
  const to = (options.cacheTo ?? []).map((c) => parseCacheSpec(c, '--cache-to'));
  const args: string[] = [];
  if (engine.kind === 'buildctl') {
    // A registry on loopback speaks plain HTTP (buildkitd's config says so for its mirror).
    const insecure = (s: (typeof from)[number]): Record<string, string> => (s.type === 'registry' && isLoopbackRef(s.attrs['ref'] ?? '') ? { 'registry.insecure': 'true' } : {});
    // mode is the exporter's: an import has none.
    for (const s of from) args.push('--import-cache', formatCacheSpec(s, { drop: ['mode'], add: insecure(s) }));
    for (const s of to) args.push('--export-cache', formatCacheSpec(s, { add: insecure(s) }));
    return args;
  }
  if (engine.kind === 'docker') {
    const v0_8 = `docker build ${engine.version}${engine.buildkitVersion ? ` (BuildKit ${engine.buildkitVersion})` : ''}`;
    for (const s of from) {
      if (s.type !== 'registry') throw new UsageError(`--cache-from ${s.text}: ${v0_8} reads a cache only from an image (--cache-from IMAGE, built with --cache-to type=inline); type=${s.type} needs --engine buildkit or a buildx builder`);
      args.push('--cache-from', s.attrs['ref']!);
    }
    for (const s of to) {
      if (s.type !== 'inline') throw new UsageError(`--cache-to ${s.text}: ${v0_8} exports only an inline cache (--cache-to type=inline, in the image it pushes); type=${s.type} needs --engine buildkit or a buildx builder`);
    }
    if (to.length) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
    return args;
  }
  for (const s of from) args.push('--cache-from', s.text);
  for (const s of to) {
    if (s.type !== 'inline' && !engine.supports.cacheTo) throw new UsageError(`--cache-to ${s.text}: ${engine.description} exports only an inline cache (buildx's docker driver); use a docker-container or remote builder (--builder NAME)`);
    args.push('--cache-to', s.text);
  }
  return args;
}

/** The client command line for each kind of engine. Exported for tests. */
export function commandFor(
  engine: EngineIdentity,
  options: BuildOptions,
  tag: string,
  work: string,
  rawjson: boolean,
  cache: string[] = cacheArgs(engine, options),
): Command {
  const dockerfile = path.resolve(options.dockerfile ?? path.join(options.context, 'Dockerfile'));
  const network = options.network ?? 'host';
  const progress = rawjson ? 'rawjson' : 'plain';
  const buildArgs = Object.entries(options.buildArgs ?? {});

  if (engine.kind === 'buildctl') {
    const archive = path.join(work, 'image.tar');
    const metadata = path.join(work, 'metadata.json');
    const args = [
      'build',
      '--frontend', 'dockerfile.v0',
      '--local', `context=${path.resolve(options.context)}`,
      '--local', `dockerfile=${path.dirname(dockerfile)}`,
      '--opt', `filename=${path.basename(dockerfile)}`,
      `--progress=${progress}`,
      '--metadata-file', metadata,
      '--output', `type=docker,name=${tag},dest=${archive}`,
    ];
    for (const ref of options.push ?? []) {
      // A registry on loopback speaks plain HTTP (buildkitd's config says so for its mirror).
      const insecure = isLoopbackRef(ref) ? ',registry.insecure=true' : '';
      args.push('--output', `type=image,name=${ref},push=true${insecure}`);
    }
    if (options.target) args.push('--opt', `target=${options.target}`);
    for (const [k, v] of buildArgs) args.push('--opt', `build-arg:${k}=${v}`);
    for (const [k, v] of Object.entries(options.labels ?? {})) args.push('--opt', `label:${k}=${v}`);
    if (options.noCache) args.push('--no-cache');
    for (const [id, file] of Object.entries(options.secrets ?? {})) args.push('--secret', `id=${id},src=${path.resolve(file)}`);
    for (const [id, socket] of Object.entries(options.ssh ?? {})) args.push('--ssh', `${id}=${socket}`);
    args.push(...cache);
    if (network === 'host') args.push('--opt', 'force-network-mode=host', '--allow', 'network.host');
    return { command: engine.client, args, archive, metadata };
  }

  const iidfile = path.join(work, 'iid');
  const args = engine.kind === 'buildx' ? ['buildx', 'build', '--load', ...(engine.builder ? ['--builder', engine.builder] : [])] : ['build'];
  args.push(`--progress=${progress}`, `--network=${network}`, '-f', dockerfile, '-t', tag, '--iidfile', iidfile);
  if (options.target) args.push('--target', options.target);
  for (const [k, v] of buildArgs) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(options.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (options.noCache) args.push('--no-cache');
  for (const [id, file] of Object.entries(options.secrets ?? {})) args.push('--secret', `id=${id},src=${path.resolve(file)}`);
  for (const [id, socket] of Object.entries(options.ssh ?? {})) args.push('--ssh', `${id}=${socket}`);
  args.push(...cache);
  args.push(path.resolve(options.context));
  return { command: engine.client, args, iidfile };
}

/** The failing vertex of a failed build, if the progress named one. */
export function failedVertex(record: BuildRecord): Vertex | undefined {
  return record.vertices.find((v) => v.state === 'error');
}

