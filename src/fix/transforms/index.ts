/**
 * Every transform, in the order they are planned. A transform is added here and nowhere else.
 * split-install comes first: late-source-copy moves the installs it splits off in the same pass.
 * arg-scope comes after the moves of steps: it puts declarations next to their readers once the
 * readers have found their place.
 */
import type { Transform } from '../define.js';
import argScope from './arg-scope.js';
import cacheMounts from './cache-mounts.js';
import copyChown from './copy-chown.js';
import dedup from './dedup.js';
import lateSourceCopy from './late-source-copy.js';
import parallelStages from './parallel-stages.js';
import splitInstall from './split-install.js';

export const TRANSFORMS: Transform[] = [splitInstall, lateSourceCopy, copyChown, parallelStages, dedup, argScope, cacheMounts];
