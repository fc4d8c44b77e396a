/**
 * cache-mounts on the real engine. The base image has no package managers, so small shell
 * scripts stand in for apt-get, pip and go: each keeps what a real one keeps where a real one
 * keeps it (package lists, downloaded packages, wheels, modules, build objects), honours
 * Debian's docker-clean hook and `--no-cache-dir`, and fails the way a real one would when
 * what it needs is gone (`go build` without its modules, `apt-get install` without lists).
 *
 * Checked: the fixed Dockerfile builds the same images as the original except for exactly the
 * paths the plan accepts; a later step that needs a mounted cache (`go build` after `go mod
 * download`) still finds it and its output is in the image; and the mounts work: after a change
 * that re-runs the installs, the fixed file's installs find their caches filled, the original's
 * do not.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { listImageFiles } from '../../src/engine/image-files.js';
import { fixText } from '../../src/fix/fix.js';
import { acceptedAllowList } from '../../src/bench/verify-fix.js';
import { globToRegex } from '../../src/verify/allow.js';
import { verify } from '../../src/verify/index.js';
import { makeContext, engineTest } from './build-helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Where a stand-in records whether its cache already held what it needed: only when /etc/record exists, so the images compared by verify do not depend on the daemon's caches. */
const RECORD = 'if [ -f /etc/record ]; then echo "$state" > "/tmp/$tool-$p.state"; fi';

const TOOLS: Record<string, string> = {
  'tools/apt-get': [
    '#!/bin/sh',
    'set -e',
    'tool=apt',
    'case "$1" in',
    '  update) mkdir -p /var/lib/apt/lists && echo lists > /var/lib/apt/lists/repo_InRelease ;;',
    '  install)',
    '    shift',
    '    [ -f /var/lib/apt/lists/repo_InRelease ] || { echo "E: Unable to locate package" >&2; exit 100; }',
    '    for p in "$@"; do',
    '      case "$p" in -*) continue ;; esac',
    '      mkdir -p /var/cache/apt/archives /usr/share/pkgs',
    '      if [ -f "/var/cache/apt/archives/$p.deb" ]; then state=warm; else state=cold; echo "$p deb" > "/var/cache/apt/archives/$p.deb"; fi',
    '      echo "$p" > "/usr/share/pkgs/$p"',
    `      ${RECORD}`,
    '    done',
    // What docker-clean's DPkg::Post-Invoke does after every install.
    '    if [ -f /etc/apt/apt.conf.d/docker-clean ]; then rm -f /var/cache/apt/archives/*.deb; fi ;;',
    'esac',
    '',
  ].join('\n'),
  'tools/pip': [
    '#!/bin/sh',
    'set -e',
    'tool=pip; nocache=; pkgs=',
    'while [ $# -gt 0 ]; do',
    '  case "$1" in install) ;; --no-cache-dir) nocache=1 ;; -r) shift; pkgs="$pkgs $(cat "$1")" ;; *) pkgs="$pkgs $1" ;; esac',
    '  shift',
    'done',
    'mkdir -p /usr/lib/site-packages',
    'for p in $pkgs; do',
    '  if [ -z "$nocache" ] && [ -f "/root/.cache/pip/$p.whl" ]; then state=warm; else state=cold; fi',
    '  if [ -z "$nocache" ]; then mkdir -p /root/.cache/pip && echo "$p wheel" > "/root/.cache/pip/$p.whl"; fi',
    '  echo "$p" > "/usr/lib/site-packages/$p.py"',
    `  ${RECORD}`,
    'done',
    '',
  ].join('\n'),
  'tools/go': [
    '#!/bin/sh',
    'set -e',
    'tool=go; mod=/root/go/pkg/mod/example.com/lib@v1; p=lib',
    'case "$1" in',
    '  mod)',
    '    if [ -f "$mod/lib.go" ]; then state=warm; else state=cold; fi',
    '    mkdir -p "$mod" && echo "package lib // $(cat go.mod)" > "$mod/lib.go"',
    `    ${RECORD} ;;`,
    '  build)',
    '    [ -f "$mod/lib.go" ] || { echo "missing module example.com/lib" >&2; exit 1; }',
    '    mkdir -p /root/.cache/go-build && echo obj > /root/.cache/go-build/obj',
    '    mkdir -p "$(dirname "$3")" && cat main.go "$mod/lib.go" > "$3" ;;',
    'esac',
    '',
  ].join('\n'),
};

const DOCKERFILE = [
  'FROM bb:latest',
  'COPY tools/ /usr/local/bin/',
  'RUN chmod 755 /usr/local/bin/apt-get /usr/local/bin/pip /usr/local/bin/go',
  // What Debian and Ubuntu images ship.
  "RUN mkdir -p /etc/apt/apt.conf.d && echo 'DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb\"; };' > /etc/apt/apt.conf.d/docker-clean",
  'WORKDIR /src',
  'COPY requirements.txt go.mod ./',
  'RUN apt-get update && \\',
  '    apt-get install -y curl && \\',
  '    rm -rf /var/lib/apt/lists/*',
  'RUN pip install --no-cache-dir -r requirements.txt',
  'RUN go mod download',
  'COPY main.go ./',
  'RUN go build -o /out/app .',
  '',
].join('\n');

