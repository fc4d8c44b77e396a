/** Where a report links a rule's page: `<docs base URL><rule>.md` (config `docs-url`, `--docs-url`). */
export function ruleDocsUrl(docsUrl: string, rule: string): string {
  return new URL(`${encodeURIComponent(rule)}.md`, docsUrl).href;
}
