import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'final-image-runs-as-root';

test('a target stage without USER is found, at its FROM', async () => {
  const f = await findings(rule, 'FROM bb AS base\nRUN true\nFROM base AS app\nCMD ["app"]\n');
  assert.deepEqual(ranges(f), ['3:1-3:17']);
  assert.match(f[0].message, /^the target stage app sets no USER, nor do the stages it is built on, so the image runs as bb's user: root, unless/);
});

test('a last USER of root (by name or uid, from an ARG) is found, at that USER', async () => {
  const f = await findings(rule, 'FROM bb\nUSER app\nRUN true\nARG U=0:0\nUSER $U\n');
  assert.deepEqual(ranges(f), ['5:1-5:8']);
  assert.match(f[0].message, /^the image runs as 0:0: the USER at line 5 is the last in force/);
});

test('scratch without USER is found; only the target stage counts', async () => {
  const f = await findings(rule, 'FROM bb AS tools\nUSER root\nFROM scratch\nCOPY --from=tools /bin/x /x\n');
  assert.deepEqual(ranges(f), ['3:1-3:13']);
  assert.match(f[0].message, /runs as uid 0/);
  assert.deepEqual(await findings(rule, 'FROM bb AS a\nFROM bb AS b\nUSER 1000\n', {}), []);
});

test('stays clean with an unprivileged last USER, one inherited from a parent stage, or a non-root base', async () => {
  for (const df of [
    'FROM bb\nUSER root\nRUN true\nUSER 65532:65532\n',
    'FROM bb AS base\nUSER app\nFROM base\nRUN true\n',
    'FROM gcr.io/distroless/static-debian12:nonroot\nCOPY x /x\n',
  ]) {
    assert.deepEqual(await findings(rule, df, { x: '1' }), [], df);
  }
});
