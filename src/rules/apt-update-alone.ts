import type { Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { runAnalysis, runRange } from './shared.js';

/** Package managers whose index update and install must share a RUN, by activity rule. */
const FAMILIES: { update: string; installs: string[] }[] = [
  { update: 'apt-get update', installs: ['apt-get install', 'apt-get upgrade'] },
  { update: 'apk update', installs: ['apk add'] },
  { update: 'yum makecache', installs: ['yum install'] },
];

/**
 * `RUN apt-get update` in a RUN of its own: BuildKit caches it with the index it fetched, and
 * a later `RUN apt-get install` that changes (a package added) re-runs against that old index,
 * possibly months old: packages that have since moved fail to download, or old versions are
 * installed. The update must run in the same RUN as the install it serves.
 */
export default defineRule({
  meta: {
    name: 'apt-update-alone',
    category: 'reliability',
    severity: 'warning',
    description: 'A package index update (`apt-get update`, `apk update`, `yum makecache`) runs in a RUN without the install it serves, so BuildKit caches the index apart from the install.',
    fix: null,
    messages: {
      apart: '{{update}} is cached apart from the {{install}} at line {{line}}: when that install changes, it runs against the index fetched the day this step was first built; run `{{update}} && {{install}} ...` in one RUN',
      alone: '{{update}} runs in a RUN without an install: its index is cached and goes stale; run it in the same RUN as the install that needs it',
    },
  },
  check(ctx) {
    const stages = ctx.graph.stages;
    // Steps that run on top of a stage's state: its own, then those of stages built FROM it.
    const later = (stage: number, position: number): Step[] => {
      const out = stages[stage].steps.filter((s) => s.position > position);
      for (const s of stages) if (s.base.kind === 'stage' && s.base.stage === stage) for (const x of later(s.index, 0)) out.push(x);
      return out;
    };
    for (const stage of stages) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        for (const f of FAMILIES) {
          const u = a.activities.findIndex((x) => x.rule === f.update);
          if (u < 0) continue;
          const update = a.commands[u];
          // An install after the update in the same script is what it serves.
          if (a.activities.some((x) => f.installs.includes(x.rule) && a.commands[x.command].range.start > update.range.start)) continue;
          let install: { step: Step; rule: string } | undefined;
          for (const s of later(stage.index, step.position)) {
            const b = runAnalysis(s);
            if (!b) continue;
            const own = b.activities.find((y) => y.rule === f.update);
            // An install with an update of its own before it is served by that one.
            const x = b.activities.find((y) => f.installs.includes(y.rule) && !(own && b.commands[own.command].range.start < b.commands[y.command].range.start));
            if (x) {
              install = { step: s, rule: x.rule };
              break;
            }
          }
          const name = a.script.slice(update.range.start, update.range.end).replace(/\s+/g, ' ');
          ctx.report({
            messageId: install ? 'apart' : 'alone',
            data: { update: name, install: install?.rule ?? '', line: install?.step.line ?? 0 },
            range: runRange(ctx.file, step, update.range),
            ...(install ? { related: [{ range: install.step.instruction.range, message: `the ${install.rule} this index serves` }] } : {}),
          });
        }
      }
    }
  },
});
