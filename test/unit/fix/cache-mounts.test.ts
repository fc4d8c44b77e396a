/**
 * cache-mounts on its fixtures (test/fixtures/fix/cache-mounts/cases.json), run with --unsafe;
 * without it nothing changes; the image paths each plan changes on purpose, as the report and
 * `fix --verify`'s allow-list carry them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixText } from '../../../src/fix/fix.js';
import { acceptedAllowList } from '../../../src/bench/verify-fix.js';
import { fixJson, fixText as fixReport } from '../../../src/report/fix.js';
import { applyAllowList, type FileDifference } from '../../../src/verify/index.js';
import { fixtureCases } from './fixture-cases.js';

fixtureCases('cache-mounts', { unsafe: true });

const only = ['cache-mounts'];
const APT = 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n';

test('cache-mounts: without --unsafe it is listed as skipped and changes nothing', () => {
  const r = fixText(APT, 'Dockerfile', undefined, { only });
  assert.equal(r.fixed, APT);
  assert.deepEqual(r.unsafeSkipped, ['cache-mounts']);
  assert.deepEqual(r.applied, []);
});

test('cache-mounts: the plan names the image paths it changes on purpose (BuildKit v0.8 leaves the mount points it made)', () => {
  const r = fixText(APT, 'Dockerfile', undefined, { only, unsafe: true, buildkitVersion: 'v0.8' });
  assert.equal(r.applied.length, 1);
  assert.deepEqual(r.applied[0].accepts.map((a) => `${a.path}${a.change ? ` ${a.change}` : ''}`), [
    '/var/cache/apt/**',
    '/var/cache added',
    '/var/lib/apt/lists/**',
    '/var/lib/apt added',
    '/var/lib added',
    '/etc/apt/apt.conf.d/docker-clean removed',
    '/etc/apt/apt.conf.d/keep-downloaded-packages added',
  ]);
  assert.ok(r.applied[0].accepts.every((a) => a.reason.length > 0));
});

test('cache-mounts: on current BuildKit the mount points it made are gone from the image, on a version between not known either way', () => {
  const paths = (v: string | undefined) =>
    fixText(APT, 'Dockerfile', undefined, { only, unsafe: true, ...(v ? { buildkitVersion: v } : {}) }).applied[0].accepts
      .filter((a) => a.change === 'added' || a.change === 'removed').filter((a) => !a.path.startsWith('/etc/')).map((a) => `${a.path} ${a.change}`);
  const removed = ['/var/cache removed', '/var removed', '/var/lib/apt removed', '/var/lib removed'];
  assert.deepEqual(paths(undefined), removed);
  assert.deepEqual(paths('v0.34.2'), removed);
  assert.deepEqual(paths('v0.12.0'), ['/var/cache added', ...removed.slice(0, 2), '/var/lib/apt added', '/var/lib added', ...removed.slice(2)]);
});

test('cache-mounts: the accepted paths become an allow-list that lets exactly those differences pass', () => {
  const r = fixText(APT, 'Dockerfile', undefined, { only, unsafe: true });
  const file = (p: string, change: FileDifference['change']): FileDifference => ({ kind: 'file', path: p, change, before: null, after: null, fields: [] });
  const diffs = [
    file('/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 'removed'),
    file('/var/cache/apt/archives/curl.deb', 'added'),
    file('/etc/apt/apt.conf.d/docker-clean', 'removed'),
    file('/etc/apt/apt.conf.d/docker-clean', 'changed'),
    file('/usr/bin/curl', 'removed'),
  ];
  const split = applyAllowList(diffs, acceptedAllowList(r));
  assert.deepEqual(split.allowed.map((d) => `${d.kind === 'file' ? d.path : ''} ${d.change}`), [
    '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease removed',
    '/var/cache/apt/archives/curl.deb added',
    '/etc/apt/apt.conf.d/docker-clean removed',
  ]);
  assert.deepEqual(split.differences.map((d) => `${d.kind === 'file' ? d.path : ''} ${d.change}`), ['/etc/apt/apt.conf.d/docker-clean changed', '/usr/bin/curl removed']);
  assert.match(split.allowed[0].allowance.reason, /^cache-mounts: the apt package lists/);
});

test('cache-mounts: the fix report shows what the image loses on purpose, in text and JSON', () => {
  const r = fixText('FROM python:3.12\nRUN pip install --no-cache-dir flask\n', 'Dockerfile', undefined, { only, unsafe: true });
  const effect = { sourceEdit: null, cold: 1 };
  const report = { file: 'Dockerfile', result: r, before: effect, after: effect, written: false };
  const text = fixReport(report);
  assert.match(text, /^cache-mounts \(unsafe\): line 2: cache mount on \/root\/\.cache\/pip for pip; removes --no-cache-dir/m);
  assert.match(text, /^cache-mounts changes the image on purpose: \/root\/\.cache\/pip\/\*\*: pip's download cache: kept in a cache mount, not in the image$/m);
  const json = JSON.parse(JSON.stringify(fixJson(report))) as { transforms: { transform: string; accepts: { path: string }[] }[] };
  // Current BuildKit (the default) removes the mount points it made, up to the top.
  assert.deepEqual(json.transforms[0].accepts.map((a) => a.path), ['/root/.cache/pip/**', '/root/.cache', '/root']);
});

test('cache-mounts: a cleanup that could only go with a neighbour whose mount is declined is declined too, not removed half (found by bench/fuzz.ts)', () => {
  // `rm -rf …/lists/*` and `apt-get dist-clean` are neighbours across a stray `else`: together a
  // `;` list, `apt-get dist-clean` alone is not. The lists mount is declined, so dist-clean's goes too.
  const text = 'FROM golang:1.21 AS build\nRUN set -eux; \\\n\tapt-get install -y --no-install-recommends git; \\\n\t\trm -rf /var/lib/apt/lists/*; \\\n\telse \\\n\t\tapt-get dist-clean; \\\n';
  const r = fixText(text, 'Dockerfile', undefined, { only, unsafe: true });
  assert.equal(r.fixed, text);
  assert.deepEqual(r.applied, []);
  assert.ok(r.declined.some((d) => /\/var\/cache\/apt\): apt-get dist-clean empties it and is not in a plain && or ; list/.test(d.reason)), JSON.stringify(r.declined));
});
