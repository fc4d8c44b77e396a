/**
 * A simulation of a Dockerfile: a stand-in Dockerfile that BuildKit builds offline on the real
 * context, with the same cache structure and none of the work.
 *
 * Kept: every stage, its name and edges, the target, the order of instructions, ARG, ENV,
 * WORKDIR, LABEL, EXPOSE, CMD and the other metadata as written, COPY/ADD from the context as
 * written (`.dockerignore` applies: the context is the real one), `COPY --from` of stages, RUN
 * cache, bind and tmpfs mounts. Every step BuildKit runs stands for exactly one step of the
 * original, so BuildKit's `[stage i/n]` names map back to the original lines unchanged.
 *
 * Replaced: each base image by a local image of its own (layerwise-sim/base-<hash>); images
 * that `COPY --from`/`--mount=from` name by a local image holding the paths taken from them;
 * each RUN by the runner of runner.ts, which takes the step's time over the time scale and
 * writes a marker whose content is derived from what the original reads; `ADD <url>`/git and
 * `COPY <<heredoc>` by a RUN of that runner with fixed inputs. `USER` becomes part of each
 * USER and `--chown` names become numbers (the stand-in bases have no users of the original).
 *
 * What is dropped or approximated is listed in `notes`, each at its original line.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import type { CopyInstruction, Dockerfile, Instruction, Mount, RunInstruction } from '../dockerfile/model.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { stageLabel, type BuildGraph, type Stage, type Step } from '../graph/graph.js';
import { partEffects, stepEffects, type Effects } from '../shell/effects.js';
import { runAnalysis } from '../shell/run-analysis.js';
import { reads as readsVariable } from '../shell/variables.js';
import { RUNNER_VERSION, STATE_DIR, TOOLBOX_DIR } from './runner.js';

/** Every image the simulation makes is tagged under this prefix (and only those are removed). */
export const SIM_TAG_PREFIX = 'layerwise-sim/';
/** Where a RUN's bind mount of a whole stage goes (see {@link standinRun}). */
const STAGE_MOUNT_DIR = '/.layerwise-sim-mount';

export interface StandinImage {
  /** `layerwise-sim/...:latest` */
  tag: string;
  kind: 'toolbox' | 'base' | 'image';
  /** The original reference it stands for (empty for the toolbox). */
  ref: string;
  /** For `image`: the paths the Dockerfile takes from it (made as files or folders). */
  paths: string[];
  /** For `base`: a version string, so that a new version of the base can be simulated. */
  version?: string;
}

export interface SimulationNote {
  /** The original line. */
  line: number;
  column: number;
  /** `approximated`: represented, with the difference said; `dropped`: not represented. */
  kind: 'approximated' | 'dropped';
  message: string;
}

export interface Simulation {
  /** The stand-in Dockerfile. */
  text: string;
  /** For each instruction of the stand-in (its first line), the original line it stands for. */
  lines: { standin: number; original: number }[];
  images: StandinImage[];
  notes: SimulationNote[];
  /** Per original RUN line: the seconds its stand-in takes. */
  seconds: Map<number, number>;
}

export interface SimulateOptions {
  /** Seconds a step takes when it runs (measured or estimated), before the time scale. */
  secondsOf: (step: Step) => number;
  /** Each second of the original takes 1/timeScale seconds in the stand-in (default 1). */
  timeScale?: number;
  /** A version per base image reference: simulates a new version of that base. */
  baseVersions?: Record<string, string>;
  /**
   * What the build context holds at a context-relative path (after .dockerignore), if known:
   * a path a stage takes only from the context is then taken as written (see {@link fromContextOnly}).
   */
  contextType?: (rel: string) => 'file' | 'dir' | 'symlink' | 'other' | undefined;
}

