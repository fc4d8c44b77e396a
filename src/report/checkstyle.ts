/**
 * `analyze --format checkstyle`: Checkstyle's XML report, which Jenkins (warnings-ng),
 * reviewdog and many CI dashboards read. One `<file>` per Dockerfile, one `<error>` per finding.
 */
import type { AnalyzeResult } from '../analyze/analyze.js';
import { findingDocsUrl } from './rule-docs.js';
import { XML_DECL, xmlOpen } from './xml.js';

export function analyzeCheckstyle(results: AnalyzeResult[]): string {
  const out = [XML_DECL, '<checkstyle version="4.3">'];
  for (const r of results) {
    out.push(`  ${xmlOpen('file', { name: r.file.split('\\').join('/') })}>`);
    const sorted = [...r.findings].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.rule.localeCompare(b.rule));
    for (const f of sorted) {
      out.push(`    ${xmlOpen('error', {
        line: Math.max(1, f.range.start.line),
        column: Math.max(1, f.range.start.column),
        severity: f.severity,
        message: `${f.message} (${findingDocsUrl(r.config.docsUrl, f)})`,
        source: `layerwise.${f.rule}`,
      })}/>`);
    }
    out.push('  </file>');
  }
  out.push('</checkstyle>');
  return out.join('\n') + '\n';
}
