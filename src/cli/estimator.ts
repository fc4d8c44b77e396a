import type { Estimator } from '../timing/predict.js';

/** The estimator the commands use for steps no profile has measured. */
export const estimator: Estimator = () => ({ seconds: 0, basis: 'no estimate yet' });
