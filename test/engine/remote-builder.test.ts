/**
 * bench, verify, profile record and fix --verify on a remote BuildKit, as a user runs them:
 * `BUILDKIT_HOST=tcp://HOST:PORT layerwise ... --engine buildkit` (buildx's `remote` and
 * `kubernetes` drivers reach a builder the same way: over the network, the client sending the
 * context and getting the image back).
 *
 * The builder is a buildkitd of the test's own on loopback TCP (private-buildkitd.ts) that runs
 * with an empty tmpfs over the system temp folder, where the contexts live: it cannot read them
 * from disk, so a build that works there was sent what it read by the client. Its cache is its
 * own, so bench --prune may empty it. --cache-to/--cache-from go through the CLI here too: the
 * record exports a registry cache, and bench's pruned cold build imports it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, tempDir } from '../helpers.js';
import { BASE_IMAGE, engineTest, REGISTRY } from './build-helpers.js';
import { startPrivateBuildkitd } from './private-buildkitd.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function layerwise(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { cwd, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

engineTest('bench, verify, profile record and fix --verify build on a remote BuildKit over TCP that cannot see the client\'s files', async (t, shared) => {
  const builder = await startPrivateBuildkitd(t, shared);
  // The daemon's own view: the temp folder, where the contexts are, is an empty tmpfs to it.
  const mounts = readFileSync(`/proc/${builder.pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' '));
  const tmp = realpathSync(os.tmpdir());
  assert.ok(mounts.some((m) => m[4] === tmp && m[m.indexOf('-') + 1] === 'tmpfs'), `the builder sees ${tmp} as a tmpfs of its own`);

  const nonce = randomBytes(6).toString('hex');
  const ctx = tempDir('layerwise-remote-builder-');
  const write = (name: string, text: string) => writeFileSync(path.join(ctx, name), text);
  write('Dockerfile', `FROM ${BASE_IMAGE}\nARG VERSION=1\nRUN echo ${nonce} > /id && sleep 1\nCOPY app.txt /app.txt\nRUN cat /app.txt /id > /out && echo $VERSION > /v\n`);
  write('Dockerfile.other', `FROM ${BASE_IMAGE}\nRUN echo ${nonce} > /id && sleep 1\nARG VERSION=1\nCOPY app.txt /app.txt\nRUN cat /app.txt /id > /out && echo $VERSION > /v\n`);
  write('app.txt', 'hello\n');
  const env = { BUILDKIT_HOST: builder.tcp, XDG_CACHE_HOME: tempDir('layerwise-remote-builder-cache-') };
  const cache = `${REGISTRY}/layerwise-test/remote-builder-${nonce}:cache`;

  const record = await layerwise(['profile', 'record', '.', '--engine', 'buildkit', '--cache-to', `type=registry,ref=${cache},mode=max`], ctx, env);
  assert.equal(record.code, 0, record.err);
  assert.match(record.out, new RegExp(`^built in [\\d.]+ s on buildkit v\\d+\\.\\d+\\.\\d+\\S* at ${builder.tcp.replaceAll('.', '\\.')} via buildctl .*; 3 step durations added to `));

  // BUILDKIT_HOST alone selects the builder. A pruned cold build imports the cache the record exported.
  const bench = await layerwise(['bench', '.', '--runs', '1', '--change', 'edit:app.txt', '--prune', '--cache-from', cache, '--format', 'json'], ctx, env);
  assert.equal(bench.code, 0, bench.err);
  const b = JSON.parse(bench.out) as { engine_info: { engine: string; host: string }; cache: string; results: { cold: { steps: { line: number; instruction: string; ran: boolean | null }[] } }[] };
  assert.deepEqual([b.engine_info.engine, b.engine_info.host, b.cache], ['buildkit', builder.tcp, 'pruned']);
  // Every step of the cold build on the emptied builder came from the imported cache (a base
  // image is resolved again on every build: never cached).
  const cold = b.results[0]!.cold.steps.filter((st) => st.ran !== null && !st.instruction.startsWith('FROM'));
  assert.ok(cold.length >= 3 && cold.every((st) => st.ran === false), `cold steps: ${JSON.stringify(b.results[0]!.cold.steps)}`);

  const verify = await layerwise(['verify', '.', '-f', 'Dockerfile', '--against', 'Dockerfile.other', '--engine', 'buildkit', '--format', 'json'], ctx, env);
  assert.equal(verify.code, 0, verify.out + verify.err);
  const v = JSON.parse(verify.out) as { result: string; engine_info: { host: string } };
  assert.deepEqual([v.result, v.engine_info.host], ['equivalent', builder.tcp]);

  const fix = await layerwise(['fix', '.', '--verify', '--engine', 'buildkit', '--format', 'json'], ctx, env);
  assert.equal(fix.code, 0, fix.out + fix.err);
  const f = JSON.parse(fix.out) as { changed: boolean; verified: { status: string; engine_info: { host: string } } };
  assert.ok(f.changed, 'fix has something to change (the ARG before the first RUN)');
  assert.deepEqual([f.verified.status, f.verified.engine_info.host], ['equivalent', builder.tcp]);
}, {
  notOn: { docker: 'a remote builder is a BuildKit daemon reached over the network (BUILDKIT_HOST, buildx remote/kubernetes drivers); the BuildKit inside dockerd is reached only through dockerd' },
  test: { timeout: 600_000 },
});
