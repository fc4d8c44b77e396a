import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { allowList, applyAllowList, globToRegex, parseAllowList } from '../../../src/verify/allow.js';
import type { Difference } from '../../../src/verify/compare.js';
import { dir, f } from './fixtures.js';

const removed = (path: string, type: 'file' | 'dir' = 'file'): Difference => ({
  kind: 'file', path, change: 'removed', before: { ...(type === 'dir' ? dir(path) : f(path)) }, after: null, fields: [],
});
const added = (path: string): Difference => ({ kind: 'file', path, change: 'added', before: null, after: { ...f(path) }, fields: [] });

test('a trailing /** matches the directory itself and everything under it', () => {
  const re = globToRegex('/var/lib/apt/lists/**');
  assert.ok(re.test('/var/lib/apt/lists'));
  assert.ok(re.test('/var/lib/apt/lists/partial'));
  assert.ok(re.test('/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease'));
  assert.ok(!re.test('/var/lib/apt/listsx'));
  assert.ok(!re.test('/var/lib/apt'));
});

test('a single * stays within one path segment', () => {
  const re = globToRegex('/root/.cache/*.log');
  assert.ok(re.test('/root/.cache/pip.log'));
  assert.ok(!re.test('/root/.cache/pip/x.log'));
});

test('a leading **/ and a middle /**/ match at any depth', () => {
  assert.ok(globToRegex('**/__pycache__/**').test('/app/pkg/__pycache__/m.pyc'));
  assert.ok(globToRegex('**/__pycache__/**').test('/__pycache__'));
  const mid = globToRegex('/usr/**/site-packages');
  assert.ok(mid.test('/usr/site-packages'));
  assert.ok(mid.test('/usr/lib/python3/site-packages'));
});

test('dots and other regex characters in a pattern are literal', () => {
  assert.ok(!globToRegex('/a.b').test('/axb'));
});

test('an allowed difference is moved aside, not dropped, and the entry is marked used', () => {
  const list = allowList({ paths: [{ path: '/root/.cache/**', reason: 'pip cache' }, '/never/**'] });
  const used = new Set<(typeof list.entries)[number]>();
  const split = applyAllowList([removed('/root/.cache', 'dir'), removed('/root/.cache/pip/x'), added('/app/y')], list, used);
  assert.deepEqual(split.differences.map((d) => (d.kind === 'file' ? d.path : '')), ['/app/y']);
  assert.deepEqual(split.allowed.map((d) => (d.kind === 'file' ? d.path : '')), ['/root/.cache', '/root/.cache/pip/x']);
  assert.equal(split.allowed[0]!.allowance.reason, 'pip cache');
  assert.equal(used.size, 1);
});

test('a path entry limited to removals does not allow an added file there', () => {
  const list = allowList({ paths: [{ path: '/var/lib/apt/lists/**', change: 'removed' }] });
  const split = applyAllowList([removed('/var/lib/apt/lists/a'), added('/var/lib/apt/lists/b')], list);
  assert.equal(split.allowed.length, 1);
  assert.equal(split.differences.length, 1);
});

test('config entries match a field, or one key of it with * allowed', () => {
  const list = allowList({ config: ['LABEL org.opencontainers.image.*', 'CMD'] });
  const diffs: Difference[] = [
    { kind: 'config', field: 'LABEL', key: 'org.opencontainers.image.created', change: 'changed', before: 'a', after: 'b' },
    { kind: 'config', field: 'LABEL', key: 'maintainer', change: 'added', before: null, after: 'me' },
    { kind: 'config', field: 'CMD', change: 'changed', before: ['a'], after: ['b'] },
    { kind: 'config', field: 'ENV', key: 'X', change: 'added', before: null, after: '1' },
  ];
  const split = applyAllowList(diffs, list);
  assert.deepEqual(split.allowed.map((d) => (d.kind === 'config' ? `${d.field} ${d.key ?? ''}`.trim() : '')), ['LABEL org.opencontainers.image.created', 'CMD']);
  assert.deepEqual(split.differences.map((d) => (d.kind === 'config' ? d.field : '')), ['LABEL', 'ENV']);
});