function sha(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

export function toolboxTag(): string {
  return `${SIM_TAG_PREFIX}toolbox:${RUNNER_VERSION}`;
}

export function baseTag(ref: string, version = ''): string {
  return `${SIM_TAG_PREFIX}base-${sha(ref, version, ...BASE_DIRS).slice(0, 16)}:latest`;
}

function imageTag(ref: string, paths: string[]): string {
  return `${SIM_TAG_PREFIX}image-${sha(ref, ...paths).slice(0, 16)}:latest`;
}

/** Windows images cannot stand on a Linux busybox root: the simulation refuses them. */
export function isWindowsImage(ref: string, platform: string | null): boolean {
  if (platform && /^windows\b/i.test(platform)) return true;
  return /(^|[/:@-])(windows|windowsservercore|servercore|nanoserver)([:/@.-]|$)/i.test(ref) || /mcr\.microsoft\.com\/windows/i.test(ref);
}

/** A uid (or gid) for a name: stable, and the same name always gets the same number. */
function numericId(name: string): string {
  if (/^\d+$/.test(name)) return name;
  if (name === 'root') return '0';
  return String(1000 + (parseInt(sha(name).slice(0, 8), 16) % 60000));
}

/** `--chown=app:staff` → `--chown=N:M`: the stand-in bases have no user of the original. */
export function numericOwner(spec: string): string {
  const [user, group] = spec.split(':', 2);
  const u = numericId(user ?? '');
  return `${u}:${group !== undefined && group !== '' ? numericId(group) : u}`;
}

/** A path to make for a glob in a path taken from an image: `*` and `?` become `x`, a class its first letter. */
function concrete(p: string): string {
  return p.replace(/\[!?([^\]]).*?\]/g, '$1').replace(/[*?]/g, 'x');
}

const GLOB = /[*?[]/;

/**
 * Folders every stand-in base has (besides the busybox root's /bin, /etc, /root and /tmp), so
 * that a COPY --from pattern can start its wildcard deep in the tree (see {@link optional}).
 */
export const BASE_DIRS = [
  '/bin', '/etc', '/root', '/tmp', '/usr', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/include', '/usr/share', '/usr/src',
  '/usr/local', '/usr/local/bin', '/usr/local/sbin', '/usr/local/lib', '/usr/local/include', '/usr/local/share',
  '/opt', '/var', '/var/lib', '/var/cache', '/home', '/srv', '/root/.cache', STATE_DIR,
];

/**
 * The same path as a wildcard pattern that matches only itself (`/usr/local/bin/[u]v`):
 * BuildKit lets a wildcard match nothing, so the stand-in COPY does not fail where the
 * original's producer wrote something the effect model cannot name. BuildKit (v0.8) needs the
 * folder before the first wildcard to exist, and walks it to match: the wildcard goes in the
 * first segment below the deepest folder that surely exists (`existing`).
 */
export function optional(p: string, existing: ReadonlySet<string> = new Set()): string {
  if (existing.has(p)) return p;
  const segs = p.split('/').filter(Boolean);
  let i = 0;
  while (i < segs.length - 1 && existing.has('/' + segs.slice(0, i + 1).join('/'))) i++;
  const seg = segs[i];
  if (seg === undefined || GLOB.test(seg) || !/[A-Za-z0-9_.-]/.test(seg[0]!)) return p;
  segs[i] = `[${seg[0]}]${seg.slice(1)}`;
  return '/' + segs.join('/');
}

/** Markers a copy of `p` from a stage must bring: those under it, and those of the folders above it. */
function markerPatterns(p: string, existing: ReadonlySet<string>): string[] {
  const head = p.split('/').filter(Boolean);
  const glob = head.findIndex((s) => GLOB.test(s));
  const fixed = glob < 0 ? head : head.slice(0, glob);
  // Only the state folder itself is sure to exist (in a stage on a stand-in base).
  const state = existing.has(STATE_DIR) ? new Set([STATE_DIR]) : new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < fixed.length; i++) {
    const dir = `${STATE_DIR}${i ? '/' + fixed.slice(0, i).join('/') : ''}`;
    out.push(`${optional(dir, state)}/.lw*`);
  }
  out.push(glob < 0 ? optional(`${STATE_DIR}/${fixed.join('/')}`, state) : `${optional(`${STATE_DIR}/${fixed.join('/')}`.replace(/\/$/, ''), state)}/${head.slice(glob).join('/')}`);
  return out;
}

/** Whether a stage (through the stages it is built on) starts from a stand-in base. */
function onBase(graph: BuildGraph, stage: Stage): boolean {
  let s: Stage | undefined = stage;
  while (s && s.base.kind === 'stage') s = graph.stages[s.base.stage];
  return s?.base.kind === 'image';
}

