import type { EngineIdentity } from './engine.js';
import { detectEngineOnce } from './engine.js';
import { firstLine, run } from './exec.js';
import { saveImage } from './image-files.js';

export interface HealthcheckConfig {
  test: string[];
  /** Nanoseconds, as Docker stores them; absent when not set. */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  retries?: number;
}

/** The parts of an image's config that a Dockerfile sets, normalised for comparison. */
export interface ImageConfig {
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  user: string;
  workingDir: string;
  /** `80/tcp`, sorted. */
  exposedPorts: string[];
  labels: Record<string, string>;
  /** Sorted. */
  volumes: string[];
  healthcheck: HealthcheckConfig | null;
  stopSignal?: string;
  shell?: string[];
  onBuild?: string[];
}

type Json = Record<string, unknown>;

const keysOf = (v: unknown): string[] => (v && typeof v === 'object' ? Object.keys(v).sort() : []);
const strings = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : null);

/**
 * Normalise a Docker/OCI image config (`docker image inspect`'s `.Config`, or the `config` object
 * of the config JSON in an image archive; both use Docker's capitalised names).
 */
export function imageConfigFromJson(config: Json | null | undefined): ImageConfig {
  const c = config ?? {};
  const hc = c['Healthcheck'] as Json | null | undefined;
  const out: ImageConfig = {
    env: strings(c['Env']) ?? [],
    cmd: strings(c['Cmd']),
    entrypoint: strings(c['Entrypoint']),
    user: typeof c['User'] === 'string' ? c['User'] : '',
    workingDir: typeof c['WorkingDir'] === 'string' ? c['WorkingDir'] : '',
    exposedPorts: keysOf(c['ExposedPorts']),
    labels: { ...((c['Labels'] as Record<string, string> | null | undefined) ?? {}) },
    volumes: keysOf(c['Volumes']),
    healthcheck: hc
      ? {
          test: strings(hc['Test']) ?? [],
          ...(typeof hc['Interval'] === 'number' ? { interval: hc['Interval'] } : {}),
          ...(typeof hc['Timeout'] === 'number' ? { timeout: hc['Timeout'] } : {}),
          ...(typeof hc['StartPeriod'] === 'number' ? { startPeriod: hc['StartPeriod'] } : {}),
          ...(typeof hc['Retries'] === 'number' ? { retries: hc['Retries'] } : {}),
        }
      : null,
  };
  if (typeof c['StopSignal'] === 'string' && c['StopSignal']) out.stopSignal = c['StopSignal'];
  const shell = strings(c['Shell']);
  if (shell) out.shell = shell;
  const onBuild = strings(c['OnBuild']);
  if (onBuild && onBuild.length) out.onBuild = onBuild;
  return out;
}

/** `docker image inspect` an image and return its normalised config. */
export async function inspectImageConfig(image: string, options: { engine?: EngineIdentity } = {}): Promise<ImageConfig> {
  const engine = options.engine ?? (await detectEngineOnce()).engine;
  if (engine?.kind === 'buildctl') {
    const archive = await saveImage(image, { engine });
    return imageConfigFromJson(archive.config?.['config'] as Json | undefined);
  }
  if (!engine?.docker) throw new Error('inspecting an image needs a docker engine');
  const r = await run(engine.docker, ['image', 'inspect', '--format', '{{json .Config}}', image], {
    env: { ...process.env, ...engine.env },
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`docker image inspect ${image} failed: ${firstLine(r.stderr)}`);
  return imageConfigFromJson(JSON.parse(r.stdout) as Json);
}
