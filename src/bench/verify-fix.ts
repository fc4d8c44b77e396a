/**
 * `fix --verify`: build the plan and the original on the engine and compare the images; drop
 * any transform that breaks equivalence (each is tried alone, the ones that keep the image are
 * combined and checked again); then measure a source edit and a cold build before and after.
 */
import { detectEngineOnce, type EngineIdentity } from '../engine/engine.js';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bench } from './bench.js';
import type { BuildContext } from '../context/index.js';
import { allowList, verify, VerifyCache, type AllowList, type VerifyResult } from '../verify/index.js';
import type { Target } from '../core/target.js';
import { fixText, type FixOptions, type FixResult } from '../fix/fix.js';
import { encodeDockerfile } from '../dockerfile/load.js';

export interface Measured {
  /** The edited file (the slowest source edit's representative). */
  edit: string | null;
  before: { cold: number; edit: number | null };
  after: { cold: number; edit: number | null };
}

export interface VerifiedFix {
  result: FixResult;
  verify: VerifyResult | null;
  /** Transforms dropped because they broke equivalence. */
  dropped: string[];
  measured: Measured | null;
}

/** The image paths the applied transforms change on purpose, as verify's allow-list: still reported, not counted. */
export function acceptedAllowList(result: FixResult): AllowList {
  return allowList({ paths: result.applied.flatMap((a) => a.accepts.map((x) => ({ path: x.path, ...(x.change ? { change: x.change } : {}), reason: `${a.transform}: ${x.reason}` }))) });
}

export async function fixAndVerify(t: Target, source: string, ctx: BuildContext | undefined, opts: FixOptions & { editPath?: string | null; runs?: number; signal?: AbortSignal; engine?: EngineIdentity }): Promise<VerifiedFix> {
  // The fix is for the BuildKit that verifies it, unless the user named another.
  const engine = opts.engine ?? (await detectEngineOnce()).engine;
  if (engine && opts.buildkitVersion === undefined && engine.buildkitVersion) opts = { ...opts, buildkitVersion: engine.buildkitVersion };
  if (engine) opts = { ...opts, engine };
  let result = fixText(source, t.displayName, ctx, opts);
  if (result.fixed === result.original) return { result, verify: null, dropped: [], measured: null };
  const cache = new VerifyCache();
  const check = (r: FixResult) => verify({ context: t.contextDir, file: { text: r.fixed, path: t.dockerfilePath }, against: t.dockerfilePath, buildArgs: opts.buildArgs, cache, allow: acceptedAllowList(r), ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.engine ? { engine: opts.engine } : {}) });
  let v = await check(result);
  const dropped: string[] = [];
  if (v.status !== 'equivalent') {
    const kept: string[] = [];
    for (const a of result.applied) {
      const alone = fixText(source, t.displayName, ctx, { ...opts, only: [a.transform] });
      const r = alone.fixed === source ? null : await check(alone);
      if (r && r.status === 'equivalent') kept.push(a.transform);
      else dropped.push(a.transform);
    }
    result = fixText(source, t.displayName, ctx, { ...opts, only: kept });
    if (result.fixed === result.original) return { result, verify: v, dropped, measured: null };
    v = await check(result);
    if (v.status !== 'equivalent') return { result, verify: v, dropped, measured: null };
  }
  // Measure: the fixed file is written outside the context, beside a copy of its ignore file.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerwise-fix-'));
  try {
    const fixedFile = path.join(dir, path.basename(t.dockerfilePath));
    await writeFile(fixedFile, encodeDockerfile(result.fixed));
    const ignore = `${t.dockerfilePath}.dockerignore`;
    if (existsSync(ignore)) await copyFile(ignore, `${fixedFile}.dockerignore`);
    const edit = opts.editPath ?? null;
    const b = await bench({ context: t.contextDir, file: fixedFile, compare: t.dockerfilePath, changes: edit ? [`touch:${edit}`] : [], runs: opts.runs ?? 1, buildArgs: opts.buildArgs, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.engine ? { engine: opts.engine } : {}) });
    const [after, before] = b.results;
    const fig = (r: typeof after) => ({ cold: r.cold.summary.median, edit: r.changes[0] ? r.changes[0].summary.median : null });
    return { result, verify: v, dropped, measured: { edit, before: fig(before), after: fig(after) } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
