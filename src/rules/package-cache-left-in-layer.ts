import path from 'node:path';
import type { Step } from '../graph/graph.js';
import type { Activity, RunAnalysis, SimpleCommand } from '../shell/index.js';
import { defineRule } from './define.js';
import { baseChain, humanBytes, runAnalysis, runRange } from './shared.js';

/** A package manager's download cache or index, what leaves it behind and what keeps it out of the layer. */
interface PackageCache {
  /** What is left, for messages. */
  what: string;
  /** Where it is kept (`~` is the home of the step's user). */
  dirs: readonly string[];
  /** A typical size: an estimate, documented on the rule's page. */
  bytes: number;
  /** Whether the command writes the cache (given its activity). */
  writes(act: Activity, cmd: SimpleCommand, step: Step): boolean;
  /** A command that empties the cache (`apt-get clean` does not count: it leaves the lists). */
  cleans?(argv: string[]): boolean;
  fix: string;
}

const has = (cmd: SimpleCommand, ...flags: string[]) => cmd.args.some((w) => flags.some((f) => w.value === f || w.value.startsWith(`${f}=`)));
const named = (cmd: SimpleCommand, re: RegExp) => re.test(path.posix.basename(cmd.name.value));

const CACHES: readonly PackageCache[] = [
  {
    what: 'the apt package lists (/var/lib/apt/lists)',
    dirs: ['/var/lib/apt/lists'],
    bytes: 30e6,
    writes: (act) => act.rule === 'apt-get update',
    fix: 'remove /var/lib/apt/lists/* at the end of the same RUN, or mount a cache there (--mount=type=cache,target=/var/lib/apt/lists)',
  },
  {
    what: 'the apk index (/var/cache/apk)',
    dirs: ['/var/cache/apk', '/etc/apk/cache'],
    bytes: 2.5e6,
    writes: (act, cmd) => act.rule === 'apk update' || (act.rule === 'apk add' && !has(cmd, '--no-cache')),
    fix: 'use apk add --no-cache (and no apk update), or remove /var/cache/apk/* in the same RUN',
  },
  {
    what: 'the yum/dnf metadata and package cache (/var/cache/yum, /var/cache/dnf)',
    dirs: ['/var/cache/yum', '/var/cache/dnf', '/var/cache/libdnf5', '/var/cache/zypp'],
    bytes: 60e6,
    writes: (act) => act.rule === 'yum install' || act.rule === 'yum makecache',
    cleans: (argv) => /^(yum|dnf|microdnf|tdnf|zypper)$/.test(argv[0]) && argv.slice(1).some((v) => v === 'clean'),
    fix: 'run yum/dnf clean all at the end of the same RUN, or mount a cache on /var/cache/dnf (or /var/cache/yum)',
  },
  {
    what: "pip's download and wheel cache (~/.cache/pip)",
    dirs: ['~/.cache/pip'],
    bytes: 50e6,
    writes: (act, cmd, step) => act.rule === 'pip install' && !has(cmd, '--no-cache-dir') && !step.scope.env.has('PIP_NO_CACHE_DIR') && !cacheDirElsewhere(cmd, step),
    cleans: (argv) => /^pip(\d+(\.\d+)?)?$/.test(argv[0]) && argv[1] === 'cache' && (argv[2] === 'purge' || argv[2] === 'remove'),
    fix: 'pass --no-cache-dir (or set ENV PIP_NO_CACHE_DIR=1), or mount a cache on ~/.cache/pip (/root/.cache/pip as root)',
  },
  {
    what: "npm's cache (~/.npm)",
    dirs: ['~/.npm'],
    bytes: 50e6,
    writes: (act, cmd) => (act.rule === 'npm ci' || act.rule === 'npm install') && !has(cmd, '--cache'),
    cleans: (argv) => argv[0] === 'npm' && argv[1] === 'cache' && argv[2] === 'clean',
    fix: 'run npm cache clean --force in the same RUN, or mount a cache on ~/.npm (/root/.npm as root)',
  },
  {
    what: "yarn's cache (/usr/local/share/.cache/yarn)",
    dirs: ['/usr/local/share/.cache/yarn', '~/.cache/yarn'],
    bytes: 50e6,
    writes: (act, cmd) => act.rule === 'yarn install' && named(cmd, /^yarn$/) && !has(cmd, '--cache-folder'),
    cleans: (argv) => argv[0] === 'yarn' && argv[1] === 'cache' && argv[2] === 'clean',
    fix: 'run yarn cache clean in the same RUN, or mount a cache on /usr/local/share/.cache/yarn',
  },
];

/** `pip install --cache-dir /tmp/x`, or PIP_CACHE_DIR: the cache is elsewhere, which this rule does not follow. */
function cacheDirElsewhere(cmd: SimpleCommand, step: Step): boolean {
  return has(cmd, '--cache-dir') || step.scope.env.has('PIP_CACHE_DIR');
}

