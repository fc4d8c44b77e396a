/** bench/corpus-materialize.js on a tiny git repo made here: arguments, layout, missing mirrors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, tempDir } from '../../helpers.js';

const script = path.join(projectRoot, 'dist', 'bench', 'corpus-materialize.js');
const dir = tempDir('layerwise-corpus-materialize-');

function sh(cwd: string, cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

// A work repo with a Dockerfile at the root and the build context in app/; its bare clone is the mirror.
const work = path.join(dir, 'work');
mkdirSync(path.join(work, 'app', 'src'), { recursive: true });
sh(work, 'git', 'init', '-q', '-b', 'main');
const BEFORE_FILE = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n';
const AFTER_FILE = 'FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n';
writeFileSync(path.join(work, 'Dockerfile'), BEFORE_FILE);
writeFileSync(path.join(work, 'app', 'requirements.txt'), 'flask==3.0.0\n');
writeFileSync(path.join(work, 'app', 'src', 'main.py'), 'print("before")\n');
writeFileSync(path.join(work, 'README.md'), 'outside the context\n');
sh(work, 'git', 'add', '-A');
sh(work, 'git', 'commit', '-qm', 'before');
const before = sh(work, 'git', 'rev-parse', 'HEAD');
writeFileSync(path.join(work, 'Dockerfile'), AFTER_FILE);
writeFileSync(path.join(work, 'app', 'src', 'main.py'), 'print("after")\n');
writeFileSync(path.join(work, 'app', 'added-later.txt'), 'x\n');
sh(work, 'git', 'commit', '-qam', 'after');
sh(work, 'git', 'add', '-A');
sh(work, 'git', 'commit', '-qm', 'after, new file');
const after = sh(work, 'git', 'rev-parse', 'HEAD');
const mirrors = path.join(dir, 'mirrors');
mkdirSync(path.join(mirrors, 'acme+shop'), { recursive: true });
sh(dir, 'git', 'clone', '-q', '--bare', work, path.join(mirrors, 'acme+shop', 'repo'));

const pair = (over: Record<string, string>) => ({
  name: 'shop',
  repo: 'acme/shop',
  path: 'Dockerfile',
  before,
  after,
  context: 'app',
  ecosystem: 'python',
  note: 'requirements first',
  ...over,
});
const pairsFile = path.join(dir, 'pairs.json');
writeFileSync(pairsFile, JSON.stringify([pair({}), pair({ name: 'gone', repo: 'acme/not-fetched' })]));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('writes the context folder at before (its contents at the root) and both Dockerfiles unchanged', () => {
  const out = path.join(dir, 'out1');
  const r = run('--mirrors', mirrors, '--out', out, '--pairs', pairsFile, 'shop');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readdirSync(out), ['shop']);
  assert.deepEqual(readdirSync(path.join(out, 'shop')).sort(), ['after.Dockerfile', 'before.Dockerfile', 'context']);
  assert.equal(readFileSync(path.join(out, 'shop', 'before.Dockerfile'), 'utf8'), BEFORE_FILE);
  assert.equal(readFileSync(path.join(out, 'shop', 'after.Dockerfile'), 'utf8'), AFTER_FILE);
  const ctx = path.join(out, 'shop', 'context');
  assert.deepEqual(readdirSync(ctx).sort(), ['requirements.txt', 'src']);
  assert.equal(readFileSync(path.join(ctx, 'src', 'main.py'), 'utf8'), 'print("before")\n');
  assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(projectRoot, 'bench', 'corpus', 'pairs.json'), 'utf8')));
});

test('a second run replaces the context instead of adding to it', () => {
  const out = path.join(dir, 'out2');
  assert.equal(run('--mirrors', mirrors, '--out', out, '--pairs', pairsFile, 'shop').code, 0);
  writeFileSync(path.join(out, 'shop', 'context', 'stray.txt'), 'left from an earlier run\n');
  assert.equal(run('--mirrors', mirrors, '--out', out, '--pairs', pairsFile, 'shop').code, 0);
  assert.equal(existsSync(path.join(out, 'shop', 'context', 'stray.txt')), false);
});

test('context "." takes the whole repo', () => {
  const whole = path.join(dir, 'whole.json');
  writeFileSync(whole, JSON.stringify([pair({ context: '.' })]));
  const out = path.join(dir, 'out3');
  assert.equal(run('--mirrors', mirrors, '--out', out, '--pairs', whole).code, 0);
  assert.deepEqual(readdirSync(path.join(out, 'shop', 'context')).sort(), ['Dockerfile', 'README.md', 'app']);
});

test('a missing mirror is reported, the other pairs are still written, and the exit code is 1', () => {
  const out = path.join(dir, 'out4');
  const r = run('--mirrors', mirrors, '--out', out, '--pairs', pairsFile);
  assert.equal(r.code, 1);
  assert.match(r.err, /^gone: fetch github:acme\/not-fetched first$/m);
  assert.ok(existsSync(path.join(out, 'shop', 'before.Dockerfile')));
  assert.equal(existsSync(path.join(out, 'gone')), false);
  assert.doesNotMatch(r.err, /\n\s+at /);
});

test('a commit or a path the mirror lacks fails that pair with a reason', () => {
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify([pair({ name: 'nocommit', before: 'f'.repeat(40) }), pair({ name: 'nopath', path: 'docker/Dockerfile' }), pair({ name: 'noctx', context: 'web' })]));
  const r = run('--mirrors', mirrors, '--out', path.join(dir, 'out5'), '--pairs', bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /^nocommit: commit f{40} is not in /m);
  assert.match(r.err, /^nopath: no docker\/Dockerfile at the before commit /m);
  assert.match(r.err, /^noctx: no folder "web" at /m);
  assert.doesNotMatch(r.err, /\n\s+at /);
});

test('bad arguments exit 2 with a message and write nothing', () => {
  const out = path.join(dir, 'out6');
  for (const [args, msg] of [
    [['--bogus'], /unknown option --bogus/],
    [['nosuch'], /unknown pair nosuch \(known: shop, gone\)/],
    [['--out'], /--out takes/],
  ] as const) {
    const r = run('--mirrors', mirrors, '--pairs', pairsFile, ...(args[0] === '--out' ? [] : ['--out', out]), ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, msg);
    assert.doesNotMatch(r.err, /\n\s+at /);
  }
  const malformed = path.join(dir, 'malformed.json');
  writeFileSync(malformed, JSON.stringify([pair({ before: 'abc' })]));
  const r = run('--mirrors', mirrors, '--out', out, '--pairs', malformed);
  assert.equal(r.code, 2);
  assert.match(r.err, /pair 1 \(shop\): "before" must be a 40-hex commit/);
  assert.equal(existsSync(out), false);
});

test('a blob the mirror lacks fails the pair, and --allow-missing writes that file empty and lists it', () => {
  // A mirror of loose objects (a small push is unpacked), from which one blob is removed.
  const holey = path.join(mirrors, 'acme+holey', 'repo');
  mkdirSync(holey, { recursive: true });
  sh(holey, 'git', 'init', '-q', '--bare');
  sh(work, 'git', 'push', '-q', holey, 'main');
  const blob = sh(work, 'git', 'rev-parse', `${before}:app/src/main.py`);
  const loose = path.join(holey, 'objects', blob.slice(0, 2), blob.slice(2));
  assert.ok(existsSync(loose), 'the push left loose objects');
  rmSync(loose);
  const file = path.join(dir, 'holey.json');
  writeFileSync(file, JSON.stringify([pair({ name: 'holey', repo: 'acme/holey' })]));
  const out = path.join(dir, 'out7');
  const refused = run('--mirrors', mirrors, '--out', out, '--pairs', file);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^holey: 1 file of the context is absent from the mirror \(src\/main\.py\); --allow-missing/m);
  const r = run('--mirrors', mirrors, '--out', out, '--pairs', file, '--allow-missing');
  assert.equal(r.code, 0, r.err);
  const ctx = path.join(out, 'holey', 'context');
  assert.equal(readFileSync(path.join(ctx, 'src', 'main.py'), 'utf8'), '');
  assert.equal(readFileSync(path.join(ctx, 'requirements.txt'), 'utf8'), 'flask==3.0.0\n');
  assert.equal(readFileSync(path.join(out, 'holey', 'absent.txt'), 'utf8'), 'src/main.py\n');
  assert.equal(readFileSync(path.join(out, 'holey', 'before.Dockerfile'), 'utf8'), BEFORE_FILE);
  // The mirror is read, never written: no tree of the scratch index lands in it.
  const objects = readdirSync(path.join(holey, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(path.join(holey, 'objects', d)).map((f) => d + f));
  assert.equal(objects.includes(blob), false);
  const count = objects.length;
  assert.equal(run('--mirrors', mirrors, '--out', out, '--pairs', file, '--allow-missing').code, 0);
  assert.equal(readdirSync(path.join(holey, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(path.join(holey, 'objects', d))).length, count);
});
