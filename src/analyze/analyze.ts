/**
 * `analyze`, the main job: change impact first, then findings with their cost, most expensive
 * first, then what the available fixes would leave. Rules are found, explained and (later)
 * fixed as separate steps; this module only runs them and applies the config.
 */
import type { Target } from '../cli/common.js';
import { loadModel } from '../model.js';
import { RULES } from '../rules/index.js';
import { formatMessage, type Category, type Cost, type FixSafety, type Rule, type Severity } from '../rules/define.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import { durations } from '../timing/predict.js';
import type { Profile } from '../timing/profile.js';
import type { BuildGraph } from '../graph/graph.js';
import type { Range } from '../core/ranges.js';
import { defaultConfig, type Config } from './config.js';
import { predictEffect, type Effect } from '../fix/effect.js';
import { fixText } from '../fix/fix.js';
import { isIgnored, readIgnores } from './ignores.js';
import { changeImpact, type Impact } from './impact.js';

export interface AnalyzedFinding {
  rule: string;
  category: Category;
  severity: Severity;
  message: string;
  range: Range;
  cost?: Cost;
  /** `transforms`: what `layerwise fix` runs for it (`fix --rule <rule>` runs just those). */
  fix: { available: boolean; safety: FixSafety | null; transforms: string[] };
}

export interface AnalyzeResult {
  file: string;
  graph: BuildGraph;
  impact: Impact[];
  findings: AnalyzedFinding[];
  config: Config;
  rules: Rule[];
  /** What the safe fixes would leave: predicted before/after, or null when nothing is fixable. */
  afterFix: { before: Effect; after: Effect } | null;
}

export interface AnalyzeOptions {
  target?: string;
  buildArgs?: Record<string, string>;
  profile?: Profile;
  config?: Config;
  /** Only these rules (by name). */
  only?: string[];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** The bigger of a finding's time costs, for sorting (bytes count as 1 s per 10 MB). */
function weight(c?: Cost): number {
  if (!c) return 0;
  return Math.max(c.rebuild_s ?? 0, c.cold_s ?? 0, (c.bytes ?? 0) / 10e6);
}

export async function analyze(t: Target, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const config = opts.config ?? defaultConfig();
  const model = await loadModel(t, { target: opts.target, buildArgs: opts.buildArgs });
  const { graph, context } = model;
  const measures = context ? contextMeasures(context) : {};
  const durationsFor = (g: BuildGraph) => durations(g, opts.profile, (step) => estimateStep(step, measures));
  const d = durationsFor(graph);
  const scale = config.timeScale;
  const impact = changeImpact({ graph, context, durationsFor, timeScale: scale, extra: config.changes });
  const ignores = readIgnores(graph.dockerfile);
  const findings: AnalyzedFinding[] = [];
  const rules = RULES.filter((r) => (config.rules[r.meta.name]?.enabled ?? true) && (!opts.only || opts.only.includes(r.meta.name)));
  for (const rule of rules) {
    const severity = config.rules[rule.meta.name]?.severity ?? rule.meta.severity;
    rule.check({
      file: graph.dockerfile,
      graph,
      context,
      durations: d,
      impact,
      options: config.rules[rule.meta.name]?.options ?? {},
      report: ({ messageId, data, range, cost }) => {
        if (isIgnored(ignores, rule.meta.name, range.start.line)) return;
        const scaled = cost && {
          ...cost,
          ...(cost.rebuild_s !== undefined ? { rebuild_s: cost.rebuild_s * scale } : {}),
          ...(cost.cold_s !== undefined ? { cold_s: cost.cold_s * scale } : {}),
        };
        findings.push({
          rule: rule.meta.name,
          category: rule.meta.category,
          severity,
          message: formatMessage(rule.meta.messages[messageId], data),
          range,
          ...(scaled ? { cost: scaled } : {}),
          fix: { available: rule.meta.fix !== null, safety: rule.meta.fix, transforms: [...(rule.meta.fixedBy ?? [])] },
        });
      },
    });
  }
  findings.sort((a, b) => weight(b.cost) - weight(a.cost) || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.range.start.line - b.range.start.line);
  let afterFix: AnalyzeResult['afterFix'] = null;
  if (findings.some((f) => f.fix.available)) {
    const fixed = fixText(graph.dockerfile.source, t.displayName, context, { target: opts.target, buildArgs: opts.buildArgs });
    if (fixed.fixed !== fixed.original) {
      const o = { target: opts.target, buildArgs: opts.buildArgs, profile: opts.profile, timeScale: scale };
      afterFix = { before: predictEffect(fixed.original, t.displayName, context, o), after: predictEffect(fixed.fixed, t.displayName, context, o) };
    }
  }
  return { file: t.displayName, graph, impact, findings, config, rules, afterFix };
}

/** Whether the result should fail the run (exit 1): a finding at or above `fail-on`, or a source edit over the rebuild budget. */
export function failures(r: AnalyzeResult): string[] {
  const out: string[] = [];
  const threshold = SEVERITY_RANK[r.config.failOn];
  const n = r.findings.filter((f) => SEVERITY_RANK[f.severity] >= threshold).length;
  if (n) out.push(`${n} finding${n === 1 ? '' : 's'} at or above ${r.config.failOn}`);
  if (r.config.maxRebuildMinutes !== null) {
    for (const i of r.impact) {
      if (i.kind === 'source' && i.seconds / 60 > r.config.maxRebuildMinutes) {
        out.push(`${i.change} rebuilds for ${(i.seconds / 60).toFixed(1)} min, over max-rebuild-minutes ${r.config.maxRebuildMinutes}`);
      }
    }
  }
  return out;
}
