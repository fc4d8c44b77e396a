/**
 * The stand-in images a simulation needs, made on the engine from the offline busybox root
 * (`bb:latest`, which scripts/engine.sh imports) and reused while they exist: a stand-in's
 * identity is its tag, so the cache of earlier simulated builds stays valid.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDirs } from '../engine/cleanup.js';
import { build } from '../engine/driver.js';
import type { EngineIdentity } from '../engine/engine.js';
import { firstLine, run } from '../engine/exec.js';
import { RUNNER_SCRIPT, STATE_DIR, TOOLBOX_DIR } from './runner.js';
import { SIM_TAG_PREFIX, type StandinImage } from './standin.js';

/** The busybox root every stand-in is made from. */
export const SIM_ROOT_IMAGE = process.env['LAYERWISE_BASE_IMAGE'] ?? 'bb:latest';

export class SimulationImageError extends Error {
  constructor(readonly image: StandinImage, message: string) {
    super(`cannot make the stand-in ${image.tag}${image.ref ? ` for ${image.ref}` : ''}: ${message}`);
    this.name = 'SimulationImageError';
  }
}

function dockerOf(engine: EngineIdentity): { docker: string; env: NodeJS.ProcessEnv } {
  if (!engine.docker) throw new Error(`${engine.description}: simulation needs a docker image store for its stand-in images`);
  return { docker: engine.docker, env: { ...process.env, ...engine.env } };
}

async function exists(engine: EngineIdentity, tag: string): Promise<boolean> {
  const { docker, env } = dockerOf(engine);
  return (await run(docker, ['image', 'inspect', '--format', '{{.Id}}', tag], { env, timeoutMs: 60_000 })).code === 0;
}

function write(dir: string, rel: string, text: string, mode?: number): void {
  const f = path.join(dir, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text, mode !== undefined ? { mode } : {});
}

/** The build context and Dockerfile of one stand-in image. */
function recipe(image: StandinImage, dir: string): void {
  if (image.kind === 'toolbox') {
    write(dir, 'run', RUNNER_SCRIPT, 0o755);
    write(dir, 'Dockerfile', [
      `FROM ${SIM_ROOT_IMAGE}`,
      `RUN mkdir -p ${TOOLBOX_DIR}/bin && cp /bin/busybox ${TOOLBOX_DIR}/bin/busybox && for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox ${TOOLBOX_DIR}/bin/$a; done`,
      `COPY run ${TOOLBOX_DIR}/run`,
      '',
    ].join('\n'));
    return;
  }
  if (image.kind === 'base') {
    write(dir, 'files/etc/layerwise-sim/base', `${image.ref}\n${image.version ? `version ${image.version}\n` : ''}`);
    write(dir, `files${STATE_DIR}/.keep`, '');
    write(dir, 'Dockerfile', [`FROM ${SIM_ROOT_IMAGE}`, 'COPY files/ /', `RUN chmod 1777 ${STATE_DIR}`, `LABEL layerwise.simulate.base=${JSON.stringify(image.ref)}`, ''].join('\n'));
    return;
  }
  // An image COPY --from / --mount=from names: each path it is asked for, a folder when another
  // path lies under it, else a file saying what it stands for.
  const paths = image.paths;
  for (const p of paths) {
    const isDir = paths.some((q) => q !== p && q.startsWith(`${p.replace(/\/$/, '')}/`));
    const rel = p.replace(/^\/+/, '');
    if (isDir) write(dir, `files/${rel}/.layerwise-sim`, `stand-in for ${p} of ${image.ref}\n`);
    else write(dir, `files/${rel}`, `stand-in for ${p} of ${image.ref}\n`, 0o755);
  }
  write(dir, 'files/.layerwise-sim-image', `${image.ref}\n`);
  write(dir, 'Dockerfile', ['FROM scratch', 'COPY files/ /', ''].join('\n'));
}

/** Makes each stand-in image that is not there yet. Returns the tags it made. */
export async function ensureImages(engine: EngineIdentity, images: readonly StandinImage[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const made: string[] = [];
  for (const image of images) {
    if (!image.tag.startsWith(SIM_TAG_PREFIX)) throw new Error(`not a stand-in tag: ${image.tag}`);
    if (await exists(engine, image.tag)) continue;
    const dir = makeTempDir('layerwise-sim-image-');
    try {
      recipe(image, dir);
      const r = await build({ context: dir, tag: image.tag, engine, quiet: true, ...(options.signal ? { signal: options.signal } : {}) });
      if (!r.ok) throw new SimulationImageError(image, r.error ?? `exit code ${r.exitCode}`);
      made.push(image.tag);
    } finally {
      removeTempDirs(dir);
    }
  }
  return made;
}

/** Removes stand-in images by tag; refuses any tag outside {@link SIM_TAG_PREFIX}. */
export async function removeSimImages(engine: EngineIdentity, tags: readonly string[]): Promise<void> {
  const foreign = tags.filter((t) => !t.startsWith(SIM_TAG_PREFIX));
  if (foreign.length) throw new Error(`refusing to remove images not tagged ${SIM_TAG_PREFIX}*: ${foreign.join(', ')}`);
  if (!tags.length) return;
  const { docker, env } = dockerOf(engine);
  const r = await run(docker, ['image', 'rm', ...tags], { env, timeoutMs: 120_000 });
  if (r.code !== 0 && !/No such image/i.test(r.stderr)) throw new Error(`docker image rm failed: ${firstLine(r.stderr)}`);
}
