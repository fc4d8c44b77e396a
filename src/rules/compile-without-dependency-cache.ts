import type { BuildGraph, Step } from '../graph/graph.js';
import { managerArgv, PACKAGE_MANAGERS, type PackageManager } from '../shell/package-managers.js';
import { defineRule, stepCost } from './define.js';
import { baseChain, cacheMounts, runAnalysis, runRange, sourceCopies, stepsAfter } from './shared.js';

/**
 * A compile that resolves, downloads and builds its dependencies itself (`cargo build`, `mvn
 * package`, `gradle build`, `dotnet publish`) right after the source copy, with nothing before
 * the copy that did the dependency part from the manifests alone and no cache mount to keep
 * it: every source edit fetches and compiles every dependency again. The managers, their
 * compiles, their dependency steps and offline flags are the package-manager table's.
 */
export default defineRule({
  meta: {
    name: 'compile-without-dependency-cache',
    category: 'cache-order',
    severity: 'warning',
    description: 'A compile that fetches and builds its own dependencies (cargo build, mvn package, gradle build, dotnet publish) runs after a copy of the source with no dependency step before the copy and no cache mount, so every edit rebuilds all dependencies.',
    fix: null,
    messages: {
      compile: '{{compile}} resolves and downloads (or builds) every dependency itself after {{copy}} (line {{copyLine}}), and no step before the copy did that from the manifests: every edit of a copied file rebuilds them all; do the dependency part before the copy ({{dependencyStep}}), or mount a cache (RUN --mount=type=cache) on {{cache}}',
    },
  },
  check(ctx) {
    const seen = new Set<Step>();
    for (const { step: copy } of sourceCopies(ctx.graph, ctx.context)) {
      // What a stage holds before the copy runs: the dependency part may have been done there.
      const before = stepsBefore(ctx.graph, copy);
      for (const step of stepsAfter(ctx.graph, copy)) {
        // A RUN with a cache mount keeps what the compile fetches and builds there (a mount on the wrong folder is not told apart).
        if (seen.has(step) || step.keyword !== 'RUN' || cacheMounts(step).length) continue;
        const a = runAnalysis(step);
        if (!a || a.error) continue;
        for (const [i, cmd] of a.commands.entries()) {
          const m = resolvingManager(a.activities[i].rule);
          if (!m) continue;
          const argv = managerArgv([cmd.name, ...cmd.args].map((w) => w.value));
          if (argv.some((w) => m.offlineFlags?.includes(w))) continue;
          if (before.some((s) => doesDependencies(s, m))) continue;
          // A dependency step after the copy (`COPY . .` then `RUN cargo fetch`) is
          // manifest-first-install's finding, and its fix (the step before the copy) clears this one.
          const between = stepsAfter(ctx.graph, copy).filter((s) => s.position < step.position);
          if (between.some((s) => dependencySteps(s, m)) || a.activities.slice(0, i).some((x) => m.rules.includes(x.rule))) continue;
          seen.add(step);
          const cost = stepCost(ctx.durations, [step]);
          ctx.report({
            messageId: 'compile',
            data: {
              compile: `${commandText(a.script.slice(cmd.range.start, cmd.range.end))} at line ${step.line}`,
              copy: copy.instruction.text.replace(/\s+/g, ' '),
              copyLine: copy.line,
              dependencyStep: m.dependencyStep ?? `a step of ${m.name} that fetches the dependencies alone`,
              cache: m.dependencyCache ?? `the cache folder of ${m.name}`,
            },
            range: runRange(ctx.file, step, cmd.range),
            related: [{ range: copy.instruction.range, message: 'the source copy it runs after' }],
            cost: { rebuild_s: cost.seconds, basis: cost.basis },
          });
          break;
        }
      }
    }
  },
});

/** A command as written, on one line and cut when long. */
function commandText(text: string): string {
  const one = text.replace(/\s*\\\n\s*/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}

/** The manager whose compile (by its activity rule) resolves its own dependencies. */
function resolvingManager(rule: string): PackageManager | undefined {
  return PACKAGE_MANAGERS.find((m) => m.resolvingBuilds?.includes(rule));
}

/**
 * The executing steps whose layers are under the copy (`chain`: those of its stage before it,
 * and of the stages its stage is built FROM), and those of the stages a `COPY --from` among
 * them reads (a stage that ran `mvn dependency:go-offline`, whose ~/.m2 is copied in).
 */
function stepsBefore(graph: BuildGraph, copy: Step): { step: Step; chain: boolean }[] {
  const out: { step: Step; chain: boolean }[] = [];
  const done = new Set<number>();
  const add = (steps: Step[], chain: boolean) => {
    for (const s of steps) {
      if (!s.executes) continue;
      out.push({ step: s, chain });
      for (const src of s.sources) if (src.kind === 'stage') addStage(src.stage, false);
    }
  };
  const addStage = (index: number, chain: boolean) => {
    for (const stage of baseChain(graph, index)) {
      if (done.has(stage.index)) continue;
      done.add(stage.index);
      add(stage.steps, chain);
    }
  };
  // The chain first, so that a stage copied from does not claim a base of the copy's own.
  const [own, ...bases] = baseChain(graph, copy.stage);
  done.add(own.index);
  for (const b of bases) done.add(b.index);
  for (const b of bases) add(b.steps, true);
  add(own.steps.filter((s) => s.position < copy.position), true);
  return out;
}

/**
 * Whether a step did the manager's dependency part: one of its dependency steps (the
 * manager's install rules: `cargo fetch`, `cargo chef cook`, `mvn dependency:go-offline`,
 * `dotnet restore`), or, under the copy in the same image, one of its compiles, which there
 * builds a skeleton project from the manifests (`cargo build` of an empty main.rs, `mvn
 * package` of a pom.xml alone). A compile in a stage only copied from built something else.
 */
function doesDependencies({ step, chain }: { step: Step; chain: boolean }, m: PackageManager): boolean {
  if (step.keyword !== 'RUN') return false;
  const a = runAnalysis(step);
  return !!a && a.activities.some((x) => m.rules.includes(x.rule) || (chain && !!m.resolvingBuilds?.includes(x.rule)));
}

/** Whether a RUN runs one of the manager's dependency steps (its install rules). */
function dependencySteps(step: Step, m: PackageManager): boolean {
  return step.keyword === 'RUN' && !!runAnalysis(step)?.activities.some((x) => m.rules.includes(x.rule));
}
