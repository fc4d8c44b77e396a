/**
 * Which changed context paths a COPY/ADD source or a bind mount selects. This works on paths,
 * not on the files on disk, so a deleted file still counts for the directory or glob that
 * copied it, and explain needs no previous copy of the context.
 */
import { containsWildcards, goClean, goMatch, PatternMatcher } from '../context/index.js';
import type { Source } from '../graph/graph.js';
import type { ChangedContext } from './invalidation.js';

/** Normalises a context path or COPY source the way BuildKit does (Clean, no leading `/`). */
export function contextPath(p: string): string {
  const c = goClean('/' + p.replace(/\\/g, '/')).replace(/^\/+/, '');
  return c === '' ? '.' : c;
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
