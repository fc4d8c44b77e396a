import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'manifest-first-install';
const files = { 'requirements.txt': 'flask\n', 'app/main.py': '1', 'package.json': '{}' };

test('an install after a copy of everything is found, at the install', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n', files);
  assert.deepEqual(ranges(f), ['4:1-4:36']);
  assert.match(f[0].message, /^RUN at line 4 installs dependencies after COPY \. \. \(line 3\)/);
  assert.match(f[0].message, /copy requirements\.txt first/);
});

test('a step that reads only a manifest after the copy is found too', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN cat requirements.txt > /deps\n', files);
  assert.match(f[0]?.message ?? '', /reads the dependency manifest requirements\.txt/);
});

test('stays clean for manifest-first layouts, for steps that read source too, and for non-installs', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN cat requirements.txt app/main.py > /x\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN echo pip install flask\n', files), []);
});
