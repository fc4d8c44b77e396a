import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'final-image-runs-as-root';

test('a target stage that publishes a port without USER is found, at its FROM, with the EXPOSE and the command', async () => {
  const f = await findings(rule, 'FROM bb AS base\nEXPOSE 8000\nFROM base AS app\nCMD ["app"]\n');
  assert.deepEqual(ranges(f), ['3:1-3:17']);
  assert.match(f[0].message, /^the target stage app publishes a port and sets no USER, nor do the stages it is built on, so the image runs as bb's user: root, unless/);
  assert.deepEqual(related(f[0]), ['2:1-2:12 the port the image publishes', '4:1-4:12 the command that runs as root']);
});

test('a service without USER that publishes no port stays clean (true of most images, not worth raising)', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb AS base\nRUN true\nFROM base AS app\nCMD ["app"]\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS tools\nFROM scratch\nCOPY --from=tools /bin/x /x\nENTRYPOINT ["/x"]\n'), []);
});

test('a last USER of root (by name or uid, from an ARG) is found, at that USER', async () => {
  const f = await findings(rule, 'FROM bb\nUSER app\nRUN true\nARG U=0:0\nUSER $U\nCMD ["serve"]\n');
  assert.deepEqual(ranges(f), ['5:1-5:8']);
  assert.match(f[0].message, /^the image runs as 0:0: the USER at line 5 is the last in force/);
});

test('scratch without USER is found; only the target stage counts', async () => {
  const f = await findings(rule, 'FROM bb AS tools\nUSER root\nFROM scratch\nCOPY --from=tools /bin/x /x\nEXPOSE 80\nENTRYPOINT ["/x"]\n');
  assert.deepEqual(ranges(f), ['3:1-3:13']);
  assert.match(f[0].message, /runs as uid 0/);
  assert.deepEqual(await findings(rule, 'FROM bb AS a\nCMD ["a"]\nFROM bb AS b\nUSER 1000\n', {}), []);
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

test('stays clean where an expert would not say it: Windows images, base and toolchain images, stages never run, entrypoints and servers that leave root', async () => {
  const cases: [string, string, Record<string, string>?][] = [
    ['a Windows image', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\nRUN Write-Host hi\nCMD ["app.exe"]\n'],
    ['an official Windows variant', 'FROM python:3.12-windowsservercore-ltsc2022\nCOPY app.py C:/app/\nCMD ["python", "C:/app/app.py"]\n'],
    ['a toolchain image with no command', 'FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@latest\n'],
    ['a base image with ONBUILD', 'FROM bb\nONBUILD COPY . /app\nCMD ["/app/run"]\n'],
    ['a language image whose command is its interpreter', 'FROM bb\nENV PYTHON_VERSION=3.13.1\nRUN echo install python\nCMD ["python3"]\n'],
    ['an export stage', 'FROM bb AS build\nRUN echo x > /out\nFROM scratch AS export\nCOPY --from=build /out /\n'],
    ['gosu in the ENTRYPOINT', 'FROM bb\nCMD ["gosu", "app", "/app/run"]\n'],
    ['gosu in the entrypoint script', 'FROM bb\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["postgres"]\n', { 'docker-entrypoint.sh': '#!/bin/sh\nif [ "$(id -u)" = 0 ]; then exec gosu postgres "$0" "$@"; fi\nexec "$@"\n' }],
    ['su-exec in the entrypoint script (a folder copied whole)', 'FROM bb\nCOPY docker/ /docker/\nENTRYPOINT ["/docker/entrypoint.sh"]\n', { 'docker/entrypoint.sh': '#!/bin/sh\nexec su-exec app "$@"\n' }],
    ['s6-overlay', 'FROM bb\nADD https://github.com/just-containers/s6-overlay/releases/download/v3.2.0.2/s6-overlay-noarch.tar.xz /tmp\nENTRYPOINT ["/init"]\n'],
    ['nginx workers', 'FROM nginx:1.27-alpine\nCOPY site/ /usr/share/nginx/html/\n', { 'site/index.html': '<p>hi</p>\n' }],
    ['httpd run as its command', 'FROM bb\nRUN echo install httpd\nCMD ["httpd-foreground"]\n'],
  ];
  for (const [what, df, files] of cases) assert.deepEqual((await findings(rule, df, files ?? {})).map((f) => f.message), [], what);
});

test('a service whose entrypoint script keeps root is still found', async () => {
  const f = await findings(rule, 'FROM bb\nCOPY entrypoint.sh /\nEXPOSE 8080\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["serve"]\n', { 'entrypoint.sh': '#!/bin/sh\nexec "$@"\n' });
  assert.deepEqual(ranges(f), ['1:1-1:8']);
});
