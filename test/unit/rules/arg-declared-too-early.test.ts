import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/analyze/analyze.js';
import { projectRoot } from '../../helpers.js';
import { findings, ranges, related } from './harness.js';

const RULE = 'arg-declared-too-early';

test('an ARG declared before two steps that do not read it is found, at the declaration', async () => {
  const fs = await findings(RULE, 'FROM alpine\nARG VERSION=1.2\nRUN apk add curl\nRUN sleep 2\nRUN echo $VERSION > /version\n');
  assert.deepEqual(ranges(fs), ['2:5-2:16']);
  assert.equal(fs[0].message, 'ARG VERSION is first read at line 5, but a change to it re-runs 2 steps before that (lines 3, 4); declare it just before line 5');
  // apk add of one package (1 s + 0.5 s) and sleep 2, each with 0.1 s of step overhead.
  assert.equal(fs[0].cost?.rebuild_s, 3.7);
  assert.deepEqual(related(fs[0]), ['3:1-3:17 re-runs when VERSION changes', '4:1-4:12 re-runs when VERSION changes', '5:1-5:29 first reads VERSION']);
});

test('one expensive step before the first reader is enough', async () => {
  const fs = await findings(RULE, 'FROM alpine\nARG CUDA=12.1\nRUN sleep 5\nRUN echo "cuda${CUDA%%.*}" > /cuda\n');
  assert.deepEqual(ranges(fs), ['2:5-2:14']);
  assert.match(fs[0].message, /re-runs 1 step before that \(line 3\)/);
});

test('an ENV read only late is found, with "set"', async () => {
  const fs = (await findings(RULE, 'FROM alpine\nENV CACHE=/opt/cache PORT=8080\nRUN sleep 2\nRUN sleep 2\nRUN mkdir -p ${CACHE}/k\nCMD ["serve"]\n'))
    .sort((a, b) => a.range.start.column - b.range.start.column);
  assert.deepEqual(ranges(fs), ['2:5-2:21', '2:22-2:31']);
  assert.match(fs[0].message, /^ENV CACHE is first read at line 5, .*; set it just before line 5$/);
  assert.match(fs[1].message, /^ENV PORT is read by no later build step, but a change to it re-runs 3 steps \(lines 3, 4, 5\); if only the running container needs it/);
});

test('an ARG no step reads is found', async () => {
  const fs = await findings(RULE, 'FROM alpine\nARG UNUSED=1\nRUN sleep 2\nRUN sleep 2\n');
  assert.deepEqual(ranges(fs), ['2:5-2:13']);
  assert.match(fs[0].message, /^ARG UNUSED is read by no later build step, .*; remove it, or declare it where a step reads it$/);
});

test('an ARG of a base stage read only in the stage built on it counts the steps of both', async () => {
  const df = 'FROM alpine AS base\nARG V=1\nRUN sleep 2\n\nFROM base AS app\nWORKDIR /app\nRUN echo $V > /v\n';
  const fs = await findings(RULE, df);
  assert.deepEqual(ranges(fs), ['2:5-2:8']);
  assert.match(fs[0].message, /first read at line 7, but a change to it re-runs 2 steps before that \(lines 3, 6\)/);
});

test('ENV NAME=$NAME over an ARG reports the ENV, not the ARG', async () => {
  const fs = await findings(RULE, 'FROM alpine\nARG V=1\nENV V=$V\nRUN sleep 2\nRUN sleep 2\nRUN echo $V > /v\n');
  assert.deepEqual(ranges(fs), ['3:5-3:9']);
  assert.match(fs[0].message, /^ENV V is first read at line 6/);
});

test('the fixed layout (declared just before its first reader) stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nRUN apk add curl\nRUN sleep 2\nARG VERSION=1.2\nRUN echo $VERSION > /version\n'), []);
});

test('a global ARG used only in FROM stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'ARG TAG=3.19\nFROM alpine:${TAG}\nRUN sleep 3\nRUN sleep 3\n'), []);
});

test('a global ARG re-declared in a stage whose FROM reads it stays clean: the whole stage re-runs anyway', async () => {
  assert.deepEqual(await findings(RULE, 'ARG TAG=3.19\nFROM alpine:${TAG}\nARG TAG\nRUN sleep 3\nRUN sleep 3\nRUN echo $TAG > /tag\n'), []);
});

