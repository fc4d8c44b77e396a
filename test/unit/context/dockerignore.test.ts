import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { loadDockerignore, parseDockerignore } from '../../../src/context/dockerignore.js';
import { openContext } from '../../../src/context/index.js';
import { makeContext, paths } from './fixture.js';

function patterns(text: string): [string, number, number][] {
  return parseDockerignore(text).patterns.map((p) => [p.pattern, p.line, p.column]);
}

describe('parsing a .dockerignore', () => {
  it('keeps patterns with their line and column, skipping comments and blank lines', () => {
    assert.deepEqual(patterns('# comment\n\nnode_modules\n  *.log  \n'), [
      ['node_modules', 3, 1],
      ['*.log', 4, 3],
    ]);
  });

  it('cleans patterns and drops a leading slash, keeping ! in front (ignorefile.ReadAll)', () => {
    assert.deepEqual(
      patterns('test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\ndocs/\n./x/../y').map((p) => p[0]),
      ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', 'docs', 'y'],
    );
  });

  it('treats # as a comment only in the first column', () => {
    assert.deepEqual(patterns(' #notacomment\n#comment').map((p) => p[0]), ['#notacomment']);
  });

  it('drops the carriage return of CRLF lines and a byte-order mark on the first line', () => {
    assert.deepEqual(patterns('\ufeff*.tmp\r\nbuild\r\n').map((p) => p[0]), ['*.tmp', 'build']);
    assert.deepEqual(patterns('\ufeff# comment after BOM\nx').map((p) => p[0]), ['x']);
  });

  it('fails at the line of a lone ! like BuildKit does, instead of ignoring it', () => {
    assert.throws(
      () => parseDockerignore('ok\n\n  !  \n', '/ctx/.dockerignore'),
      (e: unknown) => e instanceof InputError && e.position?.line === 3 && e.position.column === 3 && /illegal exclusion/.test(e.message),
    );
  });

  it('fails at the line of a malformed glob', () => {
    assert.throws(
      () => parseDockerignore('a\nfoo[\n', '/ctx/.dockerignore'),
      (e: unknown) => e instanceof InputError && e.position?.line === 2 && e.file === '/ctx/.dockerignore',
    );
  });

  it('returns no matcher when the file has no patterns', () => {
    assert.equal(parseDockerignore('# only a comment\n\n').matcher, undefined);
  });
});

describe('choosing the ignore file', () => {
  it('uses <Dockerfile name>.dockerignore beside the Dockerfile over .dockerignore at the context root', async (t) => {
    const root = await makeContext(t, {
      Dockerfile: 'FROM scratch',
      'build/api.Dockerfile': 'FROM scratch',
      'build/api.Dockerfile.dockerignore': 'secret\n',
      '.dockerignore': 'public\n',
      secret: 's',
      public: 'p',
    });
    const special = await loadDockerignore(root, path.join(root, 'build/api.Dockerfile'));
    assert.equal(special.file, path.join(root, 'build/api.Dockerfile.dockerignore'));
    assert.deepEqual(special.patterns.map((p) => p.pattern), ['secret']);

    const ctx = await openContext(root, path.join(root, 'build/api.Dockerfile'));
    assert.equal(ctx.get('secret'), undefined);
    assert.notEqual(ctx.get('public'), undefined);
  });

  it('falls back to .dockerignore at the context root when the Dockerfile has none', async (t) => {
    const root = await makeContext(t, { Dockerfile: 'FROM scratch', '.dockerignore': 'public\n', 'Other.dockerignore': 'x\n' });
    const ignore = await loadDockerignore(root, path.join(root, 'Dockerfile'));
    assert.equal(ignore.file, path.join(root, '.dockerignore'));
  });

  it('lets an empty Dockerfile.dockerignore win, so nothing is ignored', async (t) => {
    const root = await makeContext(t, { Dockerfile: 'FROM scratch', 'Dockerfile.dockerignore': '', '.dockerignore': 'a\n', a: 'a' });
    const ctx = await openContext(root, path.join(root, 'Dockerfile'));
    assert.equal(ctx.ignore.file, path.join(root, 'Dockerfile.dockerignore'));
    assert.notEqual(ctx.get('a'), undefined);
  });

  it('finds the Dockerfile-specific file beside a Dockerfile that lives outside the context', async (t) => {
    const root = await makeContext(t, { a: 'a', b: 'b' });
    const elsewhere = path.join(path.dirname(root), 'df');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'Dockerfile'), 'FROM scratch');
    await writeFile(path.join(elsewhere, 'Dockerfile.dockerignore'), 'b\n');
    const ctx = await openContext(root, path.join(elsewhere, 'Dockerfile'));
    assert.deepEqual(paths(ctx.entries), ['a']);
  });

  it('reports no ignore file when neither exists', async (t) => {
    const root = await makeContext(t, { Dockerfile: 'FROM scratch' });
    const ignore = await loadDockerignore(root, path.join(root, 'Dockerfile'));
    assert.equal(ignore.file, undefined);
    assert.equal(ignore.matcher, undefined);
  });

  it('does not keep the Dockerfile or .dockerignore in the context when the patterns exclude them', async (t) => {
    const root = await makeContext(t, { Dockerfile: 'FROM scratch', '.dockerignore': 'Dockerfile\n.dockerignore\n', app: 'x' });
    const ctx = await openContext(root, path.join(root, 'Dockerfile'));
    assert.deepEqual(paths(ctx.entries), ['app']);
    assert.deepEqual(ctx.select(['Dockerfile']).missing.map((m) => [m.reason, m.ignored]), [['not-found', true]]);
  });
});
