import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project root, found from the compiled test file (dist/test/...). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Fixtures live in the source tree, not in dist/. */
export const fixturesDir = path.join(projectRoot, 'test', 'fixtures');
/** The shared examples beside the project (read-only). */
export const sharedDir = path.resolve(projectRoot, '..', 'shared');

const made: string[] = [];
// Each test file runs in a process of its own: what it made goes when it ends, passed or not.
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh folder under the system's temp folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