function quoteWord(w: string): string {
  // Shell-form words of COPY: BuildKit splits on whitespace; quotes are processed.
  return /[\s"'\\$]/.test(w) ? JSON.stringify(w) : w;
}

/** Simulates a model's graph: the stand-in text, the images it needs, what was approximated. */
export function simulate(graph: BuildGraph, opts: SimulateOptions): Simulation {
  const df = graph.dockerfile;
  const scale = opts.timeScale ?? 1;
  const out: string[] = [];
  const lines: Simulation['lines'] = [];
  const notes: SimulationNote[] = [];
  const images = new Map<string, StandinImage>();
  const externalPaths = new Map<string, Set<string>>();
  const seconds = new Map<number, number>();
  const stepOf = new Map<Instruction, Step>();
  for (const s of graph.stages) for (const st of s.steps) stepOf.set(st.instruction, st);
  const note = (inst: Instruction, kind: SimulationNote['kind'], message: string) =>
    notes.push({ line: inst.range.start.line, column: inst.range.start.column, kind, message });
  const raw = (inst: Instruction) => df.source.slice(inst.range.start.offset, inst.range.end.offset);
  const emit = (inst: Instruction, text: string) => {
    const first = inst.text.replace(/\s+/g, ' ').trim();
    out.push(`# line ${inst.range.start.line}: ${first.length > 100 ? first.slice(0, 97) + '...' : first}`);
    lines.push({ standin: out.length + 1, original: inst.range.start.line });
    out.push(text);
  };
  const toolbox = toolboxTag();
  images.set(toolbox, { tag: toolbox, kind: 'toolbox', ref: '', paths: [] });

  // Directives: the escape character stays (instructions are copied as written); `# syntax`
  // would make the engine pull a frontend image, so the stand-in uses the engine's own.
  const escape = df.directives.find((d) => d.name === 'escape');
  out.push(...(escape ? [`# escape=${escape.value}`] : []));
  out.push(`# Stand-in made by \`layerwise simulate\` from ${df.file}: same stages and cache structure, no work.`);
  out.push('# Each instruction says the line it stands for; see docs/simulate.md.');
  for (const d of df.directives) {
    if (d.name !== 'escape') notes.push({ line: d.range.start.line, column: d.range.start.column, kind: 'dropped', message: `the # ${d.name}= directive is left out: the stand-in is built by the engine's own Dockerfile frontend, offline` });
  }

  const externalTag = (ref: string, paths: string[]) => {
    const set = externalPaths.get(ref) ?? new Set<string>();
    externalPaths.set(ref, set);
    for (const p of paths) if (p !== '/') set.add(concrete(p));
  };

  for (const inst of df.instructions) {
    const step = stepOf.get(inst);
    if (!step) {
      // A global ARG (before the first FROM).
      emit(inst, raw(inst));
      continue;
    }
    const stage = graph.stages[step.stage]!;
    switch (inst.keyword) {
      case 'FROM': {
        const name = inst.stageName ? ` AS ${inst.stageName.token.raw}` : '';
        if (stage.base.kind === 'image') {
          const ref = stage.base.ref;
          if (isWindowsImage(ref, stage.platform)) {
            throw new InputError(`cannot simulate ${ref}: a Windows image (stand-in bases are Linux busybox images)`, df.file, inst.image.range.start);
          }
          const version = opts.baseVersions?.[ref] ?? '';
          const tag = baseTag(ref, version);
          images.set(tag, { tag, kind: 'base', ref, paths: [], version });
          if (inst.platform !== null) note(inst, 'approximated', `--platform=${inst.platform} is left out: the stand-in base is built for this machine`);
          emit(inst, `FROM ${tag}${name}`);
        } else if (stage.base.kind === 'stage') {
          emit(inst, `FROM ${graph.stages[stage.base.stage]!.name}${name}`);
        } else {
          emit(inst, `FROM scratch${name}`);
        }
        break;
      }
      case 'USER':
        // Numbers, since the stand-in bases have none of the original's users; uid:gid, so
        // BuildKit needs no /etc/passwd to run as it (a WORKDIR after it is made as that user too).
        emit(inst, `USER ${numericOwner(String(step.expanded.user ?? ''))}`);
        break;
      case 'RUN':
        emit(inst, standinRun(graph, stage, step, inst, opts, scale, seconds, toolbox, note, externalTag, df));
        break;
      case 'COPY':
      case 'ADD': {
        emit(inst, standinCopy(graph, step, inst, opts, scale, seconds, toolbox, note, externalTag, df));
        break;
      }
      default:
        emit(inst, raw(inst));
    }
  }

  // Images that COPY --from / --mount=from name: one local image each, holding the paths taken.
  let text = out.join('\n') + '\n';
  for (const [ref, set] of externalPaths) {
    const paths = [...set].sort();
    const tag = imageTag(ref, paths);
    images.set(tag, { tag, kind: 'image', ref, paths });
    text = text.replaceAll(`\u0000image:${ref}\u0000`, tag);
  }
  return { text, lines, images: [...images.values()], notes, seconds };
}

type Note = (inst: Instruction, kind: SimulationNote['kind'], message: string) => void;
type External = (ref: string, paths: string[]) => void;

/** The placeholder for an external image's stand-in tag, resolved once all its paths are known. */
function imageRef(ref: string): string {
  return `\u0000image:${ref}\u0000`;
}

function flagText(df: Dockerfile, range: { start: { offset: number }; end: { offset: number } }): string {
  return df.source.slice(range.start.offset, range.end.offset);
}

/** The step's own cache inputs besides its parent, ARG/ENV and mounts: what its stand-in's words must change with. */
function runKey(step: Step, inst: RunInstruction): string {
  // What BuildKit runs: the shell and the script, or the exec form's words (the same thing written either way is one key).
  const argv = inst.command.form === 'exec' ? inst.command.argv : [...step.scope.shell, inst.args.raw];
  return sha(
    JSON.stringify(argv),
    ...inst.heredocs.map((h) => `${h.name}\0${h.content}`),
    `user=${step.scope.user ?? ''}`,
    `network=${inst.network ?? ''}`,
    `security=${inst.security ?? ''}`,
  ).slice(0, 32);
}

function secondsWord(step: Step, opts: SimulateOptions, scale: number, seconds: Map<number, number>): string {
  const s = Math.max(0, opts.secondsOf(step)) / scale;
  const rounded = Math.round(s * 1000) / 1000;
  seconds.set(step.line, rounded);
  return `T${rounded}`;
}

/** The ARG/ENV a step reads (by the shared variable model): their values shape what it writes. */
function variableWords(step: Step): string[] {
  const names = new Set([...step.scope.args.keys(), ...step.scope.env.keys()]);
  return [...names].filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && readsVariable(step, n)).sort().map((n) => `V${n}`);
}

