import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { firstLine, run } from './exec.js';

/**
 * How builds are run:
 * - `buildctl`: a BuildKit daemon named by BUILDKIT_HOST, driven by `buildctl build`. Images stay
 *   in BuildKit; the driver exports them as a tarball.
 * - `buildx`: `docker buildx build` (Docker 23+ or any client with the buildx plugin).
 * - `docker`: the classic `docker build` with DOCKER_BUILDKIT=1 (Docker 18.09-20.10); on Debian 12
 *   this is docker.io 20.10 with BuildKit v0.8 inside dockerd.
 */
export type EngineKind = 'buildctl' | 'buildx' | 'docker';

export interface EngineSupports {
  /** `--progress=rawjson`: exact vertex timestamps (buildx 0.13+, buildctl 0.13+). */
  rawjson: boolean;
  /** `--cache-from` with image references or cache backends. */
  cacheFrom: boolean;
  /**
   * `--cache-to` of a cache backend (registry, local, ...): not with the classic client nor with
   * buildx's `docker` driver, which export an inline cache only (see driver.ts cacheArgs).
   */
  cacheTo: boolean;
  /** `--iidfile` writes the image ID. */
  iidfile: boolean;
  /** Built images land in a Docker image store, so `docker save`/`inspect` work on them. */
  dockerImages: boolean;
}

export interface EngineIdentity {
  kind: EngineKind;
  /** The client binary, absolute. */
  client: string;
  /** The client's version. */
  version: string;
  /** The daemon's version (dockerd or buildkitd). */
  serverVersion?: string;
  /** BuildKit's version, exact when the engine tells it, else the line a Docker release vendors. */
  buildkitVersion?: string;
  /** The built-in Dockerfile frontend's version (`1.28.0`), when the daemon tells it (`buildctl debug info`). */
  frontendVersion?: string;
  /** The docker client to use for save/inspect/rmi, when there is one. */
  docker?: string;
  /** Variables the client needs on top of the caller's environment. */
  env: Record<string, string>;
  /** buildctl: the daemon's address (`unix:///run/buildkit/buildkitd.sock`, `tcp://127.0.0.1:8372`). */
  host?: string;
  /** buildx: the builder named with `--builder`. */
  builder?: string;
  supports: EngineSupports;
  /** One line for people: `docker 20.10.24 (BuildKit v0.8) via /usr/bin/docker`. */
  description: string;
}

export interface EngineDetection {
  engine?: EngineIdentity;
  /** Why each candidate was passed over; the reason to print when no engine is found. */
  reasons: string[];
}

export interface DetectOptions {
  env?: NodeJS.ProcessEnv;
  /** Only consider this kind. */
  kind?: EngineKind;
  /** buildctl: the daemon's address; default BUILDKIT_HOST, then (when kind is buildctl) buildctl's own default. */
  host?: string;
  /** buildx: this builder (`docker buildx build --builder NAME`); implies kind buildx. */
  builder?: string;
  timeoutMs?: number;
}

/** Where buildctl looks when BUILDKIT_HOST is not set, and where scripts/engine.sh starts buildkitd. */
export const DEFAULT_BUILDKIT_HOST = 'unix:///run/buildkit/buildkitd.sock';

/** What the user asks for: `--engine docker|buildkit`, `--builder NAME`. */
export type EngineChoice = 'docker' | 'buildkit';

/** The engine choice as detection options (`buildkit` is a BuildKit daemon spoken to with buildctl). */
export function detectOptionsFor(choice: { engine?: EngineChoice; builder?: string }): DetectOptions {
  if (choice.builder) {
    if (choice.engine === 'buildkit') throw new Error('--builder names a buildx builder; it does not go with --engine buildkit');
    return { kind: 'buildx', builder: choice.builder };
  }
  if (choice.engine === 'buildkit') return { kind: 'buildctl' };
  if (choice.engine === 'docker') return { kind: 'docker' };
  return {};
}

/**
 * The BuildKit that each Docker release vendors (moby's vendor.conf / go.mod). Only used when the
 * engine cannot say (the classic client has no way to ask dockerd).
 */
const VENDORED_BUILDKIT: Record<string, string> = {
  '18.09': 'v0.3',
  '19.03': 'v0.6',
  '20.10': 'v0.8',
};

/** Find a usable engine: BUILDKIT_HOST + buildctl, then docker with buildx, then classic docker. */
export async function detectEngine(options: DetectOptions = {}): Promise<EngineDetection> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const reasons: string[] = [];

  const kind = options.builder ? 'buildx' : options.kind;

  if (!kind || kind === 'buildctl') {
    const host = options.host ?? env['BUILDKIT_HOST'] ?? (kind === 'buildctl' ? DEFAULT_BUILDKIT_HOST : undefined);
    const e = host ? await detectBuildctl(host, env, timeoutMs, reasons) : undefined;
    if (e) return { engine: e, reasons };
  }
  if (kind === 'buildctl') return { reasons };

  for (const client of dockerCandidates(env)) {
    const e = await detectDocker(client, env, timeoutMs, reasons, kind, options.builder);
    if (e) return { engine: e, reasons };
  }
  if (reasons.length === 0) reasons.push('no docker client found');
  return { reasons };
}

