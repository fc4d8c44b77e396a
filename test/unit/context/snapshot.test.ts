import assert from 'node:assert/strict';
import { mkdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { carriedFiles, stillFresh } from '../../../src/context/snapshot.js';
import { walkRecorded, type WalkRecord } from '../../../src/context/walk.js';
import { makeContext, paths } from './fixture.js';

type T = Parameters<typeof makeContext>[0];

const TREE = { Dockerfile: 'FROM scratch\nCOPY . /app\n', 'src/app.py': 'print(1)\n', 'src/lib/util.py': 'x = 1\n', 'README.md': 'hi\n' };

async function open(root: string) {
  const ctx = await openContext(root, path.join(root, 'Dockerfile'));
  return { ctx, digest: await ctx.digest(ctx.entries), paths: paths(ctx.entries) };
}

/** A walk whose stamps are all old enough to be trusted (none racy): the stamp-only path. */
async function trustedWalk(root: string): Promise<WalkRecord> {
  const r = await walkRecorded(root);
  r.startedAt = Date.now() + 60_000;
  for (const d of r.dirs) delete d.names;
  return r;
}

describe('contexts opened again in one process', () => {
  it('reuse the walk while nothing changed on disk', async (t) => {
    const root = await makeContext(t, TREE);
    const a = await open(root);
    const b = await open(root);
    assert.equal(b.ctx, a.ctx);
    assert.equal(b.digest, a.digest);
  });

  it('see an edited file (new size and time stamps)', async (t) => {
    const root = await makeContext(t, TREE);
    const a = await open(root);
    await writeFile(path.join(root, 'src/app.py'), 'print(1000)\n');
    const b = await open(root);
    assert.notEqual(b.digest, a.digest);
    assert.equal(b.ctx.get('src/app.py')?.size, 'print(1000)\n'.length);
  });

  it('see an edit of the same size with the old modification time put back', async (t) => {
    const root = await makeContext(t, TREE);
    const file = path.join(root, 'src/app.py');
    const past = new Date('2001-02-03T04:05:06Z');
    await utimes(file, past, past);
    const a = await open(root);
    await writeFile(file, 'print(2)\n');
    await utimes(file, past, past);
    const b = await open(root);
    assert.notEqual(b.digest, a.digest);
  });

  it('see an added file and a removed one', async (t) => {
    const root = await makeContext(t, TREE);
    const a = await open(root);
    await writeFile(path.join(root, 'src/lib/new.py'), 'y = 2\n');
    const b = await open(root);
    assert.ok(b.paths.includes('src/lib/new.py'));
    assert.notEqual(b.digest, a.digest);
    await unlink(path.join(root, 'README.md'));
    const c = await open(root);
    assert.ok(!c.paths.includes('README.md'));
    assert.deepEqual(c.paths.filter((p) => p !== 'src/lib/new.py'), a.paths.filter((p) => p !== 'README.md'));
  });

  it('see a changed .dockerignore', async (t) => {
    const root = await makeContext(t, { ...TREE, '.dockerignore': 'README.md\n' });
    const a = await open(root);
    assert.ok(!a.paths.includes('README.md'));
    await writeFile(path.join(root, '.dockerignore'), 'src/lib\n');
    const b = await open(root);
    assert.ok(b.paths.includes('README.md'));
    assert.ok(!b.paths.some((p) => p.startsWith('src/lib')));
    assert.equal(b.ctx.isIgnored('src/lib/util.py'), true);
    await rm(path.join(root, '.dockerignore'));
    const c = await open(root);
    assert.ok(c.paths.includes('src/lib/util.py') && c.paths.includes('README.md'));
  });

  it('see a file re-included inside an excluded folder', async (t) => {
    const root = await makeContext(t, { ...TREE, '.dockerignore': 'build\n!build/keep*\n', 'build/junk.o': 'x' });
    const a = await open(root);
    assert.ok(!a.paths.includes('build/keep.txt'));
    await writeFile(path.join(root, 'build/keep.txt'), 'k');
    const b = await open(root);
    assert.ok(b.paths.includes('build/keep.txt'));
  });

  it('walk afresh when asked not to reuse', async (t) => {
    const root = await makeContext(t, TREE);
    const a = await open(root);
    const b = await openContext(root, path.join(root, 'Dockerfile'), { reuse: false });
    assert.notEqual(b, a.ctx);
    assert.equal(await b.digest(b.entries), a.digest);
  });
});

describe('a walk’s time stamps, when trusted', () => {
  it('hold while nothing changes', async (t) => {
    const root = await makeContext(t, TREE);
    assert.equal(stillFresh(await trustedWalk(root)), true);
  });

  it('show an edited file', async (t) => {
    const root = await makeContext(t, TREE);
    const r = await trustedWalk(root);
    await writeFile(path.join(root, 'README.md'), 'hello\n');
    assert.equal(stillFresh(r), false);
  });

  it('show a file added in a new folder, and a removed folder', async (t) => {
    const root = await makeContext(t, TREE);
    const r = await trustedWalk(root);
    await mkdir(path.join(root, 'docs'));
    await writeFile(path.join(root, 'docs/a.md'), 'a');
    assert.equal(stillFresh(r), false);
    const r2 = await trustedWalk(root);
    await rm(path.join(root, 'docs'), { recursive: true });
    assert.equal(stillFresh(r2), false);
  });

  it('carry the digests of unchanged files only', async (t) => {
    const root = await makeContext(t, TREE);
    const r = await trustedWalk(root);
    await writeFile(path.join(root, 'src/app.py'), 'print(3)\n');
    const next = await walkRecorded(root);
    const carried = carriedFiles(r, next);
    assert.ok(carried.has('README.md') && carried.has('src/lib/util.py'));
    assert.ok(!carried.has('src/app.py'));
  });

  it('are not trusted for a file changed as recently as the walk (its digest is not carried)', async (t) => {
    const root = await makeContext(t, TREE);
    const r = await walkRecorded(root);
    const next = await walkRecorded(root);
    assert.equal(carriedFiles(r, next).size, 0);
  });
});
