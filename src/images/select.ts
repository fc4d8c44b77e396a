/**
 * Which images a command reads: one Dockerfile (`-f`, or CONTEXT/Dockerfile, as before), the
 * targets of a bake file (`--bake`), the services of a compose file (`--compose`), or, with
 * none of these and no CONTEXT/Dockerfile, what the repository describes: its bake and compose
 * files, and the Dockerfiles none of them builds, each with its own folder as context.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { resolveTarget } from '../core/target.js';
import { bakeImages, bakeSelection, readBake } from './bake.js';
import { composeImages, composeSelection, readCompose } from './compose.js';
import type { ImageSet, ImageSpec } from './spec.js';
import { redact } from '../core/secrets.js';

export interface ImageOptions {
  /** CONTEXT as given (default "."). */
  context?: string;
  /** -f FILE. */
  file?: string;
  bake?: string;
  compose?: string;
  /** --target: the Dockerfile stage; with --bake, the bake target or group. */
  target?: string;
  /** --service (compose), repeatable. */
  service?: string[];
  /** --build-arg, on top of what bake or compose set. */
  buildArgs?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** One Dockerfile, as `docker build` takes it; or a set of images a project file describes. */
export type Selection = { kind: 'dockerfile'; image: ImageSpec } | { kind: 'images'; set: ImageSet };

/** The file names buildx bake looks for, in its order (compose files first). */
export const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;
export const BAKE_FILES = ['docker-bake.json', 'docker-bake.hcl'] as const;

/** A Dockerfile by name: Dockerfile, Dockerfile.NAME, NAME.Dockerfile, Containerfile. */
export function isDockerfileName(name: string): boolean {
  return /^(Dockerfile|Containerfile)(\.[\w.-]+)?$/.test(name) || /\.(Dockerfile|dockerfile)$/.test(name);
}

/** Folders no image is built from: VCS data, dependency trees, caches. */
const SKIP_DIRS = new Set(['node_modules', 'vendor', '__pycache__', 'target', 'dist', 'build']);
const MAX_DEPTH = 8;

function findDockerfiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // an unreadable folder holds no Dockerfile we can read either
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) walk(path.join(dir, e.name), depth + 1);
      } else if (e.isFile() && isDockerfileName(e.name)) {
        out.push(path.join(dir, e.name));
      }
    }
  };
  walk(root, 0);
  return out;
}

function checkFlags(o: ImageOptions): void {
  if (o.bake && o.compose) throw new UsageError('--bake and --compose each describe the images; give one of them');
  if ((o.bake || o.compose) && o.file) throw new UsageError(`-f names one Dockerfile; --${o.bake ? 'bake' : 'compose'} takes the Dockerfiles from its file`);
  if (o.service?.length && !o.compose) throw new UsageError('--service picks a service of --compose FILE');
}

function merge(into: ImageSet, from: ImageSet): void {
  into.images.push(...from.images);
  into.skipped.push(...from.skipped);
  into.warnings.push(...from.warnings);
}

export async function selectImages(o: ImageOptions): Promise<Selection> {
  checkFlags(o);
  const env = o.env ?? process.env;
  const extra = o.buildArgs ?? {};
  if (o.bake) {
    const bake = await readBake(o.bake, env);
    return { kind: 'images', set: bakeImages(bake, bakeSelection(bake, o.target), extra) };
  }
  if (o.compose) {
    const compose = await readCompose(o.compose, env);
    const set = composeImages(compose, composeSelection(compose, o.service), extra);
    // --target on compose picks the stage of every selected service, as `docker build --target` would.
    if (o.target) for (const i of set.images) i.stage = o.target;
    return { kind: 'images', set };
  }
  const single = (): Selection => {
    const t = resolveTarget(o.context, o.file);
    return { kind: 'dockerfile', image: { name: t.displayName, origin: { kind: 'dockerfile', file: t.displayName }, target: t, ...(o.target ? { stage: o.target } : {}), buildArgs: { ...extra } } };
  };
  if (o.file) return single();
  const root = path.resolve(o.context ?? '.');
  const projectFiles = existsSync(root) ? [...COMPOSE_FILES, ...BAKE_FILES].filter((f) => existsSync(path.join(root, f))) : [];
  if (!projectFiles.length && (!existsSync(root) || existsSync(path.join(root, 'Dockerfile')))) return single();
  // What the repository describes.
  const set: ImageSet = { images: [], skipped: [], warnings: [] };
  for (const f of projectFiles) {
    const file = path.join(root, f);
    if ((COMPOSE_FILES as readonly string[]).includes(f)) {
      const compose = await readCompose(file, env);
      merge(set, composeImages(compose, composeSelection(compose, undefined), extra));
    } else {
      const bake = await readBake(file, env);
      // The default group when there is one; else every target (there is nothing else to go by).
      const names = bake.groups.has('default') || bake.targets.has('default') ? bakeSelection(bake, undefined) : [...bake.targets.keys()];
      merge(set, bakeImages(bake, names, extra));
    }
  }
  const described = new Set(set.images.map((i) => i.target.dockerfilePath));
  for (const df of findDockerfiles(root)) {
    if (described.has(df)) continue;
    const t = resolveTarget(path.dirname(df), df);
    set.images.push({ name: t.displayName, origin: { kind: 'dockerfile', file: t.displayName }, target: t, ...(o.target ? { stage: o.target } : {}), buildArgs: { ...extra } });
  }
  // Nothing described at all: read CONTEXT/Dockerfile as before, which says it is missing.
  if (!set.images.length && !set.skipped.length && !projectFiles.length) return single();
  return { kind: 'images', set };
}

/**
 * For the commands that read one image (explain, fix, graph): the selection must come to
 * exactly one; otherwise the user is told the names to pick from.
 */
export async function selectOneImage(o: ImageOptions): Promise<ImageSpec> {
  const s = await selectImages(o);
  if (s.kind === 'dockerfile') return s.image;
  for (const w of s.set.warnings) process.stderr.write(redact(`layerwise: warning: ${w}\n`));
  if (s.set.images.length === 1) return s.set.images[0]!;
  const how = o.bake ? '--target NAME' : o.compose ? '--service NAME' : '-f FILE, --bake FILE --target NAME or --compose FILE --service NAME';
  if (!s.set.images.length) {
    throw new UsageError(`nothing to read: ${s.set.skipped.map((x) => `${x.name} is skipped (${x.reason})`).join('; ')}`);
  }
  throw new UsageError(`this reads one image and ${s.set.images.length} are described (${s.set.images.map((i) => i.name).join(', ')}); pick one with ${how}`);
}
