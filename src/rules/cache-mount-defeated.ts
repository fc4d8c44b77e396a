import { within } from '../cache/source-flow.js';
import type { Step } from '../graph/graph.js';
import { managerArgv, managerOf, PACKAGE_MANAGERS } from '../shell/package-managers.js';
import { defineRule } from './define.js';
import { cacheMounts, runAnalysis, runRange } from './shared.js';

/**
 * Flags that make a tool ignore the cache a RUN mounts for it: the table's no-cache flags
 * (`pip --no-cache-dir`, `uv --no-cache`, `apk --no-cache`), and `go build -a`, which rebuilds
 * every package whatever the build cache holds.
 */
function defeats(argv: string[]): { manager: string; cache: string; flag: string } | undefined {
  const m = managerOf(argv);
  if (!m) return undefined;
  if (m.name === 'go') {
    const sub = argv.slice(1).find((w) => !w.startsWith('-'));
    return sub && ['build', 'install', 'test'].includes(sub) && argv.includes('-a') ? { manager: 'go', cache: 'go-build', flag: '-a' } : undefined;
  }
  const flag = argv.find((w) => m.noCacheFlags?.includes(w));
  return flag ? { manager: m.name, cache: m.caches[0]?.id ?? '', flag } : undefined;
}

/** The home of the step's user where it is known: root's. */
function home(step: Step): string | undefined {
  const u = step.scope.user;
  return u === null || u === '' || u === 'root' || u === '0' || u.startsWith('root:') || u.startsWith('0:') ? '/root' : undefined;
}

/**
 * A RUN that mounts a cache for a tool and passes the flag that makes the tool ignore it: the
 * mount buys nothing, and every re-run downloads (or compiles) everything again.
 */
export default defineRule({
  meta: {
    name: 'cache-mount-defeated',
    category: 'cache-order',
    severity: 'warning',
    description: 'A RUN mounts a cache for a tool and passes the flag that makes the tool ignore it (pip --no-cache-dir, uv --no-cache, apk --no-cache, go build -a), so the mount buys nothing.',
    fix: null,
    messages: {
      defeated: '{{flag}} makes {{tool}} ignore the cache mounted at {{target}}: every re-run {{work}} again; drop {{flag}} (the mount keeps the cache out of the image anyway)',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const step of stage.steps) {
        const targets = cacheMounts(step).map((m) => m.target);
        if (!targets.length) continue;
        const a = runAnalysis(step);
        if (!a) continue;
        const env = new Map([...step.scope.args, ...step.scope.env]);
        a.commands.forEach((cmd, i) => {
          const argv = managerArgv([cmd.name, ...cmd.args].map((w) => w.value));
          // GOFLAGS=-a in the environment does what the flag does.
          if (argv[0] === 'go' && /(^|\s)-a(\s|$)/.test(env.get('GOFLAGS') ?? '')) argv.push('-a');
          const d = defeats(argv);
          if (!d) return;
          const dir = PACKAGE_MANAGERS.find((m) => m.name === d.manager)?.caches.find((c) => c.id === d.cache)?.path;
          const h = home(step);
          const where = d.manager === 'go' && env.get('GOCACHE') ? env.get('GOCACHE') : dir?.startsWith('~') ? (h === undefined ? undefined : h + dir.slice(1)) : dir;
          const target = where === undefined ? undefined : targets.find((t) => within(where, t));
          if (!target) return;
          const word = cmd.args.find((w) => w.value === d.flag);
          ctx.report({
            messageId: 'defeated',
            data: { flag: d.flag, tool: d.manager, target, work: d.manager === 'go' ? 'compiles every package' : 'downloads every package' },
            range: runRange(ctx.file, step, word?.range ?? cmd.range),
          });
        });
      }
    }
  },
});
