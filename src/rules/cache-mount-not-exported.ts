import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineRule } from './define.js';

/** A workflow of the context that carries cache mounts across runners (reproducible-containers/buildkit-cache-dance). */
const CACHE_DANCE = /buildkit-cache-dance/;

/**
 * A workflow that exports the build cache (`cache-to:` of docker/build-push-action, `--cache-to`
 * of buildx): the project counts on exported cache, on runners that start empty.
 */
const CACHE_EXPORT = /(^|[\s-])cache[-_]to\s*[:=\s]/m;

/** The CI workflow files in a context folder, read from disk (.dockerignore often leaves them out of what is sent). */
function workflowTexts(root: string): string[] {
  const files = ['.gitlab-ci.yml'];
  for (const dir of ['.github/workflows', '.gitea/workflows', '.forgejo/workflows']) {
    try {
      for (const f of readdirSync(path.join(root, dir))) if (/\.ya?ml$/.test(f)) files.push(path.join(dir, f));
    } catch {
      // No such folder.
    }
  }
  return files.flatMap((f) => {
    try {
      return [readFileSync(path.join(root, f), 'utf8')];
    } catch {
      return [];
    }
  });
}

/**
 * A RUN cache mount: its content lives in the builder's local cache only. BuildKit's cache
 * export (`--cache-to` registry, gha, local, inline; `mode=max` too) carries the results of
 * steps, never what a cache mount holds, so on an ephemeral CI runner (a fresh builder per job)
 * the mount starts empty on every build, unless the workflow moves its content itself (a
 * cache-dance step, seen here in the context's CI workflows).
 *
 * Said only where it bites: the context's CI workflows export the build cache (so they build on
 * runners that count on it) and move no cache mount. Without such a workflow the mount is kept
 * by whatever builder runs the build, and the note is true of every cache mount: noise.
 */
export default defineRule({
  meta: {
    name: 'cache-mount-not-exported',
    category: 'cache-order',
    severity: 'info',
    description: 'A RUN cache mount is kept only by the builder that ran it: the context\'s CI workflows export the build cache (cache-to), which never carries cache mounts, so on an ephemeral runner the mount starts empty on every build, unless the workflow moves it (a cache-dance).',
    fix: null,
    messages: {
      local: 'the cache mounted at {{target}} stays on the builder that ran it: --cache-to (registry, gha, local, inline, mode=max too) does not export cache mounts, so on an ephemeral CI runner it starts empty on every build; export it in the workflow (reproducible-containers/buildkit-cache-dance) or build on a builder that persists',
    },
  },
  check(ctx) {
    const workflows = ctx.context ? workflowTexts(ctx.context.root) : [];
    if (!workflows.some((t) => CACHE_EXPORT.test(t)) || workflows.some((t) => CACHE_DANCE.test(t))) return;
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        const inst = step.instruction;
        if (inst.keyword !== 'RUN') continue;
        for (const m of inst.mounts) {
          if (m.type !== 'cache') continue;
          ctx.report({ messageId: 'local', data: { target: m.target ?? '(no target)' }, range: m.range });
        }
      }
    }
  },
});
