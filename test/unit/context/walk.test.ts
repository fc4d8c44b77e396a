import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { parseDockerignore } from '../../../src/context/dockerignore.js';
import { openContext, walkContext } from '../../../src/context/index.js';
import { projectRoot } from '../../helpers.js';
import { makeContext, paths, type Node } from './fixture.js';

async function walk(t: Parameters<typeof makeContext>[0], tree: Record<string, Node>, ignore = ''): Promise<string[]> {
  const root = await makeContext(t, tree);
  return paths(await walkContext(root, parseDockerignore(ignore).matcher));
}

describe('walking a context', () => {
  it('lists everything, directories before their contents, in Go byte order', async (t) => {
    assert.deepEqual(await walk(t, { 'b/x': '', a: '', 'a-c': '', 'B/y': '' }), ['B', 'B/y', 'a', 'a-c', 'b', 'b/x']);
  });

  it('records permission bits, size and link targets', async (t) => {
    const root = await makeContext(t, { 'run.sh': { text: '#!/bin/sh\n', mode: 0o4755 }, link: { symlink: 'run.sh' }, 'empty/': { dir: true, mode: 0o700 } });
    const entries = await walkContext(root);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.deepEqual(byPath.get('run.sh'), { path: 'run.sh', type: 'file', mode: 0o4755, size: 10 });
    assert.equal(byPath.get('link')?.type, 'symlink');
    assert.equal(byPath.get('link')?.linkTarget, 'run.sh');
    assert.equal(byPath.get('empty')?.type, 'dir');
    assert.equal(byPath.get('empty')?.mode, 0o700);
  });

  it('lists a symlink to a directory as a link and does not walk through it', async (t) => {
    assert.deepEqual(await walk(t, { 'real/f': '', alias: { symlink: 'real' }, out: { symlink: '/etc' } }), ['alias', 'out', 'real', 'real/f']);
  });

  it('skips paths matched by .dockerignore, and everything below an ignored directory', async (t) => {
    assert.deepEqual(await walk(t, { 'node_modules/x/y.js': '', 'src/a.js': '', 'a.log': '', 'src/b.log': '' }, 'node_modules\n*.log'), ['src', 'src/a.js', 'src/b.log']);
  });

  it('matches ** at any depth, including the root, keeping the directories it empties', async (t) => {
    assert.deepEqual(await walk(t, { 'a.log': '', 'x/b.log': '', 'x/y/c.log': '', 'x/keep': '' }, '**/*.log'), ['x', 'x/keep', 'x/y']);
  });

  it('is case-sensitive, as Docker is on Linux', async (t) => {
    assert.deepEqual(await walk(t, { 'README.md': '', 'readme.md': '' }, 'README.md'), ['readme.md']);
  });

  it('re-includes a file inside an excluded directory, sending the directory as its parent', async (t) => {
    assert.deepEqual(await walk(t, { 'docs/a.md': '', 'docs/README.md': '', 'docs/sub/x': '', other: '' }, 'docs\n!docs/README.md'), [
      'docs',
      'docs/README.md',
      'other',
    ]);
  });

  it('re-includes through a glob exception several levels down', async (t) => {
    assert.deepEqual(await walk(t, { 'a/b/c/keep.txt': '', 'a/b/c/drop.bin': '', 'a/z.bin': '' }, 'a\n!**/*.txt'), ['a', 'a/b', 'a/b/c', 'a/b/c/keep.txt']);
  });

  it('lets the last matching pattern win', async (t) => {
    const tree = { 'README.md': '', 'README-secret.md': '', 'CHANGES.md': '' };
    assert.deepEqual(await walk(t, tree, '*.md\n!README*.md\nREADME-secret.md'), ['README.md']);
    assert.deepEqual(await walk(t, tree, '*.md\nREADME-secret.md\n!README*.md'), ['README-secret.md', 'README.md']);
  });

  it('ignores everything but the exceptions when the file starts with *', async (t) => {
    assert.deepEqual(await walk(t, { 'src/a.py': '', 'pyproject.toml': '', '.git/HEAD': '', 'notes.txt': '' }, '*\n!src\n!pyproject.toml'), ['pyproject.toml', 'src', 'src/a.py']);
  });

  it('does not re-include a file through a later exception that names only its directory, as the fsutil walker does', async (t) => {
    // The walker skips `!src` at `src` (nothing matched yet) and so never carries it down;
    // the stateless MatchesOrParentMatches would re-include src/a.py.
    const tree = { 'src/a.py': '', 'src/b.txt': '', 'lib/c.py': '' };
    assert.deepEqual(await walk(t, tree, 'src/*.py\n!src'), ['lib', 'lib/c.py', 'src', 'src/b.txt']);
    assert.equal(parseDockerignore('src/*.py\n!src').matcher?.matchesOrParentMatches('src/a.py'), false);
    // An exception that reaches the file itself does re-include it.
    assert.deepEqual(await walk(t, tree, 'src/*.py\n!src/**'), ['lib', 'lib/c.py', 'src', 'src/a.py', 'src/b.txt']);
  });

  it('keeps a/b under a, !a/b, a, as the fsutil walker does', async (t) => {
    assert.deepEqual(await walk(t, { 'a/b': '', 'a/c': '' }, 'a\n!a/b\na'), ['a', 'a/b']);
  });

  it('raises InputError for a context that is not a directory', async (t) => {
    const root = await makeContext(t, { file: 'x' });
    await assert.rejects(walkContext(path.join(root, 'file')), (e: unknown) => e instanceof InputError && /not a directory/.test(e.message));
    await assert.rejects(walkContext(path.join(root, 'absent')), InputError);
  });
});

