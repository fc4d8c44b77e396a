/** Where a report links a rule's page: `<docs base URL><rule>.md` (config `docs-url`, `--docs-url`). */
export function ruleDocsUrl(docsUrl: string, rule: string): string {
  return new URL(`${encodeURIComponent(rule)}.md`, docsUrl).href;
}

/** Where a report links a finding's rule: BuildKit's own page for one of its checks (`url`), else ours. */
export function findingDocsUrl(docsUrl: string, f: { rule: string; url?: string }): string {
  return f.url ?? ruleDocsUrl(docsUrl, f.rule);
}
