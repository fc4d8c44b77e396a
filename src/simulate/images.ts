/**
 * The stand-in images a simulation needs, made on the engine from the offline busybox root
 * (`bb:latest`, which scripts/engine.sh imports; bases by `docker import` of that root with a
 * file naming the original) and reused while they exist: a stand-in's
 * identity is its tag, so the cache of earlier simulated builds stays valid.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDirs } from '../engine/cleanup.js';
import { build } from '../engine/driver.js';
import type { EngineIdentity } from '../engine/engine.js';
import { firstLine, run } from '../engine/exec.js';
import { RUNNER_SCRIPT, STATE_DIR, TOOLBOX_DIR } from './runner.js';
import { BASE_DIRS, SIM_TAG_PREFIX, type StandinImage } from './standin.js';

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

let rootTar: Promise<Buffer> | undefined;

/**
 * The busybox root of {@link SIM_ROOT_IMAGE} as a tar, without its end-of-archive blocks, so
 * that entries can be appended: read once per process (`docker create` + `docker export`).
 */
function busyboxRoot(engine: EngineIdentity): Promise<Buffer> {
  rootTar ??= (async () => {
    const { docker, env } = dockerOf(engine);
    const c = await run(docker, ['create', SIM_ROOT_IMAGE, '/bin/true'], { env, timeoutMs: 60_000 });
    if (c.code !== 0) throw new Error(`docker create ${SIM_ROOT_IMAGE} failed: ${firstLine(c.stderr)}`);
    const id = c.stdout.trim();
    const dir = makeTempDir('layerwise-sim-root-');
    try {
      const file = path.join(dir, 'root.tar');
      const e = await run(docker, ['export', '-o', file, id], { env, timeoutMs: 120_000 });
      if (e.code !== 0) throw new Error(`docker export of ${SIM_ROOT_IMAGE} failed: ${firstLine(e.stderr)}`);
      return withoutEnd(readFileSync(file));
    } finally {
      await run(docker, ['rm', id], { env, timeoutMs: 60_000 });
      removeTempDirs(dir);
    }
  })();
  rootTar.catch(() => (rootTar = undefined));
  return rootTar;
}

/** A tar up to its first all-zero header block (the end-of-archive marker). */
function withoutEnd(tar: Buffer): Buffer {
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return tar.subarray(0, at);
}

/** One ustar entry: a folder (content null) or a regular file. */
function tarEntry(name: string, content: string | null, mode: number): Buffer {
  const body = content === null ? Buffer.alloc(0) : Buffer.from(content);
  const h = Buffer.alloc(512);
  h.write(content === null ? `${name.replace(/\/?$/, '/')}` : name, 0, 100, 'utf8');
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(content === null ? '5' : '0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/**
 * A stand-in base: `docker import` of the busybox root with a file naming the original and the
 * state folder stand-ins write their markers in (open to every user: USER is kept).
 */
async function importBase(engine: EngineIdentity, image: StandinImage): Promise<void> {
  const { docker, env } = dockerOf(engine);
  const tar = Buffer.concat([
    await busyboxRoot(engine),
    ...BASE_DIRS.filter((d) => !['/bin', '/etc', '/root', '/tmp', STATE_DIR].includes(d)).map((d) => tarEntry(d.slice(1), null, 0o755)),
    tarEntry('etc/layerwise-sim', null, 0o755),
    tarEntry('etc/layerwise-sim/base', `${image.ref}\n${image.version ? `version ${image.version}\n` : ''}`, 0o644),
    tarEntry(STATE_DIR.slice(1), null, 0o1777),
    tarEntry(`${STATE_DIR.slice(1)}/.keep`, '', 0o644),
    Buffer.alloc(1024),
  ]);
  const dir = makeTempDir('layerwise-sim-base-');
  try {
    const file = path.join(dir, 'base.tar');
    writeFileSync(file, tar);
    const r = await run(docker, ['import', '-c', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-c', 'CMD ["/bin/sh"]', file, image.tag], { env, timeoutMs: 120_000 });
    if (r.code !== 0) throw new SimulationImageError(image, `docker import failed: ${firstLine(r.stderr)}`);
  } finally {
    removeTempDirs(dir);
  }
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Makes each stand-in image that is not there yet. Returns the tags it made. Calls are
 * serialized: two simulations at once must not both make (and so re-tag) the same stand-in,
 * which would change its ID under the other's feet.
 */
export function ensureImages(engine: EngineIdentity, images: readonly StandinImage[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const next = queue.then(() => makeMissing(engine, images, options));
  queue = next.catch(() => undefined);
  return next;
}

async function makeMissing(engine: EngineIdentity, images: readonly StandinImage[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const made: string[] = [];
  for (const image of images) {
    if (!image.tag.startsWith(SIM_TAG_PREFIX)) throw new Error(`not a stand-in tag: ${image.tag}`);
    if (await exists(engine, image.tag)) continue;
    if (image.kind === 'base') {
      await importBase(engine, image);
      made.push(image.tag);
      continue;
    }
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
