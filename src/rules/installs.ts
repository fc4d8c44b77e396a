/**
 * Packages installed again by the same manager, in build order: the question behind the
 * package-installed-twice rule (which reports them) and the dedup transform (which drops the
 * ones it can prove are no-ops). One walk answers both.
 */
import type { BuildGraph, Stage, Step } from '../graph/graph.js';
import { exclusive, isLocalPath } from '../shell/index.js';
import { managerOfRule } from '../shell/package-managers.js';
import { aptMarkPurged, baseChain, packageName, removedPackages, runAnalysis, virtualName } from './shared.js';

export interface Installed {
  step: Step;
  /** The command's index in the step's analysis. */
  command: number;
  /** The operand as written (`curl=8.5*`). */
  item: string;
  /** The install's activity rule (`apt-get install`). */
  rule: string;
}

export interface RepeatedInstall {
  /** Where the manager installed the package last (since it was last removed). */
  first: Installed;
  again: Installed;
  /** The stages whose steps lead from `first` to `again`, in build order (base first). */
  chain: Stage[];
}

/**
 * Every package a needed stage installs again: later in the same stage, or in a stage built
 * FROM the one that installed it, whose image already has it. A removal by the same manager in
 * between (`apt-get purge`, `pip uninstall`, `apk del` of its virtual group, the `apt-mark
 * auto` … `--auto-remove` idiom) forgets it; installs in different arms of one `if` or `case`
 * are alternatives, and files (`/wheels/*.whl`) are not package names. Each later install is
 * given once.
 */
export function repeatedInstalls(graph: BuildGraph): RepeatedInstall[] {
  const out: RepeatedInstall[] = [];
  const given = new Set<string>();
  for (const target of graph.stages) {
    if (!target.needed) continue;
    // Every step whose files the stage starts from or adds, in build order.
    const chain = baseChain(graph, target.index).reverse();
    const seen = new Map<string, Installed>();
    // apk's virtual groups (`apk add -t .build-deps gcc`): what `apk del .build-deps` removes.
    const groups = new Map<string, string[]>();
    const keyOf = (rule: string, item: string) => `${managerOfRule(rule)?.name ?? rule}\0${packageName(rule, item)}`;
    for (const stage of chain) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        const env = new Map([...step.scope.args, ...step.scope.env]);
        const marked = aptMarkPurged(a);
        a.commands.forEach((cmd, i) => {
          const removed = removedPackages(cmd, env);
          if (removed) {
            for (const n of removed.names) {
              for (const member of groups.get(`${removed.manager}\0${n}`) ?? []) seen.delete(keyOf(removed.install, member));
              seen.delete(keyOf(removed.install, n));
            }
          }
          if (marked && marked.at === i) {
            for (const [key, x] of seen) if (x.step === step && marked.commands.has(x.command) && !marked.kept.has(packageName(x.rule, x.item))) seen.delete(key);
          }
          const act = a.activities[i];
          if (act.kind !== 'install') return;
          if (act.rule === 'apk add') {
            const group = virtualName(cmd);
            if (group !== undefined) groups.set(`apk\0${group}`, act.items);
          }
          for (const item of new Set(act.items)) {
            // A file or a glob of files (`/wheels/*.whl`, `./dist/x.whl`) is no package name to compare.
            if (isLocalPath(item) || /[*?]/.test(item)) continue;
            const key = keyOf(act.rule, item);
            const first = seen.get(key);
            if (!first) {
              seen.set(key, { step, command: i, item, rule: act.rule });
              continue;
            }
            if (first.step === step && first.command === i) continue;
            // Another arm of the same `if` or `case`: only one of the two installs runs.
            if (first.step === step && exclusive(a.commands[first.command], cmd)) continue;
            const id = `${step.line}:${i}:${item}`;
            if (given.has(id)) continue;
            given.add(id);
            out.push({ first, again: { step, command: i, item, rule: act.rule }, chain: chain.slice(0, chain.indexOf(stage) + 1) });
          }
        });
      }
    }
  }
  return out;
}
