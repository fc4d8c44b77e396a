/**
 * The stage graph and the scope of every step, as BuildKit's dockerfile2llb sees them:
 * stages by name and index, their edges (`FROM <stage>`, `COPY --from`, `RUN --mount from=`),
 * which stages a target needs, and for each step the ARG/ENV/WORKDIR/USER/SHELL in force and
 * its instruction's words after variable expansion.
 */
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { noteVariable } from '../core/secrets.js';
import type { Range } from '../core/ranges.js';
import { expand, ExpandError } from '../dockerfile/expand.js';
import { BEHAVIOURS, hasBehaviour } from '../core/buildkit.js';
import type { CopyInstruction, Dockerfile, FromInstruction, Instruction, Keyword, Mount } from '../dockerfile/model.js';
import { defaultShell, hostPlatform, isWindowsImage, parsePlatform, platformArgs } from './args.js';

export interface GraphOptions {
  /** `--target`: a stage name or index; default the last stage. */
  target?: string;
  /** `--build-arg NAME=VALUE`. */
  buildArgs?: Record<string, string>;
  /** `--platform` of the build (default: this machine's). */
  platform?: string;
  /**
   * The BuildKit that will build (`v0.8`, `v0.34.2`; `--buildkit-version` or the engine's own):
   * where versions differ (src/core/buildkit.ts) the model follows it. Default: the current one.
   */
  buildkitVersion?: string;
}

/** Where a step takes files from. */
export type Source =
  | { kind: 'context'; paths: string[]; exclude: string[] }
  | { kind: 'stage'; stage: number; paths: string[] }
  | { kind: 'image'; ref: string; paths: string[] }
  | { kind: 'remote'; url: string }
  | { kind: 'heredoc'; name: string };

/** The state a step runs in. Maps keep declaration order. */
export interface Scope {
  /** ARGs declared in the stage (or global and re-declared) that have a value. */
  args: Map<string, string>;
  /** ENV set by this Dockerfile (from this stage and the stages it is built on). */
  env: Map<string, string>;
  workdir: string;
  user: string | null;
  shell: string[];
}

export interface Step {
  stage: number;
  /** Position in the stage: 0 is the FROM line. */
  position: number;
  instruction: Instruction;
  keyword: Keyword;
  line: number;
  endLine: number;
  /** BuildKit runs it as a step of its own (RUN, COPY, ADD, WORKDIR, and FROM of an image). */
  executes: boolean;
  /** The scope the step sees (for ARG/ENV: before the step). */
  scope: Scope;
  /** Variables the instruction's expanded words refer to. */
  uses: string[];
  /** The instruction's words after expansion (keys depend on the kind). */
  expanded: Record<string, string | string[] | null>;
  /** What the step reads from outside the stage. */
  sources: Source[];
}

export interface Stage {
  index: number;
  /** Lower-cased `AS` name, or null. */
  name: string | null;
  /**
   * The FROM reference as expanded. `unset`: the build args the reference needs and was not
   * given (an ARG with no default, always passed with --build-arg); the ref is then the FROM
   * word as written, and stands for whatever image the build is given.
   */
  base: { kind: 'image'; ref: string; unset?: string[] } | { kind: 'stage'; stage: number } | { kind: 'scratch' };
  platform: string | null;
  /**
   * A Windows image: its base chain starts from one (by name, see isWindowsImage) or its FROM
   * asks for a windows platform. RUN then runs with `cmd /S /C` unless SHELL says otherwise.
   */
  windows: boolean;
  line: number;
  steps: Step[];
  /** BuildKit builds it for the target. */
  needed: boolean;
}

/** How a stage is named to people and in JSON: its AS name, or its index. */
export function stageLabel(s: Pick<Stage, 'index' | 'name'>): string {
  return s.name ?? String(s.index);
}

export interface Edge {
  /** The stage index that provides, or an image reference. */
  from: number | string;
  to: number;
  kind: 'from' | 'copy' | 'mount';
  line: number;
}

