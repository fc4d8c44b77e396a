/**
 * `analyze`, the main job: change impact first, then findings with their cost, most expensive
 * first, then what the available fixes would leave. Rules are found, explained and (later)
 * fixed as separate steps; this module only runs them and applies the config.
 */
import type { Target } from '../core/target.js';
import { loadModel, type Model } from '../model.js';
import { RULES } from '../rules/index.js';
import { formatMessage, type Category, type Cost, type FixSafety, type Related, type Rule, type Severity } from '../rules/define.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import { durationsOnce, type Durations } from '../timing/predict.js';
import type { Profile } from '../timing/profile.js';
import { buildGraph, type BuildGraph } from '../graph/graph.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import type { BuildContext } from '../context/index.js';
import type { Range } from '../core/ranges.js';
import { defaultConfig, type Config } from './config.js';
import { effectOf, type Effect } from '../fix/effect.js';
import { fixText } from '../fix/fix.js';
import { TRANSFORMS } from '../fix/transforms/index.js';
import { isIgnored, readIgnores } from './ignores.js';
import { changeImpact, type Impact } from '../explain/impact.js';
import { imageRole, type ImageRole } from '../rules/role.js';
import { engineForBuildChecks, runBuildChecks, type BuildCheckWarning } from '../engine/checks.js';
import { engineRecord, type EngineIdentity, type EngineRecord } from '../engine/engine.js';
import { emptyRange, LineIndex } from '../core/ranges.js';
import type { Dockerfile } from '../dockerfile/model.js';

export interface AnalyzedFinding {
  /** A rule of ours, or `buildkit/<RuleName>` for one of BuildKit's checks (--with-build-checks). */
  rule: string;
  /** `buildkit` for BuildKit's checks, which have no category of ours. */
  category: Category | 'buildkit';
  severity: Severity;
  message: string;
  range: Range;
  cost?: Cost;
  /** Every other place the message names, in line order (empty when it names none). */
  related: Related[];
  /**
   * `available`: layerwise fix removes this finding from this file (with `--unsafe` when
   * `safety` is unsafe); `transforms`: what `fix --rule <rule>` runs for its rule.
   */
  fix: { available: boolean; safety: FixSafety | null; transforms: string[] };
  /** Seconds a day it is expected to cost: its time times how often what it is paid on happens (config frequency). */
  expected_s_per_day?: number;
  /** BuildKit's checks: the rule's page. */
  url?: string;
  /** BuildKit's checks: our rules that mirror it (their `sources` name it). */
  mirroredBy?: string[];
}

/** What `--with-build-checks` ran: the engine whose Dockerfile frontend checked the file, and how many warnings it gave. */
export interface BuildChecksRun {
  engine: EngineRecord;
  warnings: number;
}

export interface AnalyzeResult {
  file: string;
  graph: BuildGraph;
  impact: Impact[];
  findings: AnalyzedFinding[];
  /** What the image is for, as the security and size rules assumed it (see rules/role.ts). */
  role: ImageRole;
  config: Config;
  rules: Rule[];
  /** What the build costs as the file is: a source edit's rebuild and a cold build, with their timelines. */
  effect: Effect;
  /** What the safe fixes would leave: predicted before/after and the fixed text, or null when nothing is fixable. */
  afterFix: { before: Effect; after: Effect; fixed: string } | null;
  /** Present when BuildKit's checks ran (`buildChecks`); their findings are among `findings`. */
  buildChecks?: BuildChecksRun;
  /** The step durations the findings and predictions used (measured or estimated); not part of the JSON. */
  durations: Durations;
}

