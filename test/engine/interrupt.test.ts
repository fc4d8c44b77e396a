/**
 * Ctrl-C during the commands that build on the engine (`fix --verify`, `verify`, `bench`): the
 * command stops with exit 130, writes nothing, and leaves none of its images behind, and no
 * build keeps running after it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/engine/exec.js';
import { makeTempDir, ownerOf, removeTempDirs } from '../../src/engine/cleanup.js';
import type { EngineIdentity } from '../../src/engine/engine.js';
import { projectRoot } from '../helpers.js';
import { BASE_IMAGE, makeContext, engineTest } from './build-helpers.js';

/**
 * A build long enough to be interrupted in the middle of, which fix has something to change in.
 * Each test's differs (`nonce`): BuildKit may finish a step whose client went away, and a later
 * test must not find it cached.
 */
const slow = (nonce: string) => `FROM ${BASE_IMAGE}
WORKDIR /app
COPY . .
RUN cat package.json > /deps && echo ${nonce} && sleep 40
`;

const bin = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

/**
 * The images the command left: in docker's store, those its process tagged (the tag names its
 * maker: other test files build beside this one); on BuildKit (no image store) the image
 * tarballs and copies in the command's own temp folder, which must be empty after it.
 */
async function ourImages(engine: EngineIdentity, tmp: string, pid: number): Promise<string[]> {
  if (engine.kind === 'buildctl') return readdirSync(tmp).sort();
  const r = await run(engine.docker!, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: { ...process.env, ...engine.env }, timeoutMs: 60_000 });
  return r.stdout.split('\n').filter((l) => ownerOf(l) === pid).sort();
}

/**
 * Command lines of the `docker build` / `buildctl build` processes that `pid` started (its
 * descendants): builds of anyone else on the machine are none of this test's business.
 */
function runningBuilds(pid: number): { pid: number; args: string }[] {
  const rows = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout.split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const ours = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) if (!ours.has(r.pid) && ours.has(r.ppid)) (ours.add(r.pid), (grew = true));
  }
  return rows.filter((r) => r.pid !== pid && ours.has(r.pid) && /(docker|buildctl)(\s+\S+)*\s+build\b/.test(r.args)).map(({ pid, args }) => ({ pid, args }));
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const commands: [string, (dir: string) => string[]][] = [
  ['fix --verify', (dir) => ['fix', dir, '--verify', '--write']],
  ['verify', (dir) => ['verify', dir, '-f', path.join(dir, 'Dockerfile'), '--against', path.join(dir, 'other.Dockerfile')]],
  ['bench', (dir) => ['bench', dir, '--runs', '1']],
];

for (const [name, args] of commands) {
  engineTest(`Ctrl-C during ${name}: exit 130, nothing written, none of its images or builds left`, async (t, engine) => {
    const SLOW = slow(`${name.replace(/\W+/g, '-')}-${process.pid}-${Date.now()}`);
    const ctx = makeContext(t, engine, { Dockerfile: SLOW, 'other.Dockerfile': SLOW, 'package.json': '{}\n', 'src/app.js': '1\n' });
    const tmp = makeTempDir('layerwise-interrupt-tmp-');
    const engineArgs = ['--engine', engine.kind === 'buildctl' ? 'buildkit' : 'docker'];
    const child = spawn(process.execPath, [bin, ...args(ctx.dir), ...engineArgs], { env: { ...process.env, ...engine.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid!;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let gone: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((gone = code))));
    const builds = new Set<number>();
    const started = () => (runningBuilds(pid).forEach((b) => builds.add(b.pid)), builds.size > 0);
    await until('a build to start', () => gone !== undefined || started(), 60_000);
    assert.equal(gone, undefined, `it ended before it was interrupted (stderr: ${err.slice(-400)})`);
    // Inside the 40-second RUN.
    await new Promise((r) => setTimeout(r, 1500));
    started();
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    assert.equal(code, 130, `exit code (stderr: ${err.slice(-400)})`);
    assert.match(err, /stopping, removing/);
    assert.equal(readFileSync(path.join(ctx.dir, 'Dockerfile'), 'utf8'), SLOW, 'the Dockerfile is not written');
    // By the ids seen while it ran: a build the command left behind would no longer be its descendant.
    const running = (p: number) => { try { process.kill(p, 0); return true; } catch { return false; } };
    await until('the builds to end', () => [...builds].every((p) => !running(p)), 30_000);
    assert.deepEqual(await ourImages(engine, tmp, pid), [], 'no image of its own is left');
    removeTempDirs(tmp);
  });
}
