/**
 * Change impact: for the kinds of change this context actually sees, which step first
 * rebuilds and what the rebuild costs. The kinds: an edit of source files of each language
 * under each top-level folder, a change to each dependency manifest or lockfile, each build
 * arg with a default, each base image, and the change classes of the config file. Each is
 * judged by the same invalidation model as `explain`.
 */
import path from 'node:path';
import { changedContext } from '../cache/changes.js';
import { invalidation, type StepVerdict } from '../cache/invalidation.js';
import type { BuildContext } from '../context/index.js';
import { buildGraph, type BuildGraph, type Stage, type Step } from '../graph/graph.js';
import { predictRebuild, type Durations } from '../timing/predict.js';

export interface Impact {
  /** In words: "an edit under python/". */
  change: string;
  kind: 'source' | 'manifest' | 'arg' | 'base' | 'config';
  /** The paths (or arg, or image) taken as changed. */
  subject: string[];
  first_rebuilt_line: number | null;
  rebuilt_steps: number;
  /** Predicted seconds of the rebuild (time scale applied), conditional steps counted as re-run. */
  seconds: number;
  basis: Durations['basis'];
  /** Not part of the JSON: the verdicts, for rules that need them. */
  verdicts?: StepVerdict[];
}

const LANGUAGES: Record<string, string> = {
  '.pl': 'Perl', '.pm': 'Perl', '.lua': 'Lua', '.r': 'R', '.R': 'R', '.dart': 'Dart', '.hs': 'Haskell', '.clj': 'Clojure', '.erl': 'Erlang',
  '.zig': 'Zig', '.jl': 'Julia', '.fs': 'F#', '.vb': 'Visual Basic', '.vue': 'Vue', '.svelte': 'Svelte', '.cu': 'CUDA', '.cuh': 'CUDA',
  '.m': 'Objective-C', '.mm': 'Objective-C++', '.groovy': 'Groovy', '.ps1': 'PowerShell', '.sh': 'shell', '.cxx': 'C++', '.hh': 'C++',
  '.py': 'Python', '.js': 'JavaScript', '.mjs': 'JavaScript', '.cjs': 'JavaScript', '.ts': 'TypeScript', '.tsx': 'TypeScript', '.jsx': 'JavaScript',
  '.go': 'Go', '.rs': 'Rust', '.java': 'Java', '.kt': 'Kotlin', '.scala': 'Scala', '.rb': 'Ruby', '.php': 'PHP', '.cs': 'C#',
  '.c': 'C', '.h': 'C', '.cc': 'C++', '.cpp': 'C++', '.hpp': 'C++', '.swift': 'Swift', '.ex': 'Elixir', '.exs': 'Elixir',
};

/** Dependency manifests and lockfiles: their change should rebuild only the install that reads them. */
export const MANIFESTS = /^(requirements[\w.-]*\.txt|constraints[\w.-]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|setup\.(py|cfg)|package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|composer\.(json|lock)|pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|gradle\.lockfile|\.npmrc|\.yarnrc(\.yml)?|pnpm-workspace\.yaml|\.python-version|poetry\.toml|uv\.toml|go\.work(\.sum)?|gradle\.properties|gradlew|gradle|mvnw|\.mvn)$/;

/**
 * Folders that hold the project's tooling, documentation, examples, tests or vendored code
 * rather than its main code: an edit there is a change class of its own, never the
 * representative source edit.
 */
const SECONDARY = /^(\.[^/]+|docs?|documentation|examples?|samples?|demos?|tests?|testing|e2e[\w-]*|spec|benchmarks?|bench|scripts?|tools|3rdparty|third[_-]party|vendor|contrib|assets|ci|hack)$/i;

/** Whether a context path lies under a secondary folder (at any depth). */
function secondary(p: string): string | undefined {
  const parts = p.split('/').slice(0, -1);
  const i = parts.findIndex((x) => SECONDARY.test(x));
  return i < 0 ? undefined : parts.slice(0, i + 1).join('/') + '/';
}

