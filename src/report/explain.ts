/**
 * Reporters for `layerwise explain`: the JSON contract and the text a person reads.
 */
import { humanSeconds } from '../timing/predict.js';
import { requiredArgsJson, requiredArgsText } from './required-args.js';

import type { ExplainResult, ExplainTime } from '../explain/explain.js';

export type { ExplainResult, ExplainTime } from '../explain/explain.js';

/** The JSON contract of `explain --format json` (see docs/explain.md). */
export function explainJson(r: ExplainResult): Record<string, unknown> {
  const steps = r.verdicts.map((v) => ({
    line: v.step.line,
    stage: v.stageLabel,
    instruction: v.step.instruction.text,
    status: v.status,
    reason: v.reason,
    cause: v.cause,
  }));
  const s = summary(r);
  return {
    target: r.target,
    required_build_args: r.graph ? requiredArgsJson(r.graph) : [],
    ...(r.cacheFrom ? { cache_from: { caches: r.cacheFrom.specs, mode: r.cacheFrom.mode } } : {}),
    steps,
    summary: { rebuilt: s.rebuilt, cached: s.cached, conditional: s.conditional, first_rebuilt_line: s.first?.step.line ?? null },
    ...(r.time ? {
      time: {
        rebuild_s: round(r.time.low),
        rebuild_high_s: round(r.time.high),
        basis: r.time.basis,
        critical_path: r.time.criticalStages,
        unmeasured_lines: r.time.unmeasured,
      },
    } : {}),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** ": about 16 s (measured profile), critical path: framework" */
function timePhrase(t: ExplainTime): string {
  const basis = t.basis === 'measured' ? 'measured profile' : t.basis === 'mixed' ? `partly estimated: no profile data for line${t.unmeasured.length === 1 ? '' : 's'} ${t.unmeasured.join(', ')}` : 'estimated';
  if (t.basis === 'estimated' && t.high === 0) return '';
  const amount = Math.abs(t.high - t.low) < 0.05 * Math.max(t.high, 1) ? `about ${humanSeconds(t.high)}` : `${humanSeconds(t.low)} to ${humanSeconds(t.high)}`;
  const path = t.criticalStages.length ? `, critical path: ${t.criticalStages.join(' → ')}` : '';
  return `: ${amount} (${basis})${path}`;
}

export function summary(r: ExplainResult) {
  // Only steps BuildKit runs count; a FROM of another stage shows its base's status but is not a step.
  const executing = r.verdicts.filter((v) => v.step.executes && (v.status === 'rebuilt' || v.status === 'cached' || v.status === 'conditional'));
  const count = (st: string) => executing.filter((v) => v.status === st).length;
  return {
    rebuilt: count('rebuilt'),
    cached: count('cached'),
    conditional: count('conditional'),
    steps: executing.length,
    first: executing.find((v) => v.status === 'rebuilt') ?? executing.find((v) => v.status === 'conditional'),
  };
}

const GLYPH: Record<string, string> = { rebuilt: '✗ rebuilt', cached: '✓ cached', conditional: '? maybe', metadata: '· meta', skipped: '- skipped' };

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export function explainText(r: ExplainResult, opts: { color?: boolean } = {}): string {
  const c = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const s = summary(r);
  const out: string[] = r.graph ? requiredArgsText(r.graph) : [];
  let stage: string | null = null;
  for (const v of r.verdicts) {
    if (v.stageLabel !== stage) {
      stage = v.stageLabel;
      out.push(c('1', `stage ${stage}`));
    }
    const first = v === s.first;
    const glyph = GLYPH[v.status].padEnd(10);
    const text = `${String(v.step.line).padStart(5)}  ${glyph} ${oneLine(v.step.instruction.text, 56)}`;
    const showReason = v.status === 'rebuilt' || v.status === 'conditional' || (v.status === 'cached' && v.cause.kind !== 'unchanged');
    const head = first ? `${text}   ← first ${v.status === 'rebuilt' ? 'rebuilt' : 'affected'} step` : text;
    const line = showReason ? `${head}\n${' '.repeat(19)}${v.reason}` : head;
    out.push(v.status === 'rebuilt' ? c(first ? '1;31' : '31', line) : v.status === 'conditional' ? c('33', line) : v.status === 'cached' ? c('32', line) : c('2', line));
  }
  out.push('');
  if (r.cacheFrom) {
    const what = r.cacheFrom.mode === 'max'
      ? 'mode=max: a result for every step, so it reuses what a local cache would'
      : 'mode=min: results only for the final image\'s layers, so steps of other stages run again when a step that runs needs them';
    out.push(`On a builder with an empty local cache that imports ${r.cacheFrom.specs.join(', ')} (${what}):`);
  }
  if (s.rebuilt === 0 && s.conditional === 0) {
    out.push(`${r.change} rebuilds nothing: all ${s.steps} steps are cached.`);
  } else {
    const where = s.first ? `, starting at line ${s.first.step.line} (${oneLine(s.first.step.instruction.text, 60)})` : '';
    const cond = s.conditional ? `; ${s.conditional} more re-run only if files from another stage differ` : '';
    out.push(`${r.change} rebuilds ${s.rebuilt} of ${s.steps} steps${where}${cond}${r.time ? timePhrase(r.time) : ''}.`);
  }
  return out.join('\n') + '\n';
}
