import path from 'node:path';
import { within as inside } from '../cache/source-flow.js';
import type { BuildGraph, Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { afterCd, baseChain, cacheMounts, runAnalysis, runRange, type CacheMount } from './shared.js';

// A cache mounted on `/` is no output folder: nothing is said to be inside it.
const within = (p: string, dir: string) => dir !== '/' && inside(p, dir);

/**
 * Commands that read the files they name, and those that copy them (the last operand is
 * where the copy goes, so a destination in the mount writes to it, not reads from it).
 */
const READERS = new Set(['cat', 'chmod', 'chown', 'file', 'ldd', 'ls', 'readelf', 'sha256sum', 'strip', 'tar', 'test', 'upx', 'unzip']);
const COPIERS = new Set(['cp', 'mv', 'install', 'ln', 'rsync']);
/** Commands that, before a reader in the same RUN, write nothing into the mount's folder. */
const HARMLESS = new Set(['cd', 'set', 'echo', 'printf', 'mkdir', 'true', ':', 'export', ...READERS, ...COPIERS]);

/**
 * A RUN with a cache mount on the folder the build writes its output into (cargo's
 * `target/`, `node_modules`, `dist/`), and a later `COPY --from` of that stage (or a later
 * RUN on the same image) that reads a path under the mount: what the build wrote there lives
 * in the cache mount only. BuildKit never puts a mount's content in the step's snapshot
 * (the mount point is left empty in the layer), so the COPY fails ("not found") or copies an
 * empty folder. A RUN that copies the output out of the mount itself (`cargo build && cp
 * target/release/app /usr/local/bin/`) is right, and nothing later then reads the mount.
 */
export default defineRule({
  meta: {
    name: 'output-in-cache-mount',
    category: 'reliability',
    severity: 'error',
    description: 'A RUN mounts a cache on the folder its build writes the output into, and a later COPY --from (or RUN) reads that output: a cache mount is never part of the layer, so the file is not there.',
    fix: null,
    messages: {
      run: 'the cache mounted at {{target}} holds what this RUN writes there, and a cache mount is never part of the layer: {{reader}} (line {{readerLine}}) reads {{path}} from it and finds nothing; copy the output out of the mount in this RUN (`&& cp {{path}} /usr/local/bin/`), then read it from there, or mount the cache on the dependency folders only',
      read: '{{path}} is under {{target}}, a cache mount of the RUN at line {{runLine}}{{stage}}: a cache mount is never part of the layer, so this finds nothing there (BuildKit: "not found", or an empty folder); copy the output out of the mount in that RUN (`&& cp {{path}} /usr/local/bin/`) and read it from there',
    },
  },
  check(ctx) {
    const reported = new Set<string>();
    const once = (key: string, f: () => void) => {
      if (reported.has(key)) return;
      reported.add(key);
      f();
    };
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        for (const read of readsOf(ctx.graph, step)) {
          const hit = mountHolding(ctx.graph, read.stage, read.path, read.before);
          if (!hit) continue;
          const data = { target: hit.cache.target, path: read.path, reader: read.label, readerLine: step.line, runLine: hit.run.line, stage: hit.run.stage === step.stage ? '' : ` of stage ${ctx.graph.stages[hit.run.stage].name ?? hit.run.stage}` };
          once(`run:${hit.run.line}:${hit.cache.target}`, () => ctx.report({ messageId: 'run', data, range: hit.cache.mount.range, related: [{ range: read.range, message: 'reads the output from the mount' }] }));
          once(`read:${step.line}:${read.path}`, () => ctx.report({ messageId: 'read', data, range: read.range, related: [{ range: hit.cache.mount.range, message: 'the cache mount the output is in' }] }));
        }
      }
    }
  },
});

interface Read {
  /** The stage whose image the path is read from. */
  stage: number;
  /** Absolute path. */
  path: string;
  /** Only the steps of that stage before this position count (a RUN reading its own image); undefined: all of them. */
  before?: Step;
  label: string;
  range: ReturnType<typeof runRange>;
}

/** The paths a step reads from a stage's image: a COPY --from's sources, a RUN's operands in its own image. */
function readsOf(graph: BuildGraph, step: Step): Read[] {
  const out: Read[] = [];
  if (step.keyword === 'COPY' || step.keyword === 'ADD') {
    for (const src of step.sources) {
      if (src.kind !== 'stage') continue;
      for (const p of src.paths) {
        // COPY --from sources are relative to the stage's root, not to its WORKDIR.
        out.push({ stage: src.stage, path: literalPrefix(path.posix.resolve('/', p)), label: `COPY --from=${String(step.expanded.from)}`, range: step.instruction.range });
      }
    }
    return out;
  }
  if (step.keyword !== 'RUN') return out;
  const a = runAnalysis(step);
  if (!a || a.error) return out;
  const own = cacheMounts(step).map((m) => m.target);
  let cwd: string | null = step.scope.workdir;
  for (const cmd of a.commands) {
    const name = path.posix.basename(cmd.name.value);
    if (name === 'cd') {
      cwd = afterCd(cwd, cmd);
      continue;
    }
    // A command before the read that may write into the folder (the build itself, run again
    // without the mount) makes what follows read its own output.
    if (!HARMLESS.has(name)) return out;
    if (cwd === null) return out;
    const operands = cmd.args.filter((w) => w.value && !w.value.startsWith('-') && !/[$`]/.test(w.value));
    const sources = COPIERS.has(name) ? operands.slice(0, -1) : READERS.has(name) ? operands : [];
    for (const w of sources) {
      const abs = literalPrefix(path.posix.resolve(cwd, w.value));
      // The RUN mounts that cache itself: it reads the mount, where the output is.
      if (own.some((t) => within(abs, t))) continue;
      out.push({ stage: step.stage, path: abs, before: step, label: `${name} in the RUN`, range: runRange(graph.dockerfile, step, w.range) });
    }
  }
  return out;
}

/** A path up to its first glob segment (`/src/target/release/app*` → `/src/target/release`). */
function literalPrefix(p: string): string {
  const parts = p.split('/');
  const k = parts.findIndex((x) => /[*?[]/.test(x));
  return k < 0 ? p : parts.slice(0, k).join('/') || '/';
}

/**
 * The cache-mounting RUN in a stage's image (the stage and those it is built FROM) whose mount
 * holds `p`, when no later step of that image puts something at that path in a layer: a RUN
 * without that mount running the same build again, or a COPY to a path in the folder.
 */
function mountHolding(graph: BuildGraph, stage: number, p: string, before?: Step): { run: Step; cache: CacheMount } | undefined {
  const steps = baseChain(graph, stage).reverse().flatMap((s) => s.steps).filter((s) => !before || s.stage !== before.stage || s.position < before.position);
  for (let i = steps.length - 1; i >= 0; i--) {
    const run = steps[i];
    const cache = cacheMounts(run).find((m) => within(p, m.target));
    if (!cache) continue;
    const builds = new Set(runAnalysis(run)?.activities.map((x) => x.rule) ?? []);
    const later = steps.slice(i + 1);
    const refilled = later.some((s) => {
      if (s.keyword === 'COPY' || s.keyword === 'ADD') {
        const dest = String(s.expanded.dest ?? '');
        return within(path.posix.resolve(s.scope.workdir, dest), cache.target);
      }
      if (s.keyword !== 'RUN' || cacheMounts(s).some((m) => m.target === cache.target)) return false;
      return (runAnalysis(s)?.activities ?? []).some((x) => builds.has(x.rule) && !HARMLESS.has(x.rule));
    });
    return refilled ? undefined : { run, cache };
  }
  return undefined;
}
