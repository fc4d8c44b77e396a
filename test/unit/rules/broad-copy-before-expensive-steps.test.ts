import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'broad-copy-before-expensive-steps';

test('a COPY of the whole context before slow steps is found, at the COPY', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN sleep 5\nRUN sleep 3\n', { 'a.py': '1' });
  assert.deepEqual(ranges(f), ['3:1-3:9']);
  assert.match(f[0].message, /copies the whole context before 2 steps/);
  assert.equal(f[0].cost?.rebuild_s, 8.2); // the two sleeps and their step overheads
  assert.deepEqual(related(f[0]), ['4:1-4:12 re-runs on every edit of a copied file, though it does not need the source', '5:1-5:12 re-runs on every edit of a copied file, though it does not need the source']);
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

test('stays clean when only the compile that needs the source follows a manifest-first install', async () => {
  const files = { 'package.json': '{"name":"a"}', 'package-lock.json': '{}', 'src/index.ts': 'x', 'src/b.ts': 'y', 'src/c.ts': 'z' };
  const df = 'FROM bb\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n';
  assert.deepEqual(await findings(rule, df, files), []);
  // The same copy before a step that does not need it is found.
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN npm run build\nRUN curl -fsSL -o /usr/local/bin/tool https://example.com/tool\n', files);
  assert.deepEqual(ranges(f), ['3:1-3:9']);
});

test('a whole-context copy that reaches a stage through COPY --from is found where it lands', async () => {
  const files = { 'python/pyproject.toml': '[project]\n', 'python/a.py': '1', 'docs/x.md': 'x' };
  const df = 'FROM bb AS base\nFROM scratch AS src\nCOPY . /src\nFROM base\nCOPY --from=src /src /app\nRUN sleep 5\n';
  const f = await findings(rule, df, files);
  assert.deepEqual(ranges(f), ['5:1-5:26']);
  assert.match(f[0].message, /^COPY --from=src \/src \/app copies the whole context before 1 step/);
  // A copy of a build output of that stage brings no source: only the copy in the build stage is found.
  assert.deepEqual(ranges(await findings(rule, 'FROM bb AS b\nCOPY . /src\nRUN sleep 1 > /out\nFROM bb\nCOPY --from=b /out /out\nRUN sleep 5\n', files)), ['2:1-2:12']);
});

test('a copy of manifests alone is no broad copy, however small the rest of the context', async () => {
  const files = { 'package.json': '{"name":"a","dependencies":{"left-pad":"1"}}', 'yarn.lock': '# yarn lockfile v1\n', 'src/a.js': '1' };
  const df = 'FROM bb\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\nCOPY . .\nRUN yarn build\n';
  assert.deepEqual(await findings(rule, df, files), []);
  // The same share of the context copied as source files is broad.
  const src = { 'src/a.js': '1', 'src/b.js': '2', 'src/c.js': '3', 'package.json': '{}' };
  assert.match((await findings(rule, 'FROM bb\nCOPY src/ /app/src/\nRUN sleep 2\n', src))[0]?.message ?? '', /copies most of the context/);
});