/**
 * A build arg the file cannot be built without: a global ARG with no default that a FROM
 * needs (BuildKit stops with "base name should not be blank" or an invalid reference when it
 * is not passed). layerwise models the build all the same, with the base as an image the user
 * supplies, and says so.
 */
export interface RequiredArg {
  name: string;
  /** The stage whose FROM needs it, and that FROM's image word. */
  stage: number;
  range: Range;
}

export interface BuildGraph {
  dockerfile: Dockerfile;
  /** What the graph was built with (target, build args, platform). */
  options: GraphOptions;
  /** Global ARGs (before the first FROM) with their values, for FROM lines. */
  metaArgs: Map<string, string>;
  /** Build args the build needs and was not given, in file order (see RequiredArg). */
  requiredArgs: RequiredArg[];
  stages: Stage[];
  edges: Edge[];
  target: number;
  /** Needed stages grouped in waves: a stage can start once the waves before it are done. */
  waves: number[][];
}


/**
 * The shape of an image reference (docker/distribution's grammar, loosely: path components
 * separated by `/`, an optional `:tag` and `@digest`); used only to tell a reference an unset
 * ARG broke (`/python:3.12`, `python:`) from one it left whole (`builder` from `builder${V}`).
 */
const IMAGE_REF = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$/i;

function fail(df: Dockerfile, message: string, range: Range): never {
  throw new InputError(message, df.file, range.start);
}

/** Expands a word with BuildKit's lexer, turning expansion errors into located input errors. */
function expander(df: Dockerfile, buildkitVersion: string | undefined) {
  // A version not known either way gets the lenient reading (the forms expand).
  const patterns = hasBehaviour('substitution-patterns', buildkitVersion) !== false;
  const colonless = hasBehaviour('colonless-defaults', buildkitVersion) !== false;
  return (text: string, env: Map<string, string>, range: Range, used?: Set<string>, unset?: Set<string>): string => {
    try {
      const r = expand(text, env, { escape: df.escape, patterns, colonless });
      r.used.forEach((u) => used?.add(u));
      r.unset.forEach((u) => used?.add(u));
      r.unset.forEach((u) => unset?.add(u));
      return r.value;
    } catch (e) {
      if (e instanceof ExpandError) fail(df, e.message, range);
      throw e;
    }
  };
}

/**
 * Scopes are shared between the steps that see the same state and never changed once a step
 * holds one: a step that changes the state (ARG, ENV, WORKDIR, USER, SHELL) works on a copy.
 * Their lookup tables are built once per scope.
 */
const lookups = new WeakMap<Scope, Map<string, string>>();

/** ARG lookup table: ARGs with values, overlaid by ENV (ENV always wins over ARG). */
function lookupEnv(scope: Scope): Map<string, string> {
  const known = lookups.get(scope);
  if (known) return known;
  const m = new Map(scope.args);
  for (const [k, v] of scope.env) m.set(k, v);
  lookups.set(scope, m);
  return m;
}

