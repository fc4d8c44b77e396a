import { defineRule } from './define.js';

const DIGEST = /@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/** The tag of an image reference, or null; a `:` before the last `/` is a registry port. */
function tagOf(ref: string): string | null {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? null : last.slice(colon + 1);
}

/**
 * A base image named by tag, or by no tag at all, rather than by digest. A tag is a pointer the
 * publisher moves (`latest` on every release, `3.12` on every patch), so two builds of the same
 * Dockerfile can start from different images, and a cached build and a fresh one disagree
 * about what is inside. A digest names one image.
 */
export default defineRule({
  meta: {
    name: 'base-image-not-pinned',
    category: 'reliability',
    severity: 'info',
    description: 'A FROM names its image by a tag (or `latest`, or no tag) instead of a digest, so the base can change between builds.',
    fix: null,
    sources: ['hadolint/DL3006', 'hadolint/DL3007'],
    messages: {
      latest: 'FROM {{image}} uses the latest tag, which moves with every release: builds start from whatever it points to that day; pin a version and its digest (image:tag@sha256:…)',
      untagged: 'FROM {{image}} has no tag, so BuildKit pulls latest, which moves with every release; pin a version and its digest (image:tag@sha256:…)',
      tag: 'FROM {{image}} is pinned by tag only, and tags are moved (every patch release re-points {{tag}}); add its digest (image:tag@sha256:…) to build from the same image every time',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      // A base passed as a build arg is pinned (or not) where it is passed, not here.
      if (stage.base.kind !== 'image' || stage.base.unset) continue;
      const inst = stage.steps[0].instruction;
      if (inst.keyword !== 'FROM') continue;
      const ref = stage.base.ref;
      if (DIGEST.test(ref)) continue;
      const tag = tagOf(ref);
      const image = inst.image.raw === ref ? ref : `${ref} (${inst.image.raw})`;
      ctx.report({
        messageId: tag === null ? 'untagged' : tag === 'latest' ? 'latest' : 'tag',
        data: { image, tag: tag ?? '' },
        range: inst.image.range,
      });
    }
  },
});
