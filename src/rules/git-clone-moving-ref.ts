import type { Step } from '../graph/graph.js';
import { exclusive, type RunAnalysis, type ShellWord, type SimpleCommand } from '../shell/index.js';
import { isPerCommitArg } from '../shell/variables.js';
import { defineRule } from './define.js';
import { runAnalysis, runRange } from './shared.js';

/** A commit id, full or abbreviated. */
const SHA = /^[0-9a-f]{7,40}$/i;
/**
 * A release tag: numbers joined by dots or underscores, with an optional name or `v` in
 * front and a suffix (`v1.2.3`, `1.2`, `llvmorg-17.0.6`, `curl-8_5_0`, `2.1.0rc1`).
 */
const VERSION = /^(?:[A-Za-z][\w-]*?[-_]?)?v?(\d+(?:[._]\d+)+)(?:[-+._~]?[A-Za-z0-9]+)*$/;
/** Words that make a versioned name a branch: `release-1.2`, `1.x`, `3.0-stable`, `v2-dev`. */
const BRANCH_WORD = /(?:^|[-_/.])(?:x|stable|dev|devel|develop|branch|release|rel|maint|nightly|latest|head|trunk)(?:$|[-_/.])/i;
/** Build args named for a commit or a release: taken as pinned when no default says otherwise. */
const PINNED_NAME = /COMMIT|SHA|REV|HASH|TAG|VERSION|(?:^|_)VER(?:$|_)/i;
/** Build args passed to bust the cache on purpose, or per build: the step then re-runs every build. */
const BUSTS_CACHE = /CACHE_?BUST|NO_?CACHE|(?:^|_)BUST(?:$|_)|TIMESTAMP|BUILD_?DATE|BUILD_?TIME/i;

/** How a ref behaves: a commit or release tag stays put; a branch, HEAD or an unknown name moves. */
function pinned(ref: string): boolean {
  if (/^(refs\/)?tags\//.test(ref)) return true;
  if (SHA.test(ref)) return true;
  const m = VERSION.exec(ref);
  if (!m || ref.includes('/')) return false;
  // Three numbers name one release even with a word in front (`release-1.2.3`); two need none.
  return m[1].split(/[._]/).length >= 3 ? !/(^|[-_.])x($|[-_.])/i.test(ref) : !BRANCH_WORD.test(ref);
}

interface Ref {
  /** The ref as the build sees it, variables replaced by their values. */
  value: string;
  pinned: boolean;
  /** The build args and ENV it comes from. */
  vars: string[];
}

/**
 * A ref word with its variables replaced by their values in the step's scope (`${X:-def}`
 * by its default); a variable with no value stands for whatever the build passes: a commit
 * or release when its name says so (`$APP_COMMIT`, `v${VERSION}`), else a branch.
 */
function readRef(word: string, step: Step): Ref {
  const vars: string[] = [];
  const unknown: string[] = [];
  const value = word.replace(/\$\{(\w+)(?::?[-=]([^}]*))?\}|\$(\w+)/g, (whole: string, braced: string | undefined, def: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    vars.push(name);
    const v = step.scope.env.get(name) ?? step.scope.args.get(name) ?? def;
    if (v !== undefined && v !== '') return v;
    unknown.push(name);
    return whole;
  });
  return { value, vars, pinned: unknown.length ? unknown.every((n) => PINNED_NAME.test(n) && !/BRANCH/i.test(n)) : pinned(value) };
}

/** A ref for the message: its value, and the variables it comes from. */
function describe(ref: Ref): string {
  if (ref.value.includes('$')) return `${ref.value} (a build arg with no value here, a branch by its name)`;
  return ref.vars.length ? `'${ref.value}' (from ${ref.vars.map((v) => `$${v}`).join(', ')})` : `'${ref.value}'`;
}

/** A git command: its subcommand and the words after it (`git -C dir -c k=v checkout x`). */
function gitCommand(cmd: SimpleCommand): { sub: string; args: ShellWord[] } | undefined {
  if (cmd.name.value.slice(cmd.name.value.lastIndexOf('/') + 1) !== 'git') return undefined;
  const args = cmd.args;
  let i = 0;
  while (i < args.length && args[i].value.startsWith('-')) i += ['-C', '-c', '--git-dir', '--work-tree', '--namespace'].includes(args[i].value) ? 2 : 1;
  return i < args.length ? { sub: args[i].value, args: args.slice(i + 1) } : undefined;
}