/** A kind of source edit the context sees: the code of one top-level folder (or of the root). */
export interface SourceClass {
  /** In words: "an edit of Python code under python/". */
  change: string;
  /** Top-level folder with a trailing slash, '' for the context root, or the secondary folders grouped. */
  folder: string;
  language: string;
  /** The file taken as edited. */
  file: string;
  /** Source files of that language there. */
  files: number;
  /** The project's main code, not tooling, docs, examples, tests or vendored code. */
  main: boolean;
}

const sourceClassCache = new WeakMap<BuildContext, SourceClass[]>();

/**
 * The source edits a context sees, main code first: per top-level folder its dominant
 * language (any language: an unknown extension counts as the folder's files), ranked by how
 * many source files it holds; the secondary folders (.github/, docs/, examples/, tests/,
 * benchmarks/, vendored code) grouped into one class after the main ones.
 */
export function sourceClasses(context: BuildContext): SourceClass[] {
  const known = sourceClassCache.get(context);
  if (known) return known;
  const folders = new Map<string, Map<string, string[]>>();
  const others: string[] = [];
  for (const e of context.entries) {
    if (e.type !== 'file') continue;
    const name = path.posix.basename(e.path);
    if (MANIFESTS.test(name)) continue;
    const language = LANGUAGES[path.posix.extname(name)];
    if (!language) continue;
    if (secondary(e.path) !== undefined) {
      others.push(e.path);
      continue;
    }
    const top = e.path.includes('/') ? e.path.slice(0, e.path.indexOf('/') + 1) : '';
    const byLang = folders.get(top) ?? new Map<string, string[]>();
    folders.set(top, byLang);
    byLang.set(language, [...(byLang.get(language) ?? []), e.path]);
  }
  const pick = (files: string[]) => {
    // A file of the code itself, not a package marker or a test: the one an edit most often touches.
    const sorted = [...files].sort();
    return sorted.find((f) => !/(^|\/)(__init__\.py|index\.[jt]s|mod\.rs|lib\.rs|main\.go|test[^/]*|[^/]*_test\.\w+|[^/]*\.test\.\w+)$/.test(f)) ?? sorted[0];
  };
  const out: SourceClass[] = [];
  for (const [folder, byLang] of folders) {
    const [language, files] = [...byLang].sort((a, b) => b[1].length - a[1].length)[0];
    out.push({ change: folder ? `an edit of ${language} code under ${folder}` : `an edit of a ${language} file at the context root`, folder, language, file: pick(files), files: files.length, main: true });
  }
  out.sort((a, b) => b.files - a.files || a.folder.localeCompare(b.folder));
  if (others.length) {
    const groups = [...new Set(others.map((f) => secondary(f)!))].sort();
    // Named by their top-level folders: `python/app/tests/` counts under python/.
    const tops = [...new Set(groups.map((g) => `${g.split('/')[0]}/`))];
    const shown = tops.slice(0, 3).join(', ') + (tops.length > 3 ? ` and ${tops.length - 3} more` : '');
    out.push({ change: `an edit under ${shown} (not the main code)`, folder: groups.join(' '), language: 'mixed', file: pick(others), files: others.length, main: false });
  }
  sourceClassCache.set(context, out);
  return out;
}

/**
 * The one source edit that stands for "a source edit" in analyze and fix predictions (and
 * `bench --simulate`'s default change): a file of the project's main code, the first of
 * {@link sourceClasses}. It depends on the context only, so the file before and after a fix
 * are judged on the same edit. Null when the context holds no source files.
 */
export function representativeSourceEdit(model: { context?: BuildContext }): SourceClass | null {
  return model.context ? sourceClasses(model.context).find((c) => c.main) ?? sourceClasses(model.context)[0] ?? null : null;
}

/**
 * The manifest changes a context sees: each manifest or lockfile of the project on its own,
 * those under secondary folders (examples/, tests/, docs/ at any depth) one class per folder.
 */