/** The step user's home, as `~` in the table stands for it. */
function home(step: Step): string | undefined {
  const u = step.scope.user;
  return u === null || u === '' || u === 'root' || u === '0' || u.startsWith('root:') || u.startsWith('0:') ? '/root' : undefined;
}

/** `dir` as an absolute path for this step, or undefined when it lies in a home that is not known. */
function absolute(step: Step, dir: string): string | undefined {
  if (!dir.startsWith('~')) return dir;
  const h = home(step);
  return h === undefined ? undefined : h + dir.slice(1);
}

/** A path operand with `~`, `$HOME` and a trailing `/*` or `/` taken off: `/var/lib/apt/lists/*` → `/var/lib/apt/lists`. */
function operandPath(step: Step, v: string): string | undefined {
  let p = v.replace(/^(~|\$HOME|\$\{HOME\})(?=\/|$)/, '~');
  if (p.startsWith('~')) p = absolute(step, p) ?? '';
  p = p.replace(/(\/\*|\/\.\*|\/)+$/, '');
  if (!p.startsWith('/')) return undefined;
  return path.posix.normalize(p);
}

/** Whether removing (or mounting over) `p` takes `dir` away: `p` is `dir` or a folder above it. */
const covers = (p: string, dir: string) => p === dir || dir.startsWith(p === '/' ? '/' : `${p}/`);

function mountedAway(step: Step, dirs: string[]): boolean {
  const mounts = Array.isArray(step.expanded.mounts) ? step.expanded.mounts : [];
  return mounts.some((m) => {
    const type = /^type=(\w+)/.exec(m)?.[1];
    const target = /(?:^|,)target=([^,]+)/.exec(m)?.[1];
    if ((type !== 'cache' && type !== 'tmpfs') || !target) return false;
    const t = operandPath(step, target);
    return t !== undefined && dirs.some((d) => covers(t, d));
  });
}

function removedLater(step: Step, a: RunAnalysis, from: number, cache: PackageCache, dirs: string[]): boolean {
  for (let i = from + 1; i < a.commands.length; i++) {
    const cmd = a.commands[i];
    const argv = [cmd.name, ...cmd.args].map((w) => w.value);
    if (argv[0] === 'sudo') argv.shift();
    argv[0] = path.posix.basename(argv[0] ?? '');
    if (cache.cleans?.(argv)) return true;
    if (argv[0] !== 'rm') continue;
    for (const v of argv.slice(1)) {
      if (v.startsWith('-')) continue;
      const p = operandPath(step, v);
      if (p !== undefined && dirs.some((d) => covers(p, d))) return true;
    }
  }
  return false;
}

/**
 * A package manager's cache or index written into an image layer: `apt-get update` without
 * removing the lists, `pip install` without `--no-cache-dir`, `npm ci` without a cache clean,
 * `apk add` without `--no-cache`, yum/dnf without `clean all`. Only the stages whose layers the
 * target image holds are checked; a cache or tmpfs mount on the directory keeps it out.
 */
export default defineRule({
  meta: {
    name: 'package-cache-left-in-layer',
    category: 'layer-size',
    severity: 'warning',
    description: "A package manager's download cache or index is written into a layer of the image and not removed in the same RUN.",
    fix: 'unsafe',
    fixedBy: ['cache-mounts'],
    sources: ['hadolint/DL3009', 'hadolint/DL3019', 'hadolint/DL3032', 'hadolint/DL3036', 'hadolint/DL3040', 'hadolint/DL3042', 'hadolint/DL3060'],
    messages: {
      left: '{{command}} leaves {{what}} in this layer (~{{size}}, an estimate): {{fix}}',
    },
  },
  check(ctx) {
    for (const stage of baseChain(ctx.graph, ctx.graph.target)) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        for (const cache of CACHES) {
          const dirs = cache.dirs.map((d) => absolute(step, d)).filter((d): d is string => d !== undefined);
          const at = a.activities.findIndex((act, i) => cache.writes(act, a.commands[i], step));
          if (at < 0 || mountedAway(step, dirs)) continue;
          // The last writer must be followed by the clean-up; an earlier clean-up does not help.
          let last = at;
          a.activities.forEach((act, i) => {
            if (cache.writes(act, a.commands[i], step)) last = i;
          });
          if (removedLater(step, a, last, cache, dirs)) continue;
          const cmd = a.commands[at];
          ctx.report({
            messageId: 'left',
            data: { command: a.activities[at].rule, what: cache.what, size: humanBytes(cache.bytes), fix: cache.fix },
            range: runRange(ctx.file, step, cmd.range),
            cost: { bytes: cache.bytes, basis: 'estimated' },
          });
        }
      }
    }
  },
});
