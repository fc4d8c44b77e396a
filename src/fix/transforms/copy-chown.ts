/**
 * Copy chown: `COPY program/ /nikto` followed by a RUN that is only `chown -R nikto /nikto`
 * becomes `COPY --chown=nikto:0 program/ /nikto`. The files are the same (BuildKit gives the
 * copied files, and the directories the copy creates, the owner; checked on v0.8), one layer
 * of every copied file goes, and the RUN is no longer a step that an edit of the source re-runs.
 * split-install takes the `chown` off a chain first (`apk add … && adduser … && chown -R …`),
 * late-source-copy moves the rest before the copy, and this folds what is left.
 *
 * Only where it is the same result: the RUN is the next step after the copy (no USER,
 * WORKDIR or step between, so the user database and the folder are as the copy left them), its
 * one command is `chown -R USER[:GROUP] DEST` of exactly the copy's destination, the copy brings
 * no symlinks (chown -R and COPY --chown treat links differently), no earlier step of the stage
 * wrote into DEST and DEST is not a folder a base image has (a system folder: chown -R would
 * change what was there before). `chown -R u` keeps the group, which COPY made root: `--chown=u:0`.
 * A `WORKDIR DEST` before the copy is the one earlier step allowed to have made DEST: the copy
 * keeps an existing folder's owner, so `RUN chown SPEC DEST` of the empty folder goes before it.
 */
import path from 'node:path';
import type { Step } from '../../graph/graph.js';
import { runAnalysis } from '../../shell/run-analysis.js';
import { stepEffects } from '../../shell/effects.js';
import { blankBefore, blockOf } from '../blocks.js';
import { sourceCopies, under } from '../copies.js';
import { defineTransform, type Plan } from '../define.js';

/** Folders a base image may already have: a chown -R of one changes more than the copy. */
const SYSTEM_DIRS = /^\/(bin|boot|dev|etc|home|lib|lib32|lib64|libx32|media|mnt|opt|proc|root|run|sbin|srv|sys|tmp|usr|var)(\/(bin|lib|lib64|local|local\/bin|local\/lib|local\/share|sbin|share|src|include|cache|log|spool|www))?$|^\/$/;

/** The folder a WORKDIR step makes, or null when it is not a plain path. */
function workdirOf(step: Step): string | null {
  const w = String(step.expanded.workdir ?? '');
  return w.startsWith('/') && !w.includes('$') ? path.posix.normalize(w).replace(/(.)\/$/, '$1') : null;
}

export default defineTransform({
  name: 'copy-chown',
  safety: 'safe',
  description: 'Folds a RUN that only does `chown -R` of what a COPY just brought into that COPY (`COPY --chown`).',
  plan({ graph, context }) {
    const plan: Plan = { edits: [], notes: [], declined: [] };
    const df = graph.dockerfile;
    for (const { copy, source, dest } of sourceCopies(graph, context)) {
      const steps = graph.stages[copy.stage].steps;
      const next = steps[copy.position + 1];
      if (!next || next.keyword !== 'RUN' || next.instruction.keyword !== 'RUN') continue;
      const a = runAnalysis(next);
      if (!a || a.error || a.commands.length !== 1 || next.instruction.mounts.length) continue;
      const cmd = a.commands[0];
      if (cmd.name.value !== 'chown' || cmd.assignments.length || cmd.redirects.length) continue;
      // Exactly `chown -R SPEC DEST` (the script holds nothing else: no `;`, no `|| true`).
      const words = cmd.args.map((w) => w.value);
      if (a.script.trim() !== a.script.slice(cmd.range.start, cmd.range.end).trim()) continue;
      if (words.length !== 3 || words[0] !== '-R' || cmd.args.some((w) => /[$`*?[]/.test(w.value))) continue;
      const target = path.posix.normalize(words[2].startsWith('/') ? words[2] : path.posix.join(next.scope.workdir, words[2])).replace(/(.)\/$/, '$1');
      if (target !== dest) continue;
      const spec = words[1];
      // The steps before the copy that may write into DEST (or above it: a RUN writing `/srv` may make `/srv/app`).
      const earlier = steps.slice(1, copy.position).filter((s) => s.executes && (stepEffects(s).unknown || stepEffects(s).writes.some((w) => under(w, dest) || under(dest, w))));
      // A WORKDIR of DEST made the folder before the copy: COPY --chown leaves an existing
      // destination's owner as it was (checked on v0.8 and v0.34), so DEST itself gets its
      // owner from a `chown` of the folder alone, before the copy. A WORKDIR above DEST makes
      // only its own folder.
      const made = earlier.some((s) => s.keyword === 'WORKDIR' && workdirOf(s) === dest);
      const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]*))?$/.exec(spec);
      const why = !m ? `its owner ${spec} is not a plain user or user:group`
        : copy.instruction.flags.some((f) => f.name === 'chown') ? 'the copy sets an owner already'
          : SYSTEM_DIRS.test(dest) ? `${dest} is a folder a base image may have, whose files chown -R changes too`
            : context?.select(source.paths, { exclude: source.exclude }).files.some((f) => f.type === 'symlink') ? 'the copy brings symlinks, which chown -R and COPY --chown treat differently'
              : earlier.some((s) => !(s.keyword === 'WORKDIR' && workdirOf(s) !== null && (workdirOf(s) === dest || !under(workdirOf(s)!, dest)))) ? `a step before the copy may write into ${dest}`
                : null;
      if (why) {
        plan.declined.push(`line ${next.line} stays: ${why}`);
        continue;
      }
      const owner = m![2] ? spec : `${m![1]}:0`;
      // Right before the copy, so the user is there (a split moved `adduser` before it) and it runs as the same USER.
      if (made) {
        const cb = blockOf(df, copy.instruction);
        plan.edits.push({ start: cb.start, end: cb.start, text: `RUN chown ${spec} ${words[2]}\n` });
      }
      // Right after the keyword (COPY or ADD, as written).
      const at = copy.instruction.range.start.offset + copy.instruction.keyword.length;
      plan.edits.push({ start: at, end: at, text: ` --chown=${owner}` });
      const b = blockOf(df, next.instruction);
      const blank = blankBefore(df.source, b.start);
      plan.edits.push({ start: blank ?? b.start, end: b.end, text: '' });
      plan.notes.push(made
        ? `line ${next.line} (chown -R ${spec} ${words[2]}) becomes --chown=${owner} on the copy at line ${copy.line}, and a chown of ${dest} alone before it (the WORKDIR made it): the same owners, and no layer of every copied file after the copy`
        : `line ${next.line} (chown -R ${spec} ${words[2]}) becomes --chown=${owner} on the copy at line ${copy.line}: the same owners, one layer less`);
    }
    return plan;
  },
});
