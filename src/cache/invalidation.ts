/**
 * Which steps a change rebuilds, and why: the previous build and the current one are compared
 * step by step along each stage's chain, the way BuildKit's cache keys chain (a step's key
 * holds its parent's key, its own definition and the content checksums of what it copies).
 *
 * A step is matched to its previous version by its position in its stage's chain of executing
 * steps, not by line number: inserting a comment moves lines but rebuilds nothing.
 */
import { stageLabel, stageOrder, type BuildGraph, type Source, type Step } from '../graph/graph.js';
import { sourceFlow } from './source-flow.js';
import { stepDefinition } from './definition.js';
import { computeKeys, type GraphKeys, type StageContent, type StepKeys } from './keys.js';

export type Status = 'cached' | 'rebuilt' | 'conditional' | 'metadata' | 'skipped';

export type Cause =
  | { kind: 'unchanged' }
  | { kind: 'not-needed'; target: string }
  | { kind: 'metadata'; instruction: string; affects: string }
  | { kind: 'context'; paths: string[] }
  | { kind: 'parent'; line: number; status: 'rebuilt' | 'conditional' }
  | { kind: 'stage'; stage: string; line: number; status: 'rebuilt' | 'conditional' }
  /** It reads (copies or mounts) context files through another stage, and some of them changed. */
  | { kind: 'flow'; stage: string; paths: string[]; originLine: number; how: 'copy' | 'mount' }
  | { kind: 'inserted' }
  | { kind: 'removed'; previousLine: number; instruction: string }
  | { kind: 'edit'; field: string; before: string; after: string; previousLine: number }
  | { kind: 'arg'; name: string; before: string | null; after: string | null }
  | { kind: 'env'; name: string; before: string | null; after: string | null }
  | { kind: 'base'; before: string; after: string }
  | { kind: 'remote'; url: string }
  /** A runner that imports a mode=min cache has no result for this step (see cache/remote-cache.ts), and a step that runs needs it. */
  | { kind: 'not-exported'; mode: 'min'; stage: string; neededBy: number; maybe?: true };

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


function short(text: string, max = 60): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

const METADATA_EFFECT: Partial<Record<string, string>> = {
  ARG: 'its value is in the environment of every later RUN in the stage',
  ENV: 'it changes the environment of every later RUN in the stage',
  USER: 'later RUN steps run as this user',
  SHELL: 'later shell-form RUN steps run with this shell',
};

/** Compares a step's definition with its previous version and says what changed, if anything. */
function compare(prev: Step, cur: Step, buildkitVersion?: string): Cause | null {
  const a = stepDefinition(prev, buildkitVersion);
  const b = stepDefinition(cur, buildkitVersion);
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

export function describe(cause: Cause, step: Step): string {
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
    case 'flow':
      return `${cause.how === 'mount' ? 'mounts' : 'copies'} ${cause.paths.slice(0, 3).join(', ')}${cause.paths.length > 3 ? ` and ${cause.paths.length - 3} more` : ''} from stage ${cause.stage}, which took ${cause.paths.length === 1 ? 'it' : 'them'} from the build context at line ${cause.originLine}, and ${cause.paths.length === 1 ? 'it' : 'they'} changed: BuildKit checksums what it reads, so this re-runs`;
    case 'inserted':
      return `a new ${what} step: there is no cache for it yet`;
    case 'removed':
      return `the step before it was removed (line ${cause.previousLine}: ${short(cause.instruction)}), so its parent changed`;
    case 'edit':
      if (cause.field === 'instruction') return `the instruction changed (was: ${short(cause.before)})`;
      if (cause.field === 'workdir') return `the working directory changed (${cause.before || '/'} → ${cause.after || '/'})`;
      if (cause.field === 'user') return `the user changed (${cause.before || 'root'} → ${cause.after || 'root'})`;
      if (cause.field === 'command') return `the command changed: ${difference(commandText(cause.before), commandText(cause.after))}`;
      return `its ${cause.field} changed (${short(cause.before, 40) || 'none'} → ${short(cause.after, 40) || 'none'})`;
    case 'arg':
      return `build arg ${cause.name} changed (${cause.before ?? 'unset'} → ${cause.after ?? 'unset'}); every ARG with a value is in a RUN's environment, used or not`;
    case 'env':
      return `ENV ${cause.name} changed (${cause.before ?? 'unset'} → ${cause.after ?? 'unset'}), and it is in this RUN's environment`;
    case 'base':
      return `the base image changed (${cause.before} → ${cause.after}), so the whole stage rebuilds`;
    case 'remote':
      return `ADD of ${cause.url} is downloaded again on every build; the step stays cached only if the content is the same`;
    case 'not-exported':
      return `a mode=min cache holds no result for steps of stage ${cause.stage} (only the final image's layers), and line ${cause.neededBy} ${cause.maybe ? 'needs it if it re-runs, so it runs again exactly then' : 'runs and needs it, so it runs again'}`;
  }
}

