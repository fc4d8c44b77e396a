import type { Range } from '../core/ranges.js';
import { stageLabel } from '../graph/graph.js';
import { defineRule } from './define.js';

/** What a stage name may look like (BuildKit's stage-name rule, after lower-casing). */
const STAGE_LIKE = /^[a-z][a-z0-9-_.]*$/;

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/**
 * A `COPY --from=NAME` or `RUN --mount=…,from=NAME` whose NAME is no stage of the file but
 * looks like one: one word, no registry, no path, no tag. BuildKit takes it for an image and
 * pulls `docker.io/library/NAME:latest`: the build fails with "pull access denied", or worse,
 * copies from an unrelated public image. This is what a renamed or removed stage leaves
 * behind. The same holds for `FROM NAME` when the stage NAME is defined only further down:
 * FROM sees earlier stages only.
 *
 * Heuristic: an official image named bare (`--from=nginx`) is found too; writing its tag
 * (`nginx:1.27`) says an image is meant, and pins it.
 */
export default defineRule({
  meta: {
    name: 'unknown-copy-from-stage',
    category: 'reliability',
    severity: 'warning',
    description: 'A `COPY --from`, `--mount from=` or FROM names something that is not a stage of the file but looks like a stage name, so BuildKit pulls an image of that name instead: a renamed or removed stage.',
    fix: null,
    messages: {
      unknown: '{{what}} names no stage of this file, so BuildKit pulls the image docker.io/library/{{name}}:latest; {{hint}}',
      later: 'FROM {{name}} names the stage defined at line {{line}}, below this one: FROM only sees earlier stages, so BuildKit pulls the image docker.io/library/{{name}}:latest; move that stage above',
    },
  },
  check(ctx) {
    const stages = ctx.graph.stages;
    const named = stages.filter((s) => s.name !== null);
    const hint = (name: string): string => {
      const near = named
        .map((s) => ({ s: s.name!, d: distance(name, s.name!) }))
        .filter((x) => x.d <= 2 || x.s.includes(name) || name.includes(x.s))
        .sort((x, y) => x.d - y.d)[0];
      if (near) return `did you mean the stage "${near.s}"?`;
      const list = named.length ? named.map((s) => stageLabel(s)).join(', ') : 'none is named';
      return `if it was a stage, it was renamed or removed (stages: ${list}); if an image is meant, give its tag (${name}:<version>)`;
    };
    const check = (ref: string, what: string, range: Range) => {
      const name = ref.toLowerCase();
      if (!STAGE_LIKE.test(name) || name === 'scratch') return;
      ctx.report({ messageId: 'unknown', data: { what, name, hint: hint(name) }, range });
    };
    for (const stage of stages) {
      for (const step of stage.steps) {
        const inst = step.instruction;
        if (inst.keyword === 'FROM' && stage.base.kind === 'image') {
          const ref = stage.base.ref.toLowerCase();
          const later = stages.find((s) => s.index > stage.index && s.name === ref);
          if (later) ctx.report({ messageId: 'later', data: { name: later.name!, line: later.line }, range: inst.image.range, related: [{ range: later.steps[0].instruction.range, message: `the stage ${later.name} it means` }] });
        } else if (inst.keyword === 'COPY' && inst.from !== null) {
          const src = step.sources.find((s) => s.kind === 'image');
          const flag = inst.flags.find((f) => f.name === 'from');
          if (src?.kind === 'image') check(src.ref, `--from=${src.ref}`, flag?.range ?? inst.range);
        } else if (inst.keyword === 'RUN') {
          // Mounts that read another stage or image, in the order the graph took their sources.
          const mounts = inst.mounts.filter((m) => m.from !== null && (m.type === 'bind' || m.type === 'cache'));
          const froms = step.sources.filter((s) => s.kind === 'stage' || s.kind === 'image');
          froms.forEach((src, k) => {
            if (src.kind === 'image' && mounts[k]) check(src.ref, `--mount from=${src.ref}`, mounts[k].range);
          });
        }
      }
    }
  },
});
