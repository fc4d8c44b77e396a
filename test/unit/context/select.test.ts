import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { openContext, type BuildContext } from '../../../src/context/index.js';
import { makeContext, paths, type Node } from './fixture.js';

type T = Parameters<typeof makeContext>[0];

async function open(t: T, tree: Record<string, Node>): Promise<BuildContext> {
  const root = await makeContext(t, { Dockerfile: 'FROM scratch', ...tree });
  return openContext(root, path.join(root, 'Dockerfile'));
}

const python = {
  '.dockerignore': '**/__pycache__\n.venv\n',
  'python/pyproject.toml': '[project]',
  'python/src/app/__init__.py': '',
  'python/src/app/main.py': 'print()',
  'python/src/app/__pycache__/main.pyc': '',
  'python/README.md': '',
  '.venv/bin/python': '',
  'a.txt': '',
  'b.txt': '',
  'notes/c.txt': '',
};

describe('selecting COPY sources', () => {
  it('reads a single file', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(paths(ctx.select(['python/pyproject.toml']).entries), ['python/pyproject.toml']);
  });

  it('reads a directory recursively, without what .dockerignore excluded', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(paths(ctx.select(['python/src']).entries), ['python/src', 'python/src/app', 'python/src/app/__init__.py', 'python/src/app/main.py']);
  });

  it('ignores a trailing slash and ./ on a source', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(ctx.select(['python/']).entries, ctx.select(['./python']).entries);
  });

  it('reads the whole context for .', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(ctx.select(['.']).entries, ctx.entries.slice().sort((a, b) => (a.path < b.path ? -1 : 1)));
    assert.equal(ctx.select(['.']).files.some((f) => f.path.startsWith('.venv')), false);
  });

  it('matches * within one path segment only', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(paths(ctx.select(['*.txt']).entries), ['a.txt', 'b.txt']);
  });

  it('treats ** in a COPY source as a plain * (no recursion), unlike .dockerignore', async (t) => {
    const ctx = await open(t, { 'src/a/x': '', 'src/a/b/x': '', 'src/x': '' });
    assert.deepEqual(paths(ctx.select(['src/**/x']).entries), ['src/a/x']);
    assert.deepEqual(ctx.select(['src/**/x']).entries, ctx.select(['src/*/x']).entries);
  });

  it('takes a directory matched by a glob whole', async (t) => {
    const ctx = await open(t, { 'pkg/one/a': '', 'pkg/one/sub/b': '', 'pkg/two/c': '', 'pkg/file': '' });
    assert.deepEqual(paths(ctx.select(['pkg/o*']).entries), ['pkg/one', 'pkg/one/a', 'pkg/one/sub', 'pkg/one/sub/b']);
  });

  it('supports ? and character classes', async (t) => {
    const ctx = await open(t, { 'f1.txt': '', 'f2.txt': '', 'f10.txt': '', 'g1.txt': '' });
    assert.deepEqual(paths(ctx.select(['f?.txt']).entries), ['f1.txt', 'f2.txt']);
    assert.deepEqual(paths(ctx.select(['[fg]1.txt']).entries), ['f1.txt', 'g1.txt']);
  });

  it('merges several sources without duplicates', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(paths(ctx.select(['a.txt', '*.txt', 'a.txt']).entries), ['a.txt', 'b.txt']);
  });

  it('reports a missing plain source as failing the build, and says when .dockerignore is why', async (t) => {
    const ctx = await open(t, python);
    const sel = ctx.select(['requirements.txt', '.venv/bin/python', 'a.txt']);
    assert.deepEqual(paths(sel.entries), ['a.txt']);
    assert.deepEqual(
      sel.missing.map((m) => [m.source, m.reason, m.failsBuild, m.ignored]),
      [
        ['requirements.txt', 'not-found', true, false],
        ['.venv/bin/python', 'not-found', true, true],
      ],
    );
  });

  it('reports a glob that matches nothing without failing the build (AllowEmptyWildcard)', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(ctx.select(['requirements*.txt']).missing.map((m) => [m.reason, m.failsBuild]), [['no-match', false]]);
  });

  it('reports a glob below an absent directory as failing the build', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(ctx.select(['fixtures/*.sql']).missing.map((m) => [m.reason, m.failsBuild]), [['base-not-found', true]]);
  });

  it('reports a malformed glob', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(ctx.select(['a[.txt']).missing.map((m) => [m.reason, m.failsBuild]), [['bad-pattern', true]]);
  });

  it('keeps .. from leaving the context: the path is clamped at the root and reported', async (t) => {
    const ctx = await open(t, { 'inside.txt': 'in' });
    await writeFile(path.join(path.dirname(ctx.root), 'secret.txt'), 'outside');
    const escaped = ctx.select(['../secret.txt']);
    assert.deepEqual(escaped.entries, []);
    assert.deepEqual(escaped.outside, ['../secret.txt']);
    assert.deepEqual(escaped.missing.map((m) => m.reason), ['not-found']);
    // BuildKit joins the source to "/": ../inside.txt reads the context's inside.txt.
    const clamped = ctx.select(['../inside.txt']);
    assert.deepEqual(paths(clamped.entries), ['inside.txt']);
    assert.deepEqual(clamped.outside, ['../inside.txt']);
    assert.deepEqual(ctx.select(['sub/../inside.txt']).outside, []);
  });

  it('follows a symlink given as the source, within the context', async (t) => {
    const ctx = await open(t, { 'real/a': '', 'real/b': '', current: { symlink: 'real' }, abs: { symlink: '/real/a' } });
    assert.deepEqual(paths(ctx.select(['current']).entries), ['current', 'real', 'real/a', 'real/b']);
    // An absolute target starts again at the context root, not the host's.
    assert.deepEqual(paths(ctx.select(['abs']).entries), ['abs', 'real/a']);
  });

  it('keeps symlinks inside a copied directory as links, without reading their targets', async (t) => {
    const ctx = await open(t, { 'dir/link': { symlink: '../big' }, big: 'data' });
    assert.deepEqual(paths(ctx.select(['dir']).entries), ['dir', 'dir/link']);
  });

  it('reports a symlink pointing outside the context as not found: its target is looked up inside', async (t) => {
    const ctx = await open(t, { tool: { symlink: '/opt/tool/bin' }, up: { symlink: '../../outside' } });
    assert.deepEqual(ctx.select(['tool', 'up']).missing.map((m) => m.reason), ['not-found', 'not-found']);
  });

  it('reports a symlink loop as a source that fails the build, naming the link, instead of throwing', async (t) => {
    const ctx = await open(t, { a: { symlink: 'b' }, b: { symlink: 'a' }, self: { symlink: 'self/x' }, 'ok.txt': '' });
    const loop = ctx.select(['a', 'ok.txt']);
    assert.deepEqual(loop.missing.map((m) => [m.source, m.reason, m.failsBuild]), [['a', 'symlink-loop', true]]);
    assert.ok(loop.missing[0].loop === 'a' || loop.missing[0].loop === 'b');
    assert.deepEqual(paths(loop.files), ['ok.txt']);
    assert.deepEqual(ctx.select(['self']).missing.map((m) => m.reason), ['symlink-loop']);
    assert.deepEqual(ctx.selectBindMount('b').missing.map((m) => m.reason), ['symlink-loop']);
    assert.deepEqual(ctx.select(['a/*']).missing.map((m) => m.reason), ['symlink-loop']);
  });

  it('finds a loop in a link named like the start of its own absolute target', async (t) => {
    // Inside the context /etc/passwd resolves through etc itself.
    const ctx = await open(t, { etc: { symlink: '/etc/passwd' } });
    assert.deepEqual(ctx.select(['etc']).missing.map((m) => m.reason), ['symlink-loop']);
  });
});

