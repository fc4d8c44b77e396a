/**
 * What BuildKit's cache key of a step is made of, as a plain record per step. Two steps at
 * the same place in a chain with equal definitions (and unchanged content inputs) hit the
 * cache. Mirrors dockerfile2llb: a RUN is an ExecOp keyed on its command, environment (ENV
 * plus every ARG with a value in scope; an undeclared proxy ARG is never in scope), working directory, user,
 * network, security and mounts; a COPY/ADD is a FileOp keyed on its sources, destination and
 * flags (not on ENV or USER); a WORKDIR is a mkdir FileOp made as USER; a FROM is the base reference.
 */
import path from 'node:path';
import { asBuildKitSees } from '../dockerfile/load.js';
import type { Step } from '../graph/graph.js';
import { hasBehaviour } from '../core/buildkit.js';

export interface StepDefinition {
  /** A short name per field, compared one by one to say what changed. */
  fields: Record<string, string>;
  /** Environment of a RUN: name → value and where it came from. */
  env: Map<string, { value: string; from: 'arg' | 'env' }>;
}

function runCommand(step: Step & { instruction: { keyword: 'RUN' } }): string {
  const inst = step.instruction;
  const b = asBuildKitSees;
  if (inst.command.form === 'exec') return JSON.stringify(inst.command.argv.map(b));
  // Shell form runs as SHELL + [text]; heredoc bodies are part of the command.
  return JSON.stringify([...step.scope.shell, inst.command.script.raw].map(b)) + inst.heredocs.map((h) => `\n<<${h.name}:${b(h.content)}`).join('');
}

/** The definition of an executing step (FROM of an image, RUN, COPY, ADD, WORKDIR). */
export function stepDefinition(step: Step, buildkitVersion?: string): StepDefinition {
  const fields: Record<string, string> = {};
  const env = new Map<string, { value: string; from: 'arg' | 'env' }>();
  const e = step.expanded;
  const str = (v: unknown) => (v === null || v === undefined ? '' : Array.isArray(v) ? JSON.stringify(v.map((x) => asBuildKitSees(String(x)))) : String(v));
  switch (step.instruction.keyword) {
    case 'FROM':
      fields.base = str(e.image);
      fields.platform = str(e.platform);
      break;
    case 'RUN': {
      const inst = step.instruction;
      fields.command = runCommand(step as Step & { instruction: typeof inst });
      for (const [k, v] of step.scope.env) env.set(k, { value: v, from: 'env' });
      // ARGs become environment of RUN, unless an ENV of the same name already set it.
      for (const [k, v] of step.scope.args) if (!env.has(k)) env.set(k, { value: v, from: 'arg' });
      fields.workdir = step.scope.workdir;
      fields.user = step.scope.user ?? '';
      fields.network = inst.network ?? '';
      fields.security = inst.security ?? '';
      fields.mounts = str(e.mounts);
      // A cache mount's id and sharing re-run the step on v0.8 and not on current BuildKit (both
      // engine-tested: explain scenarios modern-cache-mount-*); a secret's content never does.
      if (hasBehaviour('cache-mount-options-unkeyed', buildkitVersion) === false) {
        fields.mountOptions = JSON.stringify(inst.mounts.map((m) => [m.id, m.sharing]));
      }
      break;
    }
    case 'COPY':
    case 'ADD': {
      const inst = step.instruction;
      const dest = str(e.dest);
      // A relative destination is resolved against WORKDIR; a trailing slash means "into".
      fields.dest = dest.startsWith('/') ? dest : path.posix.join(step.scope.workdir, dest) + (dest.endsWith('/') ? '/' : '');
      fields.sources = str(e.sources) + inst.heredocs.map((h) => `\n<<${h.name}:${asBuildKitSees(h.content)}`).join('');
      // A stage is known by its content, not its name (renaming a stage rebuilds nothing).
      fields.from = step.sources.some((x) => x.kind === 'stage') ? 'stage' : str(e.from);
      fields.chown = str(e.chown);
      fields.chmod = str(e.chmod);
      fields.flags = JSON.stringify({ link: inst.link, parents: inst.parents, exclude: inst.exclude, keepGitDir: inst.keepGitDir, checksum: inst.checksum });
      break;
    }
    case 'WORKDIR':
      fields.workdir = str(e.workdir);
      // The directory is created as the current USER (checked on the engine: a USER change re-runs it).
      fields.user = step.scope.user ?? '';
      break;
    default:
      break;
  }
  // Bytes of the file that are not UTF-8 reach BuildKit as U+FFFD: two such bytes are one to its
  // cache (the JSON-encoded fields above were mapped before encoding, which would escape them).
  for (const k of Object.keys(fields)) fields[k] = asBuildKitSees(fields[k]);
  for (const [k, v] of env) env.set(k, { ...v, value: asBuildKitSees(v.value) });
  return { fields, env };
}
