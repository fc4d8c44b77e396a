/**
 * Which changed context paths a COPY/ADD source or a bind mount selects. This works on paths,
 * not on the files on disk, so a deleted file still counts for the directory or glob that
 * copied it, and explain needs no previous copy of the context.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { containsWildcards, goClean, goMatch, PatternMatcher } from '../context/index.js';
import type { Source } from '../graph/graph.js';
import type { ChangedContext } from './invalidation.js';

/** Normalises a context path or COPY source the way BuildKit does (Clean, no leading `/`). */
export function contextPath(p: string): string {
  const c = goClean('/' + p.replace(/\\/g, '/')).replace(/^\/+/, '');
  return c === '' ? '.' : c;
}

/**
 * A changed path as the user gives it (`--changed PATH`): relative to the context folder, or
 * an absolute path inside it. A path outside the context cannot change what the build reads,
 * and taking it as a context path (`/etc/passwd` as `etc/passwd`, `../../x` as `x`, which is
 * what BuildKit does to COPY sources) would answer another question: an input error.
 */
export function changedPathArg(arg: string, contextDir: string): string {
  const given = arg.replace(/\\/g, '/');
  if (path.isAbsolute(given)) {
    const inside = (root: string, p: string) => {
      const rel = path.relative(root, p);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? rel : undefined;
    };
    const real = (p: string) => {
      try {
        return realpathSync(p);
      } catch {
        // A deleted file is a change too: resolve its folder, keep its name.
        try {
          return path.join(realpathSync(path.dirname(p)), path.basename(p));
        } catch {
          return p;
        }
      }
    };
    const rel = inside(path.resolve(contextDir), path.resolve(given)) ?? inside(real(contextDir), real(given));
    if (rel === undefined) throw new InputError(`--changed ${arg}: outside the build context ${contextDir} (give a path relative to CONTEXT, or an absolute path inside it)`);
    return contextPath(rel.split(path.sep).join('/'));
  }
  const norm = path.posix.normalize(given);
  if (norm === '..' || norm.startsWith('../')) throw new InputError(`--changed ${arg}: climbs out of the build context ${contextDir} (paths are relative to CONTEXT)`);
  return contextPath(norm);
}

/** True when a COPY source (already expanded) selects `file` (a cleaned context path). */
export function sourceSelects(source: string, file: string): boolean {
  const src = contextPath(source);
  if (src === '.') return true;
  if (!containsWildcards(src)) return file === src || file.startsWith(src + '/');
  // A wildcard matches path segments one for one; whatever it matches is copied whole.
  const depth = src.split('/').length;
  const parts = file.split('/');
  if (parts.length < depth) return false;
  try {
    return goMatch(src, parts.slice(0, depth).join('/'));
  } catch {
    return false;
  }
}

/**
 * The changed paths as the cache model sees them: after `.dockerignore` (an ignored file is
 * never sent, so its changes cannot bust anything) and after `COPY --exclude`.
 */
export function changedContext(changed: readonly string[], ignore?: PatternMatcher): ChangedContext {
  const paths = [...new Set(changed.map(contextPath))].filter((p) => p !== '.' && !(ignore?.matchesOrParentMatches(p) ?? false));
  return {
    selected(src: Extract<Source, { kind: 'context' }>): string[] {
      const exclude = src.exclude.length ? new PatternMatcher(src.exclude) : undefined;
      return paths.filter((p) => src.paths.some((s) => sourceSelects(s, p)) && !(exclude?.matchesOrParentMatches(p) ?? false));
    },
  };
}