async function detectBuildctl(
  host: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  reasons: string[],
): Promise<EngineIdentity | undefined> {
  const client = env['LAYERWISE_BUILDCTL'] || which('buildctl', env);
  if (!client) {
    reasons.push(`BuildKit at ${host} but no buildctl on PATH (scripts/engine.sh --install up builds one)`);
    return undefined;
  }
  const clientEnv = { ...env, BUILDKIT_HOST: host };
  const v = await run(client, ['--version'], { env: clientEnv, timeoutMs });
  // `buildctl github.com/moby/buildkit v0.12.5 bdd1f0d...`
  const version = /\bv\d+\.\d+\.\d+\S*/.exec(v.stdout)?.[0] ?? 'unknown';
  const workers = await run(client, ['debug', 'workers'], { env: clientEnv, timeoutMs });
  if (workers.code !== 0) {
    reasons.push(`buildctl at ${host} does not answer: ${firstLine(workers.stderr || workers.stdout)}`);
    return undefined;
  }
  // The daemon's own version (`BuildKit: github.com/moby/buildkit v0.34.2 ...`); older daemons
  // lack `debug info`, and then the client's version is the best guess.
  const info = await run(client, ['debug', 'info'], { env: clientEnv, timeoutMs });
  const serverVersion = (info.code === 0 && /^BuildKit:.*?\b(v\d+\.\d+\.\d+\S*)/m.exec(info.stdout)?.[1]) || version;
  const frontendVersion = info.code === 0 ? /^Dockerfile:\s*(\S+)/m.exec(info.stdout)?.[1] : undefined;
  const help = await run(client, ['build', '--help'], { env: clientEnv, timeoutMs });
  return {
    kind: 'buildctl',
    client,
    version,
    serverVersion,
    buildkitVersion: serverVersion,
    ...(frontendVersion ? { frontendVersion } : {}),
    // No docker client: images stay in BuildKit and are read from the tarball each build exports
    // (loading them into some dockerd would put them in a store that is not this engine's).
    env: { BUILDKIT_HOST: host },
    host,
    supports: {
      rawjson: help.stdout.includes('rawjson'),
      cacheFrom: true,
      cacheTo: true,
      iidfile: false,
      dockerImages: false,
    },
    description: `buildkit ${serverVersion} at ${host} via buildctl ${version}`,
  };
}

function dockerCandidates(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string | undefined) => {
    if (!p || !existsSync(p)) return;
    // /bin/docker and /usr/bin/docker are one file on a merged-/usr system: try it once.
    const real = realpathSync(p);
    if (seen.has(real)) return;
    seen.add(real);
    out.push(p);
  };
  add(env['LAYERWISE_DOCKER']);
  for (const p of whichAll('docker', env)) add(p);
  add('/usr/bin/docker');
  return out;
}

interface DockerVersionJson {
  Client?: { Version?: string };
  Server?: { Version?: string } | null;
}

async function detectDocker(
  client: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  reasons: string[],
  kind: EngineKind | undefined,
  builder: string | undefined,
): Promise<EngineIdentity | undefined> {
  const v = await run(client, ['version', '--format', '{{json .}}'], { env, timeoutMs });
  let parsed: DockerVersionJson = {};
  try {
    parsed = JSON.parse(v.stdout.trim().split('\n').pop() ?? '{}') as DockerVersionJson;
  } catch {
    // An old client prints a template error; the reason below says what it said.
  }
  const clientVersion = parsed.Client?.Version;
  const serverVersion = parsed.Server?.Version;
  if (!clientVersion) {
    reasons.push(`${client}: not a docker client (${firstLine(v.stderr || v.stdout) || 'no version'})`);
    return undefined;
  }
  if (!serverVersion) {
    reasons.push(`${client} ${clientVersion}: no engine answers (${firstLine(v.stderr) || 'no server version'})`);
    return undefined;
  }

  if (kind !== 'docker') {
    const bx = await run(client, ['buildx', 'version'], { env, timeoutMs });
    if (bx.code === 0) {
      const e = await buildxIdentity(client, clientVersion, serverVersion, bx.stdout, env, timeoutMs, builder, reasons);
      if (e) return e;
    } else if (kind === 'buildx') {
      reasons.push(`${client} ${clientVersion}: no buildx plugin${builder ? ` (needed for --builder ${builder})` : ''}`);
      return undefined;
    }
  }
  if (kind === 'buildx') return undefined;

  // Docker 23+ clients hand `docker build` to buildx and refuse BuildKit without it.
  const major = Number(clientVersion.split('.')[0]);
  if (major >= 23) {
    reasons.push(`${client} ${clientVersion}: BuildKit needs the buildx plugin, which is missing`);
    return undefined;
  }
  if (!(major > 18 || clientVersion.startsWith('18.09'))) {
    reasons.push(`${client} ${clientVersion}: too old for BuildKit`);
    return undefined;
  }
  const line = /^(\d+\.\d+)/.exec(serverVersion)?.[1] ?? '';
  const buildkitVersion = VENDORED_BUILDKIT[line];
  return {
    kind: 'docker',
    client,
    version: clientVersion,
    serverVersion,
    ...(buildkitVersion ? { buildkitVersion } : {}),
    docker: client,
    env: { DOCKER_BUILDKIT: '1' },
    supports: { rawjson: false, cacheFrom: true, cacheTo: false, iidfile: true, dockerImages: true },
    description:
      `docker ${serverVersion}` +
      (buildkitVersion ? ` (BuildKit ${buildkitVersion}, vendored in dockerd)` : '') +
      ` via ${client} ${clientVersion}`,
  };
}

