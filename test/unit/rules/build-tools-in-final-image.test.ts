import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'build-tools-in-final-image';

test('compilers and -dev packages installed in the target stage are found at the install, sized by the largest toolchain', async () => {
  const df = 'FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    build-essential libpq-dev curl \\\n && rm -rf /var/lib/apt/lists/*\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['2:23-3:35']);
  assert.equal(f[0].message, 'build-essential, libpq-dev are installed into the final image (at least ~250 MB, an estimate): build in a separate stage and COPY --from it only what runs (or purge them in the same RUN)');
  assert.deepEqual(f[0].cost, { bytes: 250e6, basis: 'estimated' });
});

test('tools installed in a stage the target is built FROM are found, and named by that stage', async () => {
  const f = await findings(rule, 'FROM debian AS base\nRUN apt-get install -y make\nFROM base AS runtime\nCMD ["app"]\n');
  assert.deepEqual(ranges(f), ['2:5-2:28']);
  assert.equal(f[0].message, 'make is installed into the final image (stage base, which runtime is built FROM): build in a separate stage and COPY --from it only what runs (or purge them in the same RUN)');
  assert.equal(f[0].cost, undefined);
});

test('a Go toolchain tarball and alpine build-base are found', async () => {
  const df = 'FROM alpine\nRUN apk add --no-cache build-base\nRUN wget -qO- https://go.dev/dl/go1.22.3.linux-amd64.tar.gz | tar -C /usr/local -xz\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f).sort(), ['2:5-2:34', '3:5-3:60']);
});

test('stays clean for tools in a build stage, tools removed in the same RUN, runtime packages, and words that are not installs', async () => {
  const multi = 'FROM debian AS build\nRUN apt-get install -y gcc make\nRUN make\nFROM debian\nCOPY --from=build /out/app /usr/local/bin/app\n';
  assert.deepEqual(await findings(rule, multi), []);
  assert.deepEqual(await findings(rule, 'FROM alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install x && apk del .build-deps\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y gcc libc6-dev && make && apt-get purge -y --auto-remove gcc libc6-dev\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y libpq5 curl ca-certificates\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN echo apt-get install -y gcc\n'), []);
});
