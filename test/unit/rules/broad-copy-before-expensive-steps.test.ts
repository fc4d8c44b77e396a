import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'broad-copy-before-expensive-steps';

test('a COPY of the whole context before slow steps is found, at the COPY', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN sleep 5\nRUN sleep 3\n', { 'a.py': '1' });
  assert.deepEqual(ranges(f), ['3:1-3:9']);
  assert.match(f[0].message, /copies the whole context before 2 steps/);
  assert.equal(f[0].cost?.rebuild_s, 8.2); // the two sleeps and their step overheads
  assert.deepEqual(related(f[0]), ['4:1-4:12 re-runs on every edit of a copied file', '5:1-5:12 re-runs on every edit of a copied file']);
});

test('a COPY of most of the context counts as broad', async () => {
  const files = { 'src/a.py': '1', 'src/b.py': '2', 'src/c.py': '3', 'README.txt': 'x' };
  const f = await findings(rule, 'FROM bb\nCOPY src/ /src/\nRUN sleep 2\n', files);
  assert.match(f[0]?.message ?? '', /copies most of the context/);
});

test('stays clean when the copy comes last, when what follows is cheap, and for a narrow copy', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN sleep 5\nCOPY . .\n', { 'a.py': '1' }), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY . .\nCMD ["x"]\n', { 'a.py': '1' }), []);
  const files = { 'req.txt': 'a', 'src/a.py': '1', 'src/b.py': '2', 'src/c.py': '3', 'src/d.py': '4' };
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY req.txt /\nRUN sleep 5\n', files), []);
});
