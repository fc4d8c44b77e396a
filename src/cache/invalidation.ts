/**
 * Which steps a change rebuilds, and why: the previous build and the current one are compared
 * step by step along each stage's chain, the way BuildKit's cache keys chain (a step's key
 * holds its parent's key, its own definition and the content checksums of what it copies).
 *
 * A step is matched to its previous version by its position in its stage's chain of executing
 * steps, not by line number: inserting a comment moves lines but rebuilds nothing.
 */
import type { BuildGraph, Source, Stage, Step } from '../graph/graph.js';
import { stepDefinition } from './definition.js';

export type Status = 'cached' | 'rebuilt' | 'conditional' | 'metadata' | 'skipped';

export type Cause =
  | { kind: 'unchanged' }
  | { kind: 'not-needed'; target: string }
  | { kind: 'metadata'; instruction: string; affects: string }
  | { kind: 'context'; paths: string[] }
  | { kind: 'parent'; line: number; status: 'rebuilt' | 'conditional' }
  | { kind: 'stage'; stage: string; line: number; status: 'rebuilt' | 'conditional' }
  | { kind: 'inserted' }
  | { kind: 'edit'; field: string; before: string; after: string; previousLine: number }
  | { kind: 'arg'; name: string; before: string | null; after: string | null }
  | { kind: 'env'; name: string; before: string | null; after: string | null }
  | { kind: 'base'; before: string; after: string }
  | { kind: 'remote'; url: string };

export interface StepVerdict {
  step: Step;
  stageLabel: string;
  status: Status;
  reason: string;
  cause: Cause;
}

/** Answers questions about the build context that a change touched. */
export interface ChangedContext {
  /** Changed paths (relative to the context, POSIX) that a COPY/ADD/bind source selects and .dockerignore lets in. */
  selected(source: Extract<Source, { kind: 'context' }>): string[];
}

export interface InvalidationInput {
  previous: BuildGraph;
  current: BuildGraph;
  changes: ChangedContext;
}

const RANK: Record<'cached' | 'conditional' | 'rebuilt', number> = { cached: 0, conditional: 1, rebuilt: 2 };
type ChainStatus = keyof typeof RANK;

function label(s: Stage): string {
  return s.name ?? String(s.index);
}

function short(text: string, max = 60): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Previous stage matching a current one: by name, else by index. */
function matchStage(previous: BuildGraph, stage: Stage): Stage | undefined {
  if (stage.name !== null) return previous.stages.find((s) => s.name === stage.name);
  const s = previous.stages[stage.index];
  return s && s.name === null ? s : undefined;
}

/** The chain of executing steps of a stage (its FROM first when the base is an image). */
function chain(stage: Stage): Step[] {
  return stage.steps.filter((s) => s.executes);
}

const METADATA_EFFECT: Partial<Record<string, string>> = {
  ARG: 'its value is in the environment of every later RUN in the stage',
  ENV: 'it changes the environment of every later RUN in the stage',
  USER: 'later RUN steps run as this user',
  SHELL: 'later shell-form RUN steps run with this shell',
};

/** Compares a step's definition with its previous version and says what changed, if anything. */
function compare(prev: Step, cur: Step): Cause | null {
  const a = stepDefinition(prev);
  const b = stepDefinition(cur);
  if (cur.keyword === 'FROM' && a.fields.base !== b.fields.base) {
    return { kind: 'base', before: a.fields.base, after: b.fields.base };
  }
  if (prev.keyword !== cur.keyword) {
    return { kind: 'edit', field: 'instruction', before: prev.instruction.text, after: cur.instruction.text, previousLine: prev.line };
  }
  // Environment first: an ARG or ENV change is the more useful explanation than "the command changed".
  const names = new Set([...a.env.keys(), ...b.env.keys()]);
  for (const n of names) {
    const x = a.env.get(n);
    const y = b.env.get(n);
    if (x?.value === y?.value) continue;
    const from = y?.from ?? x?.from;
    return { kind: from === 'arg' ? 'arg' : 'env', name: n, before: x?.value ?? null, after: y?.value ?? null };
  }
  for (const f of Object.keys({ ...a.fields, ...b.fields })) {
    if (a.fields[f] !== b.fields[f]) {
      return { kind: 'edit', field: f, before: a.fields[f] ?? '', after: b.fields[f] ?? '', previousLine: prev.line };
    }
  }
  return null;
}

