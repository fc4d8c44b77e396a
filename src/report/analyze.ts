/**
 * Reporters for `layerwise analyze`: pure functions from a result to text, JSON, SARIF 2.1.0
 * or GitHub workflow annotations.
 */
import type { AnalyzedFinding, AnalyzeResult } from '../analyze/analyze.js';
import type { Rule } from '../rules/define.js';
import { DEFAULT_DOCS_URL } from '../analyze/config.js';
import { humanSeconds } from '../timing/predict.js';
import { requiredArgsJson, requiredArgsText } from './required-args.js';
import { describeRole } from '../rules/role.js';
import { fingerprints } from '../analyze/fingerprint.js';
import { ruleDocsUrl } from './rule-docs.js';

const r2 = (x: number) => Math.round(x * 100) / 100;

function costJson(f: AnalyzedFinding) {
  if (!f.cost) return null;
  const c = f.cost;
  return {
    ...(c.rebuild_s !== undefined ? { rebuild_s: r2(c.rebuild_s) } : {}),
    ...(c.cold_s !== undefined ? { cold_s: r2(c.cold_s) } : {}),
    ...(c.bytes !== undefined ? { bytes: c.bytes } : {}),
    basis: c.basis,
    ...(c.rebuild_s !== undefined || c.cold_s !== undefined ? { per: c.per ?? (c.rebuild_s !== undefined ? 'source-edit' : 'cold-build') } : {}),
    ...(f.expected_s_per_day !== undefined ? { expected_s_per_day: r2(f.expected_s_per_day) } : {}),
  };
}

/** How the text says what a rebuild's seconds are paid on. */
const PER_TEXT: Record<string, string> = {
  build: 'per build', 'source-edit': 'per source edit', 'manifest-change': 'per manifest change', 'arg-change': 'per change of the arg',
  'base-change': 'per new base image', 'line-edit': 'per edit of this line', 'cold-build': 'per cold build',
};

/** The documented JSON of `analyze --format json` (docs/analyze.md). */
export function analyzeJson(r: AnalyzeResult): Record<string, unknown> {
  return {
    file: r.file,
    required_build_args: requiredArgsJson(r.graph),
    role: { kind: r.role.kind, windows: r.role.windows, drops_privileges: r.role.dropsPrivileges, why: r.role.why },
    findings: r.findings.map((f) => ({
      rule: f.rule,
      category: f.category,
      severity: f.severity,
      line: f.range.start.line,
      column: f.range.start.column,
      endLine: f.range.end.line,
      endColumn: f.range.end.column,
      message: f.message,
      related: f.related.map((x) => ({ line: x.range.start.line, column: x.range.start.column, endLine: x.range.end.line, endColumn: x.range.end.column, message: x.message })),
      cost: costJson(f),
      fix: f.fix,
      ...(f.url ? { url: f.url } : {}),
      ...(f.mirroredBy ? { mirrored_by: f.mirroredBy } : {}),
    })),
    ...(r.buildChecks ? { build_checks: { engine: r.buildChecks.engine, warnings: r.buildChecks.warnings } } : {}),
    after_fix: r.afterFix && {
      before: { source_edit_s: r.afterFix.before.sourceEdit ? r2(r.afterFix.before.sourceEdit.seconds) : null, cold_s: r2(r.afterFix.before.cold) },
      after: { source_edit_s: r.afterFix.after.sourceEdit ? r2(r.afterFix.after.sourceEdit.seconds) : null, cold_s: r2(r.afterFix.after.cold) },
    },
    impact: r.impact.map((i) => ({
      change: i.change,
      kind: i.kind,
      subject: i.subject,
      first_rebuilt_line: i.first_rebuilt_line,
      rebuilt_steps: i.rebuilt_steps,
      seconds: r2(i.seconds),
      basis: i.basis,
    })),
  };
}

/** A finding's cost in words: "16 min per source edit, 20 s of a cold build (estimated)"; empty without one. */
export function describeCost(f: AnalyzedFinding): string {
  const c = f.cost;
  if (!c) return '';
  const parts: string[] = [];
  if (c.rebuild_s !== undefined) parts.push(`${humanSeconds(c.rebuild_s)} ${PER_TEXT[c.per ?? 'source-edit']}`);
  if (c.cold_s !== undefined) parts.push(`${humanSeconds(c.cold_s)} of a cold build`);
  if (c.bytes !== undefined) parts.push(`${(c.bytes / 1e6).toFixed(1)} MB of image`);
  return parts.length ? `${parts.join(', ')} (${c.basis})` : '';
}

