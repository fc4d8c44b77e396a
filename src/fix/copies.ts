/**
 * The copies of source that the moving transforms work around (`COPY . .`, `COPY . /app`,
 * `COPY src/ /app/src`, and the source arriving from a stage that holds it: `FROM scratch AS
 * src` + `COPY . /src`, then `COPY --from=src /src /tmp/src`): where they put it in the image,
 * where a later RUN puts it again (`cp -r /tmp/src /app`, see cache/source-flow.ts), and path
 * containment in the image. One reading for late-source-copy, split-install and copy-chown.
 */
import path from 'node:path';
import { contextPath } from '../cache/changes.js';
import type { BuildContext, Selection } from '../context/index.js';
import type { BuildGraph, Source, Step } from '../graph/graph.js';
import { sourceFlow } from '../cache/source-flow.js';
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
  /** A `COPY --from` of a stage holding the source: that stage (as named in the file) and where `from` lies in it. */
  via?: { stage: string; at: string };
  /**
   * Where later steps of the stage put the copied source again, with the step that did
   * (`cp -r /tmp/src /app`, in the branches of an `if` too): a step that reads there needs the
   * source as much as one that reads `dest`.
   */
  relanded: { at: string; step: Step }[];
}

/** A COPY's source as written (`local_src`, `0`), for a `--from=` of a narrow copy of the same stage. */
function fromFlag(copy: Step): string | null {
  const inst = copy.instruction;
  if (inst.keyword !== 'COPY') return null;
  const f = inst.flags.find((x) => x.name === 'from');
  return f ? String(f.value) : null;
}

/** Where the source a copy brought lands again later in its stage, by the source flow. */
function relandings(graph: BuildGraph, copy: Step, context?: BuildContext): SourceCopy['relanded'] {
  const flow = sourceFlow(graph, context);
  const out: SourceCopy['relanded'] = [];
  for (const step of graph.stages[copy.stage].steps) {
    if (step.position <= copy.position || step.keyword !== 'RUN') continue;
    for (const l of flow.brought(step)) if (l.hops.some((h) => h.step === copy) && l.hops[l.hops.length - 1].how === 'run') out.push({ at: l.at, step });
  }
  return out;
}

/**
 * A `COPY --from=<stage>` that brings the whole source from a stage that holds it as the
 * context put it (an exact landing of all of it, or of one folder with more than manifests),
 * straight to its destination.
 */
function stageCopy(graph: BuildGraph, copy: Step, context?: BuildContext): SourceCopy | null {
  const src = copy.sources[0];
  if (copy.sources.length !== 1 || src.kind !== 'stage' || src.paths.length !== 1 || /[*?[]/.test(src.paths[0])) return null;
  const name = fromFlag(copy);
  if (name === null) return null;
  const landed = sourceFlow(graph, context).brought(copy);
  if (landed.length !== 1) return null;
  const l = landed[0];
  const dest = copyDest(copy);
  if (!l.exact || l.approximate || l.at !== dest) return null;
  // Where `root` lies in the stage copied from: the path the COPY reads.
  const at = path.posix.normalize(path.posix.resolve('/', src.paths[0])).replace(/(.)\/$/, '$1');
  if (l.root !== '.' && (!context || context.get(l.root)?.type !== 'dir')) return null;
  return { copy, source: l.source, dest, from: l.root, via: { stage: name, at }, relanded: relandings(graph, copy, context) };
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
      const staged = stageCopy(graph, copy, context);
      if (staged) {
        out.push(staged);
        continue;
      }
      const source = copy.sources.find((s): s is SourceCopy['source'] => s.kind === 'context');
      if (!source || copy.sources.length !== 1) continue;
      if (broad.has(copy) && source.paths.every((p) => contextPath(p) === '.')) {
        out.push({ copy, source, dest: copyDest(copy), from: '.', relanded: relandings(graph, copy, context) });
        continue;
      }
      if (!context || source.paths.length !== 1) continue;
      const from = contextPath(source.paths[0]);
      // A folder of manifests (`gradle/`, `.mvn/`) is what a manifest-first copy brings, not source.
      if (from === '.' || /[*?[]/.test(from) || isManifest(from) || context.get(from)?.type !== 'dir') continue;
      const files = context.select(source.paths, { exclude: source.exclude }).files;
      if (!files.some((f) => !isManifest(f.path))) continue;
      out.push({ copy, source, dest: copyDest(copy), from, relanded: relandings(graph, copy, context) });
    }
  }
  return out;
}

/** The image paths of the files a source copy brings (null without a context to tell). */
export function copiedPaths(c: SourceCopy, context?: BuildContext): string[] | null {
  if (!context) return null;
  return imagePaths(context.select(c.source.paths, { exclude: c.source.exclude }), c.from, c.dest, true);
}

/**
 * Where a copy of context folder `from` to `dest` puts the files of a selection (only those
 * under `from` when `within`). Kept per selection (a context keeps its selections): fix plans
 * ask again on every pass, and a whole-context copy has thousands of files.
 */
export function imagePaths(sel: Selection, from: string, dest: string, within: boolean): string[] {
  let byCopy = imagePathsOf.get(sel);
  if (!byCopy) imagePathsOf.set(sel, (byCopy = new Map()));
  const key = `${within}\0${from}\0${dest}`;
  let out = byCopy.get(key);
  if (!out) {
    const files = within ? sel.files.filter((f) => from === '.' || under(f.path, from)) : sel.files;
    out = files.map((f) => path.posix.join(dest, relativeTo(from, f.path)));
    byCopy.set(key, out);
  }
  return out;
}

const imagePathsOf = new WeakMap<Selection, Map<string, string[]>>();

/** `path.posix.relative(from, p)`, without resolving both against the working directory where `p` lies in `from`. */
function relativeTo(from: string, p: string): string {
  if (from === '.' && !p.startsWith('/') && !p.split('/').some((x) => x === '..' || x === '.' || x === '')) return p;
  if (p === from) return '';
  if (p.startsWith(from + '/') && !from.startsWith('/') && !from.endsWith('/') && from !== '.') {
    const rest = p.slice(from.length + 1);
    if (!rest.split('/').some((x) => x === '..' || x === '.' || x === '')) return rest;
  }
  return path.posix.relative(from, p);
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

/** The COPY line that brings context path `f` (a folder when it ends in `/`) where the source copy puts it, from where that copy takes it. */
export function narrowCopyLine(c: SourceCopy, f: string, flags: string): string {
  const rel = path.posix.relative(c.from, f.replace(/\/$/, ''));
  const slash = f.endsWith('/') ? '/' : '';
  const to = path.posix.join(c.dest, rel) + slash;
  if (!c.via) return `COPY ${flags}${f} ${to}\n`;
  return `COPY --from=${c.via.stage} ${flags}${path.posix.join(c.via.at, rel)}${slash} ${to}\n`;
}