/** The operands of a git subcommand before `--`, skipping flags and the values of `valueFlags`. */
function operands(args: ShellWord[], valueFlags: string[]): ShellWord[] {
  const out: ShellWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (v === '--') break;
    if (valueFlags.includes(v)) i++;
    else if (!v.startsWith('-')) out.push(args[i]);
  }
  return out;
}

/** What moves the work tree to a ref: `git checkout REF`, `git reset --hard REF`, `git switch --detach REF`. */
function checkoutRef(cmd: SimpleCommand): ShellWord | undefined {
  const g = gitCommand(cmd);
  if (!g) return undefined;
  if (g.sub === 'checkout') return operands(g.args, ['-b', '-B', '--orphan', '--conflict']).at(-1);
  if (g.sub === 'switch') return operands(g.args, ['-c', '-C', '--create', '--force-create', '--orphan']).at(-1);
  if (g.sub === 'reset' && g.args.some((w) => w.value === '--hard' || w.value === '--keep')) return operands(g.args, []).at(0);
  return undefined;
}

interface Fetch {
  command: number;
  kind: 'clone' | 'pull' | 'fetch';
  url?: string;
  /** The ref it fetches; undefined: the default branch (clone) or the current one (pull). */
  ref?: Ref;
}

/** The clones, pulls and fetches of a RUN, in script order. */
function fetches(a: RunAnalysis, step: Step): Fetch[] {
  const out: Fetch[] = [];
  a.activities.forEach((act, i) => {
    if (act.rule !== 'git clone' && act.rule !== 'git fetch') return;
    const g = gitCommand(a.commands[i]);
    if (!g) return;
    if (g.sub === 'clone') {
      // A clone of a local folder (a copied repository) fetches nothing new.
      if (!act.items.length) return;
      const v = g.args.map((w) => w.value);
      const k = v.findIndex((x) => ['-b', '--branch', '--revision'].includes(x));
      const eq = v.find((x) => x.startsWith('--branch=') || x.startsWith('--revision='));
      const word = k >= 0 ? v[k + 1] : eq?.slice(eq.indexOf('=') + 1);
      out.push({ command: i, kind: 'clone', url: act.items[0], ref: word === undefined ? undefined : readRef(word, step) });
    } else if (g.sub === 'pull' || g.sub === 'fetch') {
      // `git fetch origin REF`, `git pull origin REF`: the refspec after the remote.
      const ops = operands(g.args, ['--depth', '--deepen', '--shallow-since', '--shallow-exclude', '-j', '--jobs', '--upload-pack', '-o', '--server-option', '--filter', '--negotiation-tip', '--refmap']);
      const spec = ops[1]?.value.replace(/^\+/, '').split(':')[0];
      out.push({ command: i, kind: g.sub, ref: spec === undefined ? undefined : readRef(spec, step) });
    }
  });
  return out.sort((x, y) => a.commands[x.command].range.start - a.commands[y.command].range.start);
}

/**
 * The last checkout (or hard reset) after command `from` and before the next clone, pull or
 * fetch that can run with it, in the same RUN; `FETCH_HEAD` is what the fetch before it got.
 */