export interface AnalyzeOptions {
  target?: string;
  buildArgs?: Record<string, string>;
  /** The BuildKit that builds (see GraphOptions.buildkitVersion). */
  buildkitVersion?: string;
  profile?: Profile;
  config?: Config;
  /** Only these rules (by name). */
  only?: string[];
  /**
   * Also run BuildKit's own checks (the Dockerfile frontend's check method, `--call=check`) on
   * a current BuildKit and report them among the findings as `buildkit/<RuleName>`. Rejects
   * with a UsageError when no engine can (docker's BuildKit v0.8, no engine at all).
   */
  buildChecks?: boolean;
  /** The engine for `buildChecks`; default: see engine/checks.ts engineForBuildChecks. */
  engine?: EngineIdentity;
  /**
   * The model to analyze, already loaded (with the same target, build args and BuildKit
   * version as these options; an editor's unsaved text, see LoadOptions.source); default:
   * loaded from the target.
   */
  model?: Model;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/**
 * A finding's expected cost, seconds a day: its seconds times how often what it is paid on
 * happens (config `frequency`), rebuild and cold time added; bytes count as 1 s per 10 MB,
 * paid once a day (a pull).
 */
export function expectedCost(c: Cost | undefined, frequency: Config['frequency']): number {
  if (!c) return 0;
  const rebuild = (c.rebuild_s ?? 0) * frequency[c.per ?? 'source-edit'];
  const cold = (c.cold_s ?? 0) * frequency[c.rebuild_s === undefined && c.per ? c.per : 'cold-build'];
  return rebuild + cold + (c.bytes ?? 0) / 10e6;
}

/** A rule's findings before the fix data: what the checks report, config and ignores applied. */
type Found = Omit<AnalyzedFinding, 'fix'>;

const RULE_NAMES: ReadonlySet<string> = new Set(RULES.map((r) => r.meta.name));

interface RunInput {
  graph: BuildGraph;
  durationsFor: (g: BuildGraph) => Durations;
  context?: BuildContext;
  rules: Rule[];
  config: Config;
  /** Work out the change impact (what rules may read); not for the re-run on fix's result, whose rules do not read it. */
  impact?: boolean;
}

/** Runs the rules on a model: change impact first (rules read it), then each rule's findings. */
function runRules({ graph, durationsFor, context, rules, config, impact: withImpact = true }: RunInput): { impact: Impact[]; findings: Found[] } {
  const d = durationsFor(graph);
  const scale = config.timeScale;
  const impact = withImpact ? changeImpact({ graph, context, durationsFor, timeScale: scale, extra: config.changes }) : [];
  // Every rule's name, not only those enabled: an ignore of a rule turned off is no typo.
  const ignores = readIgnores(graph.dockerfile, RULE_NAMES);
  const findings: Found[] = [];
  for (const rule of rules) {
    const severity = config.rules[rule.meta.name]?.severity ?? rule.meta.severity;
    rule.check({
      file: graph.dockerfile,
      graph,
      context,
      durations: d,
      impact,
      options: config.rules[rule.meta.name]?.options ?? {},
      report: ({ messageId, data, range, cost, related }) => {
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
          related: [...(related ?? [])].sort((a, b) => a.range.start.offset - b.range.start.offset),
        });
      },
    });
  }
  return { impact, findings };
}

/**
 * A finding as it would be found again in the fixed file: its rule and its message with the
 * numbers (lines, counts, times) left out, since the fix moves lines and changes costs.
 */
const sameFinding = (f: Found) => `${f.rule}\0${f.message.replace(/\d+(\.\d+)?/g, '#')}`;

