/**
 * A transform plans a restructuring as text edits over the finished model; it never writes.
 * Each says how safe it is: `safe` keeps the final image's files and config (checked by
 * `layerwise verify` in the tests), `unsafe` may change them and runs only with `--unsafe`.
 */
import type { BuildContext } from '../context/index.js';
import type { BuildGraph } from '../graph/graph.js';
import type { TextEdit } from './edits.js';

export interface TransformContext {
  graph: BuildGraph;
  context?: BuildContext;
}

export interface Plan {
  edits: TextEdit[];
  /** One line per change, for people: what moved where and why. */
  notes: string[];
  /** What the transform would have done but did not, and why (outputs not known, ...). */
  declined: string[];
}

export interface Transform {
  name: string;
  safety: 'safe' | 'unsafe';
  description: string;
  plan(ctx: TransformContext): Plan;
}

export function defineTransform(t: Transform): Transform {
  return t;
}
