/** Bad input is refused before anything is built (so these tests need no engine). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { bench } from '../../../src/bench/bench.js';
import { InputError, UsageError } from '../../../src/core/errors.js';
import { projectRoot, tempDir } from '../../helpers.js';

const dir = tempDir('layerwise-bench-input-');
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'Dockerfile'), 'FROM bb:latest\nCOPY a.txt /\n');
writeFileSync(path.join(dir, 'a.txt'), 'a\n');

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
function layerwise(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: projectRoot, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('an unknown change is a usage error', async () => {
  await assert.rejects(bench({ context: dir, changes: ['rename:a.txt'] }), UsageError);
});

test('a change to a file the context does not hold is an input error', async () => {
  await assert.rejects(bench({ context: dir, changes: ['touch:b.txt'] }), (e) => e instanceof InputError && /touch:b\.txt: no such file/.test(e.message));
});

test('the same change twice is a usage error', async () => {
  await assert.rejects(bench({ context: dir, changes: ['touch:a.txt', 'touch:a.txt'] }), /given twice/);
});

test('runs below 1 are a usage error', async () => {
  await assert.rejects(bench({ context: dir, runs: 0 }), UsageError);
});

test('a missing Dockerfile or compare file is an input error', async () => {
  await assert.rejects(bench({ context: dir, file: path.join(dir, 'nope') }), /cannot read Dockerfile: no such file/);
  await assert.rejects(bench({ context: dir, compare: path.join(dir, 'nope') }), /cannot read Dockerfile: no such file/);
});

test('comparing a Dockerfile with itself is a usage error', async () => {
  await assert.rejects(bench({ context: dir, compare: path.join(dir, 'Dockerfile') }), /same Dockerfile/);
});

test('an unknown target is an input error', async () => {
  await assert.rejects(bench({ context: dir, target: 'nope' }), InputError);
});

test('the CLI exits 2 on a bad spec or bad runs, with one line saying why', () => {
  const spec = layerwise(['bench', dir, '--change', 'nope:x']);
  assert.equal(spec.code, 2);
  assert.match(spec.err, /^layerwise: --change "nope:x": unknown change/);
  const runs = layerwise(['bench', dir, '--runs', 'two']);
  assert.equal(runs.code, 2);
  assert.match(runs.err, /--runs must be a whole number/);
  const missing = layerwise(['bench', dir, '--change', 'edit:missing.txt']);
  assert.equal(missing.code, 2);
  assert.equal(missing.err, 'layerwise: --change edit:missing.txt: no such file in the context\n');
});