test('a removed stage is allowed only by name, whatever its case', () => {
  const list = allowList({ stages: ['Old-Builder'] });
  const split = applyAllowList([{ kind: 'stage', stage: 'old-builder', change: 'removed' }, { kind: 'stage', stage: 'test', change: 'removed' }], list);
  assert.equal(split.allowed.length, 1);
  assert.equal(split.differences.length, 1);
});

test('empty /dev, /proc and /sys are allowed by the built-in allowance, and shown as such', () => {
  const split = applyAllowList([removed('/proc', 'dir'), added('/proc/x'), removed('/dev', 'dir')], undefined);
  assert.deepEqual(split.allowed.map((d) => [d.kind === 'file' ? d.path : '', d.allowance.builtin]), [['/proc', true], ['/dev', true]]);
  assert.equal(split.differences.length, 1, 'a file under /proc is not a mount point');
});

test('an allow-list file in YAML gives entries with their lines', () => {
  const list = parseAllowList(
    [
      'paths:',
      '  - /var/lib/apt/lists/**',
      '  - { path: /root/.cache/**, change: [removed], reason: pip cache }',
      'config:',
      '  - LABEL build-date',
      '  - { field: ENV BUILD_ID, reason: set by CI }',
      'stages:',
      '  - old',
      '',
    ].join('\n'),
    'allow.yaml',
  );
  assert.deepEqual(list.entries.map((e) => [e.kind, e.pattern, e.source, e.reason ?? null]), [
    ['path', '/var/lib/apt/lists/**', 'allow.yaml:2', null],
    ['path', '/root/.cache/**', 'allow.yaml:3', 'pip cache'],
    ['config', 'LABEL build-date', 'allow.yaml:5', null],
    ['config', 'ENV BUILD_ID', 'allow.yaml:6', 'set by CI'],
    ['stage', 'old', 'allow.yaml:8', null],
  ]);
});

test('an allow-list file in JSON is read the same way', () => {
  const list = parseAllowList('{ "paths": ["/tmp/**"], "config": ["USER"] }', 'allow.json');
  assert.deepEqual(list.entries.map((e) => [e.kind, e.pattern]), [['path', '/tmp/**'], ['config', 'USER']]);
});

test('an empty allow-list file allows nothing', () => {
  assert.deepEqual(parseAllowList('', 'allow.yaml').entries, []);
});

function located(text: string): string {
  try {
    parseAllowList(text, 'allow.yaml');
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e.format();
  }
  assert.fail('expected an input error');
}

test('bad allow-lists are input errors at the offending item', () => {
  assert.equal(located('paths:\n  - var/cache/**\n'), 'allow.yaml:2:5: paths: path patterns are absolute: start "var/cache/**" with / (or **/ for any depth)');
  assert.equal(located('config:\n  - COPY x\n'), 'allow.yaml:2:5: config: unknown config field "COPY" (known: ENV, CMD, ENTRYPOINT, USER, WORKDIR, EXPOSE, LABEL, VOLUME, HEALTHCHECK, STOPSIGNAL, SHELL, ONBUILD)');
  assert.equal(located('config:\n  - CMD foo\n'), 'allow.yaml:2:5: config: CMD takes no key (keys go with ENV, LABEL, EXPOSE, VOLUME)');
  assert.equal(located('files:\n  - /a\n'), 'allow.yaml:1:1: unknown key "files" (known: paths, config, stages)');
  assert.equal(located('paths:\n  - { path: /a, change: moved }\n'), 'allow.yaml:2:25: paths: change must be added, removed or changed, got "moved"');
  assert.equal(located('paths: /a\n'), 'allow.yaml:1:8: paths: expected a list');
  assert.match(located('paths: [\n'), /^allow\.yaml:\d+:\d+: invalid YAML/);
});
