/**
 * `fix` as a library call: plan the enabled transforms on the model, apply their edits with
 * one applier, and repeat on the result until nothing is planned (a bounded number of
 * passes). The result is the new text and what each transform did; nothing is written here.
 */
import { existsSync } from 'node:fs';
import { openContext, type BuildContext } from '../context/index.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { buildGraph, type GraphOptions } from '../graph/graph.js';
import type { Target } from '../core/target.js';
import { loadDockerfile } from '../dockerfile/load.js';
import type { Accepted, Transform } from './define.js';
import { applyEdits } from './edits.js';
import { originalLines, relineMessage } from './lines.js';
import { fromPlanText, toPlanText } from './line-endings.js';
import { TRANSFORMS } from './transforms/index.js';

export const MAX_PASSES = 8;

export interface FixOptions extends GraphOptions {
  /** Only these transforms (by name). */
  only?: string[];
  /** Also run the transforms that may change the image. */
  unsafe?: boolean;
}

export interface FixResult {
  original: string;
  fixed: string;
  passes: number;
  /** Per transform that changed something: its notes and the image paths it changes on purpose, over all passes. */
  applied: Applied[];
  /** What transforms declined to do, and why (last pass). */
  declined: { transform: string; reason: string }[];
  /** Transforms left out because they are unsafe and --unsafe was not given. */
  unsafeSkipped: string[];
}

export interface Applied {
  transform: string;
  safety: Transform['safety'];
  notes: string[];
  accepts: Accepted[];
}

export function selectTransforms(opts: FixOptions): { run: Transform[]; unsafeSkipped: string[] } {
  const chosen = TRANSFORMS.filter((t) => !opts.only || opts.only.includes(t.name));
  return { run: chosen.filter((t) => t.safety === 'safe' || opts.unsafe), unsafeSkipped: chosen.filter((t) => t.safety === 'unsafe' && !opts.unsafe).map((t) => t.name) };
}

/**
 * Runs the transforms on a Dockerfile text to a fixpoint. The result keeps the text's line
 * endings and BOM (transforms plan on the LF form, see line-endings.ts).
 */
export function fixText(text: string, file: string, context: BuildContext | undefined, opts: FixOptions = {}): FixResult {
  const { style, plan } = toPlanText(text);
  const r = fixPlanText(plan, file, context, opts);
  const fixed = r.fixed === plan ? text : fromPlanText(style, plan, r.fixed);
  return { ...r, original: text, fixed };
}

function fixPlanText(text: string, file: string, context: BuildContext | undefined, opts: FixOptions): FixResult {
  const { run, unsafeSkipped } = selectTransforms(opts);
  const applied = new Map<string, Applied>();
  let declined: FixResult['declined'] = [];
  let current = text;
  let passes = 0;
  // Each transform plans on the text the one before it left: edits of two transforms never
  // meet on a stale model. A pass that changes nothing ends the loop.
  let graph = buildGraph(parseDockerfile(current, file), opts);
  let graphText = current;
  for (; passes < MAX_PASSES; passes++) {
    const before = current;
    declined = [];
    for (const t of run) {
      // The model is built again only when the text changed: transforms only read it.
      if (graphText !== current) {
        graph = buildGraph(parseDockerfile(current, file), opts);
        graphText = current;
      }
      const plan = t.plan({ graph, context });
      // Line numbers of the text this plan was made on, told in the original file's lines.
      const lines = plan.declined.length || plan.notes.length ? originalLines(text, current) : (l: number): number | null => l;
      // A decline about a step after a copy fix added itself (a narrow COPY of an earlier pass)
      // is not about the user's file: the note that added it says what it is for.
      plan.declined = plan.declined.map((d) => relineMessage(d, lines)).filter((d) => !/ of the result\b/.test(d));
      plan.notes = plan.notes.map((n) => relineMessage(n, lines));
      declined.push(...plan.declined.map((reason) => ({ transform: t.name, reason })));
      if (!plan.edits.length) continue;
      const next = applyEdits(current, plan.edits).text;
      if (next === current) continue;
      current = next;
      const a = applied.get(t.name) ?? { transform: t.name, safety: t.safety, notes: [], accepts: [] };
      a.notes.push(...plan.notes);
      for (const x of plan.accepts ?? []) if (!a.accepts.some((y) => y.path === x.path && y.change === x.change)) a.accepts.push(x);
      applied.set(t.name, a);
    }
    if (current === before) break;
  }
  return { original: text, fixed: current, passes, applied: [...applied.values()], declined, unsafeSkipped };
}

export async function fix(t: Target, opts: FixOptions = {}): Promise<FixResult> {
  const df = await loadDockerfile(t.dockerfilePath, t.displayName);
  const context = existsSync(t.contextDir) ? await openContext(t.contextDir, t.dockerfilePath) : undefined;
  return fixText(df.source, t.displayName, context, opts);
}
