/**
 * The version of layerwise, from its package.json: one place for `layerwise --version`, SARIF's
 * tool version and the API. Read at run time (dist/src/version.js is two folders below the
 * package root in the repository and in an installed package alike), not copied into the code.
 */
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
