/**
 * Source flow: which files of the build context reach each step, and where they land. This is
 * the one place the concept lives; rules, change impact, explain and fix ask it instead of
 * looking for a context COPY in the same stage.
 *
 * Context files travel:
 * - directly: `COPY`/`ADD` from the context, `RUN --mount=type=bind` from the context;
 * - through other stages: `COPY --from=<stage>` and `RUN --mount=from=<stage>` read what that
 *   stage holds at its end (`FROM scratch AS src` + `COPY . /src`, then
 *   `COPY --from=src /src /app`), and a stage built `FROM <stage>` starts with all of it;
 * - within a stage: a RUN that `cp -r`/`mv`s a landed folder (`cp -r /tmp/src /app`) lands
 *   it again there; `rm -rf` of it takes it away.
 *
 * A {@link Landing} says: the context files under `root` that `source` selects are in the
 * step's file system under `at` (`root/x` at `at/x`). Its `hops` say how they came, each with
 * the range of the instruction that moved them, so a finding can name every line.
 *
 * `exact` says that what lies at `at` is still the context's content byte for byte: only
 * copies brought it (COPY/ADD, mounts, FROM), and no RUN since then may have written there.
 * BuildKit checksums the files a `COPY --from` or a `--mount=from` reads, so an edit of a file
 * that an exact landing carries certainly changes what such a step reads: it is rebuilt, not
 * "conditional" (engine scenario `copy-from-source-stage`).
 */
import path from 'node:path';
import type { Range } from '../core/ranges.js';
import type { BuildContext } from '../context/index.js';
import { goClean } from '../context/index.js';
import { resolveWord, type ShellWord } from '../shell/classify.js';
import { stepEffects } from '../shell/effects.js';
import { runAnalysis } from '../shell/run-analysis.js';
import type { BuildGraph, Source, Step } from '../graph/graph.js';
import { stageOrder } from '../graph/graph.js';

export type ContextSource = Extract<Source, { kind: 'context' }>;

/** One move of context files on their way to a step. */
export interface Hop {
  step: Step;
  /**
   * `context`: COPY/ADD or a bind mount from the context (the origin); `copy`: COPY --from a
   * stage; `mount`: RUN --mount from a stage; `from`: FROM <stage>; `run`: a RUN's cp or mv.
   */
  how: 'context' | 'copy' | 'mount' | 'from' | 'run';
  /** The instruction that made the move. */
  range: Range;
  /** For `context`, `copy` and `mount` hops: the step's source (of the graph) that carried the files. */
  source?: Source;
}

export interface Landing {
  /** Context path (cleaned, no leading `/`; `.` is the whole context) whose files land at `at`. */
  root: string;
  /** Absolute path in the file system of the step where `root` is. */
  at: string;
  /** The selection the files were taken from the context with (paths and excludes): only those travel. */
  source: ContextSource;
  /** The step that took them from the context (the first hop). */
  origin: Step;
  /** From the origin to the step that brought them where they are. */
  hops: Hop[];
  /** Nothing but copies brought them, and no RUN since may have changed them: the context's own bytes. */
  exact: boolean;
  /** The mapping of root to at is approximate (a wildcard source, `--parents`): selection still holds. */
  approximate: boolean;
}

export interface SourceFlow {
  /** What a step itself brings in: a COPY/ADD's copy, a RUN's mounts and its cp/mv of landed files, FROM <stage>'s inheritance. */
  brought(step: Step): Landing[];
  /** What is in the file system before a step runs (not counting its own mounts). */
  present(step: Step): Landing[];
  /**
   * The context files a step can read, and where: for COPY/ADD what it copies, for RUN what
   * is present plus its mounts, for other steps what is present.
   */
  reaching(step: Step): Landing[];
  /** What the stage holds at its end (what a `COPY --from` of it can take). */
  stageEnd(stage: number): Landing[];
  /** Of some context paths (cleaned), those a landing carries: selected by its source and under its root. */
  carries(landing: Landing, paths: readonly string[]): string[];
  /** Where a context path a landing carries is in the image (null when it does not carry it). */
  locate(landing: Landing, contextPath: string): string | null;
  /**
   * The stage holds nothing but files of the context: it is built FROM scratch (or on such a
   * stage) and its steps only copy from the context. What a copy of it reads is then known
   * from the context alone, as BuildKit's content checksum sees it.
   */
  onlyContext(stage: number): boolean;
}

/** Whether image path `p` is `dir` or lies inside it (everything lies inside `/`). */
export function within(p: string, dir: string): boolean {
  return p === dir || dir === '/' || p.startsWith(dir + '/');
}

