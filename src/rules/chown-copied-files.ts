import path from 'node:path';
import { sourceFlow, within, type Landing } from '../cache/source-flow.js';
import type { Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { baseChain, humanBytes, runAnalysis, runRange } from './shared.js';

const base = (v: string) => path.posix.basename(v);

/**
 * A RUN that changes the owner or mode of files an earlier COPY brought (`chown -R app /app`
 * after `COPY . /app`): a changed owner is a changed file to the layer format, so the layer of
 * the RUN stores every one of them again. `COPY --chown` (and `--chmod`) set them in the copy's
 * own layer. Checked in the stages whose layers the image holds; files the same RUN made
 * (extracted, cloned, copied by `cp`) are its own.
 */
export default defineRule({
  meta: {
    name: 'chown-copied-files',
    category: 'layer-size',
    severity: 'warning',
    description: 'A RUN chowns (or chmods) recursively files that a COPY brought in an earlier layer, so the image stores them twice; COPY --chown does it in one layer.',
    fix: null,
    messages: {
      chown: '{{command}} rewrites the {{count}} file{{s}} ({{size}}) that {{copy}} (line {{copyLine}}) brought, so the image stores them twice: copy them with COPY {{flag}}={{owner}} instead{{order}}',
    },
  },
  check(ctx) {
    const flow = sourceFlow(ctx.graph, ctx.context);
    for (const stage of baseChain(ctx.graph, ctx.graph.target)) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        a.commands.forEach((cmd, i) => {
          const name = base(cmd.name.value);
          if (name !== 'chown' && name !== 'chmod' && name !== 'chgrp') return;
          const args = cmd.args.map((w) => w.value);
          if (!args.some((v) => /^-[a-zA-Z]*R/.test(v) || v === '--recursive')) return;
          const ops = args.filter((v) => !v.startsWith('-'));
          const owner = ops[0];
          const targets = ops.slice(1).filter((v) => !/[$`*?]/.test(v)).map((v) => path.posix.resolve(step.scope.workdir, v));
          if (!owner || !targets.length) return;
          const hit = copiedUnder(flow.present(step), targets, ctx.context ? (l) => files(ctx, flow, l) : undefined);
          if (!hit) return;
          const user = owner.replace(/^:/, '');
          const later = createsUser(step, i, user);
          ctx.report({
            messageId: 'chown',
            data: {
              command: `${name} -R ${owner}`,
              count: hit.count,
              s: hit.count === 1 ? '' : 's',
              size: humanBytes(hit.bytes),
              copy: hit.copy.instruction.text.replace(/\s+/g, ' '),
              copyLine: hit.copy.line,
              flag: name === 'chmod' ? '--chmod' : '--chown',
              owner: name === 'chgrp' ? `:${owner}` : owner,
              order: later ? ', after the RUN that creates the user (install and create users first, copy the files last)' : '',
            },
            range: runRange(ctx.file, step, cmd.range),
            related: [{ range: hit.copy.instruction.range, message: 'the copy whose files are stored again' }],
            ...(hit.bytes ? { cost: { bytes: hit.bytes, basis: 'measured' as const } } : {}),
          });
        });
      }
    }
  },
});

/** The context files a landing carries, with their sizes. */
function files(ctx: { context?: import('../context/index.js').BuildContext }, flow: ReturnType<typeof sourceFlow>, l: Landing): { at: string; size: number }[] {
  const sel = ctx.context!.select(l.source.paths, { exclude: l.source.exclude });
  const out: { at: string; size: number }[] = [];
  for (const f of sel.files) {
    const at = flow.locate(l, f.path);
    if (at) out.push({ at, size: f.size });
  }
  return out;
}

/** The copy whose landed files a recursive chown of `targets` rewrites, with their count and bytes. */
function copiedUnder(present: Landing[], targets: string[], list?: (l: Landing) => { at: string; size: number }[]): { copy: Step; count: number; bytes: number } | undefined {
  let best: { copy: Step; count: number; bytes: number } | undefined;
  for (const l of present) {
    // Only the context's own bytes, brought by a copy: not what a RUN made or moved.
    if (l.hops.some((h) => h.how === 'run')) continue;
    const copy = [...l.hops].reverse().find((h) => h.how === 'context' || h.how === 'copy')?.step;
    if (!copy || copy.keyword === 'RUN') continue;
    if (!targets.some((t) => within(l.at, t) || within(t, l.at))) continue;
    const fs = list ? list(l).filter((f) => targets.some((t) => within(f.at, t))) : [];
    if (list && !fs.length) continue;
    const hit = { copy, count: fs.length, bytes: fs.reduce((n, f) => n + f.size, 0) };
    if (!best || hit.bytes > best.bytes) best = hit;
  }
  return best;
}

/** Whether the RUN creates the user it chowns to before the chown (`adduser … && chown -R user`). */
function createsUser(step: Step, before: number, user: string): boolean {
  const a = runAnalysis(step)!;
  const name = user.split(':')[0];
  return a.commands.slice(0, before).some((c) => /^(adduser|useradd|addgroup|groupadd)$/.test(base(c.name.value)) && c.args.some((w) => w.value === name));
}
