import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'cache-mount-not-exported';

test('each RUN cache mount is noted at its --mount flag, with its target', async () => {
  const f = await findings(rule, 'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip --mount=type=cache,target=/var/cache/apt pip install -r requirements.txt\n');
  assert.deepEqual(ranges(f), ['3:5-3:47', '3:48-3:88']);
  assert.match(f[0]!.message, /^the cache mounted at \/root\/\.cache\/pip stays on the builder that ran it: --cache-to .* does not export cache mounts, so on an ephemeral CI runner it starts empty on every build/);
  assert.equal(f[0]!.severity, 'info');
});

test('stays clean without a cache mount, for other mounts, for a stage the target does not need, and when a workflow does a cache-dance', async () => {
  assert.deepEqual(await findings(rule, 'FROM python\nRUN pip install flask\n'), []);
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=bind,source=req.txt,target=/r.txt --mount=type=secret,id=t pip install -r /r.txt\n', { 'req.txt': 'flask\n' }), []);
  assert.deepEqual(await findings(rule, 'FROM python AS unused\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\nFROM python\nRUN true\n'), []);
  const workflow = 'jobs:\n  build:\n    steps:\n      - uses: reproducible-containers/buildkit-cache-dance@v3\n        with:\n          cache-map: \'{"pip-cache": "/root/.cache/pip"}\'\n';
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n', { '.github/workflows/build.yml': workflow, '.dockerignore': '.github\n' }), []);
});
