/**
 * What a dependency manifest brings along: the files it names (a requirements file's `-r`
 * and `-c` lines) and what makes an install of it read more than manifests (a local path
 * dependency, a workspace, a script the package manager runs on install). Manifest-first
 * copies only manifests before the install; this says which, or why it cannot.
 *
 * Read from the context's files as they are sent, so the answer is about this build.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildContext } from './context.js';

export type Closure = { files: string[] } | { reason: string };

/** Scripts npm, yarn and pnpm run from the project's own package.json during an install. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];

/**
 * The manifests (context-relative) with every file they name, or why an install from them
 * alone would not be the same as an install with the whole source present.
 */
export function manifestClosure(context: BuildContext, manifests: readonly string[]): Closure {
  const files = new Set<string>();
  const queue = [...manifests];
  // An index, not shift(): shift moves every remaining entry, quadratic on a long closure.
  for (let next = 0; next < queue.length; next++) {
    const rel = path.posix.normalize(queue[next]);
    if (files.has(rel)) continue;
    const entry = context.get(rel);
    if (!entry) return { reason: `${rel} is not in the build context` };
    files.add(rel);
    if (entry.type !== 'file') continue;
    let text: string;
    try {
      text = readFileSync(path.join(context.root, rel), 'utf8');
    } catch {
      return { reason: `${rel} cannot be read` };
    }
    const r = inspect(rel, text);
    if ('reason' in r) return r;
    for (const f of r.files) queue.push(f);
  }
  return { files: [...files].sort() };
}

function inspect(rel: string, text: string): Closure {
  const base = path.posix.basename(rel);
  const dir = path.posix.dirname(rel);
  if (base.endsWith('.txt')) return requirements(rel, dir, text);
  if (base === 'package.json') return packageJson(rel, text);
  if (base === 'Gemfile') {
    if (/^\s*gemspec\b/m.test(text)) return { reason: `${rel} installs the project's own gemspec, which reads the source` };
    if (/\bpath:\s*['"]/.test(text)) return { reason: `${rel} installs a gem from a local path` };
  }
  if (base === 'go.mod' && /=>\s*\.{1,2}\//.test(text)) return { reason: `${rel} replaces a module with a local folder` };
  if (base === 'pom.xml' && /<modules>/.test(text)) return { reason: `${rel} builds modules whose pom.xml files it reads` };
  if (/^settings\.gradle(\.kts)?$/.test(base) && /^\s*include(Build)?\b/m.test(text)) return { reason: `${rel} includes projects whose build files it reads` };
  if (/^build\.gradle(\.kts)?$/.test(base) && /\bapply\s*\(?\s*from\s*[:=]/.test(text)) return { reason: `${rel} applies another script, which it reads` };
  if (base === 'composer.json' && /"type"\s*:\s*"path"/.test(text)) return { reason: `${rel} installs a package from a local path` };
  if (base === 'pyproject.toml') {
    if (/^\s*\[tool\.uv\.workspace\]/m.test(text)) return { reason: `${rel} declares a uv workspace, whose members it reads` };
    if (/\bpath\s*=\s*["']/.test(text)) return { reason: `${rel} has a dependency on a local path` };
  }
  return { files: [] };
}

/** A pip requirements or constraints file: `-r`/`-c` name more files (relative to it); local paths read the source. */
function requirements(rel: string, dir: string, text: string): Closure {
  const files: string[] = [];
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const include = /^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)/.exec(line);
    if (include) {
      if (/^[a-z]+:\/\//i.test(include[1])) continue;
      files.push(path.posix.normalize(path.posix.join(dir, include[1])));
      continue;
    }
    const editable = /^(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)/.exec(line);
    const target = editable ? editable[1] : line;
    if (/^(\.{1,2}(\/|$)|\/|file:)/.test(target) || /@\s*file:/.test(line)) return { reason: `${rel} installs a local path (line ${i + 1}: ${line})` };
  }
  return { files };
}

function packageJson(rel: string, text: string): Closure {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: `${rel} is not valid JSON` };
  }
  if (!json || typeof json !== 'object') return { files: [] };
  const pkg = json as Record<string, unknown>;
  const scripts = (pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {}) as Record<string, unknown>;
  const run = INSTALL_SCRIPTS.filter((s) => typeof scripts[s] === 'string');
  if (run.length) return { reason: `${rel} runs its own "${run[0]}" script on install, which may read the source` };
  if (pkg.workspaces) return { reason: `${rel} declares workspaces, whose package.json files it reads` };
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    const deps = (pkg[field] && typeof pkg[field] === 'object' ? pkg[field] : {}) as Record<string, unknown>;
    const local = Object.entries(deps).find(([, v]) => typeof v === 'string' && /^(file:|link:|workspace:|\.{1,2}\/)/.test(v));
    if (local) return { reason: `${rel} depends on ${local[0]} from a local path (${String(local[1])})` };
  }
  return { files: [] };
}
