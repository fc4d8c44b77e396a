import type { Related } from './define.js';
import { defineRule } from './define.js';

const DIGEST = /@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/** The tag of an image reference, or null; a `:` before the last `/` is a registry port. */
function tagOf(ref: string): string | null {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? null : last.slice(colon + 1);
}

/**
 * How a tag moves. `latest` (or none) and channel tags (`nightly`, `edge`, `main`,
 * `latest-rust-1.85`) follow every release; a version with fewer than three parts (`3.12`,
 * `22-alpine`, `1`), a codename (`bookworm`) or `stable`/`lts` follows every patch release;
 * an exact release (`1.27.4-alpine-slim`, `0.5.31`), a dated tag (`trixie-20260803-slim`) or a
 * Windows build (`ltsc2022` with a version) names one release, republished at most for a
 * rebuild of it.
 */
export function tagKind(tag: string | null): 'latest' | 'moving' | 'exact' {
  if (tag === null || tag === 'latest') return 'latest';
  if (/(^|[-_.])(latest|nightly|edge|main|master|dev|develop|canary|rolling|beta|alpha|rc)([-_.]|$)/i.test(tag)) return 'latest';
  if (/(^|[^\d.])\d+\.\d+\.\d+/.test(tag) || /^\d+\.\d+\.\d+/.test(tag)) return 'exact';
  if (/(^|\D)(19|20)\d{2}-?[01]\d-?[0-3]\d(\D|$)/.test(tag)) return 'exact';
  // A git commit or build id as the tag.
  if (/^(sha-)?[0-9a-f]{7,40}$/.test(tag)) return 'exact';
  return 'moving';
}

/**
 * Base images named by tag rather than by digest, one finding per file: a tag is a pointer
 * its publisher may move, so two builds of the same file can start from different images. How
 * far it moves depends on the tag, and the message says which: `latest` moves with every
 * release, `3.12` with every patch release, an exact release tag only when it is republished.
 * True of almost every Dockerfile, so off by default (turn it on in .layerwise.yaml).
 */
export default defineRule({
  meta: {
    name: 'base-image-not-pinned',
    category: 'reliability',
    severity: 'info',
    enabled: false,
    description: 'FROM lines name their images by a tag (or `latest`, or no tag) instead of a digest, so the base can change between builds (one finding per file; off by default).',
    fix: null,
    sources: ['hadolint/DL3006', 'hadolint/DL3007'],
    messages: {
      group: '{{count}} base image{{s}} {{are}} named by tag, not digest ({{list}}): {{worst}}; pin each digest next to its tag (image:tag@sha256:…) and let a bot (Renovate, Dependabot) move it',
    },
  },
  check(ctx) {
    const found: { image: string; kind: ReturnType<typeof tagKind>; related: Related }[] = [];
    for (const stage of ctx.graph.stages) {
      // A base passed as a build arg is pinned (or not) where it is passed, not here.
      if (stage.base.kind !== 'image' || stage.base.unset) continue;
      const inst = stage.steps[0].instruction;
      if (inst.keyword !== 'FROM') continue;
      const ref = stage.base.ref;
      if (DIGEST.test(ref)) continue;
      const tag = tagOf(ref);
      const kind = tagKind(tag);
      const image = inst.image.raw === ref ? ref : `${ref} (${inst.image.raw})`;
      const message =
        kind === 'latest' ? `${image}: ${tag === null ? 'no tag, so latest' : tag === 'latest' ? 'latest' : `${tag}, a channel tag`}, which moves with every release`
        : kind === 'moving' ? `${image}: ${tag} is re-pointed with every patch release`
        : `${image}: an exact release tag, moved only if its publisher republishes it (a rebuild with security fixes)`;
      found.push({ image, kind, related: { range: inst.image.range, message } });
    }
    if (!found.length) return;
    const order = { latest: 0, moving: 1, exact: 2 } as const;
    const worst = [...found].sort((a, b) => order[a.kind] - order[b.kind])[0];
    const n = found.length;
    ctx.report({
      messageId: 'group',
      data: {
        count: n,
        s: n === 1 ? '' : 's',
        are: n === 1 ? 'is' : 'are',
        list: found.map((f) => f.image).join(', '),
        worst: worst.kind === 'latest' ? 'builds start from whatever latest points to that day'
          : worst.kind === 'moving' ? 'a moving tag (a version without its patch number) is re-pointed with every patch release, so two builds can start from different images'
          : 'exact release tags move only if republished, but a digest names one image for certain',
      },
      range: found[0].related.range,
      related: found.slice(1).map((f) => f.related),
    });
  },
});