export async function analyze(t: Target, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const config = opts.config ?? defaultConfig();
  const bk = opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {};
  const model = opts.model ?? await loadModel(t, { target: opts.target, buildArgs: opts.buildArgs, ...bk });
  const { graph, context } = model;
  // BuildKit's checks run on the engine while the rules run here.
  const engine = opts.buildChecks ? opts.engine ?? await engineForBuildChecks() : undefined;
  const checks = engine ? runBuildChecks(engine, { context: t.contextDir, dockerfile: t.dockerfilePath, target: opts.target, buildArgs: opts.buildArgs }) : undefined;
  // A rejection is awaited below; until then it must not count as unhandled.
  checks?.catch(() => undefined);
  const scale = config.timeScale;
  // A rule off by default runs when the config turns it on or --rule names it.
  const rules = RULES.filter((r) => (config.rules[r.meta.name]?.enabled ?? (r.meta.enabled !== false || !!opts.only?.includes(r.meta.name))) && (!opts.only || opts.only.includes(r.meta.name)));
  const measures = context ? contextMeasures(context) : {};
  // One table of durations per model, shared by the rules, the change impact and the predictions.
  const durationsFor = durationsOnce(opts.profile, (step) => estimateStep(step, measures));
  const { impact, findings: found } = runRules({ graph, durationsFor, context, rules, config });
  // Which findings layerwise fix removes from this file: the rules with a fix run again on its
  // result (with the unsafe transforms when a finding is theirs to fix), and a finding still
  // there is not fixed.
  const graphOpts = { target: opts.target, buildArgs: opts.buildArgs, ...bk };
  const fixable = rules.filter((r) => r.meta.fixedBy?.length);
  const ofFixable = found.filter((f) => fixable.some((r) => r.meta.name === f.rule));
  const safe = ofFixable.length ? fixText(graph.dockerfile.source, t.displayName, context, graphOpts) : null;
  // The unsafe transforms (they come last in fix's order) run on the safe result, not from the start again.
  const unsafe = TRANSFORMS.filter((x) => x.safety === 'unsafe').map((x) => x.name);
  const all = safe && ofFixable.some((f) => fixable.find((r) => r.meta.name === f.rule)!.meta.fix === 'unsafe')
    ? fixText(safe.fixed, t.displayName, context, { ...graphOpts, unsafe: true, only: unsafe }).fixed
    : safe?.fixed;
  const modelOf = (text: string) => buildGraph(parseDockerfile(text, t.displayName), graphOpts);
  const safeGraph = safe && safe.fixed !== safe.original ? modelOf(safe.fixed) : null;
  const remaining = new Map<string, number>();
  if (all !== undefined) {
    const allGraph = all === graph.dockerfile.source ? null : safeGraph && all === safe!.fixed ? safeGraph : modelOf(all);
    const again = allGraph ? runRules({ graph: allGraph, durationsFor, context, rules: fixable, config, impact: false }).findings : found;
    for (const f of again) remaining.set(sameFinding(f), (remaining.get(sameFinding(f)) ?? 0) + 1);
  }
  const findings: AnalyzedFinding[] = found.map((f) => {
    const meta = rules.find((r) => r.meta.name === f.rule)!.meta;
    const key = sameFinding(f);
    const left = remaining.get(key) ?? 0;
    if (left) remaining.set(key, left - 1);
    return { ...f, fix: { available: !!meta.fixedBy?.length && !left, safety: meta.fix, transforms: [...(meta.fixedBy ?? [])] } };
  });
  const warnings = checks ? await checks : [];
  for (const w of warnings) findings.push(buildCheckFinding(graph.dockerfile, w));
  for (const f of findings) if (f.cost && (f.cost.rebuild_s !== undefined || f.cost.cold_s !== undefined)) f.expected_s_per_day = expectedCost(f.cost, config.frequency);
  findings.sort((a, b) => expectedCost(b.cost, config.frequency) - expectedCost(a.cost, config.frequency) || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.range.start.line - b.range.start.line);
  const effect = effectOf(graph, context, durationsFor, scale, impact);
  let afterFix: AnalyzeResult['afterFix'] = null;
  if (safeGraph && findings.some((f) => f.fix.available)) {
    afterFix = { before: effect, after: effectOf(safeGraph, context, durationsFor, scale), fixed: safe!.fixed };
  }
  return {
    file: t.displayName, graph, impact, findings, role: imageRole(graph, context), config, rules, effect, afterFix, durations: durationsFor(graph),
    ...(engine ? { buildChecks: { engine: engineRecord(engine), warnings: warnings.length } } : {}),
  };
}

/**
 * A warning of BuildKit's checks as a finding. BuildKit marks whole lines; the range starts
 * where the instruction on its first line starts (column 1 when none does) and ends with its
 * last line.
 */
export function buildCheckFinding(df: Dockerfile, w: BuildCheckWarning): AnalyzedFinding {
  let range = emptyRange();
  if (w.location) {
    const lines = new LineIndex(df.source);
    const last = Math.min(w.location.endLine, lines.lineCount);
    let end = last < lines.lineCount ? lines.lineStart(last + 1) - 1 : df.source.length;
    if (df.source[end - 1] === '\r') end--;
    const inst = df.instructions.find((i) => i.range.start.line === w.location!.startLine);
    const start = inst ? inst.range.start : lines.position(lines.lineStart(w.location.startLine));
    range = { start, end: lines.position(Math.max(end, start.offset)) };
  }
  const name = `buildkit/${w.rule}`;
  const mirroredBy = RULES.filter((r) => r.meta.sources?.includes(name)).map((r) => r.meta.name);
  return {
    rule: name, category: 'buildkit', severity: 'warning', message: w.detail, range, related: [],
    fix: { available: false, safety: null, transforms: [] },
    ...(w.url ? { url: w.url } : {}),
    ...(mirroredBy.length ? { mirroredBy } : {}),
  };
}

/** Whether the result should fail the run (exit 1): a finding at or above `fail-on`, or a source edit over the rebuild budget. */
export function failures(r: AnalyzeResult): string[] {
  const out: string[] = [];
  const threshold = r.config.failOn === 'none' ? Infinity : SEVERITY_RANK[r.config.failOn];
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
