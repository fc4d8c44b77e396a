import type { Stage, Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { imageRole } from './role.js';

/** `root`, `0`, `root:staff`, `0:0`: the user part names uid 0. */
function isRoot(user: string): boolean {
  const u = user.split(':')[0];
  return u === 'root' || u === '0';
}

/** Base images known by name to run as a non-root user (distroless `:nonroot`, rootless variants). */
const NON_ROOT_IMAGE = /non-?root|rootless/i;

/**
 * The image the target builds runs its command as root: the target stage (or a stage it is
 * built FROM) sets no USER, or its last USER is root. A process that escapes its application
 * then holds root in the container, and files it writes to volumes are root's. Most services
 * need no root once the image is built; `USER 65532` works even on scratch.
 *
 * A USER root that stays last is always reported (someone chose it). No USER at all is true of
 * most service images, so it is raised only where it matters most: an image that publishes a
 * port (EXPOSE), a network service whose listener holds root; elsewhere it is noise beside the
 * findings that cost build time.
 */
export default defineRule({
  meta: {
    name: 'final-image-runs-as-root',
    category: 'security',
    severity: 'info',
    description: 'The target stage\'s last USER is root, or it sets no USER (and its base is not known to) while publishing a port (EXPOSE), so the image runs as root.',
    fix: null,
    sources: ['hadolint/DL3002'],
    messages: {
      root: 'the image runs as {{user}}: the USER at line {{line}} is the last in force for the target stage {{stage}}; switch to an unprivileged user after the steps that need root (USER 65532, or a user the image creates)',
      image: 'the target stage {{stage}} publishes a port and sets no USER{{chain}}, so the image runs as {{image}}\'s user: root, unless that image sets another; add USER with an unprivileged user after the steps that need root (USER 65532, or a user the image creates)',
      scratch: 'the target stage {{stage}} publishes a port and sets no USER{{chain}}, so the image runs as uid 0 (root); add USER 65532 (any uid works on scratch)',
    },
  },
  check(ctx) {
    // Only a service that keeps root is worth it: not a Windows image (no USER 65532 there), a
    // base or toolchain image (its users add the USER), a stage never run, nor an image whose
    // entrypoint or server leaves root itself (gosu, su-exec, s6, nginx and httpd workers).
    const role = imageRole(ctx.graph, ctx.context);
    if (role.windows || role.kind !== 'service' || role.dropsPrivileges) return;
    const stages = ctx.graph.stages;
    const target = stages[ctx.graph.target];
    // The last USER in force, looking through the stages the target is built FROM.
    let last: Step | undefined;
    let base: Stage = target;
    for (let s: Stage | undefined = target; s && !last; s = s.base.kind === 'stage' ? stages[s.base.stage] : undefined) {
      last = [...s.steps].reverse().find((x) => x.keyword === 'USER');
      base = s;
    }
    if (last) {
      const user = String(last.expanded.user ?? '');
      if (!isRoot(user)) return;
      ctx.report({ messageId: 'root', data: { user, line: last.line, stage: target.name ?? String(target.index) }, range: last.instruction.range });
      return;
    }
    // A base passed as a build arg may set any USER: nothing is known to report.
    if (base.base.kind === 'stage' || (base.base.kind === 'image' && (base.base.unset || NON_ROOT_IMAGE.test(base.base.ref)))) return;
    // No USER is worth raising on a network service only: one that publishes a port.
    const chainSteps: Step[] = [];
    for (let s: Stage | undefined = target; s; s = s.base.kind === 'stage' ? stages[s.base.stage] : undefined) for (const st of s.steps) chainSteps.push(st);
    const expose = chainSteps.find((x) => x.keyword === 'EXPOSE');
    if (!expose) return;
    const command = [...target.steps].reverse().find((x) => x.keyword === 'CMD' || x.keyword === 'ENTRYPOINT');
    const related = [
      { range: expose.instruction.range, message: 'the port the image publishes' },
      ...(command ? [{ range: command.instruction.range, message: 'the command that runs as root' }] : []),
    ];
    const chain = base === target ? '' : ', nor do the stages it is built on';
    const stage = target.name ?? String(target.index);
    const range = target.steps[0].instruction.range;
    if (base.base.kind === 'scratch') ctx.report({ messageId: 'scratch', data: { stage, chain }, range, related });
    else ctx.report({ messageId: 'image', data: { stage, chain, image: base.base.ref }, range, related });
  },
});