function describe(cause: Cause, step: Step): string {
  const what = step.keyword;
  switch (cause.kind) {
    case 'unchanged':
      return 'same instruction and inputs as before, and every step before it is cached';
    case 'not-needed':
      return `not needed to build target ${cause.target}, so BuildKit does not run it`;
    case 'metadata':
      return `${cause.instruction} is not a build step of its own; ${cause.affects}`;
    case 'context':
      return `copies ${cause.paths.slice(0, 3).join(', ')}${cause.paths.length > 3 ? ` and ${cause.paths.length - 3} more` : ''} from the build context, which changed`;
    case 'parent':
      return cause.status === 'rebuilt'
        ? `comes after the rebuilt step at line ${cause.line}, so its cache key changed too`
        : `comes after the step at line ${cause.line}, so it re-runs exactly when that one does`;
    case 'stage':
      return cause.status === 'rebuilt'
        ? `reads files from stage ${cause.stage}, which is rebuilt; BuildKit re-runs this only if those files turn out to differ`
        : `reads files from stage ${cause.stage}, which may be rebuilt; BuildKit re-runs this only if those files turn out to differ`;
    case 'inserted':
      return `a new ${what} step: there is no cache for it yet`;
    case 'edit':
      if (cause.field === 'instruction') return `the instruction changed (was: ${short(cause.before)})`;
      if (cause.field === 'workdir') return `the working directory changed (${cause.before || '/'} → ${cause.after || '/'})`;
      if (cause.field === 'user') return `the user changed (${cause.before || 'root'} → ${cause.after || 'root'})`;
      if (cause.field === 'command') return `the command changed (line ${cause.previousLine} was: ${short(cause.before.startsWith('[') ? safeLast(cause.before) : cause.before)})`;
      return `its ${cause.field} changed (${short(cause.before, 40) || 'none'} → ${short(cause.after, 40) || 'none'})`;
    case 'arg':
      return `build arg ${cause.name} changed (${cause.before ?? 'unset'} → ${cause.after ?? 'unset'}); every ARG with a value is in a RUN's environment, used or not`;
    case 'env':
      return `ENV ${cause.name} changed (${cause.before ?? 'unset'} → ${cause.after ?? 'unset'}), and it is in this RUN's environment`;
    case 'base':
      return `the base image changed (${cause.before} → ${cause.after}), so the whole stage rebuilds`;
    case 'remote':
      return `ADD of ${cause.url} is downloaded again on every build; the step stays cached only if the content is the same`;
  }
}

function safeLast(json: string): string {
  try {
    const v = JSON.parse(json.split('\n')[0]);
    return Array.isArray(v) ? String(v[v.length - 1]) : json;
  } catch {
    return json;
  }
}

