import path from 'node:path';
import type { BuildContext } from '../context/index.js';
import { containsWildcards, goMatch } from '../context/index.js';
import type { Step } from '../graph/graph.js';
import { resolveWord, type RunAnalysis, type ShellWord } from '../shell/index.js';
import { defineRule } from './define.js';
import { baseChain, humanBytes, runAnalysis, runRange } from './shared.js';

/** A path an earlier step put into the image. */
interface Creation {
  step: Step;
  /** Absolute, normalised. */
  path: string;
  /** How it got there, for the message and the advice. */
  how: 'copy' | 'copy-from' | 'download' | 'write' | 'clone' | 'mkdir';
  /**
   * For a COPY from the context: the files it put at or below `path`, with their sizes. A
   * deletion below `path` counts only when it hits some of them.
   */
  files?: { path: string; size: number }[];
  /** Deletions below `path` count too (a clone): what is there came with it. */
  tree?: boolean;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/;

/** Whether `target`, or a folder above it, is matched by the deleted operand `op` (a path, maybe a glob). */
function hits(op: string, target: string): boolean {
  for (let p = target; ; p = path.posix.dirname(p)) {
    if (p === op) return true;
    if (containsWildcards(op)) {
      try {
        if (goMatch(op, p)) return true;
      } catch {
        return false;
      }
    }
    if (p === '/') return false;
  }
}

/** Where each file of a COPY/ADD from the context lands (BuildKit's copy rules, without `--parents`). */
function landings(step: Step, context: BuildContext): Creation[] {
  const inst = step.instruction;
  if (inst.keyword !== 'COPY' && inst.keyword !== 'ADD') return [];
  const src = step.sources.find((s) => s.kind === 'context');
  if (!src || src.kind !== 'context' || inst.parents) return [];
  const destRaw = String(step.expanded.dest ?? '');
  const dest = path.posix.resolve(step.scope.workdir, destRaw);
  const intoDir = destRaw.endsWith('/') || src.paths.length > 1 || src.paths.some((p) => containsWildcards(p));
  const out: Creation[] = [];
  for (const source of src.paths) {
    const rel = path.posix.join('/', source).slice(1).replace(/\/+$/, '');
    // ADD unpacks local archives: what lands is not the archive's name.
    if (inst.keyword === 'ADD' && ARCHIVE.test(rel)) continue;
    const sel = context.select([source], { exclude: src.exclude });
    const roots = containsWildcards(rel) ? sel.entries.filter((e) => safeMatch(rel, e.path)).map((e) => e.path) : [rel];
    for (const root of roots) {
      const entry = root === '' ? undefined : context.get(root);
      if (root === '' || entry?.type === 'dir') {
        const files = sel.files.filter((f) => root === '' || f.path.startsWith(`${root}/`)).map((f) => ({ path: path.posix.join(dest, root === '' ? f.path : f.path.slice(root.length + 1)), size: f.size }));
        out.push({ step, path: dest, how: 'copy', files });
      } else if (entry) {
        const to = intoDir ? path.posix.join(dest, path.posix.basename(root)) : dest;
        const size = sel.files.find((f) => f.path === root)?.size ?? entry.size;
        out.push({ step, path: to, how: 'copy', files: [{ path: to, size }] });
      }
    }
  }
  return out;
}

function safeMatch(pattern: string, name: string): boolean {
  try {
    return goMatch(pattern, name);
  } catch {
    return false;
  }
}

/** What a COPY/ADD puts into the image, as far as can be told without building. */
function copied(step: Step, context?: BuildContext): Creation[] {
  const out: Creation[] = context ? landings(step, context) : [];
  const destRaw = String(step.expanded.dest ?? '');
  const dest = path.posix.resolve(step.scope.workdir, destRaw);
  for (const s of step.sources) {
    if (s.kind === 'stage' || s.kind === 'image' || s.kind === 'heredoc') {
      // The files are not known here: only the destination itself (or the one file's name in it).
      out.push({ step, path: dest, how: 'copy-from' });
      if (s.kind !== 'heredoc' && s.paths.length === 1 && destRaw.endsWith('/') && !containsWildcards(s.paths[0])) {
        out.push({ step, path: path.posix.join(dest, path.posix.basename(s.paths[0])), how: 'copy-from' });
      }
    } else if (s.kind === 'remote') {
      const name = path.posix.basename(s.url.replace(/[?#].*$/, ''));
      out.push({ step, path: destRaw.endsWith('/') ? path.posix.join(dest, name) : dest, how: 'download' });
    } else if (s.kind === 'context' && !context) {
      out.push({ step, path: dest, how: 'copy' });
    }
  }
  return out;
}

/** The variables a script sets itself: their ARG/ENV values are not what it uses. */
function assignedIn(a: RunAnalysis): Set<string> {
  return new Set([...a.script.matchAll(/(?:^|[\s;&|(])(?:export\s+|readonly\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)\+?=/g)].map((m) => m[1]));
}

/** A word as an absolute path, when its value is known; relative paths only while no `cd` has run. */
function pathOf(step: Step, w: ShellWord, env: Map<string, string>, assigned: Set<string>, cwdKnown: boolean): string | undefined {
  const v = w.value.replace(/^(\$HOME|\$\{HOME\}|~)(?=\/|$)/, step.scope.user === null || step.scope.user === 'root' ? '/root' : '\0');
  const words = v === w.value ? resolveWord(w, { env, assigned }) : /[$`]/.test(v) ? null : [v];
  if (!words || words.length !== 1 || words[0].includes('\0') || words[0] === '') return undefined;
  const p = words[0];
  if (!p.startsWith('/') && !cwdKnown) return undefined;
  return path.posix.resolve(step.scope.workdir, p.replace(/\/+$/, '') || '/');
}

const OUTPUT_FLAGS: Record<string, readonly string[]> = { curl: ['-o', '--output'], wget: ['-O', '--output-document'] };

/** What a RUN writes to named paths: downloads (`curl -o`), redirections, clones, new folders. */
function written(step: Step, a: RunAnalysis, env: Map<string, string>, assigned: Set<string>): Creation[] {
  const out: Creation[] = [];
  let cwdKnown = true;
  a.commands.forEach((cmd, i) => {
    const name = path.posix.basename(cmd.name.value);
    if (name === 'cd' || name === 'pushd' || name === 'popd') cwdKnown = false;
    const at = (w: ShellWord | undefined) => (w ? pathOf(step, w, env, assigned, cwdKnown) : undefined);
    for (const r of cmd.redirects) {
      const p = /^(>|>>|>\||&>|&>>)$/.test(r.op) && r.fd !== 2 ? at(r.target ?? undefined) : undefined;
      if (p && !p.startsWith('/dev/')) out.push({ step, path: p, how: 'write' });
    }
    const args = cmd.args;
    const flags = OUTPUT_FLAGS[name];
    if (flags) {
      const k = args.findIndex((w) => flags.includes(w.value));
      const p = k >= 0 ? at(args[k + 1]) : undefined;
      if (p && p !== '/dev/null' && p !== '-') out.push({ step, path: p, how: 'download' });
    }
    const act = a.activities[i];
    if (act.rule === 'git clone') {
      const operands = args.filter((w) => !w.value.startsWith('-'));
      const url = act.items[0];
      const k = operands.findIndex((w) => w.value === url);
      const dir = k >= 0 && operands[k + 1] ? at(operands[k + 1]) : url && cwdKnown ? path.posix.resolve(step.scope.workdir, path.posix.basename(url).replace(/\.git$/, '')) : undefined;
      if (dir) out.push({ step, path: dir, how: 'clone', tree: true });
    }
    if (name === 'mkdir') for (const w of args) if (!w.value.startsWith('-')) {
      const p = at(w);
      if (p) out.push({ step, path: p, how: 'mkdir' });
    }
  });
  return out;
}

const ADVICE: Record<Creation['how'], string> = {
  copy: 'copy only what the image keeps (a narrower COPY, --exclude or .dockerignore), or read it through RUN --mount=type=bind',
  'copy-from': 'copy only what the image keeps, or read it through RUN --mount=from=… instead of copying it',
  download: 'download, use and delete it in one RUN (or use it from a mount)',
  write: 'write and delete it in one RUN',
  clone: 'clone, use and delete it in one RUN (or clone in a build stage and copy out what is kept)',
  mkdir: 'fill, use and delete it in one RUN (or use a cache or tmpfs mount there)',
};

const HOW: Record<Creation['how'], string> = {
  copy: 'copied in',
  'copy-from': 'copied in',
  download: 'downloaded',
  write: 'written',
  clone: 'cloned',
  mkdir: 'created (and filled by the steps after it)',
};

/**
 * A RUN that deletes what an earlier step of the image added: the earlier layer keeps the
 * bytes, so the image does not get smaller, it only hides them. Only the stages whose layers
 * the target image holds are checked (the target and the stages it is built FROM).
 */
export default defineRule({
  meta: {
    name: 'deleted-in-later-layer',
    category: 'layer-size',
    severity: 'warning',
    description: 'A RUN deletes files that an earlier step of the image added, so their bytes stay in the earlier layer.',
    fix: null,
    messages: {
      deleted: '{{path}} was {{how}} by {{source}} (line {{line}}), an earlier layer: deleting it here hides it but the image keeps its bytes{{size}}; {{advice}}',
    },
  },
  check(ctx) {
    const created: Creation[] = [];
    const steps = baseChain(ctx.graph, ctx.graph.target).reverse().flatMap((s) => s.steps);
    steps.forEach((step, position) => {
      if (step.keyword === 'COPY' || step.keyword === 'ADD') {
        created.push(...copied(step, ctx.context));
        return;
      }
      const a = runAnalysis(step);
      if (!a) return;
      const env = new Map([...step.scope.args, ...step.scope.env]);
      const assigned = assignedIn(a);
      let cwdKnown = true;
      for (const cmd of a.commands) {
        const argv = cmd.name.value === 'sudo' ? cmd.args : [cmd.name, ...cmd.args];
        const name = path.posix.basename(argv[0]?.value ?? '');
        if (name === 'cd' || name === 'pushd' || name === 'popd') cwdKnown = false;
        if (name !== 'rm') continue;
        let operandsOnly = false;
        for (const w of argv.slice(1)) {
          if (!operandsOnly && w.value === '--') {
            operandsOnly = true;
            continue;
          }
          if (!operandsOnly && w.value.startsWith('-')) continue;
          const op = pathOf(step, w, env, assigned, cwdKnown);
          if (!op || op === '/') continue;
          const found = match(created, op, step, steps, position);
          if (!found) continue;
          const { creation, bytes } = found;
          const source = ctx.graph.stages[creation.step.stage];
          const sameStage = creation.step.stage === step.stage;
          ctx.report({
            messageId: 'deleted',
            data: {
              path: op === creation.path || !creation.files ? creation.path : op,
              how: HOW[creation.how],
              source: `${creation.step.keyword}${sameStage ? '' : ` in stage ${source.name ?? source.index}`}`,
              line: creation.step.line,
              size: bytes === undefined ? '' : ` (${humanBytes(bytes)})`,
              advice: ADVICE[creation.how],
            },
            range: runRange(ctx.file, step, w.range),
            related: [{ range: creation.step.instruction.range, message: `where ${creation.path} was ${HOW[creation.how]}` }],
            ...(bytes !== undefined ? { cost: { bytes, basis: 'measured' as const } } : {}),
          });
        }
      }
      created.push(...written(step, a, env, assigned));
    });
  },
});

/**
 * The earlier creation a deleted operand takes away, and the bytes it held when they are
 * known. Creations it takes away entirely are forgotten, so that a second delete is not
 * reported again.
 */
function match(created: Creation[], op: string, step: Step, steps: Step[], position: number): { creation: Creation; bytes?: number } | undefined {
  for (const c of created) {
    if (c.step === step) continue;
    const whole = hits(op, c.path);
    if (c.files) {
      const gone = c.files.filter((f) => hits(op, f.path));
      if (!gone.length) continue;
      const bytes = gone.reduce((n, f) => n + f.size, 0);
      c.files = c.files.filter((f) => !gone.includes(f));
      return { creation: c, bytes };
    }
    if (c.how === 'mkdir') {
      // An empty folder costs nothing; one that steps in between may have filled does.
      const between = steps.slice(steps.indexOf(c.step) + 1, position).some((s) => s.executes);
      if (!whole || !between) continue;
    } else if (!whole && !(c.tree && hits(c.path, op))) {
      continue;
    }
    if (whole) created.splice(created.indexOf(c), 1);
    return { creation: c };
  }
  return undefined;
}
