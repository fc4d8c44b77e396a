/** Every transform, in the order they are planned. A transform is added here and nowhere else. */
import type { Transform } from '../define.js';
import lateSourceCopy from './late-source-copy.js';
import parallelStages from './parallel-stages.js';

export const TRANSFORMS: Transform[] = [lateSourceCopy, parallelStages];