/** Folders the context is copied into in this stage and the stages it is built on: a system-wide install does not read them. */
function projectFolders(graph: BuildGraph, stage: Stage, before: number): string[] {
  const out: string[] = [];
  let s: Stage | undefined = stage;
  let limit = before;
  while (s) {
    for (const st of s.steps) {
      if (st.position >= limit) break;
      if ((st.keyword === 'COPY' || st.keyword === 'ADD') && st.sources.some((x) => x.kind === 'context' || x.kind === 'stage')) {
        const dest = String(st.expanded.dest ?? '');
        const abs = path.posix.resolve(st.scope.workdir, dest);
        if (abs !== '/') out.push(abs.replace(/\/+$/, ''));
      }
    }
    if (s.base.kind !== 'stage') break;
    s = graph.stages[s.base.stage];
    limit = Infinity;
  }
  return [...new Set(out)];
}

/**
 * The step as BuildKit keys it: an exec-form RUN that spells out the shell (`["/bin/sh", "-c",
 * "echo hi"]`) is the shell-form RUN of its script, so everything the stand-in derives from the
 * step (time, reads, writes) is the same for both ways of writing it, as the key is.
 */
function canonical(step: Step, inst: RunInstruction, df: Dockerfile): Step {
  if (inst.command.form !== 'exec') return step;
  const argv = inst.command.argv;
  const shell = step.scope.shell;
  if (argv.length !== shell.length + 1 || shell.some((w, i) => argv[i] !== w) || /\n/.test(argv[argv.length - 1]!)) return step;
  const flags = inst.flags.map((f) => flagText(df, f.range)).join(' ');
  const parsed = parseDockerfile(`FROM scratch\nRUN ${flags} ${argv[argv.length - 1]}\n`, df.file).instructions[1];
  return parsed && parsed.keyword === 'RUN' ? { ...step, instruction: parsed } : step;
}

