import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'build-tools-in-final-image';

test('compilers and -dev packages installed in the target stage are found at the install, sized by the largest toolchain', async () => {
  const df = 'FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    build-essential libpq-dev curl \\\n && rm -rf /var/lib/apt/lists/*\nCMD ["python", "-m", "app"]\n';
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
  const df = 'FROM alpine\nRUN apk add --no-cache build-base\nRUN wget -qO- https://go.dev/dl/go1.22.3.linux-amd64.tar.gz | tar -C /usr/local -xz\nCMD ["/app"]\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f).sort(), ['2:5-2:34', '3:5-3:60']);
});

test('stays clean on images whose role is to build or that are never run: no command (a toolchain image), ONBUILD, an export stage', async () => {
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y build-essential cmake\n'), []);
  // An official language image: the toolchain installed on a bare OS image, extended by its users.
  assert.deepEqual(await findings(rule, 'FROM debian:bookworm-slim\nENV PHP_VERSION=8.4.1\nRUN apt-get install -y gcc make libxml2-dev\nCMD ["apache2-foreground"]\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y build-essential\nONBUILD COPY . /src\nCMD ["bash"]\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS build\nRUN echo x > /out\nFROM scratch AS export\nCOPY --from=build /out /\n'), []);
});

test('stays clean for tools in a build stage, tools removed in the same RUN, runtime packages, and words that are not installs', async () => {
  const multi = 'FROM debian AS build\nRUN apt-get install -y gcc make\nRUN make\nFROM debian\nCOPY --from=build /out/app /usr/local/bin/app\n';
  assert.deepEqual(await findings(rule, multi), []);
  assert.deepEqual(await findings(rule, 'FROM alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install x && apk del .build-deps\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y gcc libc6-dev && make && apt-get purge -y --auto-remove gcc libc6-dev\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y libpq5 curl ca-certificates\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN echo apt-get install -y gcc\n'), []);
});

// The idiom of official images: the packages a RUN installs to build are marked automatic and purged with --auto-remove.
const APT_MARK = [
  'FROM debian:bookworm-slim',
  'ENV TOOL_VERSION=1.2.3',
  'RUN set -eux; \\',
  '    savedAptMark="$(apt-mark showmanual)"; \\',
  '    apt-get update; \\',
  '    apt-get install -y --no-install-recommends gcc libc6-dev make wget; \\',
  '    wget -O tool.tar.gz "https://example.com/tool-$TOOL_VERSION.tar.gz"; \\',
  '    tar -xzf tool.tar.gz; make -C tool install; rm -rf tool tool.tar.gz; \\',
  '    apt-mark auto \'.*\' > /dev/null; \\',
  '    [ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \\',
  '    apt-mark manual libc6-dev; \\',
  '    apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \\',
  '    rm -rf /var/lib/apt/lists/*',
  'CMD ["tool"]',
  '',
].join('\n');

test('the apt-mark auto … purge --auto-remove idiom takes out what the RUN installed, but what it marks manual again', async () => {
  const f = await findings(rule, APT_MARK);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /^libc6-dev is installed into the final image/);
  assert.deepEqual(await findings(rule, APT_MARK.replace("    apt-mark manual libc6-dev; \\\n", '')), []);
  // Without the auto-remove, the marks change nothing.
  assert.equal((await findings(rule, APT_MARK.replace('apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false', 'true'))).length, 1);
});

test('build tools purged by a later RUN are still found, and told that their bytes stay in the earlier layer', async () => {
  const f = await findings(rule, 'FROM debian\nRUN apt-get install -y gcc\nRUN make\nRUN apt-get purge -y gcc\nCMD ["app"]\n');
  assert.deepEqual(ranges(f), ['2:5-2:27']);
  assert.match(f[0].message, /^gcc is installed into the final image \(at least ~100 MB, an estimate\) and purged again at line 4, but a later RUN does not take them out of this layer/);
});

test('a purge of the packages through a variable of the step counts as a purge in the same RUN', async () => {
  assert.deepEqual(await findings(rule, 'FROM debian\nARG BUILD_DEPS="gcc make"\nRUN apt-get install -y $BUILD_DEPS && make && apt-get purge -y $BUILD_DEPS\nCMD ["app"]\n'), []);
});

test('stays clean on toolchain images and on runtimes that compile kernels; a service image still fires', async () => {
  assert.deepEqual(await findings(rule, 'FROM buildpack-deps:bookworm-scm\nRUN apt-get install -y gcc g++ make pkg-config\n'), []);
  assert.deepEqual(await findings(rule, 'FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\nRUN apt-get install -y build-essential ninja-build\nCMD ["serve"]\n'), []);
  assert.deepEqual(await findings(rule, 'FROM python:3.12-slim\nRUN apt-get install -y build-essential\nRUN pip install triton==3.0.0 flask\nCMD ["serve"]\n'), []);
  assert.equal((await findings(rule, 'FROM python:3.12-slim\nRUN apt-get install -y build-essential\nRUN pip install flask\nCMD ["serve"]\n')).length, 1);
});