function cleanAbs(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

function cleanRel(p: string): string {
  const c = goClean('/' + p.replace(/\\/g, '/')).replace(/^\/+/, '');
  return c === '' ? '.' : c;
}

const joinRel = (root: string, rest: string) => (rest === '' ? root : root === '.' ? rest : `${root}/${rest}`);
const WILD = /[*?[]/;

/**
 * Whether a COPY source names a file (so it lands at dest/name) rather than a folder (whose
 * contents land at dest). With a context the entry's type decides; without, a name with a
 * dot and no trailing slash is taken for a file.
 */
function contextIsFile(rel: string, context?: BuildContext): boolean {
  if (rel === '.') return false;
  const e = context?.get(rel);
  if (e) return e.type !== 'dir';
  return /\.[^/]+$/.test(rel);
}

/** Where one COPY source lands: the destination itself, or a file inside it. */
function landAt(dest: string, destIsDir: boolean, isFile: boolean, name: string): string {
  return isFile && destIsDir ? cleanAbs(path.posix.join(dest, name)) : cleanAbs(dest);
}

/**
 * A landing carried on by a copy of image path `from` (as read from the landing's file
 * system) to `to`: the part of it under `from`, or all of it when `from` holds it.
 */
function through(l: Landing, from: string, to: string, toIsDir: boolean, hop: Hop, context?: BuildContext, wild = false): Landing | null {
  const next = (root: string, at: string, approximate = l.approximate): Landing => ({ ...l, root, at, hops: [...l.hops, hop], approximate });
  if (wild) {
    // `COPY --from=s /src/*.py /app/`: whatever it matches lies under the pattern's fixed head.
    const head = cleanAbs(from.slice(0, from.search(WILD)).replace(/[^/]*$/, '') || '/');
    if (within(l.at, head)) return next(l.root, cleanAbs(path.posix.join(to, path.posix.relative(head, l.at))), true);
    if (within(head, l.at)) return next(joinRel(l.root, path.posix.relative(l.at, head)), to, true);
    return null;
  }
  if (within(from, l.at)) {
    const rest = path.posix.relative(l.at, from);
    const root = joinRel(l.root, rest);
    const file = root !== l.root ? contextIsFile(root, context) : contextIsFile(l.root, context);
    return next(root, landAt(to, toIsDir, file, path.posix.basename(from)));
  }
  if (within(l.at, from)) return next(l.root, cleanAbs(path.posix.join(to, path.posix.relative(from, l.at))));
  return null;
}

const flows = new WeakMap<BuildGraph, Map<BuildContext | undefined, SourceFlow>>();

/**
 * The source flow of a graph (worked out once per graph and context). Stages are walked in
 * dependency order, so a stage's end is known before any step reads it.
 */
export function sourceFlow(graph: BuildGraph, context?: BuildContext): SourceFlow {
  let byContext = flows.get(graph);
  if (!byContext) flows.set(graph, (byContext = new Map()));
  let f = byContext.get(context);
  if (!f) byContext.set(context, (f = computeFlow(graph, context)));
  return f;
}

function computeFlow(graph: BuildGraph, context?: BuildContext): SourceFlow {
  const brought = new Map<Step, Landing[]>();
  const present = new Map<Step, Landing[]>();
  const mounts = new Map<Step, Landing[]>();
  const ends = new Map<number, Landing[]>();

  for (const si of stageOrder(graph)) {
    const stage = graph.stages[si];
    let fs: Landing[] = [];
    for (const step of stage.steps) {
      const range = step.instruction.range;
      if (step.keyword === 'FROM') {
        present.set(step, []);
        if (stage.base.kind === 'stage') {
          const hop: Hop = { step, how: 'from', range };
          fs = (ends.get(stage.base.stage) ?? []).map((l) => ({ ...l, hops: [...l.hops, hop] }));
        }
        brought.set(step, fs);
        continue;
      }
      present.set(step, fs);
      if (step.keyword === 'COPY' || step.keyword === 'ADD') {
        const got = copyLandings(step, ends, context);
        brought.set(step, got);
        const dests = new Set(got.map((l) => l.at));
        // What the copy writes over is no longer the context's bytes there.
        fs = [...fs.map((l) => ([...dests].some((d) => within(d, l.at)) ? { ...l, exact: false } : l)), ...got];
        continue;
      }
      if (step.keyword !== 'RUN') {
        brought.set(step, []);
        continue;
      }
      const m = mountLandings(graph, step, ends, context);
      mounts.set(step, m);
      const { added, removed } = runMoves(step, [...fs, ...m], context);
      brought.set(step, [...m, ...added]);
      // A RUN may write anywhere its effects say: landings there are no longer exact.
      const e = stepEffects(step);
      const touched = (l: Landing) => e.unknown || e.writes.some((w) => w !== '/' && (within(w, l.at) || within(l.at, w)));
      fs = [...fs.filter((l) => !removed.some((r) => within(l.at, r))).map((l) => (touched(l) ? { ...l, exact: false } : l)), ...added];
    }
    ends.set(si, fs);
  }

  const only = new Map<number, boolean>();
  const onlyContext = (i: number): boolean => {
    if (!only.has(i)) {
      const st = graph.stages[i];
      const base = st.base.kind === 'scratch' || (st.base.kind === 'stage' && onlyContext(st.base.stage));
      only.set(i, base && st.steps.every((s) => s.keyword === 'FROM' || !s.executes || s.keyword === 'WORKDIR'
        || ((s.keyword === 'COPY' || s.keyword === 'ADD') && s.sources.length > 0 && s.sources.every((x) => x.kind === 'context'))));
    }
    return only.get(i)!;
  };
  const carries = (l: Landing, paths: readonly string[]) => {
    const exclude = l.source.exclude;
    return paths.filter((p) => (l.root === '.' || p === l.root || p.startsWith(l.root + '/') || l.approximate)
      && l.source.paths.some((s) => selects(s, p)) && !exclude.some((x) => selects(x, p)));
  };
  return {
    brought: (s) => brought.get(s) ?? [],
    present: (s) => present.get(s) ?? [],
    reaching: (s) => (s.keyword === 'COPY' || s.keyword === 'ADD' ? brought.get(s) ?? [] : [...(present.get(s) ?? []), ...(mounts.get(s) ?? [])]),
    stageEnd: (i) => ends.get(i) ?? [],
    onlyContext,
    carries,
    locate(l, p) {
      if (!carries(l, [p]).length) return null;
      if (l.root === '.') return cleanAbs(path.posix.join(l.at, p));
      return p === l.root ? l.at : cleanAbs(path.posix.join(l.at, p.slice(l.root.length + 1)));
    },
  };
}

/** A COPY source pattern (or an exclude) selecting a context path: itself, inside it, or a glob of its leading segments. */
function selects(source: string, file: string): boolean {
  const src = cleanRel(source);
  if (src === '.') return true;
  if (!WILD.test(src)) return file === src || file.startsWith(src + '/');
  const depth = src.split('/').length;
  const parts = file.split('/');
  if (parts.length < depth) return false;
  const re = new RegExp('^' + src.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : /[\\^$.|+(){}]/.test(c) ? '\\' + c : c)).join('') + '$');
  try {
    return re.test(parts.slice(0, depth).join('/'));
  } catch {
    return false;
  }
}

