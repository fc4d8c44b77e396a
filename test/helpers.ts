import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

let unprivilegedMain: string | undefined;

/**
 * The CLI as a user without privileges runs it (uid/gid 65534), for what root is never refused
 * (a read-only folder). The child runs a copy of the compiled code and its runtime dependencies
 * in a folder everyone can enter: the project itself may sit where only root can (a clone under
 * `mktemp -d`). Undefined when this process cannot switch users (not root): then the test runs
 * the CLI itself, which the permission bits already refuse.
 */
export function unprivilegedCli(): { main: string; uid: number; gid: number; env: NodeJS.ProcessEnv } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (!unprivilegedMain) {
    const root = tempDir('layerwise-unprivileged-');
    chmodSync(root, 0o755);
    cpSync(path.join(projectRoot, 'dist', 'src'), path.join(root, 'dist', 'src'), { recursive: true });
    cpSync(path.join(projectRoot, 'package.json'), path.join(root, 'package.json'));
    // The runtime dependencies and what they need: node_modules without the compiler and types.
    for (const name of readdirSync(path.join(projectRoot, 'node_modules'))) {
      if (name === 'typescript' || name === '@types' || name === '.bin' || name.startsWith('.')) continue;
      cpSync(path.join(projectRoot, 'node_modules', name), path.join(root, 'node_modules', name), { recursive: true });
    }
    unprivilegedMain = path.join(root, 'dist', 'src', 'cli', 'main.js');
  }
  // A home of its own: root's (the inherited HOME) cannot be entered, and profiles live under it.
  const home = path.join(path.dirname(path.dirname(path.dirname(path.dirname(unprivilegedMain)))), 'home');
  mkdirSync(home, { recursive: true });
  chownSync(home, 65534, 65534);
  return { main: unprivilegedMain, uid: 65534, gid: 65534, env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') } };
}

/**
 * One `layerwise ...` line of a README example, as a shell would run it: the `# ...` comment
 * dropped, leading `NAME=value` words taken as the environment. Throws on a line that does not
 * run layerwise, so an example that changes shape fails its test instead of running nothing.
 */
export function readmeCommand(line: string): { args: string[]; env: Record<string, string> } {
  const words = line.replace(/#.*$/, '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length && /^[A-Z_]+=/.test(words[0]!)) {
    const [k, v] = words.shift()!.split('=');
    env[k!] = v!;
  }
  if (words.shift() !== 'layerwise') throw new Error(`not a layerwise command: ${line}`);
  return { args: words, env };
}
