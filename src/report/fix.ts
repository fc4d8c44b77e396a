/** Reporters for `layerwise fix`: a unified diff and the predicted effect, or JSON. */
import { createTwoFilesPatch } from 'diff';
import type { Effect } from '../fix/effect.js';
import type { FixResult } from '../fix/fix.js';
import { humanSeconds } from '../timing/predict.js';

export interface FixReport {
  file: string;
  result: FixResult;
  before: Effect;
  after: Effect;
  written: boolean;
}

export function fixDiff(r: FixReport): string {
  if (r.result.fixed === r.result.original) return '';
  return createTwoFilesPatch(`a/${r.file}`, `b/${r.file}`, r.result.original, r.result.fixed, '', '', { context: 3 });
}

function speedup(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a';
}

export function fixText(r: FixReport): string {
  const out: string[] = [];
  const diff = fixDiff(r);
  if (!diff) {
    out.push(`${r.file}: nothing to change.`);
  } else {
    out.push(diff.trimEnd());
    out.push('');
    for (const a of r.result.applied) for (const n of a.notes) out.push(`${a.transform} (${a.safety}): ${n}`);
  }
  for (const d of r.result.declined) out.push(`${d.transform} left alone: ${d.reason}`);
  if (r.result.unsafeSkipped.length) out.push(`not run without --unsafe: ${r.result.unsafeSkipped.join(', ')}`);
  if (diff) {
    out.push('');
    const se = r.before.sourceEdit && r.after.sourceEdit
      ? `${r.before.sourceEdit.change}: ${humanSeconds(r.before.sourceEdit.seconds)} → ${humanSeconds(r.after.sourceEdit.seconds)} (${speedup(r.before.sourceEdit.seconds, r.after.sourceEdit.seconds)})`
      : null;
    out.push(`Predicted: ${se ? `${se}; ` : ''}cold build ${humanSeconds(r.before.cold)} → ${humanSeconds(r.after.cold)} (${speedup(r.before.cold, r.after.cold)}).`);
    out.push(r.written ? `Written to ${r.file}.` : 'Nothing was written: run again with --write to apply.');
  }
  return out.join('\n') + '\n';
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** The JSON of `fix --format json` (docs/fix.md). */
export function fixJson(r: FixReport): Record<string, unknown> {
  const eff = (e: Effect) => ({ source_edit: e.sourceEdit ? { change: e.sourceEdit.change, seconds: r2(e.sourceEdit.seconds) } : null, cold_s: r2(e.cold) });
  return {
    file: r.file,
    changed: r.result.fixed !== r.result.original,
    written: r.written,
    passes: r.result.passes,
    diff: fixDiff(r),
    transforms: r.result.applied,
    declined: r.result.declined,
    unsafe_skipped: r.result.unsafeSkipped,
    predicted: { before: eff(r.before), after: eff(r.after) },
  };
}