function copyLandings(step: Step, ends: Map<number, Landing[]>, context?: BuildContext): Landing[] {
  const inst = step.instruction;
  if (inst.keyword !== 'COPY' && inst.keyword !== 'ADD') return [];
  const rawDest = String(step.expanded.dest ?? '');
  const dest = cleanAbs(path.posix.resolve(step.scope.workdir, rawDest));
  const out: Landing[] = [];
  for (const src of step.sources) {
    const many = src.kind === 'context' || src.kind === 'stage' ? src.paths.length > 1 : false;
    const destIsDir = many || /\/$|(^|\/)\.\.?$/.test(rawDest);
    if (src.kind === 'context') {
      const hop: Hop = { step, how: 'context', range: inst.range, source: src };
      for (const p of src.paths) {
        const rel = cleanRel(p);
        const one: ContextSource = { kind: 'context', paths: [p], exclude: src.exclude };
        const base = { source: one, origin: step, hops: [hop], exact: true };
        if (WILD.test(rel) || inst.parents) {
          // Each match lands by its own name (or its path, with --parents): the pattern's fixed head maps to dest.
          const head = rel.slice(0, WILD.test(rel) ? rel.search(WILD) : rel.length).replace(/[^/]*$/, '').replace(/\/$/, '') || '.';
          out.push({ ...base, root: inst.parents ? '.' : head, at: dest, approximate: true });
        } else {
          out.push({ ...base, root: rel, at: landAt(dest, destIsDir, contextIsFile(rel, context), path.posix.basename(rel)), approximate: false });
        }
      }
    } else if (src.kind === 'stage') {
      const hop: Hop = { step, how: 'copy', range: inst.range, source: src };
      for (const p of src.paths) {
        const from = cleanAbs(path.posix.resolve('/', p));
        for (const l of ends.get(src.stage) ?? []) {
          const n = through(l, from, dest, destIsDir, hop, context, WILD.test(p));
          if (n) out.push(n);
        }
      }
    }
  }
  return out;
}

