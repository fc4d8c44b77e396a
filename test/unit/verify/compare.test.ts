import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareConfigs, compareFiles, compareImages } from '../../../src/verify/compare.js';
import { config, dir, f } from './fixtures.js';

const base = [dir('/app'), f('/app/a.txt'), f('/bin/sh', { mode: 0o755 })];

test('identical file lists have no differences', () => {
  assert.deepEqual(compareFiles(base, base.map((x) => ({ ...x }))), []);
});

test('the order of the listings does not matter', () => {
  assert.deepEqual(compareFiles(base, [...base].reverse()), []);
});

test('a mode change is reported with octal before and after', () => {
  const after = [dir('/app'), f('/app/a.txt', { mode: 0o755 }), f('/bin/sh', { mode: 0o755 })];
  const d = compareFiles(base, after);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.path, '/app/a.txt');
  assert.equal(d[0]!.change, 'changed');
  assert.deepEqual(d[0]!.fields, [{ field: 'mode', before: '0644', after: '0755' }]);
});

test('a content change is reported by hash, and an owner change as uid:gid', () => {
  const after = [dir('/app'), f('/app/a.txt', { sha256: 'b'.repeat(64), uid: 1000, gid: 1000 }), f('/bin/sh', { mode: 0o755 })];
  const [d] = compareFiles(base, after);
  assert.deepEqual(d!.fields, [
    { field: 'content', before: `sha256:${'a'.repeat(64)}`, after: `sha256:${'b'.repeat(64)}` },
    { field: 'owner', before: '0:0', after: '1000:1000' },
  ]);
});

test('an extra file is added and a missing one removed, sorted by path', () => {
  const after = [dir('/app'), f('/bin/sh', { mode: 0o755 }), f('/app/z.txt')];
  const d = compareFiles(base, after);
  assert.deepEqual(d.map((x) => [x.change, x.path]), [['removed', '/app/a.txt'], ['added', '/app/z.txt']]);
  assert.equal(d[0]!.after, null);
  assert.equal(d[1]!.before, null);
  assert.equal(d[1]!.after!.sha256, 'a'.repeat(64));
});

test('a symlink pointing elsewhere is a link change', () => {
  const d = compareFiles([f('/l', { type: 'symlink', linkTarget: '/a' })], [f('/l', { type: 'symlink', linkTarget: '/b' })]);
  assert.deepEqual(d[0]!.fields, [{ field: 'link', before: '/a', after: '/b' }]);
});

test('a file that became a directory is a type change, without a content change', () => {
  const d = compareFiles([f('/x')], [dir('/x')]);
  assert.deepEqual(d[0]!.fields.map((x) => x.field), ['type', 'mode']);
  assert.deepEqual(d[0]!.fields[0], { field: 'type', before: 'file', after: 'dir' });
});

test('a hard link counts as the file it shares content with', () => {
  const before = [f('/a'), f('/b')];
  const after = [f('/a'), f('/b', { type: 'hardlink', linkTarget: '/a', sha256: 'a'.repeat(64), size: 3 })];
  assert.deepEqual(compareFiles(before, after), []);
});

test('ENV is compared by name, whatever the order, with added, removed and changed values', () => {
  const before = config({ env: ['PATH=/bin', 'A=1', 'B=2'] });
  const after = config({ env: ['C=3', 'B=20', 'PATH=/bin'] });
  assert.deepEqual(compareConfigs(before, after), [
    { kind: 'config', field: 'ENV', key: 'A', change: 'removed', before: '1', after: null },
    { kind: 'config', field: 'ENV', key: 'B', change: 'changed', before: '2', after: '20' },
    { kind: 'config', field: 'ENV', key: 'C', change: 'added', before: null, after: '3' },
  ]);
});

test('CMD, ENTRYPOINT, USER and WORKDIR are compared whole', () => {
  const d = compareConfigs(config(), config({ cmd: ['/app/run'], entrypoint: ['tini', '--'], user: 'app', workingDir: '/app' }));
  assert.deepEqual(d.map((x) => [x.field, x.change]), [['CMD', 'changed'], ['ENTRYPOINT', 'added'], ['USER', 'added'], ['WORKDIR', 'added']]);
  assert.deepEqual(d[0]!.before, ['/bin/sh']);
  assert.deepEqual(d[0]!.after, ['/app/run']);
});

test('EXPOSE, LABEL and VOLUME are compared key by key', () => {
  const before = config({ exposedPorts: ['80/tcp'], labels: { a: '1', keep: 'x' }, volumes: ['/data'] });
  const after = config({ exposedPorts: ['80/tcp', '443/tcp'], labels: { a: '2', keep: 'x' }, volumes: [] });
  assert.deepEqual(
    compareConfigs(before, after).map((x) => [x.field, x.key, x.change]),
    [['EXPOSE', '443/tcp', 'added'], ['LABEL', 'a', 'changed'], ['VOLUME', '/data', 'removed']],
  );
});

test('HEALTHCHECK, STOPSIGNAL and SHELL are compared when present on either side', () => {
  const before = config({ healthcheck: { test: ['CMD', 'true'], interval: 1e9 } });
  const after = config({ healthcheck: { interval: 1e9, test: ['CMD', 'true'] }, stopSignal: 'SIGINT', shell: ['/bin/ash', '-c'] });
  assert.deepEqual(compareConfigs(before, after).map((x) => [x.field, x.change]), [['STOPSIGNAL', 'added'], ['SHELL', 'added']]);
  const d = compareConfigs(before, config({ healthcheck: { test: ['NONE'] } }));
  assert.deepEqual(d.map((x) => [x.field, x.change]), [['HEALTHCHECK', 'changed']]);
});

test('equal configs have no differences', () => {
  assert.deepEqual(compareConfigs(config(), config()), []);
});

test('images compare config first, then files', () => {
  const d = compareImages({ files: base, config: config() }, { files: [...base, f('/new')], config: config({ cmd: null }) });
  assert.deepEqual(d.map((x) => x.kind), ['config', 'file']);
});

test('images with the same config digest are the same image', () => {
  const d = compareImages({ files: base, config: config(), imageId: 'sha256:1' }, { files: [], config: config({ cmd: null }), imageId: 'sha256:1' });
  assert.deepEqual(d, []);
});