/** The command text of a RUN definition (the last word of the argv, or the whole exec form). */
function commandText(def: string): string {
  const [first, ...heredocs] = def.split('\n<<');
  try {
    const argv = JSON.parse(first) as string[];
    return [argv[argv.length - 1], ...heredocs].join('\n<<');
  } catch {
    return def;
  }
}

/** `"…sleep 4…" is now "…sleep 5…"`: the part that differs, with a little context either side. */
function difference(before: string, after: string, context = 12): string {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let q = 0;
  while (q < before.length - p && q < after.length - p && before[before.length - 1 - q] === after[after.length - 1 - q]) q++;
  const cut = (t: string) => {
    const from = Math.max(0, p - context);
    const to = Math.min(t.length, t.length - q + context);
    // Whitespace is kept as it is: a whitespace-only edit re-runs a RUN too, and must show.
    const mid = t.slice(from, to);
    return `${from > 0 ? '…' : ''}${mid.length > 60 ? mid.slice(0, 59) + '…' : mid}${to < t.length ? '…' : ''}`;
  };
  return `${JSON.stringify(cut(before))} is now ${JSON.stringify(cut(after))}`;
}

/** Works out the status of every step of the current file, in file order. */
const NONE: ChangedContext = { selected: () => [] };
/** The keys of a previous build's graph depend on nothing else: analyze compares one graph with each kind of change. */
const unchangedKeys = new WeakMap<BuildGraph, GraphKeys>();

