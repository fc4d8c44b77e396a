import path from 'node:path';
import { contextPath } from '../cache/changes.js';
import type { BuildContext, ContextEntry } from '../context/index.js';
import { containsWildcards } from '../context/index.js';
import { defineRule } from './define.js';
import { humanBytes } from './shared.js';

/** Build output folders, counted only beside a manifest of a tool that writes there. */
const BUILD_DIRS: Record<string, string[]> = {
  dist: ['package.json', 'pyproject.toml', 'setup.py', 'setup.cfg'],
  build: ['package.json', 'pyproject.toml', 'setup.py', 'setup.cfg', 'CMakeLists.txt', 'build.gradle', 'build.gradle.kts', 'settings.gradle'],
  target: ['Cargo.toml', 'pom.xml', 'build.sbt'],
};
const ENV_FILE = /^\.env(\..+)?$/;
const ENV_TEMPLATE = /\.(example|sample|template|dist|defaults)$/;

/**
 * The first path segment (from `from` on) that makes a context file noise, and the
 * .dockerignore pattern that would leave it out.
 */
function noise(c: BuildContext, segs: string[], from: number): { at: number; pattern: string } | undefined {
  const pattern = (at: number, name = segs[at]) => (at === 0 ? name : `**/${name}`);
  for (let i = from; i < segs.length; i++) {
    const s = segs[i];
    const dir = i < segs.length - 1;
    const parent = segs.slice(0, i);
    if (s === '.git') return { at: i, pattern: pattern(i) };
    if (dir && ['node_modules', '__pycache__', '.venv', 'venv', '.tox'].includes(s)) return { at: i, pattern: pattern(i) };
    // A virtual environment under another name: it holds a pyvenv.cfg.
    if (dir && c.get([...parent, s, 'pyvenv.cfg'].join('/'))) return { at: i, pattern: pattern(i) };
    if (dir && BUILD_DIRS[s]?.some((m) => c.get([...parent, m].join('/')))) return { at: i, pattern: [...parent, s].join('/') };
    if (!dir && /\.py[co]$/.test(s)) return { at: i, pattern: '**/*.pyc' };
    if (!dir && ENV_FILE.test(s) && !ENV_TEMPLATE.test(s)) return { at: i, pattern: pattern(i) };
  }
  return undefined;
}

/** The ignore file in force, relative to the context when it is inside it. */
function ignoreName(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') ? rel : path.basename(file);
}

/** Segments of a source before its first wildcard: what it names explicitly. */
function namedDepth(source: string): number {
  const p = contextPath(source);
  if (p === '.') return 0;
  const segs = p.split('/');
  const w = segs.findIndex(containsWildcards);
  return w < 0 ? segs.length : w;
}

/**
 * The files a step brings in from the context that no source edit changes but that change
 * all the time: `.git` (every commit, fetch, checkout), `node_modules`, build outputs, Python
 * bytecode, virtual environments, `.env` files. Each change there re-runs the step and every
 * step after it, and the files land in the image. Found only where the context holds them
 * and the ignore file in force lets them through; a source that names such a path itself
 * (`COPY dist/ /app/`) wants it and is left alone, and so is one the ignore file lets through
 * by name (`!.env.production`).
 */
export default defineRule({
  meta: {
    name: 'unignored-context-noise',
    category: 'context',
    severity: 'warning',
    description: 'A step copies files that change without a source edit (.git, node_modules, build outputs, *.pyc, virtual environments, .env files) because the .dockerignore (or its absence) lets them through.',
    fix: null,
    messages: {
      noise: '{{copy}} brings in {{count}} file{{s}} ({{size}}) that change without a source edit: {{what}}; each change there re-runs this step and those after it; add {{patterns}} to {{ignore}}',
    },
  },
  check(ctx) {
    const c = ctx.context;
    if (!c) return;
    // An exception in the ignore file that names the path itself (`!.env.production` in an
    // allow-list) lets it through on purpose: the build reads it.
    const wanted = new Set(c.ignore.patterns.filter((p) => p.pattern.startsWith('!') && !containsWildcards(p.pattern.slice(1))).map((p) => p.pattern.slice(1).replace(/\/+$/, '')));
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        const found = new Map<string, ContextEntry>();
        const byPattern = new Map<string, { files: number; bytes: number }>();
        for (const src of step.sources) {
          if (src.kind !== 'context') continue;
          for (const p of src.paths) {
            const sel = step.keyword === 'RUN' ? c.selectBindMount(p) : c.select([p], { exclude: src.exclude });
            const depth = namedDepth(p);
            for (const f of sel.files) {
              if (found.has(f.path)) continue;
              const segs = f.path.split('/');
              const n = noise(c, segs, depth);
              if (!n || wanted.has(segs.slice(0, n.at + 1).join('/'))) continue;
              found.set(f.path, f);
              const g = byPattern.get(n.pattern) ?? { files: 0, bytes: 0 };
              g.files++;
              g.bytes += f.size;
              byPattern.set(n.pattern, g);
            }
          }
        }
        if (!found.size) continue;
        // `**/x` covers `x` at the root too.
        const patterns = [...byPattern.keys()].filter((p) => !byPattern.has(`**/${p}`));
        const bytes = [...found.values()].reduce((n, f) => n + f.size, 0);
        ctx.report({
          messageId: 'noise',
          data: {
            copy: step.keyword === 'RUN' ? `RUN at line ${step.line} (a bind mount of the context)` : step.instruction.text.replace(/\s+/g, ' '),
            count: found.size,
            s: found.size === 1 ? '' : 's',
            size: humanBytes(bytes),
            what: [...byPattern].map(([p, g]) => `${p} (${g.files} file${g.files === 1 ? '' : 's'}, ${humanBytes(g.bytes)})`).join(', '),
            patterns: patterns.join(', '),
            ignore: c.ignore.file ? ignoreName(c.root, c.ignore.file) : 'a .dockerignore at the context root',
          },
          range: step.instruction.range,
          cost: { bytes, basis: 'measured' },
        });
      }
    }
  },
});
