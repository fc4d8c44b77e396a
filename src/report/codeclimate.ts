/**
 * `analyze --format codeclimate`: the Code Climate issue format as GitLab's code quality
 * report reads it (a JSON array; `description`, `check_name`, `fingerprint`, `severity`,
 * `location.path`, `location.lines.begin` are what GitLab needs). GitLab tells a merge
 * request's new findings from its base's by `fingerprint`, so it must survive moved lines:
 * see analyze/fingerprint.ts.
 */
import type { AnalyzeResult } from '../analyze/analyze.js';
import { fingerprints } from '../analyze/fingerprint.js';
import type { Category, Severity } from '../rules/define.js';
import { describeCost } from './analyze.js';
import { findingDocsUrl } from './rule-docs.js';
import { RULES } from '../rules/index.js';

/** GitLab's severities: info, minor, major, critical, blocker. */
const SEVERITY: Record<Severity, string> = { error: 'critical', warning: 'major', info: 'info' };

/** Code Climate's categories (Bug Risk, Clarity, Compatibility, Complexity, Duplication, Performance, Security, Style). */
const CATEGORY: Record<Category, string> = {
  'cache-order': 'Performance', parallelism: 'Performance', 'arg-scope': 'Performance', duplication: 'Duplication',
  'layer-size': 'Performance', context: 'Performance', reliability: 'Bug Risk', security: 'Security',
};

/**
 * A finding's Code Climate category. One of BuildKit's checks (--with-build-checks) takes the
 * category of a rule of ours that mirrors it (SecretsUsedInArgOrEnv: Security), else Style:
 * BuildKit's checks are best-practice checks of how the file is written.
 */
function categoryOf(f: { category: Category | 'buildkit'; mirroredBy?: string[] }): string {
  if (f.category !== 'buildkit') return CATEGORY[f.category];
  const ours = RULES.find((r) => f.mirroredBy?.includes(r.meta.name));
  return ours ? CATEGORY[ours.meta.category] : 'Style';
}

export function analyzeCodeclimate(results: AnalyzeResult[]): Record<string, unknown>[] {
  return results.flatMap((r) => {
    const fp = fingerprints(r);
    return r.findings.map((f, i) => {
      const cost = describeCost(f);
      return {
        type: 'issue',
        check_name: f.rule,
        description: f.message,
        content: { body: `${cost ? `Cost: ${cost}.\n\n` : ''}See ${findingDocsUrl(r.config.docsUrl, f)}` },
        categories: [categoryOf(f)],
        location: { path: r.file.split('\\').join('/'), lines: { begin: Math.max(1, f.range.start.line), end: Math.max(1, f.range.end.line) } },
        severity: SEVERITY[f.severity],
        fingerprint: fp[i],
      };
    });
  });
}
