import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EngineIdentity } from './engine.js';
import { firstLine, run } from './exec.js';

/**
 * Every image layerwise makes is tagged under one of these repository prefixes (one per kind
 * of maker), and clean-up only ever removes images tagged so. No label is added: a label would
 * change the image's config and so its ID, and layerwise compares images. The tag says who
 * made the image instead (see {@link ownedTag}).
 */
export const TAG_PREFIX = 'layerwise-test/';
export const VERIFY_TAG_PREFIX = 'layerwise-verify/';
export const BENCH_TAG_PREFIX = 'layerwise-bench/';
const OWNED_PREFIXES = [TAG_PREFIX, VERIFY_TAG_PREFIX, BENCH_TAG_PREFIX] as const;

/**
 * A fresh tag under `prefix`, unique per call (so no build re-tags, and so orphans, another's
 * image), that names its maker: `<prefix><name>:<pid>-<time>-<random>`, pid and time in base
 * 36. Several processes share one daemon (test files side by side, a bench beside a verify):
 * each removes what it made, and a process that finds an image of a process that no longer
 * runs on this machine knows it for a leftover of a killed run.
 */
export function ownedTag(prefix: string, name = 'build'): string {
  // Docker repository components: lower-case alphanumerics joined by single separators.
  const safe =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 48)
      .replace(/^-+|-+$/g, '') || 'build';
  return `${prefix}${safe}:${process.pid.toString(36)}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The process id that made an image tagged by {@link ownedTag}, or undefined for any other tag. */
export function ownerOf(ref: string): number | undefined {
  if (!OWNED_PREFIXES.some((p) => ref.startsWith(p))) return undefined;
  const m = /:([0-9a-z]+)-[0-9a-z]+-[0-9a-f]{6}$/.exec(ref);
  return m ? parseInt(m[1]!, 36) : undefined;
}

/** Whether a process runs on this machine (EPERM: it runs, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh test tag (see {@link ownedTag}). */
export function testTag(name = 'build'): string {
  return ownedTag(TAG_PREFIX, name);
}

export function isTestTag(ref: string): boolean {
  return ref.startsWith(TAG_PREFIX);
}

/**
 * A BuildKit daemon (buildctl) has no image store to ask: each build exports its image as a
 * tarball, and the tag names that file for the rest of this process (listing files, config,
 * removal). Tag -> archive path.
 */
const archives = new Map<string, string>();

/** Remember the tarball a build exported for `tag` (the driver does this for buildctl builds). */
export function keepArchive(tag: string, file: string): void {
  archives.set(tag, file);
}

/** The tarball of an image built by this process on a BuildKit daemon, while it exists. */
export function archiveOf(tag: string): string | undefined {
  const file = archives.get(tag) ?? archives.get(`${tag}:latest`);
  return file && existsSync(file) ? file : undefined;
}

/** The tags of every image this process built on a BuildKit daemon whose tarball is still there. */
export function archivedTags(): string[] {
  return [...archives.keys()].filter((t) => archiveOf(t));
}

/** Remove the tarballs of images built on a BuildKit daemon; returns the tags that had one. */
export function dropArchives(tags: readonly string[]): string[] {
  return tags.filter(forgetArchive);
}

function forgetArchive(tag: string): boolean {
  const file = archives.get(tag);
  if (!file) return false;
  archives.delete(tag);
  removeTempDirs(path.dirname(file));
  return true;
}

function dockerOf(engine: EngineIdentity): { docker: string; env: NodeJS.ProcessEnv } {
  if (!engine.docker) throw new Error(`${engine.description}: no docker client to manage images with`);
  return { docker: engine.docker, env: { ...process.env, ...engine.env } };
}

/** Remove images by tag; refuses any tag outside {@link TAG_PREFIX}. Returns the tags removed. */
export async function removeImages(engine: EngineIdentity, tags: readonly string[]): Promise<string[]> {
  const foreign = tags.filter((t) => !isTestTag(t));
  if (foreign.length > 0) throw new Error(`refusing to remove images not tagged ${TAG_PREFIX}*: ${foreign.join(', ')}`);
  if (tags.length === 0) return [];
  if (engine.kind === 'buildctl') return dropArchives(tags);
  const { docker, env } = dockerOf(engine);
  // Without --force an image still tagged elsewhere only loses this tag: other users keep theirs.
  const r = await run(docker, ['image', 'rm', ...tags], { env, timeoutMs: 120_000 });
  const removed = tags.filter((t) => !r.stderr.includes(t));
  return removed;
}

/** Every image tagged under {@link TAG_PREFIX} in the engine's image store. */
export async function listTestImages(engine: EngineIdentity): Promise<string[]> {
  if (engine.kind === 'buildctl') return archivedTags().filter(isTestTag);
  const { docker, env } = dockerOf(engine);
  const r = await run(docker, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`docker image ls failed: ${firstLine(r.stderr)}`);
  return r.stdout.split('\n').filter((l) => isTestTag(l) && !l.endsWith(':<none>'));
}

/** Remove every image tagged under {@link TAG_PREFIX}; nothing else. */
export async function removeTestImages(engine: EngineIdentity): Promise<string[]> {
  return removeImages(engine, await listTestImages(engine));
}

/**
 * Remove the images of killed runs: tagged by {@link ownedTag} under any of layerwise's
 * prefixes by a process that no longer runs on this machine. Images of running processes, and
 * every tag not made so, stay. Returns the tags removed. (A BuildKit daemon has no store: its
 * images are tarballs in the maker's temp folders.)
 */
export async function removeLeftovers(engine: EngineIdentity): Promise<string[]> {
  if (engine.kind === 'buildctl' || !engine.docker) return [];
  const { docker, env } = dockerOf(engine);
  const r = await run(docker, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`docker image ls failed: ${firstLine(r.stderr)}`);
  const dead = r.stdout.split('\n').filter((ref) => {
    const pid = ownerOf(ref);
    return pid !== undefined && pid !== process.pid && !alive(pid);
  });
  if (dead.length === 0) return [];
  const rm = await run(docker, ['image', 'rm', ...dead], { env, timeoutMs: 300_000 });
  return dead.filter((t) => !rm.stderr.includes(t));
}

export interface PruneOptions {
  /** The builder is layerwise's own (e.g. the dockerd that scripts/engine.sh started in CI). */
  ownedBuilder?: boolean;
  /** The user asked for it. */
  force?: boolean;
}

/**
 * Empty the build cache, so a following build really runs every step. The cache is shared by
 * everything that builds on the engine, so this refuses unless the builder is layerwise's own or
 * the caller says so.
 */
export async function pruneBuildCache(engine: EngineIdentity, options: PruneOptions = {}): Promise<void> {
  if (!options.ownedBuilder && !options.force) {
    throw new Error('refusing to prune a build cache that layerwise does not own (pass force to do it anyway)');
  }
  const env = { ...process.env, ...engine.env };
  const r =
    engine.kind === 'buildctl'
      ? await run(engine.client, ['prune', '--all'], { env, timeoutMs: 300_000 })
      : await run(engine.docker ?? engine.client, ['builder', 'prune', '--all', '--force'], { env, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`build cache prune failed: ${firstLine(r.stderr)}`);
}

const tempDirs = new Set<string>();

/** A new directory under the system's temp dir, removed by {@link removeTempDirs}. */
export function makeTempDir(prefix = 'layerwise-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Remove one directory made by {@link makeTempDir} (or all of them). */
export function removeTempDirs(dir?: string): void {
  for (const d of dir ? [dir] : [...tempDirs]) {
    if (!tempDirs.has(d)) continue;
    rmSync(d, { recursive: true, force: true });
    tempDirs.delete(d);
  }
}
