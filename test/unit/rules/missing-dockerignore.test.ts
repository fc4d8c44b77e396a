import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'missing-dockerignore';
const files = { 'app.py': 'print(1)\n', '.git/HEAD': 'ref: refs/heads/main\n' };

test('a COPY of the whole context without .dockerignore is found, at the COPY', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN true\n', files);
  assert.deepEqual(ranges(f), ['3:1-3:9']);
  // app.py, .git/HEAD and the Dockerfile itself: 9 + 21 + 39 bytes.
  assert.match(f[0].message, /^COPY \. \. takes the whole context and no \.dockerignore applies: all 3 files \(69 B\) go in/);
  assert.match(f[0].message, /or Dockerfile\.dockerignore beside the Dockerfile\)$/);
});

test('ADD ./ and a bind mount of the whole context are found too', async () => {
  const f = await findings(rule, 'FROM bb\nADD ./ /src/\nRUN --mount=type=bind,target=/ctx ls /ctx\n', files);
  assert.deepEqual(ranges(f), ['2:1-2:13', '3:1-3:42']);
  assert.match(f[1].message, /^RUN at line 3 \(a bind mount of the context\)/);
});

test('stays clean with a .dockerignore or a Dockerfile.dockerignore, for narrow copies, and for unneeded stages', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY . .\n', { ...files, '.dockerignore': '.git\n' }), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY . .\n', { ...files, 'Dockerfile.dockerignore': '.git\n' }), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY app.py /app/\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS unused\nCOPY . .\nFROM bb\nRUN true\n', files), []);
});
