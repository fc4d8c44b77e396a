/**
 * Reporters for `layerwise verify`: the JSON contract (docs/verify.md) and the text a person
 * reads, summary line first. Pure functions of a VerifyResult.
 */
import { engineInfoJson } from './engine.js';
import type { AllowEntry } from '../verify/allow.js';
import { octal, type ConfigDifference, type ConfigValue, type Difference, type FileDifference, type FileFacts } from '../verify/compare.js';
import type { AllowedDifference, BuildFailure, StageResult, VerifyResult } from '../verify/verify.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The first line of the text report, and `summary` in JSON. */
export function verifySummary(r: VerifyResult): string {
  if (r.status === 'failed' && r.failure) {
    const f = r.failure;
    return `build failed: ${f.file}${f.line !== undefined ? `:${f.line}` : ''} (${f.role === 'file' ? 'FILE' : 'OTHER'}, stage ${f.stage}): ${f.error}`;
  }
  const allowed = r.stages.reduce((n, s) => n + s.allowed.length, 0);
  const differing = r.stages.filter((s) => s.differences.length > 0);
  if (differing.length === 0) {
    const extra = allowed ? `; ${plural(allowed, 'allowed difference')}` : '';
    return `equivalent: ${plural(r.stages.length, 'stage')} compared (${r.stages.map((s) => s.label).join(', ')})${extra}`;
  }
  const total = differing.reduce((n, s) => n + s.differences.length, 0);
  if (differing.length === 1) return `${plural(total, 'difference')} in stage ${differing[0]!.label}`;
  return `${plural(total, 'difference')}: ${differing.map((s) => `${s.differences.length} in stage ${s.label}`).join(', ')}`;
}

// ---------------------------------------------------------------- JSON

function factsJson(f: FileFacts | null) {
  if (!f) return null;
  return {
    type: f.type,
    mode: octal(f.mode),
    uid: f.uid,
    gid: f.gid,
    size: f.size,
    ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
    ...(f.linkTarget !== undefined ? { link: f.linkTarget } : {}),
  };
}

function differenceJson(d: Difference): Record<string, unknown> {
  switch (d.kind) {
    case 'file':
      return { kind: 'file', path: d.path, change: d.change, fields: d.fields, before: factsJson(d.before), after: factsJson(d.after) };
    case 'config':
      return { kind: 'config', field: d.field, ...(d.key !== undefined ? { key: d.key } : {}), change: d.change, before: d.before, after: d.after };
    case 'stage':
      return { kind: 'stage', stage: d.stage, change: d.change };
  }
}

function entryJson(e: AllowEntry) {
  return { kind: e.kind, pattern: e.pattern, source: e.source ?? null, reason: e.reason ?? null };
}

function allowedJson(d: AllowedDifference): Record<string, unknown> {
  const { allowance, ...diff } = d;
  return {
    ...differenceJson(diff as Difference),
    allowed_by: {
      builtin: allowance.builtin,
      pattern: allowance.entry?.pattern ?? null,
      source: allowance.entry?.source ?? null,
      // The user's own words, or null; the built-in allowance says why it exists.
      reason: allowance.entry ? (allowance.entry.reason ?? null) : allowance.reason,
    },
  };
}

function stageJson(s: StageResult) {
  return {
    stage: s.stage,
    label: s.label,
    default: s.isDefault,
    against_stage: s.againstStage,
    file_stage: s.fileStage,
    against_image: s.againstImage ?? null,
    file_image: s.fileImage ?? null,
    equivalent: s.differences.length === 0,
    differences: s.differences.map(differenceJson),
    allowed: s.allowed.map(allowedJson),
  };
}

function failureJson(f: BuildFailure) {
  return { role: f.role, file: f.file, stage: f.stage, line: f.line ?? null, step: f.step ?? null, error: f.error, output: f.output };
}

/** The JSON contract of `verify --format json` (see docs/verify.md). */
export function verifyJson(r: VerifyResult): Record<string, unknown> {
  return {
    result: r.status,
    summary: verifySummary(r),
    context: r.context,
    file: r.file,
    against: r.against,
    engine: r.engine,
    engine_info: engineInfoJson(r.engineInfo),
    ...(r.targets ? { targets: r.targets } : {}),
    stages: r.stages.map(stageJson),
    counts: {
      differences: r.stages.reduce((n, s) => n + s.differences.length, 0),
      allowed: r.stages.reduce((n, s) => n + s.allowed.length, 0),
    },
    failure: r.failure ? failureJson(r.failure) : null,
    unused_allow: r.unusedAllow.map(entryJson),
    builds: { run: r.builds.run, cached: r.builds.cached },
  };
}

// ---------------------------------------------------------------- text

const shortHash = (s: string) => s.replace(/^sha256:/, '').slice(0, 12);

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function describeFacts(f: FileFacts): string {
  const who = `${octal(f.mode)} ${f.uid}:${f.gid}`;
  if (f.type === 'file') return `file ${who}, ${bytes(f.size)}, ${shortHash(f.sha256 ?? '')}`;
  if (f.type === 'symlink') return `symlink → ${f.linkTarget ?? ''}, ${who}`;
  return `${f.type} ${who}`;
}

