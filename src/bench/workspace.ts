/**
 * Where `layerwise bench` works: a private copy of the build context (the user's files are only
 * read, once) and images under a tag prefix of its own, so that clean-up removes exactly what
 * the bench made and nothing a test suite or a person made.
 */
import { cp, stat } from 'node:fs/promises';
import path from 'node:path';
import { archiveOf, BENCH_TAG_PREFIX, dropArchives, makeTempDir, ownedTag, removeTempDirs } from '../engine/cleanup.js';
import { saveImage } from '../engine/image-files.js';
import type { EngineIdentity } from '../engine/engine.js';
import { firstLine, run } from '../engine/exec.js';
import { InputError } from '../core/errors.js';

/** Every image the bench builds is tagged under this prefix; clean-up refuses any other tag. */
export { BENCH_TAG_PREFIX };

/** A fresh tag per build, so no build re-tags (and so orphans) another's image. */
export function benchTag(name = 'build'): string {
  return ownedTag(BENCH_TAG_PREFIX, name);
}

/** Removes bench images by tag; refuses tags outside {@link BENCH_TAG_PREFIX}. Returns the tags that are gone. */
export async function removeBenchImages(engine: EngineIdentity, tags: readonly string[]): Promise<string[]> {
  const foreign = tags.filter((t) => !t.startsWith(BENCH_TAG_PREFIX));
  if (foreign.length) throw new Error(`refusing to remove images not tagged ${BENCH_TAG_PREFIX}*: ${foreign.join(', ')}`);
  if (engine.kind === 'buildctl') return dropArchives(tags);
  if (!tags.length || !engine.docker) return [];
  // Without --force an image that also carries someone else's tag only loses ours.
  const r = await run(engine.docker, ['image', 'rm', ...tags], { env: { ...process.env, ...engine.env }, timeoutMs: 120_000 });
  return tags.filter((t) => !r.stderr.includes(t));
}

export interface ImageFacts {
  sizeBytes: number;
  layers: number;
}

/** Size and layer count of a built image, as `docker image inspect` reports them (or its tarball, on BuildKit). */
export async function imageFacts(engine: EngineIdentity, ref: string): Promise<ImageFacts | null> {
  if (engine.kind === 'buildctl') {
    if (!archiveOf(ref)) return null;
    const a = await saveImage(ref, { engine });
    return { sizeBytes: a.sizeBytes, layers: a.layers };
  }
  if (!engine.docker) return null;
  const r = await run(engine.docker, ['image', 'inspect', '--format', '{{.Size}} {{len .RootFS.Layers}}', ref], {
    env: { ...process.env, ...engine.env },
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`docker image inspect ${ref} failed: ${firstLine(r.stderr)}`);
  const [size, layers] = r.stdout.trim().split(/\s+/).map(Number);
  return Number.isFinite(size) && Number.isFinite(layers) ? { sizeBytes: size!, layers: layers! } : null;
}

export interface Workspace {
  /** The temp directory that holds everything (removed by {@link Workspace.remove}). */
  root: string;
  /** The copy of the context. */
  context: string;
  /** Where a Dockerfile is read from: its copy when it lives in the context, else the file itself. */
  dockerfile(file: string): string;
  remove(): void;
}

/**
 * Copies the context into a new temp directory. The whole tree is copied, files `.dockerignore`
 * excludes too, so the copy is the user's context byte for byte (symlinks as they are, modes kept).
 */
export async function makeWorkspace(contextDir: string): Promise<Workspace> {
  const from = path.resolve(contextDir);
  const st = await stat(from).catch(() => undefined);
  if (!st?.isDirectory()) throw new InputError('the build context is not a directory', contextDir);
  const root = makeTempDir('layerwise-bench-');
  const context = path.join(root, 'context');
  try {
    await cp(from, context, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  } catch (e) {
    removeTempDirs(root);
    throw new InputError(`cannot copy the build context: ${(e as Error).message}`, contextDir);
  }
  return {
    root,
    context,
    dockerfile(file) {
      const abs = path.resolve(file);
      const rel = path.relative(from, abs);
      return rel.startsWith('..') || path.isAbsolute(rel) ? abs : path.join(context, rel);
    },
    remove: () => removeTempDirs(root),
  };
}