/** Works out the status of every step of the current file, in file order. */
export function invalidation(input: InvalidationInput): StepVerdict[] {
  const { previous, current, changes } = input;
  const stageEnd = new Map<number, { status: ChainStatus; line: number }>();
  const verdicts = new Map<Step, StepVerdict>();
  const targetLabel = label(current.stages[current.target]);

  // Stages in dependency order (a stage's parents are always resolved before it).
  const order = topoOrder(current);
  for (const si of order) {
    const stage = current.stages[si];
    const sl = label(stage);
    if (!stage.needed) {
      for (const step of stage.steps) {
        verdicts.set(step, { step, stageLabel: sl, status: 'skipped', reason: '', cause: { kind: 'not-needed', target: targetLabel } });
      }
      continue;
    }
    const prevStage = matchStage(previous, stage);
    const prevChain = prevStage ? chain(prevStage) : [];
    let running: ChainStatus = 'cached';
    let runningCause: Cause = { kind: 'unchanged' };
    let runningLine = stage.line;

    // The base: an image is keyed on its reference; a stage on its own chain.
    const from = stage.steps[0];
    if (stage.base.kind === 'stage') {
      const parent = stageEnd.get(stage.base.stage)!;
      const prevBase = prevStage?.base;
      const sameParent = prevBase?.kind === 'stage' && previous.stages[prevBase.stage]?.name === current.stages[stage.base.stage].name;
      if (!prevStage || !sameParent) {
        running = 'rebuilt';
        runningCause = prevStage ? { kind: 'base', before: prevStage.steps[0].instruction.text, after: from.instruction.text } : { kind: 'inserted' };
      } else if (parent.status !== 'cached') {
        running = parent.status;
        runningCause = { kind: 'parent', line: parent.line, status: parent.status };
        runningLine = parent.line;
      }
      verdicts.set(from, { step: from, stageLabel: sl, status: running, reason: '', cause: runningCause });
    } else if (stage.base.kind === 'scratch') {
      verdicts.set(from, { step: from, stageLabel: sl, status: 'metadata', reason: '', cause: { kind: 'metadata', instruction: 'FROM scratch', affects: 'the stage starts empty' } });
    }

    let k = 0;
    for (const step of stage.steps) {
      if (step === from && !step.executes) continue;
      if (!step.executes) {
        const affects = METADATA_EFFECT[step.keyword] ?? 'it sets image metadata and does not change the cache of later steps';
        verdicts.set(step, { step, stageLabel: sl, status: 'metadata', reason: '', cause: { kind: 'metadata', instruction: step.keyword, affects } });
        continue;
      }
      const prev = prevChain[k];
      k++;
      let own: ChainStatus = 'cached';
      let ownCause: Cause = { kind: 'unchanged' };
      const edit = prev ? compare(prev, step) : ({ kind: 'inserted' } as Cause);
      if (edit) {
        own = 'rebuilt';
        ownCause = edit;
      } else {
        for (const src of step.sources) {
          if (src.kind === 'context') {
            const hit = changes.selected(src);
            if (hit.length) {
              own = 'rebuilt';
              ownCause = { kind: 'context', paths: hit };
              break;
            }
          } else if (src.kind === 'stage') {
            const up = stageEnd.get(src.stage)!;
            if (up.status !== 'cached' && RANK.conditional > RANK[own]) {
              own = 'conditional';
              ownCause = { kind: 'stage', stage: label(current.stages[src.stage]), line: up.line, status: up.status };
            }
          } else if (src.kind === 'remote' && own === 'cached') {
            ownCause = { kind: 'remote', url: src.url };
          }
        }
      }
      let status: ChainStatus = 'cached';
      let cause: Cause = ownCause;
      if (own === 'rebuilt') status = 'rebuilt';
      else if (running === 'rebuilt') [status, cause] = ['rebuilt', { kind: 'parent', line: runningLine, status: 'rebuilt' }];
      else if (own === 'conditional') status = 'conditional';
      else if (running === 'conditional') [status, cause] = ['conditional', { kind: 'parent', line: runningLine, status: 'conditional' }];
      if (RANK[status] > RANK[running]) {
        running = status;
        runningLine = step.line;
      }
      verdicts.set(step, { step, stageLabel: sl, status, reason: '', cause });
    }
    stageEnd.set(si, { status: running, line: runningLine });
  }

  const out: StepVerdict[] = [];
  for (const stage of current.stages) {
    for (const step of stage.steps) {
      const v = verdicts.get(step)!;
      v.reason = describe(v.cause, step);
      out.push(v);
    }
  }
  return out.sort((a, b) => a.step.line - b.step.line);
}

function topoOrder(g: BuildGraph): number[] {
  const deps: number[][] = g.stages.map(() => []);
  for (const e of g.edges) if (typeof e.from === 'number') deps[e.to].push(e.from);
  const seen = new Set<number>();
  const out: number[] = [];
  const visit = (s: number) => {
    if (seen.has(s)) return;
    seen.add(s);
    deps[s].forEach(visit);
    out.push(s);
  };
  g.stages.forEach((s) => visit(s.index));
  return out;
}