function describeFields(d: FileDifference): string {
  return d.fields
    .map((c) => {
      if (c.field === 'content') {
        const sizes = d.before && d.after && d.before.size !== d.after.size ? ` (${bytes(d.before.size)} → ${bytes(d.after.size)})` : '';
        return `content ${shortHash(c.before)} → ${shortHash(c.after)}${sizes}`;
      }
      if (c.field === 'link') return `link ${c.before || '(none)'} → ${c.after || '(none)'}`;
      return `${c.field} ${c.before} → ${c.after}`;
    })
    .join('; ');
}

function value(v: ConfigValue | null): string {
  return v === null ? '(none)' : JSON.stringify(v);
}

function configSubject(d: ConfigDifference): string {
  return d.key !== undefined ? `${d.field} ${d.key}` : d.field;
}

function configDetail(d: ConfigDifference): string {
  // A port or a volume is its own key: there is no value to show.
  if (d.field === 'EXPOSE' || d.field === 'VOLUME') return '';
  if (d.change === 'added') return value(d.after);
  if (d.change === 'removed') return `(was ${value(d.before)})`;
  return `${value(d.before)} → ${value(d.after)}`;
}

interface Line {
  change: string;
  subject: string;
  detail: string;
}

/**
 * One line per difference. An added or removed directory stands for everything under it that was
 * added or removed with it (in the same list), counted; JSON lists every path.
 */
function lines(diffs: readonly Difference[]): Line[] {
  const out: Line[] = [];
  const folders = new Map<string, { line: Line; under: number; change: string; facts: FileFacts }>();
  for (const d of diffs) {
    if (d.kind === 'stage') {
      out.push({ change: 'removed', subject: `stage ${d.stage}`, detail: `FILE has no stage "${d.stage}": --target ${d.stage} fails` });
      continue;
    }
    if (d.kind === 'config') {
      out.push({ change: d.change, subject: configSubject(d), detail: configDetail(d) });
      continue;
    }
    if (d.change !== 'changed') {
      let folded = false;
      for (let p = d.path.slice(0, d.path.lastIndexOf('/')); p.length > 0; p = p.slice(0, p.lastIndexOf('/'))) {
        const f = folders.get(p);
        if (f && f.change === d.change) {
          f.under++;
          folded = true;
          break;
        }
      }
      if (folded) continue;
    }
    const facts = d.after ?? d.before!;
    const line: Line = { change: d.change, subject: d.path, detail: d.change === 'changed' ? describeFields(d) : describeFacts(facts) };
    if (d.change !== 'changed' && facts.type === 'dir') folders.set(d.path, { line, under: 0, change: d.change, facts });
    out.push(line);
  }
  for (const [p, f] of folders) if (f.under > 0) {
    f.line.subject = `${p}/`;
    f.line.detail = `${describeFacts(f.facts)}, and ${plural(f.under, 'path')} under it`;
  }
  return out;
}

function render(ls: readonly Line[], indent: string): string[] {
  const width = Math.min(48, Math.max(0, ...ls.map((l) => l.subject.length)));
  return ls.map((l) => `${indent}${l.change.padEnd(8)} ${l.subject.padEnd(width)}  ${l.detail}`.trimEnd());
}

function allowedLines(allowed: readonly AllowedDifference[]): string[] {
  // Group by allowance, so a folded directory keeps one reason.
  const groups = new Map<string, AllowedDifference[]>();
  for (const a of allowed) {
    const e = a.allowance.entry;
    const about = [e?.source, e?.reason].filter((x) => x !== undefined).join('; ');
    const why = a.allowance.builtin || !e ? `layerwise (${a.allowance.reason})` : `${e.pattern}${about ? ` (${about})` : ''}`;
    const g = groups.get(why) ?? [];
    g.push(a);
    groups.set(why, g);
  }
  const out: string[] = [];
  for (const [why, g] of groups) {
    out.push(`    allowed by ${why}:`);
    out.push(...render(lines(g), '      '));
  }
  return out;
}

function stageText(s: StageResult): string[] {
  const out: string[] = [];
  const head = s.differences.length ? plural(s.differences.length, 'difference') : 'equivalent';
  const allowed = s.allowed.length ? `, ${s.allowed.length} allowed` : '';
  out.push(`stage ${s.label}: ${head}${allowed}`);
  out.push(...render(lines(s.differences), '  '));
  if (s.allowed.length) out.push(...allowedLines(s.allowed));
  return out;
}

function failureText(f: BuildFailure): string[] {
  const out: string[] = [];
  if (f.step) out.push(`  step: ${f.step}`);
  for (const l of f.output) out.push(`  | ${l}`);
  return out;
}

/** The text report: the summary line, each stage's differences, then how the comparison was made. */
export function verifyText(r: VerifyResult): string {
  const out: string[] = [verifySummary(r)];
  if (r.failure) out.push(...failureText(r.failure));
  if (r.stages.length) out.push('');
  r.stages.forEach((s, i) => out.push(...(i ? [''] : []), ...stageText(s)));
  // After a failed build the stages not compared could not use their entries: no list then.
  if (r.unusedAllow.length && !r.failure) {
    out.push('', 'allow-list entries that matched nothing:');
    for (const e of r.unusedAllow) out.push(`  ${e.source ? `${e.source}: ` : ''}${e.kind} ${e.pattern}`);
  }
  const builds = `${plural(r.builds.run, 'build')}${r.builds.cached ? ` (and ${r.builds.cached} from an earlier call)` : ''}`;
  out.push('');
  out.push(`FILE ${r.file} against OTHER ${r.against}, context ${r.context}; ${builds} on ${r.engine}; modification times are not compared.`);
  return out.join('\n') + '\n';
}
