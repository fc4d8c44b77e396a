/**
 * Hostile inputs through the CLI as a user runs it: symlink loops in the context. The answer
 * must be a located finding or a located error (exit 2), never a stack trace or an error
 * without the Dockerfile's line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function layerwise(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a COPY through a symlink loop is reported at the COPY source, and graph and explain still run', () => {
  const dir = tempDir('layerwise-loops-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCOPY file.txt /x/\nCOPY a /x/a\nCOPY . /z\n');
  writeFileSync(path.join(dir, 'file.txt'), 'x\n');
  symlinkSync('b', path.join(dir, 'a'));
  symlinkSync('a', path.join(dir, 'b'));
  const analyzed = layerwise(['analyze', dir, '--format', 'json']);
  assert.doesNotMatch(analyzed.err, /\n\s+at /, 'no stack trace');
  assert.equal(analyzed.err.trim(), '');
  const loop = JSON.parse(analyzed.out).findings.filter((f: { rule: string }) => f.rule === 'missing-copy-source');
  assert.equal(loop.length, 1);
  assert.equal(loop[0].line, 3);
  assert.equal(loop[0].column, 6);
  assert.match(loop[0].message, /loop of symbolic links/);
  for (const cmd of [['graph', dir, '--format', 'json'], ['explain', dir, '--changed', 'file.txt', '--format', 'json']]) {
    const r = layerwise(cmd);
    assert.equal(r.code, 0, `${cmd[0]}: ${r.err}`);
    assert.doesNotMatch(r.err, /symbolic links|\n\s+at /);
  }
});
