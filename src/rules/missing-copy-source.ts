import path from 'node:path';
import type { Range } from '../core/ranges.js';
import type { Step } from '../graph/graph.js';
import { defineRule } from './define.js';

/**
 * Top folders where a build writes its outputs (`mvn package` → target/, `dotnet publish` →
 * bin/, `npm run build` → dist/): a COPY of one of them, absent from a checkout, expects a
 * build run before `docker build` (spring-boot's `COPY target/dependency/...`). That is an
 * input of the build, like a build arg, not a mistake in the file: not reported.
 */
const BUILD_OUTPUT = /^\.?(target|build|dist|out|bin|obj|publish|artifacts|release)(\/|$)/;

/**
 * A COPY/ADD source, or the source of a RUN bind mount, that the build context does not
 * hold: absent, or excluded by .dockerignore. BuildKit checks only the second, and only as a
 * warning (its CopyIgnoredFile check, Dockerfile frontend 1.8, skipped when .dockerignore has
 * `!` exceptions); otherwise the step fails when it runs (`failed to compute cache key: "/x" not found`), after everything
 * before it. A glob that matches nothing is not a failure (BuildKit copies nothing and goes
 * on; `COPY yarn.lock* ./` relies on it), and neither is a source a build arg with no value
 * leaves incomplete (the user supplies it).
 */
export default defineRule({
  meta: {
    name: 'missing-copy-source',
    category: 'reliability',
    severity: 'error',
    description: 'A COPY/ADD source (or the source of a RUN bind mount) is not in the build context, or .dockerignore excludes it, so the build fails at that step.',
    fix: null,
    sources: ['buildkit/CopyIgnoredFile'],
    messages: {
      ignored: '{{source}} is excluded by {{ignoreFile}}, so the build context does not hold it and BuildKit fails here ("{{path}}" not found); stop ignoring it (a `!{{source}}` line after the pattern) or copy something the context holds',
      absent: '{{source}} is not in the build context {{context}}, so BuildKit fails here ("{{path}}" not found); copy a path that exists (relative to the context, not to the Dockerfile), or add the file',
      loop: '{{source}} runs through a loop of symbolic links in the build context (at {{link}}), so BuildKit fails here (too many links); point the link at a real file or folder, or copy another path',
      base: 'the folder {{base}} of the pattern {{source}} is not in the build context{{why}}, so BuildKit fails here; copy from a folder that exists',
    },
  },
  check(ctx) {
    const context = ctx.context;
    if (!context) return;
    const contextName = path.basename(context.root) || context.root;
    const ignoreFile = context.ignore.file ? path.basename(context.ignore.file) : '.dockerignore';
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        for (const { source, range, step: s } of contextSources(step)) {
          // A source a build arg with no value left incomplete is the user's to supply.
          if (s.raw.includes('$') && unsetVariable(step)) continue;
          const sel = step.keyword === 'RUN' ? context.selectBindMount(source) : context.select([source], { exclude: excludesOf(step) });
          for (const m of sel.missing) {
            if (!m.failsBuild || m.reason === 'bad-pattern') continue;
            const rel = path.posix.join('/', source).slice(1);
            const shown = s.raw === source ? source : `${source} (${s.raw})`;
            // A loop fails the build wherever it is, a build output folder too.
            if (m.reason === 'symlink-loop') {
              ctx.report({ messageId: 'loop', data: { source: shown, link: m.loop ?? '?' }, range });
              continue;
            }
            if (!m.ignored && BUILD_OUTPUT.test(rel)) continue;
            if (m.reason === 'base-not-found') {
              const base = rel.split('/').slice(0, rel.split('/').findIndex((p) => /[*?[]/.test(p))).join('/') || '.';
              if (!m.ignored && BUILD_OUTPUT.test(base)) continue;
              ctx.report({ messageId: 'base', data: { base: `${base}/`, source: shown, why: m.ignored ? ` (${ignoreFile} excludes it)` : '' }, range });
            } else if (m.ignored) {
              ctx.report({ messageId: 'ignored', data: { source: shown, ignoreFile, path: `/${rel}` }, range });
            } else {
              ctx.report({ messageId: 'absent', data: { source: shown, context: contextName, path: `/${rel}` }, range });
            }
          }
        }
      }
    }
  },
});

/** Each context path a step reads, with the range of the word that names it. */
function contextSources(step: Step): { source: string; range: Range; step: { raw: string } }[] {
  const inst = step.instruction;
  const src = step.sources.find((x) => x.kind === 'context');
  if (!src || src.kind !== 'context') return [];
  if (inst.keyword === 'COPY' || inst.keyword === 'ADD') {
    // The graph keeps the local sources in order, after heredocs and URLs are set aside.
    const words = inst.sources.filter((t, i) => {
      const v = (step.expanded.sources as string[] | undefined)?.[i];
      return v !== undefined && src.paths.includes(v) && !t.raw.startsWith('<<');
    });
    return src.paths.map((p, i) => ({ source: p, range: (words[i] ?? inst.dest).range, step: { raw: words[i]?.raw ?? p } }));
  }
  if (inst.keyword === 'RUN') {
    // One context source per bind mount of the context, in the order of the mounts.
    const binds = inst.mounts.filter((m) => m.type === 'bind' && m.from === null);
    const srcs = step.sources.filter((x) => x.kind === 'context');
    return srcs.flatMap((x, i) => (x.kind === 'context' && binds[i]?.source ? [{ source: x.paths[0], range: binds[i].range, step: { raw: binds[i].source! } }] : []));
  }
  return [];
}

function excludesOf(step: Step): string[] {
  const src = step.sources.find((x) => x.kind === 'context');
  return src?.kind === 'context' ? src.exclude : [];
}

/** Whether the step reads a variable that has no value where it stands. */
function unsetVariable(step: Step): boolean {
  return step.uses.some((u) => !step.scope.args.has(u) && !step.scope.env.has(u));
}
