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

function digest(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 32);
}

function definitionText(step: Step): string {
  const d = stepDefinition(step);
  return JSON.stringify([step.keyword, d.fields, [...d.env].map(([k, v]) => [k, v.value]).sort()]);
}

/** Computes the keys of every executing step of the stages a graph needs. */
export function computeKeys(g: BuildGraph, contextToken: ContextToken): GraphKeys {
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
      const def = definitionText(step);
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
            const up = stageEnd.get(src.stage)!;
            tokensStrict.push(`stage:${up.strict}:${JSON.stringify(src.paths)}`);
            tokensLoose.push(`stage:*:${JSON.stringify(src.paths)}`);
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
      const keys: StepKeys = {
        parentStrict: strict,
        parentLoose: loose,
        strict: digest(strict, def, ...tokensStrict),
        loose: digest(loose, def, ...tokensLoose),
      };
      steps.set(step, keys);
      strict = keys.strict;
      loose = keys.loose;
    }
    stageEnd.set(si, { strict, loose });
  }
  return { steps, stageEnd };
}