export function manifestClasses(context: BuildContext): { change: string; paths: string[] }[] {
  const out: { change: string; paths: string[] }[] = [];
  const grouped = new Map<string, string[]>();
  for (const e of context.entries) {
    if (e.type !== 'file' || !MANIFESTS.test(path.posix.basename(e.path))) continue;
    const group = secondary(e.path);
    if (group === undefined) out.push({ change: `a change to ${e.path}`, paths: [e.path] });
    else grouped.set(group, [...(grouped.get(group) ?? []), e.path]);
  }
  for (const [group, paths] of grouped) {
    out.push(paths.length === 1 ? { change: `a change to ${paths[0]}`, paths } : { change: `a change to one of ${paths.length} manifests under ${group}`, paths });
  }
  return out;
}

function summarize(graph: BuildGraph, verdicts: StepVerdict[], d: Durations, timeScale: number) {
  const rebuilt = verdicts.filter((v) => v.step.executes && v.status === 'rebuilt');
  const high = predictRebuild(graph, d, verdicts).high;
  return {
    first_rebuilt_line: rebuilt[0]?.step.line ?? null,
    rebuilt_steps: rebuilt.length,
    seconds: high.seconds * timeScale,
    basis: d.basis,
  };
}

/** A copy of the graph whose stages on `image` had another base: what a new base image looks like to the cache. */
function withOtherBase(g: BuildGraph, image: string): BuildGraph {
  const stages: Stage[] = g.stages.map((s) => {
    if (s.base.kind !== 'image' || s.base.ref !== image) return s;
    const from: Step = { ...s.steps[0], expanded: { ...s.steps[0].expanded, image: `${image} (before)` } };
    return { ...s, steps: [from, ...s.steps.slice(1)] };
  });
  return { ...g, stages };
}

export function changeImpact(opts: {
  graph: BuildGraph;
  context?: BuildContext;
  /** Durations of a graph's steps (the graph of a changed arg has steps of its own); asked once per change, so best memoized (durationsOnce). */
  durationsFor: (g: BuildGraph) => Durations;
  timeScale: number;
  extra?: { name: string; paths: string[] }[];
  /** Only these kinds of change (`fix` predicts source edits only); default all. */
  kinds?: readonly Impact['kind'][];
}): Impact[] {
  const { graph, context, timeScale } = opts;
  const out: Impact[] = [];
  const judge = (change: string, kind: Impact['kind'], subject: string[], paths: string[], previous = graph, args?: Record<string, string>) => {
    if (opts.kinds && !opts.kinds.includes(kind)) return;
    const current = args ? withArgs(graph, args) : graph;
    const verdicts = invalidation({ previous, current, changes: changedContext(paths) });
    out.push({ change, kind, subject, ...summarize(current, verdicts, opts.durationsFor(current), timeScale), verdicts });
  };

  if (context) {
    for (const m of manifestClasses(context)) judge(m.change, 'manifest', m.paths, m.paths.slice(0, 1));
    for (const c of sourceClasses(context)) judge(c.change, 'source', [c.file], [c.file]);
  }
  for (const c of opts.extra ?? []) judge(`a change to ${c.name}`, 'config', c.paths, c.paths);

  const seenArgs = new Set<string>();
  for (const inst of graph.dockerfile.instructions) {
    if (inst.keyword !== 'ARG') continue;
    for (const decl of inst.decls) {
      const name = decl.key.raw;
      if (!decl.value || seenArgs.has(name)) continue;
      seenArgs.add(name);
      judge(`build arg ${name} set to another value`, 'arg', [name], [], graph, { [name]: `${decl.value.raw}-changed` });
    }
  }
  const images = new Set(graph.stages.filter((s) => s.needed && s.base.kind === 'image').map((s) => (s.base as { ref: string }).ref));
  for (const image of images) judge(`a new version of base image ${image}`, 'base', [image], [], withOtherBase(graph, image));
  return out.sort((a, b) => b.seconds - a.seconds || b.rebuilt_steps - a.rebuilt_steps);
}

/** The graph of the same file built with some args changed. */
function withArgs(g: BuildGraph, args: Record<string, string>): BuildGraph {
  return buildGraph(g.dockerfile, { ...g.options, buildArgs: { ...g.options.buildArgs, ...args } });
}
