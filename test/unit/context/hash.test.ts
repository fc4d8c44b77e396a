import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, chown, lchown, mkdir, rename, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { combinedDigest, hashEntries, openContext, walkContext } from '../../../src/context/index.js';
import { makeContext, type Node } from './fixture.js';

type T = Parameters<typeof makeContext>[0];

/** Digest of everything in the context at `root`, from a fresh snapshot. */
async function contextDigest(root: string): Promise<string> {
  const ctx = await openContext(root, path.join(root, 'Dockerfile'));
  return ctx.digest(ctx.entries);
}

async function digestBeforeAfter(t: T, tree: Record<string, Node>, change: (root: string) => Promise<void>): Promise<[string, string]> {
  const root = await makeContext(t, { Dockerfile: 'FROM scratch', ...tree });
  const before = await contextDigest(root);
  await change(root);
  return [before, await contextDigest(root)];
}

describe('content digests', () => {
  it('change when a file’s bytes change', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { 'app.py': 'print(1)' }, (root) => writeFile(path.join(root, 'app.py'), 'print(2)'));
    assert.notEqual(before, after);
  });

  it('change when a file’s permission bits change', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { 'run.sh': { text: 'x', mode: 0o644 } }, (root) => chmod(path.join(root, 'run.sh'), 0o755));
    assert.notEqual(before, after);
  });

  it('change when a directory’s permission bits change', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { 'd/f': 'x' }, (root) => chmod(path.join(root, 'd'), 0o700));
    assert.notEqual(before, after);
  });

  it('do not change when only the modification time changes', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { 'app.py': 'print(1)', 'd/f': 'x' }, async (root) => {
      const past = new Date('2001-02-03T04:05:06Z');
      await utimes(path.join(root, 'app.py'), past, past);
      await utimes(path.join(root, 'd'), past, past);
    });
    assert.equal(before, after);
  });

  it('do not change when only the owner changes (BuildKit resets uid/gid of the context)', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('changing owners needs root');
      return;
    }
    const [before, after] = await digestBeforeAfter(t, { 'app.py': 'x', link: { symlink: 'app.py' } }, async (root) => {
      await chown(path.join(root, 'app.py'), 1234, 5678);
      await lchown(path.join(root, 'link'), 1234, 5678);
    });
    assert.equal(before, after);
  });

  it('change when a symlink is retargeted, even to identical content', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { a: 'same', b: 'same', link: { symlink: 'a' } }, async (root) => {
      await unlink(path.join(root, 'link'));
      await symlink('b', path.join(root, 'link'));
    });
    assert.notEqual(before, after);
  });

  it('change when a file is renamed', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { 'a.txt': 'x' }, (root) => rename(path.join(root, 'a.txt'), path.join(root, 'b.txt')));
    assert.notEqual(before, after);
  });

  it('change when an empty directory appears', async (t) => {
    const [before, after] = await digestBeforeAfter(t, { 'a.txt': 'x' }, (root) => mkdir(path.join(root, 'new')));
    assert.notEqual(before, after);
  });

  it('do not depend on the order entries are given in', async (t) => {
    const root = await makeContext(t, { a: '1', 'b/c': '2', 'b/d': '3', e: { symlink: 'a' } });
    const entries = await walkContext(root);
    const digests = await hashEntries(root, entries);
    assert.equal(combinedDigest(entries, digests), combinedDigest([...entries].reverse(), digests));
  });

  it('are the same whatever the number of files read at once', async (t) => {
    const tree: Record<string, Node> = {};
    for (let i = 0; i < 120; i++) tree[`d${i % 7}/f${i}`] = 'x'.repeat(i * 997);
    const root = await makeContext(t, tree);
    const entries = await walkContext(root);
    const one = combinedDigest(entries, await hashEntries(root, entries, { concurrency: 1 }));
    const many = combinedDigest(entries, await hashEntries(root, entries, { concurrency: 64 }));
    assert.equal(one, many);
  });

  it('hash a file larger than the read buffer by streaming all of it', async (t) => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    big[big.length - 1] = 1; // a change in the last chunk must be seen
    const root = await makeContext(t, {});
    await writeFile(path.join(root, 'big.bin'), big);
    const entries = await walkContext(root);
    const first = (await hashEntries(root, entries)).get('big.bin');
    big[big.length - 1] = 2;
    await writeFile(path.join(root, 'big.bin'), big);
    const second = (await hashEntries(root, entries)).get('big.bin');
    assert.notEqual(first, second);
    // And the content part is the plain sha256 of the bytes.
    const expected = createHash('sha256').update('file\0').update('644\0').update(createHash('sha256').update(big).digest('hex')).digest('hex');
    assert.equal(second, 'sha256:' + expected);
  });
});