function mountLandings(graph: BuildGraph, step: Step, ends: Map<number, Landing[]>, context?: BuildContext): Landing[] {
  const inst = step.instruction;
  if (inst.keyword !== 'RUN') return [];
  const out: Landing[] = [];
  const env = new Map([...step.scope.args, ...step.scope.env]);
  const x = (v: string | null) => (v === null ? null : v.replace(/\$(?:\{(\w+)\}|(\w+))/g, (m, a?: string, b?: string) => env.get((a ?? b)!) ?? m));
  // Each bind mount, and each cache mount seeded from a stage, is one of the step's sources, in order (graph.ts).
  let k = 0;
  for (const m of inst.mounts) {
    if (m.type !== 'bind' && !(m.type === 'cache' && m.from)) continue;
    const graphSource = step.sources[k++];
    const target = x(m.target);
    if (!target) continue;
    const at = cleanAbs(path.posix.resolve(step.scope.workdir, target));
    const source = x(m.source) ?? '/';
    if (m.from) {
      const stage = stageNamed(graph, step, x(m.from)!);
      if (stage === undefined) continue;
      const hop: Hop = { step, how: 'mount', range: m.range, source: graphSource };
      for (const l of ends.get(stage) ?? []) {
        const n = through(l, cleanAbs(path.posix.resolve('/', source)), at, false, hop, context);
        if (n) out.push(n);
      }
    } else if (m.type === 'bind') {
      const rel = cleanRel(source);
      const one: ContextSource = { kind: 'context', paths: [rel], exclude: [] };
      out.push({ root: rel, at, source: one, origin: step, hops: [{ step, how: 'context', range: m.range, source: graphSource }], exact: true, approximate: false });
    }
  }
  return out;
}

/** The earlier stage a mount's `from=` names (by index or name), as the graph resolved it; undefined for an image. */
function stageNamed(graph: BuildGraph, step: Step, ref: string): number | undefined {
  if (/^\d+$/.test(ref)) return Number(ref) < step.stage ? Number(ref) : undefined;
  return graph.stages.find((s) => s.index < step.stage && s.name === ref.toLowerCase())?.index;
}

/**
 * What a RUN's `cp -r A B`, `mv A B` and `rm -rf A` do to landed files: copies land again at
 * B (the command runs in the branches of an `if` too: conditional acquisition of the source
 * is still an acquisition), a move or a removal takes them from A. Top-level `cd` to a literal
 * folder is followed; a word that does not resolve to a path is skipped.
 */
function runMoves(step: Step, visible: Landing[], context?: BuildContext): { added: Landing[]; removed: string[] } {
  const a = runAnalysis(step);
  const added: Landing[] = [];
  const removed: string[] = [];
  if (!a || a.error) return { added, removed };
  const env = new Map([...step.scope.args, ...step.scope.env]);
  let cwd: string | null = step.scope.workdir;
  const resolve = (w: ShellWord): string | null => {
    const v = resolveWord(w, { env });
    if (!v || v.length !== 1 || /[$`]/.test(v[0])) return null;
    if (v[0].startsWith('/')) return cleanAbs(v[0]);
    return cwd === null ? null : cleanAbs(path.posix.join(cwd, v[0]));
  };
  const hop: Hop = { step, how: 'run', range: step.instruction.range };
  for (const c of a.commands) {
    const name = c.name.value.slice(c.name.value.lastIndexOf('/') + 1);
    const flags = c.args.filter((w) => w.value.startsWith('-')).map((w) => w.value);
    const operands = c.args.filter((w) => !w.value.startsWith('-'));
    if (name === 'cd') {
      cwd = operands[0] ? resolve(operands[0]) : null;
      continue;
    }
    const recursive = flags.some((f) => /^-[a-zA-Z]*[rRa]/.test(f) || f === '--recursive' || f === '--archive');
    if ((name === 'cp' && recursive) || name === 'mv') {
      if (operands.length < 2 || flags.some((f) => f === '-t' || f.startsWith('--target-directory'))) continue;
      const to = resolve(operands[operands.length - 1]);
      if (to === null) continue;
      const many = operands.length > 2;
      for (const w of operands.slice(0, -1)) {
        const raw = resolveWord(w, { env })?.[0] ?? '';
        // `cp -r src/. dest` copies the contents; `cp -r src dest/` puts src inside dest.
        const contents = /\/\.$/.test(raw);
        const from = resolve(w);
        if (from === null) continue;
        const into = !contents && (many || /\/$/.test(operands[operands.length - 1].value));
        const target = into ? cleanAbs(path.posix.join(to, path.posix.basename(from))) : to;
        for (const l of visible) {
          const n = through(l, from, target, false, hop, context);
          if (n) added.push({ ...n, exact: false });
        }
        if (name === 'mv') removed.push(from);
      }
      continue;
    }
    if (name === 'rm' && recursive) for (const w of operands) {
      const p = resolve(w);
      if (p !== null && p !== '/') removed.push(p);
    }
  }
  return { added, removed };
}