export function invalidation(input: InvalidationInput): StepVerdict[] {
  const { previous, current, changes } = input;
  // The previous build saw its context as it was: every context source is "same" there.
  let prevKeys = unchangedKeys.get(previous);
  if (!prevKeys) unchangedKeys.set(previous, (prevKeys = computeKeys(previous, () => 'same', stageContent(previous, NONE))));
  const curKeys = computeKeys(current, (src) => (changes.selected(src).length ? 'changed' : 'same'), stageContent(current, changes));
  const prevStrict = new Set<string>();
  const prevLoose = new Set<string>();
  /** Previous steps by their parent's key, to find "the previous version" of a changed step. */
  const prevByParent = new Map<string, Step[]>();
  for (const stage of previous.stages) {
    if (!stage.needed) continue; // only what the previous build built is in the cache
    for (const step of stage.steps) {
      const k = prevKeys.steps.get(step);
      if (!k) continue;
      prevStrict.add(k.strict);
      prevLoose.add(k.loose);
      const list = prevByParent.get(k.parentStrict) ?? [];
      list.push(step);
      prevByParent.set(k.parentStrict, list);
    }
  }

  const verdicts = new Map<Step, StepVerdict>();
  const stageEnd = new Map<number, { status: ChainStatus; line: number }>();
  const targetLabel = stageLabel(current.stages[current.target]);
  for (const si of stageOrder(current)) {
    const stage = current.stages[si];
    const sl = stageLabel(stage);
    if (!stage.needed) {
      for (const step of stage.steps) {
        verdicts.set(step, { step, stageLabel: sl, status: 'skipped', reason: '', cause: { kind: 'not-needed', target: targetLabel } });
      }
      continue;
    }
    let running: ChainStatus = 'cached';
    let runningLine = stage.line;
    const from = stage.steps[0];
    if (stage.base.kind === 'stage') {
      const parent = stageEnd.get(stage.base.stage)!;
      running = parent.status;
      runningLine = parent.line;
      const cause: Cause = running === 'cached' ? { kind: 'unchanged' } : { kind: 'parent', line: parent.line, status: running };
      verdicts.set(from, { step: from, stageLabel: sl, status: running, reason: '', cause });
    } else if (stage.base.kind === 'scratch') {
      verdicts.set(from, { step: from, stageLabel: sl, status: 'metadata', reason: '', cause: { kind: 'metadata', instruction: 'FROM scratch', affects: 'the stage starts empty' } });
    }
    for (const step of stage.steps) {
      if (verdicts.has(step)) continue;
      if (!step.executes) {
        const affects = METADATA_EFFECT[step.keyword] ?? 'it sets image metadata and does not change the cache of later steps';
        verdicts.set(step, { step, stageLabel: sl, status: 'metadata', reason: '', cause: { kind: 'metadata', instruction: step.keyword, affects } });
        continue;
      }
      const k = curKeys.steps.get(step)!;
      let status: ChainStatus;
      let cause: Cause;
      if (prevStrict.has(k.strict)) {
        status = 'cached';
        const remote = step.sources.find((x) => x.kind === 'remote');
        cause = remote && remote.kind === 'remote' ? { kind: 'remote', url: remote.url } : { kind: 'unchanged' };
      } else if (prevLoose.has(k.loose)) {
        status = 'conditional';
        if (running === 'conditional') cause = { kind: 'parent', line: runningLine, status: 'conditional' };
        else {
          const src = step.sources.find((x) => x.kind === 'stage');
          cause = src && src.kind === 'stage'
            ? { kind: 'stage', stage: stageLabel(current.stages[src.stage]), line: stageEnd.get(src.stage)!.line, status: stageEnd.get(src.stage)!.status as 'rebuilt' | 'conditional' }
            : { kind: 'unchanged' };
        }
      } else {
        status = 'rebuilt';
        cause = running === 'rebuilt' ? { kind: 'parent', line: runningLine, status: 'rebuilt' } : whyChanged(step, k, prevByParent, previous, current, changes);
      }
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

/** Why a step whose parent is cached (or may be) has no cache: what differs from its previous version. */
function whyChanged(step: Step, k: StepKeys, prevByParent: Map<string, Step[]>, previous: BuildGraph, cur: BuildGraph, changes: ChangedContext): Cause {
  if (step.keyword === 'FROM') {
    const prevStage = previous.stages.find((s) => s.name !== null && s.name === cur.stages[step.stage].name) ?? previous.stages[step.stage];
    const prevFrom = prevStage?.steps[0];
    if (prevFrom && prevFrom.expanded.image !== step.expanded.image) {
      return { kind: 'base', before: String(prevFrom.expanded.image), after: String(step.expanded.image) };
    }
  }
  const siblings = prevByParent.get(k.parentStrict) ?? [];
  const prev = siblings.find((p) => p.keyword === step.keyword && p.position === step.position) ?? siblings.find((p) => p.keyword === step.keyword) ?? siblings[0];
  if (prev) {
    const edit = compare(prev, step, cur.options.buildkitVersion);
    if (!edit) {
      // Same definition, so what differs is content: handled below.
    } else {
      const later = cur.stages[step.stage].steps.filter((s) => s.executes && s.position > step.position);
      const prevLater = previous.stages[prev.stage].steps.filter((s) => s.executes && s.position > prev.position);
      // The previous step now stands further down: this one was inserted before it.
      if (later.some((s) => !compare(prev, s))) return { kind: 'inserted' };
      // This step stood further down before: the one that preceded it was removed.
      if (prevLater.some((s) => !compare(s, step))) return { kind: 'removed', previousLine: prev.line, instruction: prev.instruction.text };
      return edit;
    }
  }
  for (const src of step.sources) {
    if (src.kind !== 'context') continue;
    const hit = changes.selected(src);
    if (hit.length) return { kind: 'context', paths: hit };
  }
  for (const src of step.sources) {
    if (src.kind !== 'stage') continue;
    const hit = flowChanges(cur, step, src, changes);
    if (hit) return { kind: 'flow', stage: stageLabel(cur.stages[src.stage]), ...hit };
  }
  return { kind: 'inserted' };
}

/**
 * The changed context files a step reads through another stage, exactly as the context holds
 * them (see cache/source-flow.ts): the paths, the line that took them from the context, and
 * whether the step copies or mounts them. Undefined when none.
 */
function flowChanges(g: BuildGraph, step: Step, src: Extract<Source, { kind: 'stage' }>, changes: ChangedContext): { paths: string[]; originLine: number; how: 'copy' | 'mount' } | undefined {
  if (!contentKeyed(step, src)) return undefined;
  const flow = sourceFlow(g);
  const paths = new Set<string>();
  let origin: Step | undefined;
  for (const l of flow.brought(step)) {
    const hop = l.hops[l.hops.length - 1];
    if (hop.source !== src || !l.exact) continue;
    for (const p of flow.carries(l, changes.selected(l.source))) {
      paths.add(p);
      origin ??= l.origin;
    }
  }
  if (!origin) return undefined;
  return { paths: [...paths].sort(), originLine: origin.line, how: step.keyword === 'RUN' ? 'mount' : 'copy' };
}

function repeatsOrigin(flow: ReturnType<typeof sourceFlow>, step: Step, src: Extract<Source, { kind: 'stage' }>, keys: Parameters<StageContent>[2]): boolean {
  if (step.keyword !== 'COPY' && step.keyword !== 'ADD') return false;
  return flow.brought(step).some((l) => {
    if (l.hops.length !== 2 || l.hops[1].source !== src) return false;
    const o = l.origin;
    if (o.keyword !== step.keyword || keys.of(o)?.parentStrict !== keys.parentStrict) return false;
    const up = flow.stageEnd(src.stage).find((e) => e.origin === o && e.root === l.root);
    return !!up && up.at === l.at && o.expanded.chown === step.expanded.chown && o.expanded.chmod === step.expanded.chmod;
  });
}

/**
 * Whether BuildKit keys what a step reads from a stage by its content: a COPY --from does
 * (it checksums the files it selects), and so does a read-only mount (a bind mount, unless
 * `rw`); a cache mount seeded from a stage does not.
 */
function contentKeyed(step: Step, src: Extract<Source, { kind: 'stage' }>): boolean {
  const inst = step.instruction;
  if (inst.keyword === 'COPY' || inst.keyword === 'ADD') return true;
  if (inst.keyword !== 'RUN') return false;
  const withSource = inst.mounts.filter((m) => m.type === 'bind' || (m.type === 'cache' && m.from));
  const m = withSource[step.sources.indexOf(src)];
  return !!m && m.type === 'bind' && m.readonly !== false;
}

/** The source flow's knowledge of what each stage source reads, for the cache keys. */
function stageContent(g: BuildGraph, changes: ChangedContext): StageContent {
  const flow = sourceFlow(g);
  return (step, src, keys) => {
    if (!contentKeyed(step, src)) return undefined;
    // A copy that repeats the context copy it reads, on the same parent (`COPY a.txt /a.txt` in
    // stage a, `COPY --from=a /a.txt /a.txt` on the same base), has the same content key:
    // BuildKit finds it cached from that step in the same build (engine scenario
    // edit-and-content-change-different-stages). Only the stage's key tells then.
    if (repeatsOrigin(flow, step, src, keys)) return undefined;
    const changed = flowChanges(g, step, src, changes) !== undefined;
    const byContent = flow.onlyContext(src.stage);
    return changed || byContent ? { changed, byContent } : undefined;
  };
}
