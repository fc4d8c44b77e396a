/**
 * Where profiles go and how commands find them, as a user meets it: the default is outside the
 * build context, a profile the build would copy is warned about, a missing --profile is an
 * error, and a record that measured nothing writes nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { defaultProfilePath } from '../../../src/timing/profile-path.js';
import { fixturesDir, projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
const logs = path.join(fixturesDir, 'build');

function layerwise(args: string[], cwd: string, cache: string) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The multi-stage fixture (its logs are saved beside it) in a folder of its own. */
function setup(dockerfileTail = '') {
  const root = tempDir('layerwise-profile-cli-');
  const ctx = path.join(root, 'ctx');
  cpSync(path.join(logs, 'multi-stage'), ctx, { recursive: true });
  if (dockerfileTail) writeFileSync(path.join(ctx, 'Dockerfile'), `${readFile(path.join(ctx, 'Dockerfile'))}${dockerfileTail}`);
  const cache = path.join(root, 'cache');
  return { root, ctx, cache };
}

function readFile(p: string): string {
  return readFileSync(p, 'utf8');
}

test('profile import writes the default profile outside the context; graph, explain and analyze read it from there', () => {
  const { root, ctx, cache } = setup();
  const r = layerwise(['profile', 'import', 'ctx', '--log', path.join(logs, 'multi-stage.txt')], root, cache);
  assert.equal(r.code, 0, r.err);
  const expected = defaultProfilePath(ctx, { XDG_CACHE_HOME: cache });
  assert.match(expected, /\/cache\/layerwise\/profiles\/ctx-[0-9a-f]{12}\/profile\.json$/);
  assert.ok(existsSync(expected), expected);
  // Inside the working directory here (the cache is in it), so shown relative.
  assert.ok(r.out.endsWith(`profile: ${path.relative(root, expected)}\n`), r.out);
  assert.deepEqual(readdirSync(ctx).sort(), ['Dockerfile', 'a.txt'], 'nothing written into the context');
  assert.ok(!existsSync(path.join(root, '.layerwise')), 'nothing written into the working directory');
  // Another working directory, the same context: the same profile.
  const elsewhere = path.join(root, 'elsewhere');
  mkdirSync(elsewhere);
  const g = layerwise(['graph', ctx, '--format', 'json'], elsewhere, cache);
  assert.equal(g.code, 0, g.err);
  assert.equal((JSON.parse(g.out) as { schedule: { basis: string } }).schedule.basis, 'mixed', 'measured steps, and estimates for the ones the log had cached');
  const e = layerwise(['explain', ctx, '--changed', 'a.txt', '--format', 'json'], elsewhere, cache);
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /"basis": "(measured|mixed)"/);
  const none = layerwise(['graph', ctx, '--format', 'json'], elsewhere, path.join(root, 'empty-cache'));
  assert.equal((JSON.parse(none.out) as { schedule: { basis: string } }).schedule.basis, 'estimated', 'without the profile: estimates');
});

test('a --profile inside the context that the build copies is warned about; one .dockerignore excludes is not', () => {
  const { root, ctx, cache } = setup('COPY . /src\n');
  const inside = path.join('ctx', '.layerwise', 'profile.json');
  const r = layerwise(['profile', 'import', 'ctx', '--log', path.join(logs, 'multi-stage.txt'), '--profile', inside], root, cache);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^layerwise: warning: ctx\/\.layerwise\/profile\.json is inside the build context and COPY at ctx\/Dockerfile:24 copies it: every record changes it, so that step and all after it re-run on the next build\. Add it to \.dockerignore, or leave out --profile/m);
  writeFileSync(path.join(ctx, '.dockerignore'), '.layerwise\n');
  const ignored = layerwise(['profile', 'import', 'ctx', '--log', path.join(logs, 'multi-stage.txt'), '--profile', inside], root, cache);
  assert.equal(ignored.code, 0, ignored.err);
  assert.equal(ignored.err, '');
});

test('a --profile inside the context that no step copies is not warned about', () => {
  const { root, cache } = setup();
  // The fixture copies only a.txt.
  const r = layerwise(['profile', 'import', 'ctx', '--log', path.join(logs, 'multi-stage.txt'), '--profile', 'ctx/profile.json'], root, cache);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.ok(existsSync(path.join(root, 'ctx', 'profile.json')));
});

test('importing a log in which every step was cached writes nothing and says so', () => {
  const { root, cache } = setup();
  // The fixture's log with every step cached, as a warm rebuild writes it.
  const warm = path.join(root, 'warm.txt');
  writeFileSync(warm, readFile(path.join(logs, 'multi-stage.txt')).replace(/^(#\d+) DONE [\d.]+s$/gm, '$1 CACHED'));
  const r = layerwise(['profile', 'import', 'ctx', '--log', warm], root, cache);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /no step of this Dockerfile ran in that build \(all cached, or another file\)/);
  assert.match(r.out, /nothing imported; .* is unchanged/);
  assert.ok(!existsSync(path.join(cache, 'layerwise')), 'no profile written');
});

test('a --profile that does not exist is an input error for the commands that read it', () => {
  const { root, cache } = setup();
  for (const cmd of [['graph'], ['explain', '--changed', 'a.txt'], ['analyze'], ['fix']]) {
    const r = layerwise([...cmd, 'ctx', '--profile', 'no-such-profile.json'], root, cache);
    assert.equal(r.code, 2, `${cmd[0]}: ${r.err}`);
    assert.equal(r.err, 'layerwise: no-such-profile.json: no such profile (record one with `layerwise profile record --profile FILE`, or leave out --profile)\n', cmd[0]);
  }
});

test('a profile at the old default (.layerwise/profile.json here) is still read, with a warning saying where to move it', () => {
  const { root, cache } = setup();
  const legacy = path.join(root, '.layerwise', 'profile.json');
  assert.equal(layerwise(['profile', 'import', 'ctx', '--log', path.join(logs, 'multi-stage.txt'), '--profile', legacy], root, cache).code, 0);
  const g = layerwise(['graph', 'ctx', '--format', 'json'], root, cache);
  assert.equal(g.code, 0, g.err);
  assert.equal((JSON.parse(g.out) as { schedule: { basis: string } }).schedule.basis, 'mixed');
  assert.match(g.err, /^layerwise: warning: reading \.layerwise\/profile\.json, where profiles used to be kept; .* mv \.layerwise\/profile\.json ".*\/layerwise\/profiles\/ctx-[0-9a-f]{12}\/profile\.json"\n$/);
});

test('the default profile is per context folder, under XDG_CACHE_HOME or ~/.cache', () => {
  const a = defaultProfilePath('/srv/app', { XDG_CACHE_HOME: '/c' });
  assert.match(a, /^\/c\/layerwise\/profiles\/app-[0-9a-f]{12}\/profile\.json$/);
  assert.notEqual(defaultProfilePath('/srv/other/app', { XDG_CACHE_HOME: '/c' }), a, 'another folder of the same name');
  assert.match(defaultProfilePath('/srv/app', { HOME: '/home/u' }), /^\/home\/u\/\.cache\/layerwise\/profiles\/app-/);
  assert.match(defaultProfilePath('/srv/app', { HOME: '/home/u', XDG_CACHE_HOME: 'relative' }), /^\/home\/u\/\.cache\//, 'a relative XDG_CACHE_HOME is ignored, as the spec says');
});
