import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'cache-mount-defeated';

test('uv --no-cache under a cache mount on its cache is found at the flag', async () => {
  const f = await findings(rule, 'FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/uv uv pip install --system --no-cache -r requirements.txt\n');
  assert.deepEqual(ranges(f), ['2:71-2:81']);
  assert.equal(f[0].message, '--no-cache makes uv ignore the cache mounted at /root/.cache/uv: every re-run downloads every package again; drop --no-cache (the mount keeps the cache out of the image anyway)');
});

test('pip --no-cache-dir under a mount of ~/.cache, go build -a (or GOFLAGS=-a) under a go-build mount, apk --no-cache under /var/cache/apk', async () => {
  assert.equal((await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache pip install --no-cache-dir flask\n')).length, 1);
  assert.equal((await findings(rule, 'FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build go build -a -o /out/app .\n')).length, 1);
  assert.equal((await findings(rule, 'FROM golang\nENV GOFLAGS=-a\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .\n')).length, 1);
  assert.equal((await findings(rule, 'FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add --no-cache curl\n')).length, 1);
});

test('stays clean without the flag, without a mount, and with a mount on another folder', async () => {
  assert.deepEqual(await findings(rule, 'FROM python\nRUN --mount=type=cache,target=/root/.cache/uv uv pip install --system -r requirements.txt\n'), []);
  assert.deepEqual(await findings(rule, 'FROM python\nRUN pip install --no-cache-dir flask\n'), []);
  assert.deepEqual(await findings(rule, 'FROM golang\nRUN --mount=type=cache,target=/go/pkg/mod go build -a -o /out/app .\n'), []);
  assert.deepEqual(await findings(rule, 'FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app . && go version -a\n'), []);
});