/**
 * The parts of a RUN that write something, each a pipeline of its script with what it reads
 * and writes (effect model) and a key of its own: its text, the shell and user, and the keys of
 * earlier parts it reads from. Null when the effect model does not know the step: then the
 * whole step reads and writes everything.
 */
function writeGroups(step: Step): { key: string; effects: Effects }[] | null {
  if (stepEffects(step).unknown) return null;
  const a = runAnalysis(step);
  if (!a || a.error || !a.commands.length) return null;
  // Pipelines: commands joined by a single `|` write together.
  const pipelines: number[][] = [];
  a.commands.forEach((c, i) => {
    const prev = a.commands[i - 1];
    const between = prev ? a.script.slice(prev.range.end, c.range.start) : '';
    if (prev && /(^|[^|])\|([^|]|$)/.test(between) && !/[;&\n]/.test(between.replace(/\|/g, ''))) pipelines[pipelines.length - 1]!.push(i);
    else pipelines.push([i]);
  });
  const dirChanges = a.commands.map((c, i) => (['cd', 'pushd', 'popd'].includes(c.name.value) ? i : -1)).filter((i) => i >= 0);
  const base = [step.scope.shell.join(' '), `user=${step.scope.user ?? ''}`];
  const out: { key: string; effects: Effects }[] = [];
  const done: { key: string; writes: string[] }[] = [];
  for (const p of pipelines) {
    const e = partEffects(step, [...dirChanges.filter((i) => i < p[0]!), ...p]);
    if (e.unknown) return null;
    const text = a.script.slice(a.commands[p[0]!]!.range.start, a.commands[p[p.length - 1]!]!.range.end);
    const deps = done.filter((d) => d.writes.some((w) => [...e.reads, ...e.writes].some((r) => overlaps(r, w)))).map((d) => d.key);
    const key = sha(...base, text, ...deps).slice(0, 32);
    if (e.writes.length || e.system) {
      out.push({ key, effects: e });
      done.push({ key, writes: e.system ? ['/'] : e.writes });
    }
  }
  return out;
}

/**
 * What surely exists at the end of a stage (and the stages it is built on) in the stand-in:
 * folders a context copy or a WORKDIR made, the paths known parts of RUNs write (as markers),
 * and whether some RUN writes everything (a command the effect model does not know, a
 * system-wide install).
 */
function madeIn(graph: BuildGraph, stage: Stage): { dirs: string[]; writes: string[]; everything: boolean } {
  const out = { dirs: [] as string[], writes: [] as string[], everything: false };
  for (let s: Stage | undefined = stage; s; s = s.base.kind === 'stage' ? graph.stages[s.base.stage] : undefined) {
    for (const st of s.steps) {
      if (st.keyword === 'WORKDIR') out.dirs.push(String(st.expanded.workdir));
      if ((st.keyword === 'COPY' || st.keyword === 'ADD') && st.sources.every((x) => x.kind === 'context') && st.sources.length) {
        out.dirs.push(path.posix.resolve(st.scope.workdir, String(st.expanded.dest ?? '')));
      }
      if (st.keyword !== 'RUN') continue;
      const groups = writeGroups(st);
      if (!groups) out.everything = true;
      for (const g of groups ?? []) {
        if (g.effects.system) out.everything = true;
        out.writes.push(...g.effects.writes);
      }
    }
  }
  return out;
}

