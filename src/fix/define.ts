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
  /**
   * Image paths a transform changes on purpose (an `unsafe` one: a cache kept out of the image;
   * late-source-copy, a safe one: a lockfile npm may have rewritten, see its relockedLockfiles), as
   * patterns of the verify allow-list (src/verify/allow.ts): `fix --verify` does not count
   * differences there, and the report names them.
   */
  accepts?: Accepted[];
}

/** An image path a plan knowingly changes: a glob as `allowList()` reads it, and why. */
export interface Accepted {
  path: string;
  /** Only this kind of change is accepted (default: any). */
  change?: 'added' | 'removed' | 'changed';
  reason: string;
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
