import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'unknown-copy-from-stage';

test('COPY --from a name that is no stage is found, at the flag, with the nearest stage', async () => {
  const df = 'FROM bb AS build-env\nRUN true\nFROM bb\nCOPY --from=build /out /out\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['4:6-4:18']);
  assert.equal(f[0].message, '--from=build names no stage of this file, so BuildKit pulls the image docker.io/library/build:latest; did you mean the stage "build-env"?');
});

test('a mount from a removed stage is found at the mount, with the stages listed', async () => {
  const df = 'FROM bb AS deps\nRUN true\nFROM bb\nRUN --mount=type=bind,from=wheels,target=/w ls /w\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['4:5-4:44']);
  assert.match(f[0].message, /^--mount from=wheels names no stage .*renamed or removed \(stages: deps\); if an image is meant, give its tag \(wheels:<version>\)$/);
});

test('FROM a stage defined further down is found', async () => {
  const f = await findings(rule, 'FROM bb AS a\nFROM builder\nRUN true\nFROM bb AS builder\nRUN true\n');
  assert.deepEqual(ranges(f), ['2:6-2:13']);
  assert.match(f[0].message, /^FROM builder names the stage defined at line 4, below this one/);
});

test('stays clean for stages (by name, any case, or index), tagged or qualified images, and scratch', async () => {
  const df = [
    'FROM bb AS builder',
    'RUN true',
    'FROM bb',
    'COPY --from=builder /a /a',
    'COPY --from=Builder /a /b',
    'COPY --from=0 /a /c',
    'COPY --from=nginx:1.27 /etc/nginx /etc/nginx',
    'COPY --from=ghcr.io/acme/tools /bin/t /bin/t',
    'RUN --mount=type=bind,from=builder,target=/b ls /b',
    'RUN --mount=type=cache,target=/root/.cache ls',
    '',
  ].join('\n');
  assert.deepEqual(await findings(rule, df), []);
});