export function analyzeText(r: AnalyzeResult, opts: { color?: boolean } = {}): string {
  const c = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  const needs = requiredArgsText(r.graph);
  if (needs.length) out.push(...needs, '');
  out.push(`${c('1', 'Image role')} (what the security and size advice assumes): ${describeRole(r.role)}`, '');
  out.push(c('1', 'Change impact') + ' (worst first)');
  const steps = r.graph.stages.filter((s) => s.needed).flatMap((s) => s.steps).filter((s) => s.executes).length;
  for (const i of r.impact) {
    const what = i.rebuilt_steps ? `rebuilds ${i.rebuilt_steps} of ${steps} steps from line ${i.first_rebuilt_line}, about ${humanSeconds(i.seconds)}` : 'rebuilds nothing';
    out.push(`  ${i.change}: ${what}`);
  }
  out.push('');
  out.push(c('1', `Findings`) + ` (${r.findings.length}, most expensive first)`);
  for (const f of r.findings) {
    const sev = f.severity === 'error' ? c('31', 'error') : f.severity === 'warning' ? c('33', 'warning') : c('36', 'info');
    const cost = describeCost(f);
    if (f.category === 'buildkit') {
      out.push(`  ${r.file}:${f.range.start.line}:${f.range.start.column}: ${sev} ${f.message} [${f.rule}]`);
      out.push(`      BuildKit's check${f.url ? `: ${f.url}` : ''}${f.mirroredBy ? `; also found by ${f.mirroredBy.join(', ')}` : ''}`);
      continue;
    }
    const fix = f.fix.available ? `fix: ${f.fix.safety}${f.fix.safety === 'unsafe' ? ' (layerwise fix --unsafe)' : ''}` : f.fix.transforms.length ? 'layerwise fix leaves this one (it says why)' : 'no automatic fix';
    out.push(`  ${r.file}:${f.range.start.line}:${f.range.start.column}: ${sev} ${f.message} [${f.rule}]`);
    out.push(`      ${cost ? `cost: ${cost}; ` : ''}${fix}`);
  }
  if (!r.findings.length) out.push('  none');
  if (r.buildChecks) out.push('', `BuildKit's checks (${r.buildChecks.engine.description}): ${r.buildChecks.warnings} warning${r.buildChecks.warnings === 1 ? '' : 's'}, marked [buildkit/...] above.`);
  out.push('');
  const fixable = r.findings.filter((f) => f.fix.available);
  if (!fixable.length) out.push('None of the findings can be fixed automatically yet; each message says what to change.');
  else {
    const a = r.afterFix;
    const se = a?.before.sourceEdit && a.after.sourceEdit ? `the slowest source edit ${humanSeconds(a.before.sourceEdit.seconds)} → ${humanSeconds(a.after.sourceEdit.seconds)}, ` : '';
    out.push(`${fixable.length} of ${r.findings.length} findings can be fixed by layerwise fix (${fixable.filter((f) => f.fix.safety === 'safe').length} safely)${a ? `: after it, ${se}a cold build ${humanSeconds(a.before.cold)} → ${humanSeconds(a.after.cold)} (predicted)` : ''}.`);
  }
  return out.join('\n') + '\n';
}

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/**
 * SARIF 2.1.0, with `rules[]` generated from rule metadata (each `helpUri` absolute, from the
 * config's `docs-url`); results sorted, positions at least 1. Several results (the GitHub
 * Action's images) make one run whose results name their files: code scanning takes one run
 * per tool and category.
 */
