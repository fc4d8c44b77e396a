/**
 * Packages installed again by the same manager, in build order: the question behind the
 * package-installed-twice rule (which reports them) and the dedup transform (which drops the
 * ones it can prove are no-ops). One walk answers both.
 */
import type { BuildGraph, Stage, Step } from '../graph/graph.js';
import { baseChain, packageName, removedPackages, runAnalysis } from './shared.js';

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
 * between (`apt-get purge`, `pip uninstall`) forgets it. Each later install is given once.
 */
export function repeatedInstalls(graph: BuildGraph): RepeatedInstall[] {
  const out: RepeatedInstall[] = [];
  const given = new Set<string>();
  for (const target of graph.stages) {
    if (!target.needed) continue;
    // Every step whose files the stage starts from or adds, in build order.
    const chain = baseChain(graph, target.index).reverse();
    const seen = new Map<string, Installed>();
    for (const stage of chain) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        a.commands.forEach((cmd, i) => {
          const removed = removedPackages(cmd);
          if (removed) for (const n of removed.names) seen.delete(`${removed.install}\0${packageName(removed.install, n)}`);
          const act = a.activities[i];
          if (act.kind !== 'install') return;
          for (const item of new Set(act.items)) {
            const key = `${act.rule}\0${packageName(act.rule, item)}`;
            const first = seen.get(key);
            if (!first) {
              seen.set(key, { step, command: i, item, rule: act.rule });
              continue;
            }
            if (first.step === step && first.command === i) continue;
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
