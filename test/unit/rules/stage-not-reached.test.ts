import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const RULE = 'stage-not-reached';
const req = { 'requirements.txt': 'flask\n' };

test('a stage nothing reaches, whose output the target reads, is found at its FROM, naming the read', async () => {
  const df = [
    'FROM python:3.12-slim AS base',
    'RUN useradd -m app',
    'FROM base AS wheels',
    'COPY requirements.txt .',
    'RUN pip wheel --wheel-dir /wheels -r requirements.txt',
    'FROM base',
    'RUN pip install --no-index --find-links=/wheels flask',
    'CMD ["flask", "run"]',
    '',
  ].join('\n');
  const fs = await findings(RULE, df, req);
  assert.deepEqual(ranges(fs), ['3:1-3:20']);
  assert.match(fs[0].message, /^BuildKit never builds stage wheels for the last stage \(2\): .* yet RUN \(line 7\) reads \/wheels, which this stage writes/);
  assert.match(fs[0].message, /COPY --from=wheels \/wheels/);
  assert.deepEqual(related(fs[0]), ['7:1-7:54 reads /wheels']);
});

test('a left-over stage with RUN steps is found, naming the last stage as the target', async () => {
  const df = 'FROM alpine:3.20 AS tools\nRUN apk add --no-cache curl\nFROM alpine:3.20 AS build\nRUN echo hi > /x\nFROM build AS last\nRUN echo last\n';
  const fs = await findings(RULE, df);
  assert.deepEqual(ranges(fs), ['1:1-1:26']);
  assert.match(fs[0].message, /^BuildKit never builds stage tools for the last stage \(last\): .*so its steps never run/);
});

test('of two unreached stages, one built FROM the other, only the one nothing reaches is found', async () => {
  const df = 'FROM alpine:3.20 AS tools\nRUN apk add --no-cache curl\nFROM tools AS fetch\nRUN curl -fsSLo /x https://example.com/x\nFROM alpine:3.20\nRUN echo app\n';
  assert.deepEqual((await findings(RULE, df)).map((f) => f.range.start.line), [3]);
});

test('stays clean for stages reached by FROM, COPY --from or RUN --mount from=, and for the target itself', async () => {
  const df = [
    'FROM alpine:3.20 AS a',
    'RUN echo a > /a',
    'FROM alpine:3.20 AS b',
    'RUN echo b > /b',
    'FROM alpine:3.20 AS c',
    'RUN echo c > /c',
    'FROM a',
    'COPY --from=b /b /b',
    'RUN --mount=type=bind,from=c,target=/m cat /m/c',
    '',
  ].join('\n');
  assert.deepEqual(await findings(RULE, df), []);
});

test('stays clean for stages built on purpose with --target: a command, a target-like name, or one reached only by such a stage', async () => {
  const withCmd = 'FROM node:20 AS base\nRUN npm i -g pnpm\nFROM base AS devserver\nRUN pnpm i\nCMD ["pnpm", "dev"]\nFROM base\nRUN pnpm i --prod\n';
  assert.deepEqual(await findings(RULE, withCmd), []);
  const named = 'FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM build AS test\nRUN go test ./...\nFROM debian:12\nCOPY --from=build /app /app\n';
  assert.deepEqual(await findings(RULE, named), []);
  // lint-deps is reached by lint, itself a target: not a leaf.
  const chain = 'FROM node:20 AS lint-deps\nRUN npm i -g eslint\nFROM lint-deps AS lint\nRUN eslint .\nFROM node:20\nRUN echo app\n';
  assert.deepEqual(await findings(RULE, chain), []);
});

test('in a file with several targets, an unreached stage is said only when the target reads what it writes', async () => {
  const df = 'FROM alpine:3.20 AS helper\nRUN echo x > /opt/helper\nFROM alpine:3.20 AS debug\nRUN apk add gdb\nFROM alpine:3.20\nRUN echo app\n';
  assert.deepEqual(await findings(RULE, df), []);
});

test('stays clean for a stage that does no work (copies only)', async () => {
  const df = 'FROM alpine:3.20 AS files\nCOPY requirements.txt /r.txt\nFROM alpine:3.20\nRUN echo app\n';
  assert.deepEqual(await findings(RULE, df, req), []);
});