/** The same file with the stand-ins told to record their cache state (a step of its own after the tools). */
const recording = (text: string) => text.replace('WORKDIR /src\n', 'RUN touch /etc/record\nWORKDIR /src\n');

engineTest('cache-mounts: the fixed Dockerfile builds the same images but for the accepted cache paths, and its caches fill', async (t, engine) => {
  const ctx = makeContext(t, engine, { ...TOOLS, Dockerfile: DOCKERFILE, 'requirements.txt': 'flask\n', 'go.mod': 'module example.com/app\n', 'main.go': 'package main\n' });
  const result = fixText(DOCKERFILE, 'Dockerfile', undefined, { only: ['cache-mounts'], unsafe: true, buildkitVersion: engine.buildkitVersion });
  assert.deepEqual(result.declined, []);
  const fixed = result.fixed;
  for (const target of ['/var/cache/apt,sharing=locked', '/var/lib/apt/lists,sharing=locked', '/root/.cache/pip', '/root/go/pkg/mod', '/root/.cache/go-build']) {
    assert.ok(fixed.includes(`--mount=type=cache,target=${target}`), `a mount on ${target}`);
  }
  assert.ok(!fixed.includes('--no-cache-dir') && !fixed.includes('rm -rf /var/lib/apt/lists'), fixed);

  // 1. The same images, but for exactly what the plan accepts.
  const accepts = result.applied.flatMap((a) => a.accepts);
  const v = await verify({ context: ctx.dir, file: { text: fixed, path: path.join(ctx.dir, 'Dockerfile') }, against: path.join(ctx.dir, 'Dockerfile'), allow: acceptedAllowList(result), engine });
  assert.equal(v.status, 'equivalent', JSON.stringify(v.stages.flatMap((s) => s.differences)));
  const allowed = v.stages.flatMap((s) => s.allowed);
  for (const d of allowed) {
    assert.equal(d.kind, 'file');
    if (d.kind !== 'file') continue;
    assert.ok(accepts.some((a) => globToRegex(a.path).test(d.path) && (!a.change || a.change === d.change)), `${d.path} ${d.change} is accepted`);
  }
  const changed = allowed.map((d) => (d.kind === 'file' ? `${d.path} ${d.change}` : ''));
  // The caches are not in the fixed image; docker-clean is gone, and downloads are kept instead.
  for (const x of ['/root/go/pkg/mod/example.com/lib@v1/lib.go removed', '/root/.cache/go-build/obj removed', '/etc/apt/apt.conf.d/docker-clean removed', '/etc/apt/apt.conf.d/keep-downloaded-packages added']) {
    assert.ok(changed.includes(x), `${x} in ${changed.join(', ')}`);
  }

  // 2. The step after `go mod download` found the modules through the mount: its output is in the image.
  const fixedBuild = await ctx.build({ dockerfile: write(ctx, 'Dockerfile.fixed', fixed) });
  assert.equal(fixedBuild.ok, true, fixedBuild.error);
  const files = new Map((await listImageFiles(fixedBuild.tag!, { engine })).map((f) => [f.path, f]));
  assert.equal(files.get('/out/app')?.sha256, sha('package main\npackage lib // module example.com/app\n'));
  assert.equal(files.has('/root/go/pkg/mod/example.com/lib@v1/lib.go'), false);
  assert.equal(files.get('/usr/lib/site-packages/flask.py')?.sha256, sha('flask\n'));
  assert.equal(files.get('/usr/share/pkgs/curl')?.sha256, sha('curl\n'));

  // 3. After a change that re-runs the installs, the fixed file's find their caches filled; the original's do not.
  const state = async (file: string) => {
    const b = await ctx.build({ dockerfile: file });
    assert.equal(b.ok, true, b.error);
    const list = new Map((await listImageFiles(b.tag!, { engine })).map((f) => [f.path, f.sha256]));
    return Object.fromEntries(['apt-curl', 'pip-flask', 'go-lib'].map((k) => [k, list.get(`/tmp/${k}.state`) === sha('warm\n') ? 'warm' : list.get(`/tmp/${k}.state`) === sha('cold\n') ? 'cold' : 'none']));
  };
  const fixedRec = write(ctx, 'Dockerfile.fixed-record', recording(fixed));
  const originalRec = write(ctx, 'Dockerfile.original-record', recording(DOCKERFILE));
  await state(fixedRec);
  await state(originalRec);
  ctx.write('requirements.txt', 'flask\nrequests\n');
  ctx.write('go.mod', 'module example.com/app\n\ngo 1.22\n');
  assert.deepEqual(await state(fixedRec), { 'apt-curl': 'warm', 'pip-flask': 'warm', 'go-lib': 'warm' });
  assert.deepEqual(await state(originalRec), { 'apt-curl': 'cold', 'pip-flask': 'cold', 'go-lib': 'cold' });
});

function write(ctx: { dir: string; write(name: string, content: string): void }, name: string, text: string): string {
  ctx.write(name, text);
  return path.join(ctx.dir, name);
}
