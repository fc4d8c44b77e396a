import type { Step } from '../graph/graph.js';
import type { RunAnalysis, SimpleCommand } from '../shell/index.js';
import { RULE_COSTS } from '../timing/estimate.js';
import { defineRule, type Cost, type Related } from './define.js';
import type { BuildGraph } from '../graph/graph.js';
import type { Dockerfile } from '../dockerfile/model.js';
import type { Range } from '../core/ranges.js';
import { runAnalysis, runRange } from './shared.js';

/** The command that refreshes a manager's package index, by install rule: repeated by each install RUN. */
const UPDATES: Record<string, string> = { 'apt-get install': 'apt-get update', 'apk add': 'apk update', 'yum install': 'yum makecache' };

/** Flags that change nothing about what gets installed, so two installs that differ only in them can merge. */
const HARMLESS = new Set(['-y', '--yes', '--assume-yes', '-q', '-qq', '--quiet', '--no-cache-dir', '--no-cache', '--no-progress', '--progress-bar', '--disable-pip-version-check', '--no-input', '--no-interaction', '-U', '--upgrade']);

function flags(cmd: SimpleCommand): string {
  const out = new Set<string>();
  for (const w of cmd.args) if (w.value.startsWith('-') && !HARMLESS.has(w.value)) out.add(w.value.replace(/=.*$/, ''));
  return [...out].sort().join(' ');
}

interface Install {
  step: Step;
  command: number;
  rule: string;
  flags: string;
}

/**
 * Whether a command leaves what a manager can install as it was: file utilities without output
 * redirections (`rm -rf /var/lib/apt/lists/*`), the manager's own index refresh, its clean-ups
 * and further installs of the same manager. Anything else (a repository added, a key fetched,
 * a build run) may be what the next install needs, so the two installs are left apart.
 */
function neutral(a: RunAnalysis, i: number, rule: string): boolean {
  const act = a.activities[i];
  if (act.kind === 'install') return act.rule === rule;
  if (act.rule === UPDATES[rule]) return true;
  if (act.kind !== 'file') return false;
  return a.commands[i].redirects.every((r) => !/^>|^>>|^&>|^>\|/.test(r.op) || r.target?.value === '/dev/null');
}

/** The mergeable installs of a RUN: named packages only (no lists, manifests or local projects). */
function installsOf(step: Step, a: RunAnalysis): Install[] {
  const out: Install[] = [];
  a.activities.forEach((act, i) => {
    if (act.kind === 'install' && act.items.length && !act.unknown.length) out.push({ step, command: i, rule: act.rule, flags: flags(a.commands[i]) });
  });
  return out;
}

/**
 * Package installs of one manager split over several RUN steps of a stage: each pays the
 * manager's fixed cost (and the index refresh, when it repeats one) again. Only pairs with
 * nothing between them that could be what the second install needs are reported.
 */
export default defineRule({
  meta: {
    name: 'split-package-installs',
    category: 'duplication',
    severity: 'info',
    description: 'Two or more RUN steps of a stage install packages with the same manager, each paying its fixed cost, where one install would do.',
    fix: null,
    messages: {
      split: '{{rule}} runs again after the one in the RUN at line {{line}}, with nothing between that needs the first done: install both lists in one RUN to pay {{what}} once (~{{seconds}} s)',
      many: '{{rule}} runs {{count}} more times in this RUN ({{lines}}) after the one in the RUN at line {{line}}, with nothing between that needs the first done: install the lists in one RUN to pay {{what}} once (~{{seconds}} s)',
    },
  },
  check(ctx) {
    // One finding per RUN and manager: each split command of it is one more place, not one more finding.
    const groups = new Map<Step, Map<string, Parameters<typeof ctx.report>[0][]>>();
    const report = (step: Step, rule: string, f: Parameters<typeof ctx.report>[0]): void => {
      const byRule = groups.get(step) ?? new Map<string, Parameters<typeof ctx.report>[0][]>();
      groups.set(step, byRule.set(rule, [...(byRule.get(rule) ?? []), f]));
    };
    scan(ctx.graph, ctx.file, report);
    for (const byRule of groups.values()) {
      for (const fs of byRule.values()) {
        if (fs.length === 1) {
          ctx.report(fs[0]);
          continue;
        }
        const [f] = fs;
        // Each install of the RUN pays the manager's fixed cost; the index refresh is paid once per RUN.
        const seconds = fs.reduce((n, x) => n + Number(x.data?.base ?? 0), 0) + Number(f.data?.extra ?? 0);
        ctx.report({
          ...f,
          messageId: 'many',
          data: { ...f.data, count: fs.length, lines: lineList(fs.map((x) => x.range.start.line)), seconds },
          cost: { cold_s: seconds, basis: 'estimated' },
          related: [...fs.slice(1).map((x) => ({ range: x.range, message: `${String(f.data?.rule)} again` })), ...(f.related ?? [])],
        });
      }
    }
  },
});

/** `line 3` or `lines 3, 5`: where the commands of a group are. */
function lineList(lines: number[]): string {
  const u = [...new Set(lines)];
  return `${u.length === 1 ? 'line' : 'lines'} ${u.join(', ')}`;
}

function scan(graph: BuildGraph, file: Dockerfile, report: (step: Step, rule: string, f: { messageId: 'split' | 'many'; data?: Record<string, string | number>; range: Range; cost?: Cost; related?: Related[] }) => void): void {
  {
    const ctx = { graph, file };
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      /** Per install rule: the last install RUN, while nothing since could depend on it. */
      const open = new Map<string, Install>();
      for (const step of stage.steps) {
        if (!step.executes || step.keyword === 'WORKDIR') {
          if (step.keyword === 'USER') open.clear();
          continue;
        }
        const a = runAnalysis(step);
        if (!a) {
          open.clear();
          continue;
        }
        const installs = installsOf(step, a);
        const mine = new Set(installs.map((x) => x.rule));
        // A RUN that does not install with a manager must leave that manager alone.
        for (const rule of [...open.keys()]) if (!mine.has(rule) && !a.commands.every((_, i) => neutral(a, i, rule))) open.delete(rule);
        for (const x of installs) {
          const prev = open.get(x.rule);
          const before = a.commands.slice(0, x.command).every((_, i) => neutral(a, i, x.rule));
          if (prev && prev.step !== step && before && prev.flags === x.flags) {
            const update = UPDATES[x.rule];
            const refreshes = !!update && a.activities.some((y) => y.rule === update);
            const seconds = RULE_COSTS[x.rule as keyof typeof RULE_COSTS]?.base ?? 0;
            const extra = refreshes ? RULE_COSTS[update as keyof typeof RULE_COSTS]?.base ?? 0 : 0;
            report(step, x.rule, {
              messageId: 'split',
              data: {
                rule: x.rule,
                line: prev.step.line,
                what: refreshes ? `its fixed cost and the ${update}` : 'its fixed cost',
                seconds: seconds + extra,
                base: seconds,
                extra,
              },
              range: runRange(ctx.file, step, a.commands[x.command].range),
              related: [{ range: runRange(ctx.file, prev.step, runAnalysis(prev.step)!.commands[prev.command].range), message: `the earlier ${x.rule}` }],
              cost: { cold_s: seconds + extra, basis: 'estimated' },
            });
          }
        }
        // What this RUN leaves open: its last install of each manager, if nothing after it in the RUN could depend on it.
        for (const x of installs) {
          const after = a.commands.slice(x.command + 1).every((_, k) => neutral(a, x.command + 1 + k, x.rule));
          if (after) open.set(x.rule, x);
          else open.delete(x.rule);
        }
      }
    }
  }
}
