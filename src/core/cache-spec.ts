/**
 * Build cache sources and destinations as BuildKit's clients write them (`--cache-from`,
 * `--cache-to` of buildx; `--import-cache`, `--export-cache` of buildctl): either an image
 * reference alone (a registry cache, or an image with an inline cache), or `type=T,key=value,...`.
 *
 * The mode is the exporter's: `mode=min` (BuildKit's default) exports the records of the whole
 * build but results (layers) only for what is already transferable: the final image's layer chain
 * and the base images. Steps of other stages are known by key and have no result to load, so a
 * runner that starts empty re-runs them whenever a step that runs needs them. `mode=max` exports
 * a result for every step (solver/exporter.go: CacheExportModeMin turns into RemoteOnly below the
 * topmost vertex). An inline cache (in the image config) is always min.
 */
import { UsageError } from './errors.js';

export type CacheMode = 'min' | 'max';

export interface CacheSpec {
  /** `registry`, `local`, `inline`, `gha`, `s3`, `azblob`, ... */
  type: string;
  /** Every key=value but type, as given. */
  attrs: Record<string, string>;
  /** The spec as the user wrote it. */
  text: string;
}

/** The cache types a BuildKit client knows (buildx and buildctl, v0.12 and later). */
const TYPES = new Set(['registry', 'local', 'inline', 'gha', 's3', 'azblob']);

/**
 * Read one spec. `flag` names the option in errors. A bare value is an image reference, as
 * `docker build --cache-from IMAGE` takes it (`type=registry,ref=IMAGE`).
 */
export function parseCacheSpec(text: string, flag: '--cache-from' | '--cache-to'): CacheSpec {
  const value = text.trim();
  if (!value) throw new UsageError(`${flag} expects a cache: an image reference or type=registry|local|inline|...,key=value`);
  if (!value.includes('=')) {
    if (/[\s,]/.test(value)) throw new UsageError(`${flag}: "${text}" is not an image reference (type=...,key=value lists need type=)`);
    if (flag === '--cache-to') throw new UsageError(`${flag} expects type=...: "${text}" alone would not say how to export (type=registry,ref=${value},mode=max, or type=inline)`);
    return { type: 'registry', attrs: { ref: value }, text };
  }
  const attrs: Record<string, string> = {};
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: "${part}" in "${text}" is not key=value`);
    attrs[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const type = attrs['type'];
  if (!type) throw new UsageError(`${flag}: "${text}" has no type= (registry, local, inline, gha, s3, azblob)`);
  if (!TYPES.has(type)) throw new UsageError(`${flag}: unknown cache type "${type}" (registry, local, inline, gha, s3, azblob)`);
  delete attrs['type'];
  const mode = attrs['mode'];
  if (mode !== undefined && mode !== 'min' && mode !== 'max') throw new UsageError(`${flag}: mode must be min or max, got "${mode}"`);
  if (type === 'inline' && mode === 'max') throw new UsageError(`${flag}: an inline cache holds the final image's layers only (mode=min); mode=max needs type=registry or local`);
  if (type === 'registry' && !attrs['ref']) throw new UsageError(`${flag}: type=registry needs ref=IMAGE`);
  if (type === 'local' && flag === '--cache-from' && !attrs['src']) throw new UsageError(`${flag}: type=local needs src=DIR`);
  if (type === 'local' && flag === '--cache-to' && !attrs['dest']) throw new UsageError(`${flag}: type=local needs dest=DIR`);
  if (type === 'inline' && flag === '--cache-from') throw new UsageError(`${flag}: an inline cache is read from its image: --cache-from IMAGE (or type=registry,ref=IMAGE)`);
  return { type, attrs, text };
}

/** The mode the cache was (or will be) exported with: what the spec says, else BuildKit's default, min. */
export function cacheMode(spec: CacheSpec): CacheMode {
  return spec.type === 'inline' ? 'min' : spec.attrs['mode'] === 'max' ? 'max' : 'min';
}

/** The spec back as `type=...,k=v` (for buildctl and buildx), with attrs dropped or added. */
export function formatCacheSpec(spec: CacheSpec, change: { drop?: string[]; add?: Record<string, string> } = {}): string {
  const attrs = { ...spec.attrs };
  for (const k of change.drop ?? []) delete attrs[k];
  for (const [k, v] of Object.entries(change.add ?? {})) if (!(k in attrs)) attrs[k] = v;
  return [`type=${spec.type}`, ...Object.entries(attrs).map(([k, v]) => `${k}=${v}`)].join(',');
}

/** A reference to a registry on loopback, which speaks plain HTTP (as scripts/engine.sh runs it). */
export function isLoopbackRef(ref: string): boolean {
  return /^(127\.|localhost[:/])/.test(ref);
}