function lastCheckout(a: RunAnalysis, step: Step, from: number, all: Fetch[], fetched: Ref | undefined): { ref: Ref; command: number } | undefined {
  const start = a.commands[from].range.end;
  const stop = all.map((f) => a.commands[f.command]).find((c) => c.range.start >= start && !exclusive(c, a.commands[from]))?.range.start ?? Infinity;
  let found: { ref: Ref; command: number } | undefined;
  a.commands.forEach((c, k) => {
    if (c.range.start < start || c.range.start >= stop || exclusive(c, a.commands[from])) return;
    const w = checkoutRef(c);
    if (!w) return;
    const raw = w.value;
    const ref = /^(FETCH_HEAD|origin\/HEAD)$/.test(raw) && fetched ? fetched : readRef(raw.replace(/^(origin|upstream)\//, ''), step);
    if (!found || c.range.start > a.commands[found.command].range.start) found = { ref, command: k };
  });
  return found;
}

/** A checkout of the clone in a later RUN of the stage (`RUN git checkout $COMMIT` after `WORKDIR repo`), before any other clone. */
function laterCheckout(steps: Step[], after: Step): Ref | undefined {
  for (const s of steps.filter((x) => x.position > after.position)) {
    const a = runAnalysis(s);
    if (!a || a.error) continue;
    const all = fetches(a, s);
    const first = all[0] ? a.commands[all[0].command].range.start : Infinity;
    let ref: Ref | undefined;
    for (const c of a.commands) {
      const w = c.range.start < first ? checkoutRef(c) : undefined;
      if (w) ref = readRef(w.value, s);
    }
    if (ref || all.length) return ref;
  }
  return undefined;
}

/** Build args declared before the step in its stage that make it re-run on every build or commit. */
function bustsCache(step: Step, steps: Step[], refVars: string[]): boolean {
  return steps.some((s) => s.position < step.position && s.instruction.keyword === 'ARG' && s.instruction.decls.some((d) => {
    const name = d.key.raw;
    const v = s.expanded[name];
    return !refVars.includes(name) && (BUSTS_CACHE.test(name) || isPerCommitArg(name, typeof v === 'string' ? v : undefined));
  }));
}

/**
 * A `git clone` (or `git pull`, or a fetch then checkout) in a RUN of a branch or the default
 * HEAD, with no commit checked out after it: BuildKit caches the RUN by its text, so the
 * image keeps whatever commit the first build saw; a new upstream commit is not picked up
 * until the cache is lost, and then a different commit arrives with no change to the file.
 * `ADD <git url>#<ref>` is not this finding: BuildKit resolves its ref on every build.
 */
export default defineRule({
  meta: {
    name: 'git-clone-moving-ref',
    category: 'reliability',
    severity: 'warning',
    description: 'A RUN clones (or pulls) a git branch or the default HEAD with no commit checked out: BuildKit caches the step by its text, so the image keeps the commit of the first build and a new upstream commit is picked up only when the cache is lost.',
    fix: null,
    messages: {
      clone: '{{command}} takes {{ref}}, which moves, and BuildKit caches this RUN by its text: the image keeps the commit the first build fetched, new upstream commits are not picked up until the cache is lost, and then a different commit arrives with no change to the Dockerfile; pin a commit (ARG {{arg}}=<sha>, then git checkout "${{arg}}" in the same RUN), or, to follow the branch on purpose, use ADD {{url}}#{{branch}}, which BuildKit re-resolves on every build',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a || a.error) continue;
        const all = fetches(a, step);
        for (const f of all) {
          const after = lastCheckout(a, step, f.command, all, f.ref);
          // A bare fetch moves nothing: only the checkout of what it fetched does.
          if (f.kind === 'fetch' && !after) continue;
          const later = after || f.kind === 'fetch' ? undefined : laterCheckout(stage.steps, step);
          const ref = after?.ref ?? later ?? f.ref;
          if (ref?.pinned) continue;
          if (bustsCache(step, stage.steps, ref?.vars ?? [])) continue;
          const cmd = a.commands[f.command];
          const repo = f.url ? f.url.replace(/\.git$/, '').replace(/\/+$/, '').split(/[/:]/).at(-1)! : 'repo';
          const arg = `${repo.replace(/\W+/g, '_').toUpperCase()}_COMMIT`;
          const text = a.script.slice(cmd.range.start, cmd.range.end).replace(/\s*\\\n\s*/g, ' ').replace(/\s+/g, ' ');
          const what = !ref ? (f.kind === 'clone' ? 'the default branch' : 'the current branch') : `${after && f.kind !== 'fetch' ? 'a checkout of ' : ''}${describe(ref)}`;
          ctx.report({
            messageId: 'clone',
            data: {
              command: text.length > 70 ? `${text.slice(0, 69)}…` : text,
              ref: what,
              arg,
              url: f.url ?? '<git url>',
              branch: ref && !ref.value.includes('$') ? ref.value : 'main',
            },
            range: runRange(ctx.file, step, cmd.range),
          });
        }
      }
    }
  },
});
