import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** A file's text, or an object for a mode, a symlink or an empty directory. */
export type Node = string | { text: string; mode: number } | { symlink: string } | { dir: true; mode?: number };

/**
 * Writes a mini build context into a fresh temp directory and removes it after the test.
 * Keys are POSIX paths; parent directories are created.
 */
export async function makeContext(t: TestContext, tree: Record<string, Node>): Promise<string> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'layerwise-ctx-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = path.join(base, 'ctx');
  await mkdir(root);
  for (const [rel, node] of Object.entries(tree)) {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof node === 'string') await writeFile(abs, node);
    else if ('symlink' in node) await symlink(node.symlink, abs);
    else if ('dir' in node) {
      await mkdir(abs, { recursive: true });
      if (node.mode !== undefined) await chmod(abs, node.mode);
    } else {
      await writeFile(abs, node.text);
      await chmod(abs, node.mode);
    }
  }
  return root;
}

/** Paths of entries, for compact assertions. */
export function paths(entries: readonly { path: string }[]): string[] {
  return entries.map((e) => e.path);
}
