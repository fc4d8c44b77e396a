/**
 * The kinds of change a context sees, without any Dockerfile: an edit of each top-level
 * folder's code (any language, main code ranked first), a change to each dependency manifest.
 * Change impact (explain/impact.ts), bench's default change and fix's predictions all take
 * them from here, so the same context is always judged on the same edits.
 */
import path from 'node:path';
import type { BuildContext } from './context.js';

const LANGUAGES: Record<string, string> = {
  '.pl': 'Perl', '.pm': 'Perl', '.lua': 'Lua', '.r': 'R', '.R': 'R', '.dart': 'Dart', '.hs': 'Haskell', '.clj': 'Clojure', '.erl': 'Erlang',
  '.zig': 'Zig', '.jl': 'Julia', '.fs': 'F#', '.vb': 'Visual Basic', '.vue': 'Vue', '.svelte': 'Svelte', '.cu': 'CUDA', '.cuh': 'CUDA',
  '.m': 'Objective-C', '.mm': 'Objective-C++', '.groovy': 'Groovy', '.ps1': 'PowerShell', '.sh': 'shell', '.cxx': 'C++', '.hh': 'C++',
  '.py': 'Python', '.js': 'JavaScript', '.mjs': 'JavaScript', '.cjs': 'JavaScript', '.ts': 'TypeScript', '.tsx': 'TypeScript', '.jsx': 'JavaScript',
  '.go': 'Go', '.rs': 'Rust', '.java': 'Java', '.kt': 'Kotlin', '.scala': 'Scala', '.rb': 'Ruby', '.php': 'PHP', '.cs': 'C#',
  '.c': 'C', '.h': 'C', '.cc': 'C++', '.cpp': 'C++', '.hpp': 'C++', '.swift': 'Swift', '.ex': 'Elixir', '.exs': 'Elixir',
};

/** Dependency manifests and lockfiles: their change should rebuild only the install that reads them. */
export const MANIFESTS = /^(requirements[\w.-]*\.txt|constraints[\w.-]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|setup\.(py|cfg)|package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|composer\.(json|lock)|pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|gradle\.lockfile|\.npmrc|\.yarnrc(\.yml)?|pnpm-workspace\.yaml|\.python-version|poetry\.toml|uv\.toml|go\.work(\.sum)?|gradle\.properties|gradlew|gradle|mvnw|\.mvn|[\w.-]+\.(cs|fs|vb)proj|[\w.-]+\.sln|Directory\.(Build|Packages)\.props|[Nn]u[Gg]et\.[Cc]onfig)$/;

/** A folder of pip requirements files (`requirements/base.txt`, `requirements/prod.txt`): each `.txt` in it is one. */
const REQUIREMENTS_DIR = /(^|\/)requirements[\w.-]*\/[^/]+\.(txt|in)$/;

/** Whether a (context or image) path names a dependency manifest or lockfile, by its name or the requirements folder it is in. */
export function isManifestPath(p: string): boolean {
  return MANIFESTS.test(path.posix.basename(p)) || REQUIREMENTS_DIR.test(p);
}

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
    if (isManifestPath(e.path)) continue;
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
    if (e.type !== 'file' || !isManifestPath(e.path)) continue;
    const group = secondary(e.path);
    if (group === undefined) out.push({ change: `a change to ${e.path}`, paths: [e.path] });
    else grouped.set(group, [...(grouped.get(group) ?? []), e.path]);
  }
  for (const [group, paths] of grouped) {
    out.push(paths.length === 1 ? { change: `a change to ${paths[0]}`, paths } : { change: `a change to one of ${paths.length} manifests under ${group}`, paths });
  }
  return out;
}
