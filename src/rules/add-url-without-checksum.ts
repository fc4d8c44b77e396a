import { defineRule } from './define.js';

/** A git source as BuildKit reads it: a URL ending in `.git`, a `git@` address, or `git://`. */
function isGit(url: string): boolean {
  return /^git@|^git:\/\//.test(url) || /\.git$/.test(url.split(/[#?]/)[0]);
}

/** A git ref that names one commit: a full hash in `#ref`, or `?commit=` / `?checksum=` (Dockerfile 1.18). */
function pinsCommit(url: string): boolean {
  const ref = /#([^:?]+)/.exec(url)?.[1];
  if (ref && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(ref)) return true;
  return /[?&](commit|checksum)=[0-9a-f]{7,}/.test(url) || /[?&]ref=[0-9a-f]{40}\b/.test(url);
}

/**
 * `ADD https://…` without `--checksum`: BuildKit fetches the URL on every build and re-runs the
 * step when the response changes (an ETag or the content), so the image depends on whatever
 * the server sends that day, and nothing checks that it is what was meant. A git source on a
 * branch or tag moves the same way. `--checksum=sha256:…` (or a commit) pins it: the content
 * is verified, and the step is cached by that checksum.
 */
export default defineRule({
  meta: {
    name: 'add-url-without-checksum',
    category: 'reliability',
    severity: 'warning',
    description: 'An ADD of an HTTP(S) URL without `--checksum`, or of a git repository at a branch or tag rather than a commit, so the image depends on what the server sends that day.',
    fix: null,
    messages: {
      http: 'ADD {{url}} has no --checksum: the download is not verified and the image changes whenever the server\'s content does; add --checksum=sha256:<digest of the file>',
      git: 'ADD {{url}} takes a git ref that can move: the image changes whenever the branch or tag does; pin a commit (#<full commit hash>) or add --checksum=<commit>',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      for (const step of stage.steps) {
        const inst = step.instruction;
        if (inst.keyword !== 'ADD' || inst.checksum !== null) continue;
        const remote = new Set(step.sources.flatMap((s) => (s.kind === 'remote' ? [s.url] : [])));
        const expanded = Array.isArray(step.expanded.sources) ? step.expanded.sources : [];
        inst.sources.forEach((token, k) => {
          const url = expanded[k];
          if (url === undefined || !remote.has(url)) return;
          const git = isGit(url);
          if (git && pinsCommit(url)) return;
          if (!git && !/^https?:\/\//i.test(url)) return;
          ctx.report({ messageId: git ? 'git' : 'http', data: { url }, range: token.range });
        });
      }
    }
  },
});
