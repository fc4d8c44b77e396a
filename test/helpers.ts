import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project root, found from the compiled test file (dist/test/...). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Fixtures live in the source tree, not in dist/. */
export const fixturesDir = path.join(projectRoot, 'test', 'fixtures');
/** The shared examples beside the project (read-only). */
export const sharedDir = path.resolve(projectRoot, '..', 'shared');
