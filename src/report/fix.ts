/** Reporters for `layerwise fix`: a unified diff and the predicted effect, or JSON. */
import { createTwoFilesPatch } from 'diff';
import type { Effect } from '../fix/effect.js';
import type { FixResult } from '../fix/fix.js';
import type { VerifiedFix } from '../bench/verify-fix.js';
import { engineInfoJson } from './engine.js';
import type { BuildGraph } from '../graph/graph.js';
import { humanSeconds } from '../timing/predict.js';
import { requiredArgsJson, requiredArgsText } from './required-args.js';

export interface FixReport {
  file: string;
  /**
   * FILE in the diff headers (`a/PATH`, `b/PATH`): relative to the working directory, with `/`,
   * so `git apply` takes the diff there (default: `file`).
   */
  diffPath?: string;
  result: FixResult;
  before: Effect;
  after: Effect;
  written: boolean;
  /** With --verify: the engine's verdict, dropped transforms, measured times. */
  verified?: VerifiedFix;
  /** The graph of the file as given (for the build args it needs and was not given). */
  graph?: BuildGraph;
}

export function fixDiff(r: FixReport): string {
  return unifiedDiff(r.diffPath ?? r.file, r.result.original, r.result.fixed);
}

/** The unified diff from `original` to `fixed` as `git apply` takes it ('' when they are the same). */
export function unifiedDiff(name: string, original: string, fixed: string): string {
  if (fixed === original) return '';
  // No header after the names: `--- a/PATH` exactly, as git writes it.
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, original, fixed, undefined, undefined, { context: 3 });
}

export function speedup(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a';
}

export function fixText(r: FixReport): string {
  const out: string[] = r.graph ? requiredArgsText(r.graph) : [];
  const diff = fixDiff(r);
  if (!diff) {
    out.push(`${r.file}: nothing to change.`);
  } else {
    // Only the final newline: a CRLF file's last diff line keeps its \r (git apply needs it).
    out.push(diff.replace(/\n$/, ''));
    out.push('');
    for (const a of r.result.applied) for (const n of a.notes) out.push(`${a.transform} (${a.safety}): ${n}`);
    // What a transform changes in the image on purpose: verify reports it without counting it.
    for (const a of r.result.applied) for (const x of a.accepts) out.push(`${a.transform} changes the image on purpose: ${x.path}${x.change ? ` (${x.change})` : ''}: ${x.reason}`);
  }
  for (const d of r.result.declined) out.push(`${d.transform} left alone: ${d.reason}`);
  if (r.result.unsafeSkipped.length) out.push(`not run without --unsafe: ${r.result.unsafeSkipped.join(', ')}`);
  if (diff) {
    out.push('');
    const se = r.before.sourceEdit && r.after.sourceEdit
      ? `${r.before.sourceEdit.change}: ${humanSeconds(r.before.sourceEdit.seconds)} → ${humanSeconds(r.after.sourceEdit.seconds)} (${speedup(r.before.sourceEdit.seconds, r.after.sourceEdit.seconds)})`
      : null;
    out.push(`Predicted: ${se ? `${se}; ` : ''}cold build ${humanSeconds(r.before.cold)} → ${humanSeconds(r.after.cold)} (${speedup(r.before.cold, r.after.cold)}).`);
    const v = r.verified;
    if (v) {
      if (v.dropped.length) out.push(`Dropped (they changed the image): ${v.dropped.join(', ')}.`);
      const status = v.verify?.status ?? 'not built';
      out.push(status === 'equivalent' ? 'Verified on the engine: the images are equivalent.' : `Verification: ${status}; nothing is written. Run layerwise verify for the differences.`);
      const m = v.measured;
      if (m) {
        const edit = m.edit && m.before.edit !== null && m.after.edit !== null ? `an edit of ${m.edit}: ${humanSeconds(m.before.edit)} → ${humanSeconds(m.after.edit)} (${speedup(m.before.edit, m.after.edit)}); ` : '';
        out.push(`Measured: ${edit}cold build ${humanSeconds(m.before.cold)} → ${humanSeconds(m.after.cold)} (${speedup(m.before.cold, m.after.cold)}).`);
      }
    }
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
    required_build_args: r.graph ? requiredArgsJson(r.graph) : [],
    changed: r.result.fixed !== r.result.original,
    written: r.written,
    passes: r.result.passes,
    diff: fixDiff(r),
    transforms: r.result.applied,
    declined: r.result.declined,
    unsafe_skipped: r.result.unsafeSkipped,
    predicted: { before: eff(r.before), after: eff(r.after) },
    ...(r.verified ? {
      verified: {
        status: r.verified.verify?.status ?? null,
        ...(r.verified.verify ? { engine_info: engineInfoJson(r.verified.verify.engineInfo) } : {}),
        dropped: r.verified.dropped,
        measured: r.verified.measured && {
          edit: r.verified.measured.edit,
          before: { cold_s: r2(r.verified.measured.before.cold), edit_s: r.verified.measured.before.edit === null ? null : r2(r.verified.measured.before.edit) },
          after: { cold_s: r2(r.verified.measured.after.cold), edit_s: r.verified.measured.after.edit === null ? null : r2(r.verified.measured.after.edit) },
        },
      },
    } : {}),
  };
}