function overlaps(a: string, b: string): boolean {
  return a === b || a === '/' || b === '/' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

const WILDCARD = /[*?[\\]/;

/**
 * Whether path `p` of a stage holds in the stand-in exactly what it holds in the original: a
 * COPY of the context (copied as written in the stand-in) surely makes it, the context having
 * it, and nothing else in the stage or the stages it is built on (a RUN, a copy from elsewhere,
 * an ADD, a wildcard or excluding copy) writes at, under or above it. Then a `COPY --from` or
 * `--mount=from` of `p` can be written as in the original: the stand-in keys it as BuildKit keys
 * the original (by the content at `p`), including when that key is another step's (BuildKit
 * answers a `COPY --from=a /a.txt /a.txt` from stage a's own `COPY a.txt /a.txt` when both stand
 * on one base).
 */
function fromContextOnly(graph: BuildGraph, stage: Stage, p: string, has: SimulateOptions['contextType']): boolean {
  if (!has || p === '/' || WILDCARD.test(p)) return false;
  const under = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  const rel = (s: string) => path.posix.normalize(s.replace(/^\/+/, '') || '.').replace(/\/+$/, '') || '.';
  let made = false;
  for (let s: Stage | undefined = stage; s; s = s.base.kind === 'stage' ? graph.stages[s.base.stage] : undefined) {
    for (const st of s.steps) {
      if (st.keyword === 'RUN') {
        const groups = writeGroups(st);
        if (!groups || groups.some((g) => g.effects.system || g.effects.writes.some((w) => overlaps(w, p)))) return false;
        continue;
      }
      if (st.keyword !== 'COPY' && st.keyword !== 'ADD') continue;
      const dest = String(st.expanded.dest ?? '');
      const abs = path.posix.resolve(st.scope.workdir, dest);
      if (!overlaps(abs, p)) continue;
      const ctx = st.sources.length === 1 && st.sources[0]!.kind === 'context' ? st.sources[0] : undefined;
      if (st.keyword !== 'COPY' || !ctx || ctx.kind !== 'context' || ctx.exclude.length || ctx.paths.some((x) => WILDCARD.test(x))) return false;
      // The copy writes at or above p: p is one of its files, or a path outside what it makes.
      if (!under(p, abs)) return false;
      const intoFolder = dest.endsWith('/') || ctx.paths.length > 1;
      for (const src of ctx.paths.map(rel)) {
        const t = has(src);
        if (t === 'dir') {
          const r = path.posix.relative(abs, p);
          if (!r || has(path.posix.join(src, r)) !== undefined) made = true;
        } else if (t === 'file' && p === (intoFolder ? path.posix.join(abs, path.posix.basename(src)) : abs)) {
          made = true;
        }
      }
    }
  }
  return made;
}

function standinRun(
  graph: BuildGraph, stage: Stage, step: Step, inst: RunInstruction, opts: SimulateOptions, scale: number,
  seconds: Map<number, number>, toolbox: string, note: Note, externalTag: External, df: Dockerfile,
): string {
  const flags: string[] = [];
  const keyed = canonical(step, inst, df);
  // K: the original's own key inputs (the runner ignores it; BuildKit keys the stand-in on it).
  const words: string[] = [`K${runKey(step, inst)}`, secondsWord(keyed, opts, scale, seconds), ...variableWords(keyed)];
  const excluded: string[] = [];
  const extraReads: string[] = [];
  // step.sources holds one entry per bind mount and per cache mount with from=, in order.
  let sourceIndex = 0;
  inst.mounts.forEach((m: Mount, i) => {
    const text = flagText(df, m.range);
    const src = m.type === 'bind' || (m.type === 'cache' && m.from) ? step.sources[sourceIndex++] : undefined;
    if (m.type === 'secret' || m.type === 'ssh') {
      note(inst, 'approximated', `the ${m.type} mount is left out (it is not part of the cache key; the stand-in needs no secret)`);
      return;
    }
    if (m.type === 'cache' || m.type === 'tmpfs') {
      flags.push(text);
      if (m.target) excluded.push(path.posix.resolve(step.scope.workdir, m.target));
      return;
    }
    // A bind mount.
    if (src === undefined || (src.kind !== 'stage' && src.kind !== 'image')) {
      flags.push(text); // from the context: content-keyed, the real files
      return;
    }
    if (src.kind === 'image') {
      externalTag(src.ref, [m.source ?? '/']);
      flags.push(`--mount=type=bind,from=${imageRef(src.ref)},source=${m.source ?? '/'},target=${m.target}${m.readonly === false || /\brw\b|readwrite/.test(text) ? ',rw' : ''}`);
      return;
    }
    // From a stage. A mount, unlike a COPY, cannot be optional: it mounts what surely exists
    // in the stand-in stage: the path itself when a context copy or a WORKDIR made it, and the
    // markers under it when a known part of a RUN writes there. Otherwise (a command the
    // effect model does not know, a write above the path) the whole stage, so the step
    // re-runs whenever anything in that stage changes: a superset of the original's triggers.
    const dir = `${STAGE_MOUNT_DIR}/${i}`;
    const producer = graph.stages[src.stage]!;
    const stageName = producer.name ?? String(src.stage);
    const p = path.posix.resolve('/', m.source ?? '/');
    const made = madeIn(graph, producer);
    const under = (a: string, b: string) => a === b || b === '/' || a.startsWith(`${b}/`);
    const real = p !== '/' && (made.dirs.some((d) => under(d, p)) || fromContextOnly(graph, producer, p, opts.contextType));
    const markers = p !== '/' && made.writes.some((w) => under(w, p));
    const above = made.writes.some((w) => w !== p && under(p, w));
    if (p === '/' || made.everything || above || (!real && !markers)) {
      flags.push(`--mount=type=bind,from=${stageName},target=${dir}`);
      extraReads.push(dir);
      if (p !== '/') note(inst, 'approximated', `the bind mount of ${m.source} from stage ${stageName} mounts the whole stage: the step re-runs when anything in that stage changes`);
      return;
    }
    if (real) flags.push(text);
    if (markers) {
      flags.push(`--mount=type=bind,from=${stageName},source=${STATE_DIR}${p},target=${dir}`);
      extraReads.push(dir);
    }
  });
  if (inst.network) note(inst, 'approximated', `--network=${inst.network} is left out (the stand-in needs no network); it stays part of the step's inputs`);
  if (inst.security) note(inst, 'approximated', `--security=${inst.security} is left out; it stays part of the step's inputs`);
  flags.push(`--mount=type=bind,from=${toolbox},source=${TOOLBOX_DIR},target=${TOOLBOX_DIR}`);

  for (const x of excluded) words.push(`X${x}`);
  const groups = writeGroups(keyed);
  if (!groups) {
    words.push(`G${runKey(step, inst)}`, 'A', 'U');
  } else {
    for (const g of groups) {
      words.push(`G${g.key}`, ...g.effects.reads.map((r) => `R${r}`), ...g.effects.writes.map((w) => `W${w}`));
      if (g.effects.system) {
        words.push('U', `R${STATE_DIR}`);
        for (const p of projectFolders(graph, stage, step.position)) if (!g.effects.reads.some((r) => r === p || r.startsWith(`${p}/`))) words.push(`X${STATE_DIR}${p}`);
      }
    }
  }
  // A whole stage mounted: every part reads it.
  if (extraReads.length) for (let i = words.length - 1; i >= 0; i--) if (words[i]!.startsWith('G')) words.splice(i + 1, 0, ...extraReads.map((r) => `R${r}`));
  return `RUN ${flags.join(' ')} ${JSON.stringify([`${TOOLBOX_DIR}/run`, ...words])}`;
}

/** A COPY/ADD's sources and destination as written (the JSON form kept as JSON). */
function writtenWords(inst: CopyInstruction): string {
  const word = (raw: string) => JSON.parse(raw.startsWith('"') ? raw : JSON.stringify(raw)) as string;
  return inst.json ? JSON.stringify([...inst.sources.map((t) => word(t.raw)), word(inst.dest.raw)]) : [...inst.sources, inst.dest].map((t) => t.raw).join(' ');
}

function standinCopy(
  graph: BuildGraph, step: Step, inst: CopyInstruction, opts: SimulateOptions, scale: number, seconds: Map<number, number>,
  toolbox: string, note: Note, externalTag: External, df: Dockerfile,
): string {
  const remote = step.sources.filter((s) => s.kind === 'remote');
  const heredoc = step.sources.filter((s) => s.kind === 'heredoc');
  const dest = String(step.expanded.dest ?? '');
  const absDest = path.posix.resolve(step.scope.workdir, dest);
  const keptFlags: string[] = [];
  for (const f of inst.flags) {
    if (f.name === 'chown' && step.expanded.chown) keptFlags.push(`--chown=${numericOwner(String(step.expanded.chown))}`);
    else if (f.name === 'link') note(inst, 'approximated', '--link is left out (BuildKit v0.8 does not know it; the copy is keyed the same way)');
    else if (f.name === 'from' || f.name === 'checksum' || f.name === 'keep-git-dir') continue;
    else keptFlags.push(flagText(df, f.range));
  }

  if (remote.length || heredoc.length) {
    // A download or an inline file: a fixed stand-in, keyed by what the original is keyed by.
    const what = remote.length ? `ADD of ${remote.map((r) => (r as { url: string }).url).join(', ')}` : 'COPY of a here-document';
    note(inst, 'approximated', `${what}: a fixed stand-in that writes a marker at ${absDest}${step.sources.some((s) => s.kind === 'context') ? '; its context sources are not copied' : ''}`);
    const key = sha(inst.keyword, inst.text, ...inst.heredocs.map((h) => h.content), String(step.expanded.chown ?? ''), String(step.expanded.chmod ?? ''), inst.checksum ?? '').slice(0, 32);
    const words = [secondsWord(step, opts, scale, seconds), `G${key}`, `W${absDest}`];
    return `RUN --mount=type=bind,from=${toolbox},source=${TOOLBOX_DIR},target=${TOOLBOX_DIR} ${JSON.stringify([`${TOOLBOX_DIR}/run`, ...words])}`;
  }

  const fromSource = step.sources.find((s) => s.kind === 'stage' || s.kind === 'image');
  if (!fromSource) {
    // From the context: as written (chown made numeric, --link left out). In a stage from
    // scratch that would be the original's own step, with the original's cache entry: after a
    // change, whichever of the real and the simulated build ran second would take it from the
    // other's cache. `--chown=0:0` gives the stand-in a key of its own and the same files
    // (BuildKit receives the context as 0:0, and makes the folders it creates 0:0 either way).
    if (!onBase(graph, graph.stages[step.stage]!)) {
      if (step.expanded.chown) note(inst, 'approximated', 'a copy from the context with --chown in a stage from scratch is the original\'s own step: a real build of the same context on the same engine answers for it');
      else keptFlags.unshift('--chown=0:0');
    }
    return [inst.keyword, ...keptFlags, writtenWords(inst)].join(' ');
  }
  const srcPaths = fromSource.paths.map((p) => (p.startsWith('/') ? p : `/${p}`).replace(/(.)\/+$/, '$1'));
  if (fromSource.kind === 'image') {
    externalTag(fromSource.ref, srcPaths);
    return [inst.keyword, `--from=${imageRef(fromSource.ref)}`, ...keptFlags, ...srcPaths.map(quoteWord), quoteWord(dest)].join(' ');
  }
  const from = graph.stages[fromSource.stage]!;
  const fromRef = inst.from !== null && !/\$/.test(inst.from) ? inst.from : stageLabel(from);
  if (srcPaths.every((p) => fromContextOnly(graph, from, p, opts.contextType))) {
    // What the stage holds there is the context's own files, in the stand-in too: as written.
    // Into a stage from scratch, `--chown=0:0` (the same files) keeps it from being the original's step.
    const scratch = !onBase(graph, graph.stages[step.stage]!) && !step.expanded.chown;
    return [inst.keyword, `--from=${fromRef}`, ...(scratch ? ['--chown=0:0'] : []), ...keptFlags, writtenWords(inst)].join(' ');
  }
  // From a stage: the real path (optional: it may exist only as markers) and the markers
  // under and above it; several sources need a folder as destination.
  const patterns: string[] = [];
  const existing = new Set(onBase(graph, graph.stages[fromSource.stage]!) ? BASE_DIRS : []);
  for (const p of srcPaths) patterns.push(optional(p, existing), ...markerPatterns(p, existing));
  const unique = [...new Set(patterns)];
  return [inst.keyword, `--from=${fromRef}`, ...keptFlags, ...unique.map(quoteWord), quoteWord(dest.endsWith('/') ? dest : `${dest}/`)].join(' ');
}
