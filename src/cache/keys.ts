/**
 * Cache keys in BuildKit's manner: a step's key is a digest of its parent's key, its own
 * definition and the content of what it copies in. BuildKit reuses a step when a step with
 * the same key is in its cache, wherever that step was in the previous file (another stage,
 * another line, another stage name): the cache is content-addressed, so matching steps by
 * key is faithful where matching by line or stage name is not.
 *
 * Two keys per step: `strict` holds everything; `loose` replaces the content of files copied
 * from another stage by a placeholder. When only `loose` is found, the step re-runs only if
 * those files differ (BuildKit checksums them before deciding): explain's `conditional`.
 */
import { createHash } from 'node:crypto';
import { stageOrder, type BuildGraph, type Source, type Step } from '../graph/graph.js';
import { stepDefinition } from './definition.js';

export interface StepKeys {
  strict: string;
  loose: string;
  parentStrict: string;
  parentLoose: string;
}

export interface GraphKeys {
  steps: Map<Step, StepKeys>;
  /** Final keys of each stage (after its last executing step). */
  stageEnd: Map<number, { strict: string; loose: string }>;
}

/** The content of a context source as the key sees it: same as before, or changed. */
export type ContextToken = (src: Extract<Source, { kind: 'context' }>) => string;

/**
 * What the source flow knows of the files a step reads from another stage: `changed`, an
 * exact copy of a changed context file is among them; `byContent`, the stage holds only
 * context files, so their content is all there is to know (undefined: only the stage's key tells).
 */
export type StageContent = (
  step: Step,
  src: Extract<Source, { kind: 'stage' }>,
  /** The step's parent key, and the keys of the steps worked out so far (every stage it reads from). */
  keys: { parentStrict: string; of: (s: Step) => StepKeys | undefined },
) => { changed: boolean; byContent: boolean } | undefined;

function digest(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 32);
}

/** A step's definition text per BuildKit version: a graph's steps never change once built, and analyze keys them once per kind of change. */
const definitions = new WeakMap<Step, Map<string | undefined, string>>();

function definitionText(step: Step, buildkitVersion: string | undefined): string {
  let byVersion = definitions.get(step);
  if (!byVersion) definitions.set(step, (byVersion = new Map()));
  let text = byVersion.get(buildkitVersion);
  if (text === undefined) {
    const d = stepDefinition(step, buildkitVersion);
    text = JSON.stringify([step.keyword, d.fields, [...d.env].map(([k, v]) => [k, v.value]).sort()]);
    byVersion.set(buildkitVersion, text);
  }
  return text;
}

/** Computes the keys of every executing step of the stages a graph needs. */
export function computeKeys(g: BuildGraph, contextToken: ContextToken, stageContent: StageContent = () => undefined): GraphKeys {
  const steps = new Map<Step, StepKeys>();
  const stageEnd = new Map<number, { strict: string; loose: string }>();
  for (const si of stageOrder(g)) {
    const stage = g.stages[si];
    let strict: string;
    let loose: string;
    if (stage.base.kind === 'stage') ({ strict, loose } = stageEnd.get(stage.base.stage)!);
    else if (stage.base.kind === 'scratch') strict = loose = digest('scratch', stage.platform ?? '');
    else strict = loose = digest('root');
    for (const step of stage.steps) {
      if (!step.executes) continue;
      const def = definitionText(step, g.options.buildkitVersion);
      const tokensStrict: string[] = [];
      const tokensLoose: string[] = [];
      for (const src of step.sources) {
        switch (src.kind) {
          case 'context': {
            const t = `context:${JSON.stringify(src.paths)}:${contextToken(src)}`;
            tokensStrict.push(t);
            tokensLoose.push(t);
            break;
          }
          case 'stage': {
            // BuildKit keys what a COPY --from or a read-only mount reads by its content checksum:
            // when the source flow knows that content, the key holds it instead of the stage's key.
            const up = stageEnd.get(src.stage)!;
            const paths = JSON.stringify(src.paths);
            const known = stageContent(step, src, { parentStrict: strict, of: (s) => steps.get(s) });
            tokensStrict.push(known?.byContent ? `stage-content:${known.changed ? 'changed' : 'same'}:${paths}` : `stage:${up.strict}:${paths}`);
            tokensLoose.push(known?.changed ? `stage:changed:${paths}` : `stage:*:${paths}`);
            break;
          }
          case 'image':
            tokensStrict.push(`image:${src.ref}`);
            tokensLoose.push(`image:${src.ref}`);
            break;
          default:
            break;
        }
      }
      // COPY --link (current BuildKit): the copy is made on an empty layer and merged onto the
      // chain, so its own key holds no parent; the steps after it see the merge of both.
      const linked = (step.keyword === 'COPY' || step.keyword === 'ADD') && (step.instruction as { link?: boolean }).link === true;
      const keys: StepKeys = {
        parentStrict: strict,
        parentLoose: loose,
        strict: linked ? digest('link', def, ...tokensStrict) : digest(strict, def, ...tokensStrict),
        loose: linked ? digest('link', def, ...tokensLoose) : digest(loose, def, ...tokensLoose),
      };
      steps.set(step, keys);
      strict = linked ? digest('merge', strict, keys.strict) : keys.strict;
      loose = linked ? digest('merge', loose, keys.loose) : keys.loose;
    }
    stageEnd.set(si, { strict, loose });
  }
  return { steps, stageEnd };
}

