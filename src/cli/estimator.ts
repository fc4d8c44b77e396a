import type { BuildContext } from '../context/index.js';
import { contextMeasures, estimateStep } from '../timing/estimate.js';
import type { Estimator } from '../timing/predict.js';

/**
 * The estimator the commands use for steps no profile has measured: with an opened context a
 * COPY is costed by what it selects; without one (explain does not walk the context) by a
 * fixed cost.
 */
export function estimatorFor(ctx?: BuildContext): Estimator {
  const opts = ctx ? contextMeasures(ctx) : {};
  return (step) => estimateStep(step, opts);
}