describe('COPY --exclude', () => {
  const tree = { 'app/main.py': '', 'app/README.md': '', 'app/docs/guide.md': '', 'app/docs/keep.md': '', 'top.md': '' };

  it('matches patterns against paths relative to each source', async (t) => {
    const ctx = await open(t, tree);
    assert.deepEqual(paths(ctx.select(['app'], { exclude: ['*.md'] }).entries), ['app', 'app/docs', 'app/docs/guide.md', 'app/docs/keep.md', 'app/main.py']);
    assert.deepEqual(paths(ctx.select(['app'], { exclude: ['**/*.md'] }).entries), ['app', 'app/docs', 'app/main.py']);
  });

  it('excludes a directory with its contents and re-includes through an exception', async (t) => {
    const ctx = await open(t, tree);
    assert.deepEqual(paths(ctx.select(['app'], { exclude: ['docs'] }).entries), ['app', 'app/README.md', 'app/main.py']);
    assert.deepEqual(paths(ctx.select(['app'], { exclude: ['docs', '!docs/keep.md'] }).entries), ['app', 'app/README.md', 'app/docs', 'app/docs/keep.md', 'app/main.py']);
  });

  it('never excludes the source itself', async (t) => {
    const ctx = await open(t, tree);
    assert.deepEqual(paths(ctx.select(['top.md'], { exclude: ['*.md'] }).entries), ['top.md']);
    assert.deepEqual(paths(ctx.select(['*.md'], { exclude: ['*.md'] }).entries), ['top.md']);
  });

  it('rejects a malformed pattern with InputError', async (t) => {
    const ctx = await open(t, tree);
    assert.throws(() => ctx.select(['app'], { exclude: ['['] }), InputError);
  });
});

describe('RUN bind mounts', () => {
  it('read the whole context by default', async (t) => {
    const ctx = await open(t, python);
    assert.deepEqual(ctx.selectBindMount().entries, ctx.select(['.']).entries);
  });

  it('read their source like a plain COPY source, without globbing', async (t) => {
    const ctx = await open(t, { 'req/a.txt': '', 'req/b.txt': '', 'req/*.txt': 'literal' });
    assert.deepEqual(paths(ctx.selectBindMount('req').entries), ['req', 'req/*.txt', 'req/a.txt', 'req/b.txt']);
    assert.deepEqual(paths(ctx.selectBindMount('req/*.txt').entries), ['req/*.txt']);
    assert.deepEqual(ctx.selectBindMount('nope').missing.map((m) => [m.reason, m.failsBuild]), [['not-found', true]]);
  });
});

describe('did anything a COPY reads change', () => {
  it('answers by comparing digests of the selection', async (t) => {
    const root = await makeContext(t, { Dockerfile: 'FROM scratch', 'python/pyproject.toml': 'v1', 'python/src/app.py': 'a' });
    const digestOf = async (sources: string[]): Promise<string> => {
      const ctx = await openContext(root, path.join(root, 'Dockerfile'));
      return ctx.digest(ctx.select(sources).entries);
    };
    const deps = await digestOf(['python/pyproject.toml']);
    const code = await digestOf(['python/']);
    await writeFile(path.join(root, 'python/src/app.py'), 'b');
    assert.equal(await digestOf(['python/pyproject.toml']), deps, 'a code change leaves the dependency layer valid');
    assert.notEqual(await digestOf(['python/']), code, 'a code change invalidates the COPY of the code');
  });
});