test('an unknown command stays clean: it may read the variable from its environment', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nARG MAX_JOBS=8\nRUN ./build.sh\nRUN sleep 5\nRUN echo $MAX_JOBS > /jobs\n'), []);
});

test('a language package install stays clean: a package build may read the variable', async () => {
  assert.deepEqual(await findings(RULE, 'FROM python\nARG MAX_JOBS=8\nRUN pip install flash-attn\nRUN sleep 5\nRUN echo $MAX_JOBS > /jobs\n'), []);
});

test('variables programs read by themselves (PATH, PIP_*, proxies) stay clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM python\nENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1\nARG HTTP_PROXY=http://proxy\nRUN sleep 5\nRUN sleep 5\n'), []);
});

test('an ARG without a value stays clean: it is not in the environment', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nARG VERSION\nRUN sleep 5\nRUN sleep 5\nRUN echo $VERSION > /v\n'), []);
});

test('one cheap step before the reader stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nARG V=1\nRUN echo hi > /hi\nRUN echo $V > /v\n'), []);
});

test('ml-serving: ENV APP_HOME and CACHE_DIR, ARG CUDA_VERSION and MAX_JOBS are found; PYTHON_VERSION, BUILD_TYPE and BASE_IMAGE are not', async () => {
  const dir = path.join(projectRoot, 'examples/ml-serving');
  const r = await analyze({ contextDir: dir, dockerfilePath: path.join(dir, 'docker/Dockerfile'), displayName: 'docker/Dockerfile' }, { only: [RULE] });
  const messages = r.findings.map((f) => `${f.range.start.line}: ${f.message}`).sort();
  assert.deepEqual(messages, [
    '15: ENV APP_HOME is read by no later build step, but a change to it re-runs 10 steps (lines 19–62); if only the running container needs it, set it after the last build step of the image',
    '16: ENV CACHE_DIR is first read at line 48, but a change to it re-runs 6 steps before that (lines 19–42); set it just before line 48',
    '28: ARG CUDA_VERSION is first read at line 42, but a change to it re-runs 1 step before that (line 36); declare it just before line 42',
    '29: ARG MAX_JOBS is first read at line 42, but a change to it re-runs 1 step before that (line 36); declare it just before line 42',
  ]);
  // What the rule says an ARG change re-runs is what the invalidation model says.
  for (const name of ['CUDA_VERSION', 'MAX_JOBS']) {
    const i = r.impact.find((x) => x.kind === 'arg' && x.subject[0] === name)!;
    assert.equal(i.first_rebuilt_line, 36, name);
    assert.equal(i.verdicts!.find((v) => v.step.line === 36)!.status, 'rebuilt');
  }
  // PYTHON_VERSION's first rebuilt step is its reader, so nothing is wasted.
  assert.equal(r.impact.find((x) => x.kind === 'arg' && x.subject[0] === 'PYTHON_VERSION')!.first_rebuilt_line, 19);
});

test('a name with regular-expression characters (ENV [X=1, found by bench/fuzz.ts) is taken literally, not as a pattern', async () => {
  const fs = await findings(RULE, 'FROM alpine\nENV [DOCKER_BUILDKIT=1 (A=2\nRUN sleep 2\nRUN sleep 2\nRUN echo ok\n');
  assert.deepEqual(ranges(fs).length, 2);
  for (const f of fs) assert.match(f.message, /^ENV (\[DOCKER_BUILDKIT|\(A) is read by no later build step/);
});

test('an ARG with no value (passed with --build-arg) declared before an install that does not read it is found', async () => {
  const df = 'FROM alpine\nARG WWWGROUP\nRUN apk add curl && sleep 5\nRUN addgroup -g $WWWGROUP sail\n';
  const fs = await findings(RULE, df);
  assert.deepEqual(ranges(fs), ['2:5-2:13']);
  assert.match(fs[0].message, /^ARG WWWGROUP is first read at line 4, but a change to it re-runs 1 step before that \(line 3\)/);
  // Declared just before its reader, it stays clean.
  assert.deepEqual(await findings(RULE, 'FROM alpine\nRUN apk add curl && sleep 5\nARG WWWGROUP\nRUN addgroup -g $WWWGROUP sail\n'), []);
});
