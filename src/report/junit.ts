/**
 * `analyze --format junit`: JUnit XML, which most CI systems show as test results (GitLab's
 * `artifacts:reports:junit`, Jenkins, Azure Pipelines, CircleCI). One `<testsuite>` per
 * Dockerfile; each rule that ran and found nothing is a passed `<testcase>`, each finding a
 * `<testcase>` with a `<failure>` whose type is its severity.
 */
import type { AnalyzeResult } from '../analyze/analyze.js';
import { describeCost } from './analyze.js';
import { findingDocsUrl } from './rule-docs.js';
import { XML_DECL, xmlOpen, xmlText } from './xml.js';

export function analyzeJunit(results: AnalyzeResult[]): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const r of results) {
    const file = r.file.split('\\').join('/');
    const cases: string[] = [];
    const sorted = [...r.findings].sort((a, b) => a.range.start.line - b.range.start.line || a.rule.localeCompare(b.rule));
    // Our rules, then BuildKit's checks that gave warnings (--with-build-checks; those that gave none are not known by name).
    const names = [...r.rules.map((rule) => rule.meta.name), ...new Set(sorted.filter((f) => f.category === 'buildkit').map((f) => f.rule))];
    for (const name of names) {
      const mine = sorted.filter((f) => f.rule === name);
      if (!mine.length) cases.push(`    ${xmlOpen('testcase', { name, classname: file, file })}/>`);
      for (const f of mine) {
        const cost = describeCost(f);
        const body = `${file}:${f.range.start.line}:${f.range.start.column}: ${f.message}${cost ? `\ncost: ${cost}` : ''}\nsee ${findingDocsUrl(r.config.docsUrl, f)}`;
        cases.push(
          `    ${xmlOpen('testcase', { name: `${f.rule} (line ${f.range.start.line})`, classname: file, file, line: f.range.start.line })}>`,
          `      ${xmlOpen('failure', { message: f.message, type: f.severity })}>${xmlText(body)}</failure>`,
          '    </testcase>',
        );
      }
    }
    const n = r.rules.filter((rule) => !r.findings.some((f) => f.rule === rule.meta.name)).length + r.findings.length;
    tests += n;
    failures += r.findings.length;
    suites.push(`  ${xmlOpen('testsuite', { name: file, tests: n, failures: r.findings.length, errors: 0, skipped: 0 })}>`, ...cases, '  </testsuite>');
  }
  return [XML_DECL, `${xmlOpen('testsuites', { name: 'layerwise analyze', tests, failures, errors: 0 })}>`, ...suites, '</testsuites>'].join('\n') + '\n';
}
