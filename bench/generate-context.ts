/**
 * A large generated build context for the benches: nested folders, mixed file sizes (mostly
 * small, some large), and every tenth folder a node_modules that the .dockerignore drops.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Where to generate: /dev/shm when there is one (else the OS temp dir; BENCH_DIR overrides).
 * Fresh files are read from the page cache either way; a disk only adds writeback noise.
 */
export function benchParent(): string {
  return process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
}

const PER_DIR = 40;
const IGNORED_SHARE = 10; // every 10th directory is a node_modules the .dockerignore drops

/** Mostly small files, some medium, a few large: roughly a source tree with assets. */
function sizeOf(i: number): number {
  if (i % 2000 === 0) return 1024 * 1024;
  if (i % 100 === 0) return 64 * 1024;
  return 100 + ((i * 7919) % 3000);
}

/** Writes `files` files under `root` in nested folders, a .dockerignore and a Dockerfile. */
export async function generateContext(root: string, files: number, dockerfile: string): Promise<{ bytes: number; dirs: number }> {
  const chunk = Buffer.alloc(1024 * 1024, 'layerwise ');
  let bytes = 0;
  const dirs = Math.ceil(files / PER_DIR);
  for (let d = 0; d < dirs; d++) {
    const dir = d % IGNORED_SHARE === 0 ? path.join(root, `pkg${d % 97}`, 'node_modules', `m${d}`) : path.join(root, `pkg${d % 97}`, `src${d % 13}`, `mod${d}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let f = 0; f < PER_DIR && d * PER_DIR + f < files; f++) {
      const i = d * PER_DIR + f;
      const size = sizeOf(i);
      bytes += size;
      writes.push(writeFile(path.join(dir, `file${f}.${f % 3 === 0 ? 'py' : 'txt'}`), chunk.subarray(0, size)));
    }
    await Promise.all(writes);
  }
  await writeFile(path.join(root, '.dockerignore'), '**/node_modules\n*.log\n!keep.log\n');
  await writeFile(path.join(root, 'Dockerfile'), dockerfile);
  return { bytes, dirs };
}

