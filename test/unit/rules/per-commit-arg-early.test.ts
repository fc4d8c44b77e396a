import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'per-commit-arg-early';

test('a commit id with no default declared before steps that do not read it is found, with the steps every build re-runs', async () => {
  const df = [
    'FROM debian',
    'ARG COMMIT_SHA',
    'RUN apt-get update && apt-get install -y curl',
    'RUN curl -fsSL https://example.com/tool.jar -o /opt/tool.jar',
    'LABEL org.opencontainers.image.revision=$COMMIT_SHA',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['2:5-2:15']);
  assert.equal(
    f[0].message,
    'ARG COMMIT_SHA takes a new value with every commit (CI passes it with --build-arg), and it is in the environment of 2 steps before the first that reads it (lines 3, 4): every build re-runs them; declare it just before line 5',
  );
  assert.equal(f[0].related?.length, 2);
  assert.ok(f[0].cost?.rebuild_s && f[0].cost.rebuild_s > 0);
});

test('a placeholder default, a build date and an ENV set from the arg count too; a stage built FROM it re-runs as well', async () => {
  const df = [
    'FROM debian AS base',
    'ARG GIT_SHA=unknown',
    'RUN apt-get update && apt-get install -y git',
    'FROM base AS app',
    'RUN apt-get install -y jq',
    'CMD ["app"]',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['2:5-2:20']);
  assert.match(f[0].message, /no later build step reads it, but every build re-runs 2 steps after it \(lines 3, 5\)/);
  const env = await findings(rule, 'FROM debian\nARG BUILD_DATE\nENV BUILD_DATE=${BUILD_DATE}\nRUN apt-get install -y curl\n');
  assert.deepEqual(ranges(env), ['3:5-3:29']);
});

test('stays clean when the first step after it reads it, for args with a real default, and for ordinary names', async () => {
  // The compile embeds it (a build script reads GIT_SHA): it re-runs on every commit anyway.
  assert.deepEqual(await findings(rule, 'FROM rust\nCOPY . .\nARG GIT_SHA\nRUN cargo build --release\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nARG VERSION=1.4.2\nRUN apt-get install -y curl\nRUN curl -o /x https://example.com/$VERSION\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nARG PYTHON_VERSION\nRUN apt-get install -y curl\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nARG COMMIT_SHA\nLABEL revision=$COMMIT_SHA\n'), []);
});

test('arg-declared-too-early leaves a per-commit arg with a placeholder default to this rule', async () => {
  const df = 'FROM debian\nARG GIT_SHA=dev\nRUN apt-get install -y curl\nRUN apt-get install -y jq\n';
  assert.deepEqual(await findings('arg-declared-too-early', df), []);
  assert.equal((await findings(rule, df)).length, 1);
});

test('an ENV set from a per-commit ARG points back at the ARG, and arg-declared-too-early leaves that ENV to this rule', async () => {
  const df = [
    'FROM debian AS base',
    'ARG BUILD_COMMIT_SHA',
    'ENV APP_ENV=production BUILD_COMMIT_SHA=${BUILD_COMMIT_SHA}',
    'FROM base AS build',
    'RUN apt-get install -y build-essential',
    'RUN apt-get install -y libpq-dev',
    'RUN echo $APP_ENV',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['3:24-3:60']);
  assert.equal(related(f[0])[0], '2:5-2:21 BUILD_COMMIT_SHA brings the per-commit value');
  // The same variable is not said twice: arg-declared-too-early names only APP_ENV.
  const early = await findings('arg-declared-too-early', df);
  assert.deepEqual(early.map((x) => x.message.split(' ')[1]), ['APP_ENV']);
});
