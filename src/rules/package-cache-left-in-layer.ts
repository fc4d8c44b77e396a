import path from 'node:path';
import type { Step } from '../graph/graph.js';
import type { Activity, RunAnalysis, SimpleCommand } from '../shell/index.js';
import { defineRule } from './define.js';
import { cleanedCaches, managerArgv, PACKAGE_MANAGERS } from '../shell/package-managers.js';
import { baseChain, humanBytes, packageName, runAnalysis, runRange } from './shared.js';

/**
 * A package manager's download cache or index as this rule reports it: which of the table's
 * caches (src/shell/package-managers.ts: where they are, what empties them), what writes it,
 * its typical size, and what keeps it out of the layer.
 */
interface PackageCache {
  manager: string;
  /** Ids of the manager's caches (package-managers.ts) that the command fills. */
  caches: readonly string[];
  /** What is left, for messages. */
  what: string;
  /**
   * A typical size, an estimate documented on the rule's page: an index's size is the
   * repository's, whatever is installed; a download cache holds what the command downloaded.
   */
  bytes(act: Activity): number;
  /** Whether the command writes the cache (given its activity). */
  writes(act: Activity, cmd: SimpleCommand, step: Step): boolean;
  fix: string;
}

const has = (cmd: SimpleCommand, ...flags: string[]) => cmd.args.some((w) => flags.some((f) => w.value === f || w.value.startsWith(`${f}=`)));
const named = (cmd: SimpleCommand, re: RegExp) => re.test(path.posix.basename(cmd.name.value));
/** The flags of the table that turn a manager's cache off (`--no-cache`, `--no-cache-dir`). */
const noCache = (cmd: SimpleCommand, manager: string) => has(cmd, ...(PACKAGE_MANAGERS.find((m) => m.name === manager)?.noCacheFlags ?? []));

const MB = 1e6;
/**
 * What a download cache holds after an install: the packages it downloaded. A named package
 * with its dependencies is taken as ~5 MB, known heavy ones at their wheel's size; a list or
 * lockfile (`-r requirements.txt`, `npm ci`) as a typical project's 50 MB.
 */
const HEAVY: readonly [RegExp, number][] = [
  [/^torch$/, 900 * MB],
  [/^(tensorflow|tensorflow-gpu|tf-nightly)$/, 500 * MB],
  [/^nvidia-/, 300 * MB],
  [/^(vllm|flash-attn|flash_attn|xformers|triton|jaxlib|deepspeed|flashinfer.*)$/, 200 * MB],
  [/^(torchvision|torchaudio|opencv-python.*|scipy|onnxruntime.*|pyarrow)$/, 40 * MB],
];
function downloaded(act: Activity): number {
  const one = (item: string) => HEAVY.find(([re]) => re.test(packageName(act.rule, item)))?.[1] ?? 5 * MB;
  const named = act.items.reduce((n, item) => n + one(item), 0);
  return named + (act.unknown.length || !act.items.length ? 50 * MB : 0);
}

const CACHES: readonly PackageCache[] = [
  {
    manager: 'apt',
    caches: ['apt-lists'],
    what: 'the apt package lists (/var/lib/apt/lists)',
    bytes: () => 30 * MB,
    writes: (act) => act.rule === 'apt-get update',
    fix: 'remove /var/lib/apt/lists/* at the end of the same RUN, or mount a cache there (--mount=type=cache,target=/var/lib/apt/lists)',
  },
  {
    manager: 'apk',
    caches: ['apk', 'apk-etc'],
    what: 'the apk index (/var/cache/apk)',
    bytes: () => 2.5 * MB,
    // `--no-network` reads only what is already there: it fetches no index either.
    writes: (act, cmd) => act.rule === 'apk update' || (act.rule === 'apk add' && !noCache(cmd, 'apk') && !has(cmd, '--no-network')),
    fix: 'use apk add --no-cache (and no apk update), or remove /var/cache/apk/* in the same RUN',
  },
  {
    manager: 'yum',
    caches: ['yum', 'dnf', 'libdnf5', 'zypp'],
    what: 'the yum/dnf metadata and package cache (/var/cache/yum, /var/cache/dnf)',
    bytes: () => 60 * MB,
    writes: (act) => act.rule === 'yum install' || act.rule === 'yum makecache',
    fix: 'run yum/dnf clean all at the end of the same RUN, or mount a cache on /var/cache/dnf (or /var/cache/yum)',
  },
  {
    manager: 'pip',
    caches: ['pip'],
    what: "pip's download and wheel cache (~/.cache/pip)",
    bytes: downloaded,
    writes: (act, cmd, step) => act.rule === 'pip install' && !noCache(cmd, 'pip') && !step.scope.env.has('PIP_NO_CACHE_DIR') && !cacheDirElsewhere(cmd, step),
    fix: 'pass --no-cache-dir (or set ENV PIP_NO_CACHE_DIR=1), or mount a cache on ~/.cache/pip (/root/.cache/pip as root)',
  },
  {
    manager: 'npm',
    caches: ['npm'],
    what: "npm's cache (~/.npm)",
    bytes: downloaded,
    writes: (act, cmd) => (act.rule === 'npm ci' || act.rule === 'npm install') && !has(cmd, '--cache'),
    fix: 'run npm cache clean --force in the same RUN, or mount a cache on ~/.npm (/root/.npm as root)',
  },
  {
    manager: 'yarn',
    caches: ['yarn', 'yarn-home'],
    what: "yarn's cache (/usr/local/share/.cache/yarn)",
    bytes: downloaded,
    writes: (act, cmd) => act.rule === 'yarn install' && named(cmd, /^yarn$/) && !has(cmd, '--cache-folder'),
    fix: 'run yarn cache clean in the same RUN, or mount a cache on /usr/local/share/.cache/yarn',
  },
];

/** The cache's directories as the table has them (`~` for the user's home). */
function cacheDirs(cache: PackageCache): string[] {
  const m = PACKAGE_MANAGERS.find((x) => x.name === cache.manager);
  return (m?.caches ?? []).filter((d) => cache.caches.includes(d.id)).map((d) => d.path);
}

/** A command of the table's that empties the cache (`apt-get clean` does not count for the lists: it leaves them). */
function cleans(cache: PackageCache, argv: string[]): boolean {
  return cleanedCaches(argv).some((d) => cache.caches.includes(d.id));
}

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
    const argv = managerArgv([cmd.name, ...cmd.args].map((w) => w.value));
    if (cleans(cache, argv)) return true;
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
          const dirs = cacheDirs(cache).map((d) => absolute(step, d)).filter((d): d is string => d !== undefined);
          const at = a.activities.findIndex((act, i) => cache.writes(act, a.commands[i], step));
          if (at < 0 || mountedAway(step, dirs)) continue;
          // The last writer must be followed by the clean-up; an earlier clean-up does not help.
          let last = at;
          a.activities.forEach((act, i) => {
            if (cache.writes(act, a.commands[i], step)) last = i;
          });
          if (removedLater(step, a, last, cache, dirs)) continue;
          const cmd = a.commands[at];
          // A download cache holds what every writer of the RUN downloaded.
          const writers = a.activities.filter((act, i) => cache.writes(act, a.commands[i], step));
          const size = cache.bytes === downloaded ? writers.reduce((n, act) => n + downloaded(act), 0) : cache.bytes(writers[0]);
          ctx.report({
            messageId: 'left',
            data: { command: a.activities[at].rule, what: cache.what, size: humanBytes(size), fix: cache.fix },
            range: runRange(ctx.file, step, cmd.range),
            cost: { bytes: size, basis: 'estimated' },
          });
        }
      }
    }
  },
});
