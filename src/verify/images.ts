/**
 * The images `layerwise verify` makes: tagged under a prefix of its own, so that clean-up
 * removes exactly what verify made and nothing a test suite, a bench or a person made.
 */
import { archivedTags, dropArchives, ownedTag, VERIFY_TAG_PREFIX } from '../engine/cleanup.js';
import type { EngineIdentity } from '../engine/engine.js';
import { firstLine, run } from '../engine/exec.js';

/** Every image verify builds is tagged under this prefix; clean-up refuses any other tag. */
export { VERIFY_TAG_PREFIX };

/** A fresh tag per build, so no build re-tags (and so orphans) another's image. */
export function verifyTag(name = 'build'): string {
  return ownedTag(VERIFY_TAG_PREFIX, name);
}

/** Removes verify images by tag; refuses tags outside {@link VERIFY_TAG_PREFIX}. Returns the tags that are gone. */
export async function removeVerifyImages(engine: EngineIdentity, tags: readonly string[]): Promise<string[]> {
  const foreign = tags.filter((t) => !t.startsWith(VERIFY_TAG_PREFIX));
  if (foreign.length) throw new Error(`refusing to remove images not tagged ${VERIFY_TAG_PREFIX}*: ${foreign.join(', ')}`);
  if (engine.kind === 'buildctl') return dropArchives(tags);
  if (!tags.length || !engine.docker) return [];
  // Without --force an image that also carries someone else's tag only loses ours.
  const r = await run(engine.docker, ['image', 'rm', ...tags], { env: { ...process.env, ...engine.env }, timeoutMs: 120_000 });
  return tags.filter((t) => !r.stderr.includes(t));
}

/** Every image in the engine's store tagged under {@link VERIFY_TAG_PREFIX} (by anyone's verify). */
export async function listVerifyImages(engine: EngineIdentity): Promise<string[]> {
  if (engine.kind === 'buildctl') return archivedTags().filter((t) => t.startsWith(VERIFY_TAG_PREFIX));
  if (!engine.docker) return [];
  const r = await run(engine.docker, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: { ...process.env, ...engine.env }, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`docker image ls failed: ${firstLine(r.stderr)}`);
  return r.stdout.split('\n').filter((l) => l.startsWith(VERIFY_TAG_PREFIX));
}
