import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { applyChange, changedPaths, checkChange, editedContent, parseChangeSpec, touchedContent } from '../../../src/bench/changes.js';
import { InputError, UsageError } from '../../../src/core/errors.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir('layerwise-bench-unit-');
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'src'));
writeFileSync(path.join(dir, 'src', 'app.py'), 'print("hi")\n');
chmodSync(path.join(dir, 'src', 'app.py'), 0o755);
writeFileSync(path.join(dir, 'no-newline.txt'), 'last line');
symlinkSync('/etc/hostname', path.join(dir, 'link'));

describe('parseChangeSpec', () => {
  test('touch and edit take a context path, made relative and POSIX', () => {
    assert.deepEqual(parseChangeSpec('touch:src/app.py'), { kind: 'touch', path: 'src/app.py', spec: 'touch:src/app.py' });
    assert.deepEqual(parseChangeSpec('edit:./src//app.py'), { kind: 'edit', path: 'src/app.py', spec: 'edit:./src//app.py' });
  });

  test('arg takes NAME=VALUE, and the value may be empty or hold "=" and ":"', () => {
    assert.deepEqual(parseChangeSpec('arg:CUDA_VERSION=12.4.1'), { kind: 'arg', name: 'CUDA_VERSION', value: '12.4.1', spec: 'arg:CUDA_VERSION=12.4.1' });
    assert.deepEqual(parseChangeSpec('arg:X='), { kind: 'arg', name: 'X', value: '', spec: 'arg:X=' });
    assert.equal((parseChangeSpec('arg:URL=a=b:c') as { value: string }).value, 'a=b:c');
  });

  test('an unknown kind, a missing path and a bad arg are usage errors', () => {
    for (const bad of ['rename:a', 'touch', 'touch:', 'edit:.', 'arg:X', 'arg:=1', 'arg:1X=2', 'src/app.py']) {
      assert.throws(() => parseChangeSpec(bad), UsageError, bad);
    }
  });

  test('a path that leaves the context is refused', () => {
    for (const bad of ['touch:../x', 'touch:/etc/passwd', 'edit:a/../../x']) assert.throws(() => parseChangeSpec(bad), /inside the context/, bad);
  });

  test('only file changes name context paths', () => {
    assert.deepEqual(changedPaths(parseChangeSpec('touch:src/app.py')), ['src/app.py']);
    assert.deepEqual(changedPaths(parseChangeSpec('arg:A=1')), []);
  });
});

describe('checkChange', () => {
  test('an existing regular file passes', async () => {
    await checkChange(dir, parseChangeSpec('touch:src/app.py'));
    await checkChange(dir, parseChangeSpec('arg:A=1'));
  });

  test('a missing file, a directory and a symlink are input errors', async () => {
    await assert.rejects(checkChange(dir, parseChangeSpec('touch:src/missing.py')), (e) => e instanceof InputError && /no such file/.test(e.message));
    await assert.rejects(checkChange(dir, parseChangeSpec('edit:src')), /a directory/);
    await assert.rejects(checkChange(dir, parseChangeSpec('touch:link')), /symbolic link/);
  });
});

describe('applyChange', () => {
  test('touch appends a newline and a line of spaces and tabs, new every time, and undo restores the bytes and mode', async () => {
    const file = path.join(dir, 'src', 'app.py');
    const a = await applyChange(dir, parseChangeSpec('touch:src/app.py'));
    const first = readFileSync(file, 'utf8');
    assert.match(first, /^print\("hi"\)\n\n[ \t]{48}\n$/);
    await a.undo();
    assert.equal(readFileSync(file, 'utf8'), 'print("hi")\n');
    const b = await applyChange(dir, parseChangeSpec('touch:src/app.py'));
    assert.notEqual(readFileSync(file, 'utf8'), first);
    await b.undo();
    assert.equal(statSync(file).mode & 0o777, 0o755);
  });

  test('touch on a file without a final newline starts a new line', () => {
    assert.match(touchedContent(Buffer.from('last line'), ' \t').toString(), /^last line\n \t\n$/);
  });

  test('edit replaces the content with a marked line', async () => {
    const file = path.join(dir, 'no-newline.txt');
    const e = await applyChange(dir, parseChangeSpec('edit:no-newline.txt'));
    assert.match(readFileSync(file, 'utf8'), /^layerwise bench edit [0-9a-f]{16}\n$/);
    await e.undo();
    assert.equal(readFileSync(file, 'utf8'), 'last line');
    assert.notEqual(editedContent().toString(), editedContent().toString());
  });

  test('arg sets the build arg over the base args and touches no file', async () => {
    const r = await applyChange(dir, parseChangeSpec('arg:B=2'), { A: '1', B: '1' });
    assert.deepEqual(r.buildArgs, { A: '1', B: '2' });
  });
});