function isRemote(src: string): boolean {
  if (/^(https?|git):\/\//i.test(src) || src.startsWith('git@')) return true;
  // A URL ending in .git (with an optional #ref) is a git repository whatever its scheme.
  return /^[a-z]+:\/\//i.test(src) && /\.git(#.*)?$/.test(src);
}

const CHANGES_SCOPE: ReadonlySet<Keyword> = new Set<Keyword>(['ARG', 'ENV', 'WORKDIR', 'USER', 'SHELL']);

/** A value as written, without the quotes around it: the text a code frame or a diff shows. */
function unquoted(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : raw.replace(/^(["'])(.*)\1$/s, '$2');
}

function cloneScope(s: Scope): Scope {
  return { args: new Map(s.args), env: new Map(s.env), workdir: s.workdir, user: s.user, shell: [...s.shell] };
}

/** Builds the stage graph of a parsed Dockerfile. Throws InputError for BuildKit's graph errors. */
export function buildGraph(df: Dockerfile, opts: GraphOptions = {}): BuildGraph {
  const buildArgs = new Map(Object.entries(opts.buildArgs ?? {}));
  for (const [name, value] of buildArgs) noteVariable(name, value);
  const target = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const auto = platformArgs(target);
  const ex = expander(df, opts.buildkitVersion);
  if (hasBehaviour('heredocs', opts.buildkitVersion) === false) {
    const first = df.instructions.find((x) => x.heredocs?.length);
    if (first) {
      fail(df, `a here-document (<<${first.heredocs![0]!.name}) needs BuildKit ${BEHAVIOURS.heredocs.since} or later (Dockerfile frontend 1.4); BuildKit ${opts.buildkitVersion} reads the lines after it as instructions`, first.range);
    }
  }

  // Global ARGs: defaults expanded with the ARGs before them; --build-arg wins.
  const metaArgs = new Map(auto);
  /** Global ARGs declared, with or without a value. */
  const declared = new Set<string>();
  let i = 0;
  for (; i < df.instructions.length && df.instructions[i].keyword === 'ARG'; i++) {
    const inst = df.instructions[i];
    if (inst.keyword !== 'ARG') break;
    for (const d of inst.decls) {
      const name = ex(d.key.raw, metaArgs, d.key.range);
      let value = d.value ? ex(d.value.raw, metaArgs, d.value.range) : undefined;
      if (buildArgs.has(name)) value = buildArgs.get(name);
      noteVariable(name, value);
      noteVariable(name, unquoted(d.value?.raw));
      declared.add(name);
      if (value !== undefined) metaArgs.set(name, value);
      else metaArgs.delete(name);
    }
  }

  // Split the rest into stages.
  const groups: Instruction[][] = [];
  for (; i < df.instructions.length; i++) {
    const inst = df.instructions[i];
    if (inst.keyword === 'FROM') groups.push([inst]);
    else groups[groups.length - 1].push(inst);
  }

  const stages: Stage[] = [];
  const edges: Edge[] = [];
  const requiredArgs: RequiredArg[] = [];
  const finalScopes: Scope[] = [];
  const byName = new Map<string, number>();
  groups.forEach((g, index) => {
    const from = g[0] as FromInstruction;
    const name = from.stageName?.value ?? null;
    if (name !== null) {
      if (byName.has(name)) fail(df, `duplicate stage name "${name}"`, from.stageName!.token.range);
      byName.set(name, index);
    }
  });

  /** Resolves a `--from` / `from=` reference: a stage name, a stage index, or an image. */
  const resolveRef = (ref: string, current: number, range: Range): { stage: number } | { image: string } => {
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n >= groups.length) fail(df, `invalid stage index ${n}: the file has ${groups.length} stage${groups.length === 1 ? '' : 's'}`, range);
      if (n >= current) fail(df, `stage ${current} refers to stage ${n}, which is not before it`, range);
      return { stage: n };
    }
    const s = byName.get(ref.toLowerCase());
    if (s !== undefined) {
      if (s === current) fail(df, `circular dependency: stage "${ref}" refers to itself`, range);
      return { stage: s };
    }
    return { image: ref };
  };

  groups.forEach((g, index) => {
    const from = g[0] as FromInstruction;
    const name = from.stageName?.value ?? null;
    const used = new Set<string>();
    const unsetHere = new Set<string>();
    let ref = ex(from.image.raw, metaArgs, from.image.range, used, unsetHere);
    // A reference left blank or broken by a declared ARG with no value is an input the user
    // supplies (`--build-arg BUILDER_IMAGE=...`): modelled as that image, and reported. One
    // that reads no declared ARG is blank for every build: BuildKit's own error.
    const needs = [...unsetHere].filter((n) => declared.has(n));
    const unset = needs.length && (ref === '' || !IMAGE_REF.test(ref)) ? needs : null;
    if (unset) {
      for (const name of unset) requiredArgs.push({ name, stage: index, range: from.image.range });
      ref = from.image.raw;
    } else if (ref === '') fail(df, `base name (${from.image.raw}) should not be blank`, from.image.range);
    const platform = from.platform !== null ? ex(from.platform, metaArgs, from.range, used) : null;
    // FROM only sees earlier stages: a later name is an image reference, as in dockerfile2llb.
    const parent = byName.get(ref.toLowerCase());
    let base: Stage['base'];
    let scope: Scope;
    let windows = platform !== null && platform.toLowerCase().startsWith('windows');
    if (parent !== undefined && parent < index) {
      windows = windows || stages[parent].windows;
      base = { kind: 'stage', stage: parent };
      // A stage built FROM another inherits its ARGs too (engine scenario from-stage-arg-changed-downstream).
      scope = finalScopes[parent];
      edges.push({ from: parent, to: index, kind: 'from', line: from.range.start.line });
    } else if (ref.toLowerCase() === 'scratch') {
      base = { kind: 'scratch' };
      scope = { args: new Map(), env: new Map(), workdir: '/', user: null, shell: defaultShell(windows) };
    } else {
      base = unset ? { kind: 'image', ref, unset } : { kind: 'image', ref };
      windows = windows || isWindowsImage(ref);
      scope = { args: new Map(), env: new Map(), workdir: '/', user: null, shell: defaultShell(windows) };
      edges.push({ from: ref, to: index, kind: 'from', line: from.range.start.line });
    }
    const steps: Step[] = [{
      stage: index, position: 0, instruction: from, keyword: 'FROM', line: from.range.start.line,
      endLine: from.range.end.line, executes: base.kind === 'image', scope,
      uses: [...used], expanded: { image: ref, platform }, sources: base.kind === 'image' ? [{ kind: 'image', ref, paths: [] }] : [],
    }];

    for (let p = 1; p < g.length; p++) {
      const inst = g[p];
      const before = scope;
      const env = lookupEnv(scope);
      if (CHANGES_SCOPE.has(inst.keyword)) scope = cloneScope(scope);
      const uses = new Set<string>();
      const expanded: Step['expanded'] = {};
      const sources: Source[] = [];
      let executes = false;
      const x = (text: string, range: Range) => ex(text, env, range, uses);
      switch (inst.keyword) {
        case 'ARG':
          for (const d of inst.decls) {
            const key = x(d.key.raw, d.key.range);
            let value = d.value ? x(d.value.raw, d.value.range) : undefined;
            if (buildArgs.has(key)) value = buildArgs.get(key);
            else if (value === undefined && metaArgs.has(key)) value = metaArgs.get(key);
            noteVariable(key, value);
            noteVariable(key, unquoted(d.value?.raw));
            scope.args.delete(key); // re-declaring moves it to the end, like a fresh declaration
            if (value !== undefined) scope.args.set(key, value);
            expanded[key] = value ?? null;
          }
          break;
        case 'ENV':
          for (const pr of inst.pairs) {
            const key = x(pr.key.raw, pr.key.range);
            // BuildKit expands the whole line before applying it: `ENV A=1 B=$A` sees the old A.
            const value = pr.value ? x(pr.value.raw, pr.value.range) : '';
            noteVariable(key, value);
            noteVariable(key, unquoted(pr.value?.raw));
            scope.env.set(key, value);
            expanded[key] = value;
          }
          break;
        case 'LABEL':
          for (const pr of inst.pairs) expanded[x(pr.key.raw, pr.key.range)] = pr.value ? x(pr.value.raw, pr.value.range) : '';
          break;
        case 'WORKDIR': {
          const dir = x(inst.value.raw, inst.value.range);
          scope.workdir = path.posix.resolve(scope.workdir, dir);
          expanded.workdir = scope.workdir;
          // BuildKit makes no mkdir step for `/` (checked on v0.8: no vertex).
          executes = scope.workdir !== '/';
          break;
        }
        case 'USER':
          scope.user = x(inst.value.raw, inst.value.range);
          expanded.user = scope.user;
          break;
        case 'SHELL':
          scope.shell = [...inst.argv];
          expanded.shell = inst.argv;
          break;
        case 'STOPSIGNAL':
          expanded.signal = x(inst.value.raw, inst.value.range);
          break;
        case 'EXPOSE':
          expanded.ports = inst.items.map((t) => x(t.raw, t.range));
          break;
        case 'VOLUME':
          expanded.volumes = inst.items.map((t) => x(t.raw, t.range));
          break;
        case 'COPY':
        case 'ADD': {
          executes = true;
          for (const s of copySources(inst, (t, r) => x(t, r), index, resolveRef, edges)) sources.push(s);
          expanded.sources = inst.sources.map((t) => (t.raw.startsWith('<<') ? t.raw : x(t.raw, t.range)));
          expanded.dest = x(inst.dest.raw, inst.dest.range);
          expanded.chown = inst.chown !== null ? x(inst.chown, inst.range) : null;
          expanded.chmod = inst.chmod !== null ? x(inst.chmod, inst.range) : null;
          if (inst.keyword === 'COPY') expanded.from = inst.from !== null ? x(inst.from, inst.range) : null;
          break;
        }
        case 'RUN': {
          executes = true;
          const mounts = inst.mounts.map((m) => expandMount(m, (t) => x(t, m.range)));
          expanded.mounts = mounts.map((m) => `type=${m.type}${m.target ? `,target=${m.target}` : ''}${m.from ? `,from=${m.from}` : ''}${m.source ? `,source=${m.source}` : ''}`);
          for (const m of mounts) {
            if (m.type !== 'bind' && !(m.type === 'cache' && m.from)) continue;
            const paths = [m.source ?? '/'];
            if (m.from) {
              const r = resolveRef(m.from, index, m.range);
              edges.push({ from: 'stage' in r ? r.stage : r.image, to: index, kind: 'mount', line: inst.range.start.line });
              sources.push('stage' in r ? { kind: 'stage', stage: r.stage, paths } : { kind: 'image', ref: r.image, paths });
            } else if (m.type === 'bind') {
              sources.push({ kind: 'context', paths: paths.map((s) => s.replace(/^\/+/, '') || '.'), exclude: [] });
            }
          }
          break;
        }
        default:
          break;
      }
      steps.push({
        stage: index, position: p, instruction: inst, keyword: inst.keyword, line: inst.range.start.line,
        endLine: inst.range.end.line, executes, scope: before, uses: [...uses], expanded, sources,
      });
    }
    finalScopes.push(scope);
    stages.push({ index, name, base, platform, windows, line: from.range.start.line, steps, needed: false });
  });

  if (stages.length === 0) fail(df, 'the file has no FROM line', df.instructions[0].range);
  const deps = stageDeps(stages.length, edges);
  detectCycles(df, stages, deps);

  let targetIndex = stages.length - 1;
  if (opts.target !== undefined) {
    const t = opts.target.toLowerCase();
    const found = /^\d+$/.test(t) ? Number(t) : byName.get(t);
    if (found === undefined || found >= stages.length) {
      throw new InputError(`target stage "${opts.target}" could not be found`, df.file);
    }
    targetIndex = found;
  }
  const needed = new Set<number>();
  const stack = [targetIndex];
  while (stack.length) {
    const s = stack.pop()!;
    if (needed.has(s)) continue;
    needed.add(s);
    // A loop, not push(...deps): a stage can read from more stages than a call takes arguments.
    for (const d of deps[s]) stack.push(d);
  }
  for (const s of stages) s.needed = needed.has(s.index);
  return { dockerfile: df, options: opts, metaArgs, requiredArgs, stages, edges, target: targetIndex, waves: waves(stages, deps) };
}

function expandMount(m: Mount, x: (t: string) => string): Mount {
  const e = (v: string | null) => (v === null ? null : x(v));
  return { ...m, target: e(m.target), source: e(m.source), from: e(m.from), id: e(m.id) };
}

function copySources(
  inst: CopyInstruction,
  x: (t: string, r: Range) => string,
  index: number,
  resolveRef: (ref: string, current: number, range: Range) => { stage: number } | { image: string },
  edges: Edge[],
): Source[] {
  const out: Source[] = [];
  const local: string[] = [];
  const fromRef = inst.keyword === 'COPY' && inst.from !== null ? x(inst.from, inst.range) : null;
  for (const t of inst.sources) {
    if (t.raw.startsWith('<<')) {
      const h = inst.heredocs.find((d) => t.raw.replace(/^<<-?/, '').replace(/["']/g, '') === d.name);
      if (h) {
        out.push({ kind: 'heredoc', name: h.name });
        continue;
      }
    }
    const v = x(t.raw, t.range);
    if (inst.keyword === 'ADD' && isRemote(v)) out.push({ kind: 'remote', url: v });
    else local.push(v);
  }
  if (fromRef !== null) {
    const r = resolveRef(fromRef, index, inst.range);
    edges.push({ from: 'stage' in r ? r.stage : r.image, to: index, kind: 'copy', line: inst.range.start.line });
    out.push('stage' in r ? { kind: 'stage', stage: r.stage, paths: local } : { kind: 'image', ref: r.image, paths: local });
  } else if (local.length) {
    out.push({ kind: 'context', paths: local, exclude: inst.exclude.map((e) => x(e, inst.range)) });
  }
  return out;
}

/** For each stage, the stages it reads from. */
function stageDeps(n: number, edges: Edge[]): number[][] {
  const deps: number[][] = Array.from({ length: n }, () => []);
  // A set per stage: includes() on the list was quadratic in the COPY --from lines of one stage.
  const seen: Set<number>[] = Array.from({ length: n }, () => new Set());
  for (const e of edges) {
    if (typeof e.from !== 'number' || seen[e.to].has(e.from)) continue;
    seen[e.to].add(e.from);
    deps[e.to].push(e.from);
  }
  return deps;
}

/** BuildKit rejects a graph with a cycle ("circular dependency detected on stage"). */
function detectCycles(df: Dockerfile, stages: Stage[], deps: number[][]): void {
  const state = new Array<number>(stages.length).fill(0);
  const visit = (s: number): void => {
    if (state[s] === 2) return;
    if (state[s] === 1) {
      const st = stages[s];
      fail(df, `circular dependency detected on stage: ${st.name ?? st.index}`, st.steps[0].instruction.range);
    }
    state[s] = 1;
    deps[s].forEach(visit);
    state[s] = 2;
  };
  stages.forEach((s) => visit(s.index));
}

/** Needed stages by depth: each wave depends only on earlier waves, so its stages can run together. */
function waves(stages: Stage[], deps: number[][]): number[][] {
  const depth = new Map<number, number>();
  const d = (s: number): number => {
    if (depth.has(s)) return depth.get(s)!;
    let v = 0;
    for (const up of deps[s]) v = Math.max(v, d(up) + 1);
    depth.set(s, v);
    return v;
  };
  const out: number[][] = [];
  for (const s of stages) {
    if (!s.needed) continue;
    const k = d(s.index);
    (out[k] ??= []).push(s.index);
  }
  return out.filter(Boolean);
}

/** Stage indices with every stage after the stages it reads from (the graph has no cycle). */
export function stageOrder(g: BuildGraph): number[] {
  const deps = stageDeps(g.stages.length, g.edges);
  const seen = new Set<number>();
  const out: number[] = [];
  const visit = (s: number) => {
    if (seen.has(s)) return;
    seen.add(s);
    deps[s].forEach(visit);
    out.push(s);
  };
  g.stages.forEach((s) => visit(s.index));
  return out;
}
