import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'cache-mount-not-exported';

const exporting = 'jobs:\n  build:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n';

test('each RUN cache mount is noted at its --mount flag, with its target, when a CI workflow exports the build cache', async () => {
  const f = await findings(rule, 'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip --mount=type=cache,target=/var/cache/apt pip install -r requirements.txt\n', { 'requirements.txt': 'flask\n', '.github/workflows/build.yml': exporting });
  assert.deepEqual(ranges(f), ['3:5-3:47', '3:48-3:88']);
  assert.match(f[0]!.message, /^the cache mounted at \/root\/\.cache\/pip stays on the builder that ran it: --cache-to .* does not export cache mounts, so on an ephemeral CI runner it starts empty on every build/);
  assert.equal(f[0]!.severity, 'info');
});

test('a buildx --cache-to in a GitLab CI script counts as a cache export', async () => {
  const gitlab = 'build:\n  script:\n    - docker buildx build --cache-to type=registry,ref=r/c --push .\n';
  assert.equal((await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n', { '.gitlab-ci.yml': gitlab })).length, 1);
});

test('stays clean when no CI workflow exports the build cache (the mount is kept by the builder that runs the build)', async () => {
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n'), []);
  const plain = 'jobs:\n  build:\n    steps:\n      - run: docker build -t app .\n';
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n', { '.github/workflows/build.yml': plain }), []);
});

test('stays clean without a cache mount, for other mounts, for a stage the target does not need, and when a workflow does a cache-dance', async () => {
  const ci = { '.github/workflows/build.yml': exporting };
  assert.deepEqual(await findings(rule, 'FROM python\nRUN pip install flask\n', ci), []);
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=bind,source=req.txt,target=/r.txt --mount=type=secret,id=t pip install -r /r.txt\n', { 'req.txt': 'flask\n', ...ci }), []);
  assert.deepEqual(await findings(rule, 'FROM python AS unused\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\nFROM python\nRUN true\n', ci), []);
  const workflow = exporting + '      - uses: reproducible-containers/buildkit-cache-dance@v3\n        with:\n          cache-map: \'{"pip-cache": "/root/.cache/pip"}\'\n';
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n', { '.github/workflows/build.yml': workflow, '.dockerignore': '.github\n' }), []);
});
