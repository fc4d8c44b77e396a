/**
 * `fix --write` and fix's diff as a user meets them: symlinks, mode and owner, line endings,
 * a folder that cannot be written, a kill at any moment, `git apply` of the printed diff.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { writeFileAtomic } from '../../../src/core/write-file.js';
import { projectRoot, tempDir, unprivilegedCli } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function layerwise(args: string[], cwd = projectRoot, as?: ReturnType<typeof unprivilegedCli>) {
  const r = spawnSync(process.execPath, [as?.main ?? main, ...args], { cwd, encoding: 'utf8', ...(as ? { uid: as.uid, gid: as.gid, env: as.env } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// An install that reads only package.json after the whole source: fix moves it before the copy.
const BEFORE = ['FROM bb', 'WORKDIR /app', 'COPY . .', 'RUN cat package.json > /deps'];
const AFTER = ['FROM bb', 'WORKDIR /app', 'COPY package.json /app/package.json', 'RUN cat package.json > /deps', 'COPY . .'];
const lf = (lines: string[]) => lines.join('\n') + '\n';

function project(dockerfile: string, dir = tempDir('layerwise-write-')): string {
  writeFileSync(path.join(dir, 'package.json'), '{}\n');
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

test('fix --write on a symlinked Dockerfile writes its target and keeps the link', () => {
  const dir = tempDir('layerwise-write-link-');
  mkdirSync(path.join(dir, 'shared'));
  writeFileSync(path.join(dir, 'shared', 'app.Dockerfile'), lf(BEFORE));
  const ctx = path.join(dir, 'ctx');
  mkdirSync(ctx);
  writeFileSync(path.join(ctx, 'package.json'), '{}\n');
  symlinkSync('../shared/app.Dockerfile', path.join(ctx, 'Dockerfile'));
  const r = layerwise(['fix', 'ctx', '--write'], dir);
  assert.equal(r.code, 0, r.err);
  assert.ok(lstatSync(path.join(ctx, 'Dockerfile')).isSymbolicLink(), 'the link is still a link');
  assert.equal(readlinkSync(path.join(ctx, 'Dockerfile')), '../shared/app.Dockerfile');
  assert.equal(readFileSync(path.join(dir, 'shared', 'app.Dockerfile'), 'utf8'), lf(AFTER));
  assert.deepEqual(readdirSync(path.join(dir, 'shared')), ['app.Dockerfile'], 'no temp file left');
});

test('fix --write keeps a CRLF file CRLF and its BOM first; a second run has nothing to do', () => {
  const dir = project('\ufeff' + BEFORE.join('\r\n') + '\r\n');
  const r = layerwise(['fix', dir, '--write']);
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), '\ufeff' + AFTER.join('\r\n') + '\r\n');
  assert.match(layerwise(['fix', dir]).out, /nothing to change/);
});

test('fix --write keeps the mode and, run as root, the owner of the file', (t) => {
  const dir = project(lf(BEFORE));
  const file = path.join(dir, 'Dockerfile');
  chmodSync(file, 0o640);
  const root = process.getuid?.() === 0;
  if (root) chownSync(file, 4321, 4322);
  const r = layerwise(['fix', dir, '--write']);
  assert.equal(r.code, 0, r.err);
  const st = statSync(file);
  assert.equal(st.mode & 0o7777, 0o640);
  if (!root) return t.diagnostic('owner not checked: only root can give a file another owner');
  assert.deepEqual([st.uid, st.gid], [4321, 4322]);
});

test('fix --write in a folder that cannot be written: a clear error, exit 2, the file unchanged', () => {
  const as = unprivilegedCli();
  const dir = project(lf(BEFORE));
  if (as) {
    for (const p of [dir, path.join(dir, 'Dockerfile'), path.join(dir, 'package.json')]) chownSync(p, as.uid, as.gid);
  }
  // The file itself is writable; its folder is not, so it cannot be replaced atomically.
  chmodSync(dir, 0o555);
  const r = layerwise(['fix', '.', '--write'], dir, as);
  chmodSync(dir, 0o755);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err, `layerwise: Dockerfile: cannot write: permission denied (the file is replaced by a rename: its folder ${dir} must be writable); the file is unchanged\n`);
  assert.equal(r.out, '');
  assert.equal(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), lf(BEFORE));
});

test('a write refused because the file changed since it was read names the file and writes nothing', async () => {
  const dir = project('new content\n');
  const file = path.join(dir, 'Dockerfile');
  await assert.rejects(writeFileAtomic(file, 'fixed\n', { displayName: 'Dockerfile', expected: 'old content\n' }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.format(), 'Dockerfile: cannot write: the file changed since layerwise read it; nothing was written (run again)');
    return true;
  });
  assert.equal(readFileSync(file, 'utf8'), 'new content\n');
  assert.deepEqual(readdirSync(dir).sort(), ['Dockerfile', 'package.json']);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 at random moments of a write loop leaves the old file or the new one, never a mix', async () => {
  const dir = tempDir('layerwise-write-kill-');
  const file = path.join(dir, 'Dockerfile');
  // Large enough that a kill often lands inside writing or flushing the temp file.
  const a = 'A'.repeat(4 << 20);
  const b = 'B'.repeat(4 << 20);
  writeFileSync(file, a);
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(path.join(projectRoot, 'dist', 'src', 'core', 'write-file.js'))};
    const a = 'A'.repeat(4 << 20), b = 'B'.repeat(4 << 20);
    process.stdout.write('ready\\n');
    for (let i = 0; ; i++) await writeFileAtomic(${JSON.stringify(file)}, i % 2 ? a : b);`;
  let writes = 0;
  for (let round = 0; round < 12; round++) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await sleep(Math.random() * 150);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const now = readFileSync(file, 'utf8');
    assert.ok(now === a || now === b, `round ${round}: the file is the old or the new one (${now.length} bytes)`);
    if (now === b) writes++;
  }
  // Stray temp files are allowed (hidden, beside it); the file itself is whole.
  for (const name of readdirSync(dir)) assert.ok(name === 'Dockerfile' || /^\.Dockerfile\.layerwise-\d+-[0-9a-f]+\.tmp$/.test(name), name);
  void writes;
});

test('kill -9 of fix --write at a random moment leaves the original or the fixed file', async () => {
  const dir = project(lf(BEFORE));
  const file = path.join(dir, 'Dockerfile');
  const started = Date.now();
  layerwise(['fix', dir]);
  const span = Date.now() - started;
  for (let round = 0; round < 8; round++) {
    writeFileSync(file, lf(BEFORE));
    const child = spawn(process.execPath, [main, 'fix', dir, '--write'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await sleep(Math.random() * span * 1.2);
    child.kill('SIGKILL');
    await exited;
    const now = readFileSync(file, 'utf8');
    assert.ok(now === lf(BEFORE) || now === lf(AFTER), `round ${round}: ${JSON.stringify(now)}`);
  }
});

function git(args: string[], cwd: string) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('the printed diff names FILE relative to the working directory and applies with git apply, CRLF too', (t) => {
  if (spawnSync('git', ['--version']).status !== 0) return t.skip('git is not installed');
  // In a subfolder of a repository (git apply takes paths from the current folder there)...
  const repo = tempDir('layerwise-write-git-');
  git(['init', '-q', '.'], repo);
  const ctx = path.join(repo, 'sub', 'ctx');
  mkdirSync(ctx, { recursive: true });
  project('\ufeff' + BEFORE.join('\r\n') + '\r\n', ctx);
  // ...with FILE given as an absolute path: the diff still says a/ctx/Dockerfile.
  const r = layerwise(['fix', 'ctx', '-f', path.join(ctx, 'Dockerfile')], path.join(repo, 'sub'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^--- a\/ctx\/Dockerfile\n\+\+\+ b\/ctx\/Dockerfile\n/m);
  const patch = path.join(repo, 'fix.patch');
  writeFileSync(patch, r.out);
  git(['apply', patch], path.join(repo, 'sub'));
  assert.equal(readFileSync(path.join(ctx, 'Dockerfile'), 'utf8'), '\ufeff' + AFTER.join('\r\n') + '\r\n');
  // Outside any repository, the JSON's diff applies the same way.
  const plain = project(lf(BEFORE));
  const j = JSON.parse(layerwise(['fix', '.', '--format', 'json'], plain).out) as { diff: string };
  writeFileSync(path.join(plain, 'fix.patch'), j.diff);
  git(['apply', 'fix.patch'], plain);
  assert.equal(readFileSync(path.join(plain, 'Dockerfile'), 'utf8'), lf(AFTER));
});
