import { closeSync, openSync, readSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { goClean } from './gopath.js';
import { loadDockerignore, type DockerIgnore } from './dockerignore.js';
import { combinedDigest, hashEntries } from './hash.js';
import { ContextIndex, selectBindMount, selectSources, type SelectOptions, type Selection } from './select.js';
import { carriedFiles, racyFiles, stillFresh } from './snapshot.js';
import { walkRecorded, type ContextEntry, type WalkRecord } from './walk.js';

export interface OpenContextOptions {
  /** Files hashed at once (default 16). */
  concurrency?: number;
  /**
   * Reuse the walk (and file digests) of an earlier open of the same context in this process
   * while `lstat` shows nothing changed (see context/snapshot.ts). Default true.
   */
  reuse?: boolean;
}

/**
 * A build context as BuildKit receives it, walked once when opened: a snapshot. Selections are
 * answered from the snapshot and file digests are computed on first use and kept, so open a
 * new context to see changes made on disk since.
 */
export class BuildContext {
  private readonly index: ContextIndex;
  private readonly digests = new Map<string, Promise<string>>();
  /** Selections asked before, by their arguments: a context is a snapshot, so they hold. */
  private readonly selections = new Map<string, Selection>();

  constructor(
    /** Absolute, symlink-free path of the context directory. */
    readonly root: string,
    /** Absolute path of the Dockerfile the ignore file was chosen for. */
    readonly dockerfile: string,
    readonly ignore: DockerIgnore,
    /** Everything sent, in walk order. */
    readonly entries: readonly ContextEntry[],
    private readonly options: OpenContextOptions = {},
  ) {
    this.index = new ContextIndex(entries);
  }

  /** The entry at a context-relative path, if it was sent. */
  get(rel: string): ContextEntry | undefined {
    return this.index.get(rel);
  }

  /** What a COPY/ADD with these local sources reads (see {@link selectSources}). */
  select(sources: readonly string[], options: SelectOptions = {}): Selection {
    return this.remember(JSON.stringify(['copy', sources, options.exclude ?? []]), () => selectSources(this.index, sources, options, this.ignore.matcher));
  }

  /** What `RUN --mount=type=bind,source=…` reads; the default source is the whole context. */
  selectBindMount(source?: string): Selection {
    return this.remember(JSON.stringify(['bind', source ?? null]), () => selectBindMount(this.index, source, this.ignore.matcher));
  }

  private remember(key: string, select: () => Selection): Selection {
    let s = this.selections.get(key);
    if (!s) this.selections.set(key, (s = select()));
    return s;
  }

  /** Digests known from an earlier walk (see openContext): the files' stamps say they hold. */
  adoptDigests(from: BuildContext, paths: Iterable<string>): void {
    for (const p of paths) {
      const d = from.digests.get(p);
      if (d) this.digests.set(p, d);
    }
  }

  /** Forgets the digests of these files, whose stamps cannot be trusted to show a change. */
  forgetDigests(paths: Iterable<string>): void {
    for (const p of paths) this.digests.delete(p);
  }

  /**
   * Whether .dockerignore excludes a path, answered like BuildKit's CopyIgnoredFile check
   * (`MatchesOrParentMatches` on the cleaned path), for findings. Which paths are actually
   * sent is decided by the walk, which can differ in rare pattern orders.
   */
  isIgnored(rel: string): boolean {
    const cleaned = goClean(rel.replace(/^\/+/, ''));
    return cleaned !== '.' && (this.ignore.matcher?.matchesOrParentMatches(cleaned) ?? false);
  }

  /**
   * The start of a file the context sends (at most `maxBytes`), as text; undefined when the
   * path is not a file the context holds or cannot be read. For findings that read a script
   * the image runs (its entrypoint), never for cache keys.
   */
  readText(rel: string, maxBytes = 256 * 1024): string | undefined {
    const entry = this.index.get(rel);
    if (entry?.type !== 'file') return undefined;
    try {
      const fd = openSync(path.join(this.root, rel), 'r');
      try {
        const buf = Buffer.alloc(Math.min(maxBytes, entry.size));
        const n = readSync(fd, buf, 0, buf.length, 0);
        return buf.subarray(0, n).toString('utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
  }

  /**
   * Identity digest per entry (see {@link hashEntries}); files are read once per context, so
   * pass entries of this context (digests are cached by path).
   */
  hash(entries: readonly ContextEntry[]): Promise<Map<string, string>> {
    return hashEntries(this.root, entries, { concurrency: this.options.concurrency, cache: this.digests });
  }

  /** One digest for a selection: equal digests mean the instruction reads the same content. */
  async digest(entries: readonly ContextEntry[]): Promise<string> {
    return combinedDigest(entries, await this.hash(entries));
  }
}

/**
 * Opens the context at `root` for the Dockerfile at `dockerfilePath` (relative paths are taken
 * from the working directory, like `docker build -f`): picks the ignore file, walks once.
 * Give the Dockerfile name as BuildKit gets it (`-f`, default `Dockerfile`): the specific
 * ignore file is looked up by that name even when BuildKit falls back to `dockerfile`.
 */
export async function openContext(root: string, dockerfilePath: string, options: OpenContextOptions = {}): Promise<BuildContext> {
  const dockerfile = path.resolve(dockerfilePath);
  const ignore = await loadDockerignore(path.resolve(root), dockerfile);
  if (options.reuse === false) {
    const record = await walkRecorded(root, ignore.matcher);
    return new BuildContext(record.root, dockerfile, ignore, record.entries, options);
  }
  const key = `${path.resolve(root)}\0${dockerfile}\0${options.concurrency ?? ''}`;
  const ignoreKey = JSON.stringify([ignore.file ?? null, ignore.patterns]);
  const prev = opened.get(key);
  opened.delete(key); // re-inserted below: the map's order is the order of use
  if (prev && prev.ignoreKey === ignoreKey && (await realpath(root)) === prev.record.root && stillFresh(prev.record)) {
    prev.context.forgetDigests(racyFiles(prev.record));
    opened.set(key, prev);
    return prev.context;
  }
  const record = await walkRecorded(root, ignore.matcher);
  const context = new BuildContext(record.root, dockerfile, ignore, record.entries, options);
  if (prev) context.adoptDigests(prev.context, carriedFiles(prev.record, record));
  opened.set(key, { ignoreKey, record, context });
  while (opened.size > MAX_OPENED) opened.delete(opened.keys().next().value!);
  return context;
}

/** Contexts kept for reuse (see OpenContextOptions.reuse), least recently opened first. */
const opened = new Map<string, { ignoreKey: string; record: WalkRecord; context: BuildContext }>();
const MAX_OPENED = 4;