export function analyzeSarif(r: AnalyzeResult | AnalyzeResult[], rules: Rule[], version: string): Record<string, unknown> {
  const all = Array.isArray(r) ? r : [r];
  const index = new Map(rules.map((rule, i) => [rule.meta.name, i]));
  // BuildKit's checks that gave warnings, after our rules: one descriptor each, from what buildctl said of it.
  const buildkit = new Map<string, AnalyzedFinding>();
  for (const f of all.flatMap((one) => one.findings)) if (f.category === 'buildkit' && !buildkit.has(f.rule)) buildkit.set(f.rule, f);
  for (const name of buildkit.keys()) index.set(name, index.size);
  const clamp = (n: number) => Math.max(1, n);
  const region = (x: { range: AnalyzedFinding['range'] }) => ({ startLine: clamp(x.range.start.line), startColumn: clamp(x.range.start.column), endLine: clamp(x.range.end.line), endColumn: clamp(x.range.end.column) });
  const results = all.flatMap((one) => {
    const uri = one.file.split('\\').join('/');
    const fp = fingerprints(one);
    return one.findings
      .map((f, i) => ({ f, fp: fp[i] }))
      .sort((a, b) => a.f.range.start.line - b.f.range.start.line || a.f.range.start.column - b.f.range.start.column || a.f.rule.localeCompare(b.f.rule))
      .map(({ f, fp }) => ({
        ruleId: f.rule,
        ruleIndex: index.get(f.rule),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri }, region: region(f) } }],
        // SARIF 2.1.0 §3.27.22: every other place the message names, each with an id unique in the result.
        ...(f.related.length ? {
          relatedLocations: f.related.map((x, i) => ({ id: i + 1, physicalLocation: { artifactLocation: { uri }, region: region(x) }, message: { text: x.message } })),
        } : {}),
        // §3.27.17: what stays the same when lines move (see analyze/fingerprint.ts).
        partialFingerprints: { 'layerwise/v1': fp },
        properties: { category: f.category, ...(f.cost ? { cost: costJson(f) } : {}), fix: f.fix },
      }));
  });
  const docsUrl = all[0]?.config.docsUrl ?? DEFAULT_DOCS_URL;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'layerwise',
          version,
          informationUri: 'https://github.com/layerwise/layerwise',
          rules: rules.map((rule) => ({
            id: rule.meta.name,
            name: rule.meta.name,
            shortDescription: { text: rule.meta.description },
            helpUri: ruleDocsUrl(docsUrl, rule.meta.name),
            defaultConfiguration: { level: LEVEL[rule.meta.severity], ...(rule.meta.enabled === false ? { enabled: false } : {}) },
            properties: { category: rule.meta.category, fix: rule.meta.fix, ...(rule.meta.sources?.length ? { sources: rule.meta.sources } : {}) },
          }) as Record<string, unknown>).concat([...buildkit.values()].map((f) => ({
            id: f.rule,
            name: f.rule,
            // buildctl prints no description of the rule, only each warning's text.
            shortDescription: { text: `BuildKit's ${f.rule.slice('buildkit/'.length)} check` },
            ...(f.url ? { helpUri: f.url } : {}),
            defaultConfiguration: { level: LEVEL.warning },
            properties: { category: 'buildkit', fix: null, ...(f.mirroredBy ? { mirroredBy: f.mirroredBy } : {}) },
          }))),
        },
      },
      results,
    }],
  };
}

/** GitHub Actions workflow commands: one annotation per finding. */
export function analyzeGithub(r: AnalyzeResult): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return r.findings.map((f) => {
    const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const cost = describeCost(f);
    return `::${level} file=${prop(r.file)},line=${f.range.start.line},endLine=${f.range.end.line},col=${f.range.start.column},title=${prop(f.rule)}::${esc(f.message + (cost ? ` (cost: ${cost})` : ''))}`;
  }).join('\n') + (r.findings.length ? '\n' : '');
}

/** `--list-rules`: one line per rule from its metadata. */
export function listRules(rules: Rule[]): string {
  return rules.map((r) => `${r.meta.name.padEnd(36)} ${r.meta.category.padEnd(12)} ${(r.meta.enabled === false ? 'off' : r.meta.severity).padEnd(8)} ${r.meta.fix ? `fix:${r.meta.fix}` : 'no fix  '}  ${r.meta.description}`).join('\n') + '\n';
}

/** The rule index of docs/rules/README.md, generated from the rules' metadata. */
export function rulesMarkdown(rules: Rule[]): string {
  const rows = rules.map((r) => `| [${r.meta.name}](${r.meta.name}.md) | ${r.meta.category} | ${r.meta.severity}${r.meta.enabled === false ? ' (off by default)' : ''} | ${r.meta.fix ? `${r.meta.fix}: ${(r.meta.fixedBy ?? []).join(', ')}` : '—'} | ${r.meta.description} |`);
  return [
    '# Rules',
    '',
    'Generated from the rules\' metadata (`UPDATE_DOCS=1 npm run test:unit` rewrites it). Each rule\'s page says what it finds, why, what it costs, and how to fix it, with examples that the tests run.',
    '',
    '| rule | category | severity | fix | finds |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