/**
 * Root reads anything whatever the permission bits, and tests run as root here, so the
 * unreadable cases run in a child process as an unprivileged user (or in-process when not root).
 */
async function asUnprivileged(root: string, dockerfile: string, digest: boolean): Promise<{ ok: boolean; message?: string; file?: string }> {
  // The child runs a copy of the compiled code beside the context: the project itself may sit
  // in a folder only root can enter (a clone under `mktemp -d`). It needs node's modules only.
  const code = path.join(path.dirname(root), 'code');
  if (process.getuid?.() === 0) {
    cpSync(path.join(projectRoot, 'dist', 'src'), code, { recursive: true });
    writeFileSync(path.join(code, 'package.json'), '{ "type": "module" }\n');
  }
  const script = `
    import { openContext } from ${JSON.stringify(path.join(code, 'context', 'index.js'))};
    try {
      const ctx = await openContext(${JSON.stringify(root)}, ${JSON.stringify(dockerfile)});
      if (${digest}) await ctx.digest(ctx.entries);
      console.log(JSON.stringify({ ok: true }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, message: e.message, file: e.file, name: e.name }));
    }`;
  if (process.getuid?.() !== 0) {
    const { openContext } = await import('../../../src/context/index.js');
    try {
      const ctx = await openContext(root, dockerfile);
      if (digest) await ctx.digest(ctx.entries);
      return { ok: true };
    } catch (e) {
      return { ok: false, message: (e as Error).message, file: (e as InputError).file };
    }
  }
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

async function openUp(root: string): Promise<void> {
  // mkdtemp makes 0700 directories; the unprivileged user must reach the context.
  await chmod(path.dirname(root), 0o755);
  await chmod(root, 0o755);
}

describe('unreadable paths', () => {
  it('raises InputError naming a directory that cannot be read', async (t) => {
    const root = await makeContext(t, { Dockerfile: '', 'locked/f': 'x' });
    await openUp(root);
    await chmod(path.join(root, 'locked'), 0o000);
    const result = await asUnprivileged(root, path.join(root, 'Dockerfile'), false);
    assert.equal(result.ok, false);
    assert.match(result.message ?? '', /cannot read directory locked/);
    assert.equal(result.file, path.join(root, 'locked'));
  });

  it('ignores an unreadable directory that .dockerignore excludes, like fsutil', async (t) => {
    const root = await makeContext(t, { Dockerfile: '', '.dockerignore': 'locked\n!locked/keep\n', 'locked/f': 'x', ok: 'y' });
    await openUp(root);
    await chmod(path.join(root, 'locked'), 0o000);
    const result = await asUnprivileged(root, path.join(root, 'Dockerfile'), true);
    assert.deepEqual(result, { ok: true });
  });

  it('raises InputError naming a file that cannot be read when it is hashed', async (t) => {
    const root = await makeContext(t, { Dockerfile: '', 'secret.key': { text: 'k', mode: 0o000 } });
    await openUp(root);
    const result = await asUnprivileged(root, path.join(root, 'Dockerfile'), true);
    assert.equal(result.ok, false);
    assert.match(result.message ?? '', /cannot read secret\.key/);
    assert.equal(result.file, path.join(root, 'secret.key'));
  });
});

describe('the walk as seen through openContext', () => {
  it('applies the chosen ignore file', async (t) => {
    const root = await makeContext(t, { Dockerfile: '', '.dockerignore': '*.pyc\n', 'a.py': '', 'a.pyc': '' });
    const ctx = await openContext(root, path.join(root, 'Dockerfile'));
    assert.deepEqual(paths(ctx.entries), ['.dockerignore', 'Dockerfile', 'a.py']);
  });
});
