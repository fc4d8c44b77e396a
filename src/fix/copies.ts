/**
 * The copy of the whole build context that the moving transforms work around (`COPY . .`,
 * `COPY . /app`): where it puts the context in the image, and path containment in the image.
 * One reading for late-source-copy, split-install and parallel-stages.
 */
import path from 'node:path';
import { contextPath } from '../cache/changes.js';
import type { BuildContext } from '../context/index.js';
import type { BuildGraph, Source, Step } from '../graph/graph.js';
import { broadCopies } from '../rules/shared.js';

/** Whether image path `p` is `dir` or lies inside it. */
export function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** A COPY's destination directory in the image (relative to its WORKDIR when not absolute). */
export function copyDest(copy: Step): string {
  const dest = String(copy.expanded.dest ?? '');
  return dest.startsWith('/') ? path.posix.normalize(dest) : path.posix.join(copy.scope.workdir, dest);
}

export interface WholeCopy {
  copy: Step;
  /** Its context source (paths and excludes, for selecting what it brings). */
  source: Extract<Source, { kind: 'context' }>;
  dest: string;
}

/** The COPY/ADD steps of the needed stages that bring the whole context (`.`), with where they put it. */
export function wholeContextCopies(graph: BuildGraph, context?: BuildContext): WholeCopy[] {
  const out: WholeCopy[] = [];
  for (const copy of broadCopies(graph, context)) {
    const source = copy.sources.find((s): s is WholeCopy['source'] => s.kind === 'context');
    if (!source || !source.paths.every((p) => contextPath(p) === '.')) continue;
    out.push({ copy, source, dest: copyDest(copy) });
  }
  return out;
}
