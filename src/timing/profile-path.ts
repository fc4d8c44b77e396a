/**
 * Where a profile lives. Measured durations are a cache of this machine's builds, like
 * BuildKit's own cache and buildx's build history (both outside the project), not project
 * configuration (which hadolint keeps in the repository): a profile inside the build context
 * would be picked up by the next `COPY .` and bust the very cache it measures. So the default
 * is under the user's cache folder, one per context folder:
 * `$XDG_CACHE_HOME/layerwise/profiles/<context name>-<hash of its path>/profile.json`
 * (`~/.cache` without XDG_CACHE_HOME). `--profile FILE` puts it anywhere; a FILE the build
 * copies gets a warning (see {@link profileCopiedBy}).
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { cacheHome } from '../core/xdg.js';
import { ContextIndex, selectBindMount, selectSources, type BuildContext, type ContextEntry } from '../context/index.js';
import type { BuildGraph, Step } from '../graph/graph.js';

/** The default before profiles moved out of the context: `.layerwise/profile.json` in the working directory. */
export const LEGACY_PROFILE = path.join('.layerwise', 'profile.json');

/** The default profile of a build context folder. */
export function defaultProfilePath(contextDir: string, env: NodeJS.ProcessEnv = process.env): string {
  let dir = path.resolve(contextDir);
  try {
    dir = realpathSync(dir);
  } catch {
    // A context that does not exist yet keeps its resolved path.
  }
  const name = (path.basename(dir) || 'root').replace(/[^A-Za-z0-9._-]/g, '_');
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return path.join(cacheHome(env), 'layerwise', 'profiles', `${name}-${hash}`, 'profile.json');
}

export interface ProfileChoice {
  /** The file to read and write. */
  file: string;
  /** Given with `--profile`: a reader insists that it exists. */
  explicit: boolean;
  /** Set when the old default (`.layerwise/profile.json` here) is read instead: say so. */
  legacy?: boolean;
}

/**
 * The profile a command uses: `--profile FILE` when given, else the context's default; a
 * reader falls back to the old default in the working directory when only that exists, so a
 * profile recorded by an earlier version is not silently ignored.
 */
export function chooseProfile(option: string | undefined, contextDir: string, forReading: boolean): ProfileChoice {
  if (option !== undefined) return { file: option, explicit: true };
  const file = defaultProfilePath(contextDir);
  if (forReading && !existsSync(file) && existsSync(LEGACY_PROFILE)) return { file: LEGACY_PROFILE, explicit: false, legacy: true };
  return { file, explicit: false };
}

/**
 * The first step of the graph that would copy (or bind-mount) the profile file into the build,
 * were it written at `file`: it is inside the context, `.dockerignore` does not exclude it,
 * and a COPY/ADD source or bind mount selects it. The file need not exist yet.
 */
export function profileCopiedBy(file: string, context: BuildContext, graph: BuildGraph): Step | undefined {
  let abs = path.resolve(file);
  try {
    abs = path.join(realpathSync(path.dirname(abs)), path.basename(abs));
  } catch {
    // A folder not made yet: compare the resolved path.
  }
  const rel = path.relative(context.root, abs);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const posix = rel.split(path.sep).join('/');
  if (context.isIgnored(posix)) return undefined;
  // The context as it would be with the profile written: the file and any folder it needs.
  const extra: ContextEntry[] = [];
  const parts = posix.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (context.get(p)) continue;
    extra.push({ path: p, type: i === parts.length ? 'file' : 'dir', mode: i === parts.length ? 0o644 : 0o755, size: 0 });
  }
  const index = extra.length ? new ContextIndex([...context.entries, ...extra]) : undefined;
  for (const stage of graph.stages) {
    // A stage the target does not need is not built: its copies take nothing.
    if (!stage.needed) continue;
    for (const step of stage.steps) {
      for (const src of step.sources) {
        if (src.kind !== 'context') continue;
        const sel = index
          ? step.keyword === 'RUN' ? selectBindMount(index, src.paths[0]) : selectSources(index, src.paths, { exclude: src.exclude })
          : step.keyword === 'RUN' ? context.selectBindMount(src.paths[0]) : context.select(src.paths, { exclude: src.exclude });
        if (sel.entries.some((e) => e.path === posix)) return step;
      }
    }
  }
  return undefined;
}
