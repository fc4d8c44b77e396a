import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../helpers.js';
import { findings, ranges, related } from './harness.js';

const rule = 'steps-after-source-copy';
const server = { 'server/pyproject.toml': '[project]\nname = "s"\n', 'server/uv.lock': 'x', 'server/app/main.py': '1', 'web/index.js': '1' };

test('OS, download and tool installs after a copy of one source folder are one finding, at the first, naming every step', async () => {
  const df = [
    'FROM python:3.12-slim',
    'WORKDIR /app',
    'COPY server /app/server',
    'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    'RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /usr/local/bin',
    'RUN cd server && python -m compileall app',
    'RUN pip install --no-cache-dir gunicorn',
    'CMD ["gunicorn"]',
    '',
  ].join('\n');
  const f = await findings(rule, df, server);
  assert.deepEqual(ranges(f), ['4:1-4:101']);
  assert.match(f[0].message, /^3 steps \(lines 4, 5, 7\) read nothing COPY server \/app\/server \(line 3\) brought, yet run after it/);
  // The compile in the copied folder needs it: not named.
  assert.deepEqual(related(f[0]), ['3:1-3:24 the source copy they run after', '5:1-5:75 reads nothing the copy brought', '7:1-7:40 reads nothing the copy brought']);
  assert.ok((f[0].cost?.rebuild_s ?? 0) > 10, 'the three steps\' time summed');
});

test('an install that reads nothing of a source that arrives through another stage is found, with the one-step message', async () => {
  const project = { 'python/pyproject.toml': '[project]\nname = "p"\n', 'python/p/__init__.py': '1', 'gateway/Cargo.toml': '[package]\n', 'gateway/src/main.rs': 'fn main(){}' };
  const df = [
    'FROM bb AS base', 'FROM scratch AS src', 'COPY . /src',
    'FROM base', 'WORKDIR /ws', 'COPY --from=src /src /tmp/src',
    'RUN cp -r /tmp/src /ws/app && rm -rf /tmp/src',
    'RUN apk add --no-cache curl',
    '',
  ].join('\n');
  const f = await findings(rule, df, project);
  assert.deepEqual(ranges(f), ['8:1-8:28']);
  assert.match(f[0].message, /^RUN at line 8 reads nothing COPY --from=src \/src \/tmp\/src \(line 6\) brought, yet runs after it: .*run it before the copy/);
});

test('stays clean when the steps come before the copy, or need what it brought', async () => {
  // The fixed layout.
  assert.deepEqual(await findings(rule, 'FROM python:3.12-slim\nWORKDIR /app\nRUN pip install gunicorn\nCOPY server /app/server\nRUN cd server && python -m compileall app\n', server), []);
  // An install of the copy's manifests is manifest-first-install's, not this rule's.
  assert.deepEqual(await findings(rule, 'FROM python:3.12-slim\nWORKDIR /app\nCOPY server /app/server\nRUN cd server && uv sync --frozen\n', server), []);
  assert.deepEqual(await findings(rule, 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', { 'package.json': '{}', 'src/a.js': '1' }), []);
  // A step that names a copied file, or runs an unknown program where the copy landed.
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN sha256sum web/index.js > /sum && sleep 2\n', server), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN ./build.sh\n', { ...server, 'build.sh': 'true' }), []);
  // File commands only cost nothing worth moving.
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN mkdir -p /data && rm -rf /tmp/x\n', server), []);
});

test('third-party installers it cannot read (curl | sh, an archive unpacked in the WORKDIR above the source) are named when they name nothing of the source', async () => {
  const df = [
    'FROM debian',
    'WORKDIR /work',
    'COPY . /tmp/src',
    'RUN cp -r /tmp/src /work/app && rm -rf /tmp/src',
    'RUN curl -fsSL https://example.com/install.sh | sh -s -- --to /usr/local/bin && sleep 5',
    'RUN curl -fsSL -o t.tgz https://example.com/t.tgz && tar -xzf t.tgz && cp -r t/bin/* /usr/local/bin/ && sleep 5',
    '',
  ].join('\n');
  const fs = await findings('steps-after-source-copy', df, { 'a.py': '1\n' });
  assert.equal(fs.length, 1);
  assert.match(fs[0].message, /^2 steps \(lines 5, 6\) read nothing COPY \. \/tmp\/src/);
});

test('an installer that names the source, or runs in it, is not named', async () => {
  const names = 'FROM debian\nWORKDIR /work\nCOPY . /tmp/src\nRUN cp -r /tmp/src /work/app\nRUN curl -fsSL https://example.com/i.sh | sh -s -- --project /work/app && sleep 5\n';
  assert.deepEqual(await findings('steps-after-source-copy', names, { 'a.py': '1\n' }), []);
  const inside = 'FROM debian\nWORKDIR /app\nCOPY . .\nRUN curl -fsSL https://example.com/i.sh | sh && sleep 5\n';
  assert.deepEqual(await findings('steps-after-source-copy', inside, { 'a.py': '1\n' }), []);
});

test('a tool run where the copy put a file (yarn build in the WORKDIR of package.json) is not named: it reads the file without naming it', async () => {
  const df = 'FROM node:20-alpine\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\nCOPY . .\nRUN yarn build && sleep 5\n';
  const dir = path.join(projectRoot, 'test', 'fixtures', 'analyze-real', 'env-files-allowed-on-purpose');
  const files = Object.fromEntries(['.dockerignore', '.env.production', 'package.json', 'yarn.lock', 'src/main.js'].map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  assert.deepEqual(await findings('steps-after-source-copy', df, files), []);
});
