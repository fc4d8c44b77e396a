/**
 * A rule is data and code: its metadata (name, category, severity, description, fix safety,
 * message templates, the hadolint/BuildKit checks it mirrors) is a plain object, from which
 * `--list-rules`, SARIF `rules[]` and the docs index are generated; its check is a function
 * over the finished model that reports findings. One name everywhere: the rule's file, its
 * test, its docs page (docs/rules/<name>.md), its SARIF ruleId and its ignore token.
 */
import type { Range } from '../core/ranges.js';
import type { BuildContext } from '../context/index.js';
import type { Dockerfile } from '../dockerfile/model.js';
import type { BuildGraph, Step } from '../graph/graph.js';
import type { Durations } from '../timing/predict.js';
import type { Impact } from '../explain/impact.js';

export const CATEGORIES = ['cache-order', 'parallelism', 'arg-scope', 'duplication', 'layer-size', 'context', 'reliability', 'security'] as const;
export type Category = (typeof CATEGORIES)[number];
export type Severity = 'error' | 'warning' | 'info';
export type FixSafety = 'safe' | 'unsafe';

export interface RuleMeta<M extends string = string> {
  /** kebab-case, unique. */
  name: string;
  category: Category;
  severity: Severity;
  /** One sentence: what the rule finds. */
  description: string;
  /**
   * False for a rule that is off unless asked for: true of almost every file, so informational
   * only (turned on in .layerwise.yaml, or by `--rule NAME`). Default: on.
   */
  enabled?: boolean;
  /** Whether `layerwise fix` can repair it, and how safely (null: no fix). */
  fix: FixSafety | null;
  /** The transforms of `layerwise fix` that repair it (`fix --rule <rule>` runs them); present exactly when `fix` is. */
  fixedBy?: readonly string[];
  /** Checks elsewhere that this one mirrors, e.g. `hadolint/DL3009`. */
  sources?: string[];
  /** Message templates; `{{name}}` is replaced by the finding's data. */
  messages: Record<M, string>;
  /** Options `.layerwise.yaml` may set for the rule (name: what it means); any other key there is an error. */
  options?: Record<string, string>;
}

/**
 * The kinds of event a cost is paid on, from the most frequent: every build (a per-commit
 * arg), a source edit, a cold build, a manifest change, a build-arg change, a new base
 * image, an edit of the one line a finding is about (an ENV). Findings rank by seconds times
 * how often that happens (the `frequency` of .layerwise.yaml; docs/analyze.md).
 */
export const PAID_ON = ['build', 'source-edit', 'cold-build', 'manifest-change', 'arg-change', 'base-change', 'line-edit'] as const;
export type PaidOn = (typeof PAID_ON)[number];

/** What a finding costs: seconds of rebuild or cold build, or bytes of image. */
export interface Cost {
  rebuild_s?: number;
  cold_s?: number;
  bytes?: number;
  basis: 'measured' | 'estimated';
  /** What the seconds are paid on, each time it happens (default: a source edit for rebuild_s, a cold build for cold_s). */
  per?: PaidOn;
}

/**
 * Another place a finding names (the earlier install, the copy that busts a step, each step
 * of a group): reported as JSON `related` and SARIF `relatedLocations`, so code scanning and
 * editors mark every step the message speaks of.
 */
export interface Related {
  range: Range;
  /** What this place is, in a few words: "installed first here", "the copy it runs after". */
  message: string;
}

export interface Finding {
  rule: string;
  message: string;
  range: Range;
  cost?: Cost;
  related?: Related[];
}

/** Everything a check may read; `report` is how it speaks. */
export interface RuleContext<M extends string = string> {
  file: Dockerfile;
  graph: BuildGraph;
  /** The build context, when its folder exists. */
  context?: BuildContext;
  durations: Durations;
  /**
   * What each kind of change rebuilds (see explain/impact.ts). Empty when the rules with a fix
   * run again on fix's result (to tell which findings it removes): a rule with a fix does not
   * read it (test/unit/fix/rules-fixed.test.ts).
   */
  impact: Impact[];
  /** Rule options from the config file (thresholds and the like). */
  options: Record<string, unknown>;
  report(f: { messageId: M; data?: Record<string, string | number>; range: Range; cost?: Cost; related?: Related[] }): void;
}

export interface Rule<M extends string = string> {
  meta: RuleMeta<M>;
  check(ctx: RuleContext<M>): void;
}

export function defineRule<M extends string>(rule: Rule<M>): Rule<M> {
  return rule;
}

export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k: string) => (k in data ? String(data[k]) : m));
}

/** Seconds of a step by the durations in force, and whether they were measured. */
export function stepCost(d: Durations, steps: Step[]): { seconds: number; basis: Cost['basis'] } {
  let seconds = 0;
  let measured = true;
  for (const s of steps) {
    const x = d.of(s);
    seconds += x.seconds;
    if (x.basis !== 'measured') measured = false;
  }
  return { seconds, basis: measured ? 'measured' : 'estimated' };
}
