/**
 * `explain --since REF`: the context paths git says differ from REF in the working tree —
 * committed, staged and unstaged changes, and untracked files. Git-ignored files are listed
 * too: git's ignore rules are not Docker's, and only `.dockerignore` decides what is sent.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../core/errors.js';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new InputError(`--since: git ${args[0]} failed: ${(err.stderr || err.message).trim().split('\n')[0]}`);
  }
}

/**
 * The bytes of `file` (absolute) as it was at `ref`, or null when it did not exist there: the
 * previous build's Dockerfile when a pull request edits it.
 */
export async function fileAtRef(file: string, ref: string): Promise<Buffer | null> {
  const dir = path.dirname(file);
  await git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  // `REF:./NAME` is NAME relative to the working directory, whatever the path of the repository.
  const spec = `${ref}:./${path.basename(file)}`;
  try {
    await run('git', ['cat-file', '-e', spec], { cwd: dir });
  } catch {
    return null;
  }
  try {
    const { stdout } = await run('git', ['cat-file', 'blob', spec], { cwd: dir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return stdout as unknown as Buffer;
  } catch (e) {
    throw new InputError(`--since: git cat-file failed: ${((e as Error).message).trim().split('\n')[0]}`);
  }
}

/** Paths under `contextDir` (relative to it, POSIX) that changed since `ref`. */
export async function changedSince(contextDir: string, ref: string): Promise<string[]> {
  const top = (await git(contextDir, ['rev-parse', '--show-toplevel'])).trim();
  await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const diff = await git(top, ['diff', '--name-only', '--no-renames', '-z', ref, '--']);
  const untracked = await git(top, ['ls-files', '--others', '-z', '--', path.relative(top, contextDir) || '.']);
  const files = [...diff.split('\0'), ...untracked.split('\0')].filter(Boolean);
  const out = new Set<string>();
  for (const f of files) {
    const rel = path.relative(contextDir, path.join(top, f));
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    out.add(rel.split(path.sep).join('/'));
  }
  return [...out].sort();
}