async function buildxIdentity(
  client: string,
  clientVersion: string,
  serverVersion: string,
  buildxVersionText: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  builder: string | undefined,
  reasons: string[],
): Promise<EngineIdentity | undefined> {
  // `github.com/docker/buildx v0.12.1 30feaa1`
  const buildxVersion = /\bv\d+\.\d+\.\d+\S*/.exec(buildxVersionText)?.[0] ?? 'unknown';
  const inspect = await run(client, ['buildx', 'inspect', ...(builder ? [builder] : [])], { env, timeoutMs });
  if (builder && inspect.code !== 0) {
    reasons.push(`buildx builder ${builder}: ${firstLine(inspect.stderr || inspect.stdout)}`);
    return undefined;
  }
  const driver = /^Driver:\s*(\S+)/m.exec(inspect.stdout)?.[1];
  const buildkitVersion = /^\s*Buildkit(?: version)?:\s*(\S+)/im.exec(inspect.stdout)?.[1];
  const help = await run(client, ['buildx', 'build', '--help'], { env, timeoutMs });
  return {
    kind: 'buildx',
    client,
    version: clientVersion,
    serverVersion,
    ...(buildkitVersion ? { buildkitVersion } : {}),
    docker: client,
    env: {},
    ...(builder ? { builder } : {}),
    supports: {
      rawjson: help.stdout.includes('rawjson'),
      cacheFrom: true,
      // The `docker` driver exports no cache except inline; container drivers do.
      cacheTo: driver !== undefined && driver !== 'docker',
      iidfile: true,
      dockerImages: driver === undefined || driver === 'docker',
    },
    description:
      `docker ${serverVersion} with buildx ${buildxVersion}` +
      (buildkitVersion ? ` (BuildKit ${buildkitVersion}, driver ${driver ?? 'unknown'})` : '') +
      (builder ? ` builder ${builder}` : '') +
      ` via ${client}`,
  };
}

function whichAll(name: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (existsSync(p)) out.push(p);
  }
  return out;
}

function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  return whichAll(name, env)[0];
}

let cached: Promise<EngineDetection> | undefined;
let chosen: DetectOptions = {};

/**
 * The engine the commands of this process build on (`--engine`, `--builder`); detection runs again
 * on the next {@link detectEngineOnce}. Without a choice: BUILDKIT_HOST, then docker.
 */
export function chooseEngine(options: DetectOptions): void {
  chosen = options;
  cached = undefined;
}

/** What {@link chooseEngine} was last told (empty: no choice, detection decides). */
export function chosenEngine(): DetectOptions {
  return chosen;
}

/** {@link detectEngine} once per process with the process environment and the chosen engine. */
export function detectEngineOnce(): Promise<EngineDetection> {
  cached ??= detectEngine(chosen);
  return cached;
}

/** What a build record, profile or bench result keeps of the engine: enough to tell two apart. */
export interface EngineRecord {
  /** `docker` (classic client), `buildx`, `buildkit` (a BuildKit daemon via buildctl). */
  engine: 'docker' | 'buildx' | 'buildkit';
  /** dockerd's or buildkitd's version. */
  version: string;
  /** BuildKit's version: exact from buildkitd or buildx, the vendored line for dockerd (`v0.8`). */
  buildkitVersion?: string;
  /** The built-in Dockerfile frontend's version, when the daemon tells it. */
  frontendVersion?: string;
  /** buildctl: the daemon's address. */
  host?: string;
  /** buildx: the builder. */
  builder?: string;
  description: string;
}

export function engineRecord(e: EngineIdentity): EngineRecord {
  return {
    engine: e.kind === 'buildctl' ? 'buildkit' : e.kind,
    version: e.serverVersion ?? e.version,
    ...(e.buildkitVersion ? { buildkitVersion: e.buildkitVersion } : {}),
    ...(e.frontendVersion ? { frontendVersion: e.frontendVersion } : {}),
    ...(e.host ? { host: e.host } : {}),
    ...(e.builder ? { builder: e.builder } : {}),
    description: e.description,
  };
}
