/**
 * The copies of source that the moving transforms work around (`COPY . .`, `COPY . /app`,
 * `COPY src/ /app/src`): where they put it in the image, and path containment in the image.
 * One reading for late-source-copy, split-install and parallel-stages.
 */
import path from 'node:path';
import { contextPath } from '../cache/changes.js';
import type { BuildContext } from '../context/index.js';
import type { BuildGraph, Source, Step } from '../graph/graph.js';
import { broadCopies, isManifest } from '../rules/shared.js';

/** Whether image path `p` is `dir` or lies inside it. */
export function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** A COPY's destination directory in the image (relative to its WORKDIR when not absolute). */
export function copyDest(copy: Step): string {
  const dest = String(copy.expanded.dest ?? '');
  return dest.startsWith('/') ? path.posix.normalize(dest) : path.posix.join(copy.scope.workdir, dest);
}

/**
 * A COPY of source the moving transforms work around: the whole context (`COPY . .`), or one
 * folder of it holding more than manifests (`COPY src/ /app/src`, `COPY program/ /nikto`).
 */
export interface SourceCopy {
  copy: Step;
  /** Its context source (paths and excludes, for selecting what it brings). */
  source: Extract<Source, { kind: 'context' }>;
  /** Where it puts what it brings in the image. */
  dest: string;
  /** The context folder it brings to `dest`: '.' for the whole context. */
  from: string;
}

/** The context path of image path `p` that a source copy brought (p lies in its dest). */
export function contextOf(c: SourceCopy, p: string): string {
  return path.posix.join(c.from, path.posix.relative(c.dest, p)) || '.';
}

/**
 * The source copies of the needed stages: copies of the whole context (or most of it), and,
 * with a context to tell folders from files, a copy of one folder that holds files other than
 * manifests. Manifests copied alone are what late-source-copy itself puts before a copy.
 */
export function sourceCopies(graph: BuildGraph, context?: BuildContext): SourceCopy[] {
  const out: SourceCopy[] = [];
  const broad = new Set(broadCopies(graph, context));
  for (const stage of graph.stages) {
    if (!stage.needed) continue;
    for (const copy of stage.steps) {
      if (copy.keyword !== 'COPY' && copy.keyword !== 'ADD') continue;
      const source = copy.sources.find((s): s is SourceCopy['source'] => s.kind === 'context');
      if (!source || copy.sources.length !== 1) continue;
      if (broad.has(copy) && source.paths.every((p) => contextPath(p) === '.')) {
        out.push({ copy, source, dest: copyDest(copy), from: '.' });
        continue;
      }
      if (!context || source.paths.length !== 1) continue;
      const from = contextPath(source.paths[0]);
      if (from === '.' || /[*?[]/.test(from) || context.get(from)?.type !== 'dir') continue;
      const files = context.select(source.paths, { exclude: source.exclude }).files;
      if (!files.some((f) => !isManifest(f.path))) continue;
      out.push({ copy, source, dest: copyDest(copy), from });
    }
  }
  return out;
}

/** The image paths of the files a source copy brings (null without a context to tell). */
export function copiedPaths(c: SourceCopy, context?: BuildContext): string[] | null {
  if (!context) return null;
  return context.select(c.source.paths, { exclude: c.source.exclude }).files.map((f) => path.posix.join(c.dest, path.posix.relative(c.from, f.path)));
}

/**
 * Whether writing image path `w` changes what a source copy brought: it writes a copied file,
 * or a folder that holds some (`chown -R u /app`). Writing beside them (`/app/node_modules`,
 * which the context does not have) does not; without the list, any write into the copy does.
 */
export function writesCopied(w: string, c: SourceCopy, copied: string[] | null): boolean {
  if (under(c.dest, w)) return true;
  if (!under(w, c.dest)) return false;
  return copied === null || copied.some((f) => under(f, w) || under(w, f));
}
