/**
 * `RUN --mount=type=ssh` on the real engine: the client forwards an ssh-agent (`--ssh
 * default=SOCKET`), the step sees the agent's keys, and the agent is never in the cache key: the
 * same step with another agent holding other keys is answered from the cache, as the model says
 * (a RUN's ssh mount is not part of its key, src/cache/definition.ts).
 *
 * The agents are the test's own (`ssh-agent -a SOCKET`, each with a fresh key whose comment is a
 * token of the run), stopped by pid. In the step, Debian's ssh-add lists the forwarded keys: it
 * and its libraries come in through a bind mount of the context and run under their own loader,
 * since the busybox base has no ssh client. scripts/engine.sh installs openssh-client.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { explain } from '../../src/explain/explain.js';
import { tempDir } from '../helpers.js';
import { BASE_IMAGE, engineTest, makeContext } from './build-helpers.js';

/** An ssh-agent of the test's own on SOCKET, holding one new key with `comment`; killed by pid when the test ends. */
function startAgent(t: TestContext, comment: string): string {
  const dir = tempDir('layerwise-ssh-');
  const socket = path.join(dir, 'agent.sock');
  const out = execFileSync('ssh-agent', ['-s', '-a', socket], { encoding: 'utf8' });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  assert.ok(pid > 0, `ssh-agent printed no pid: ${out}`);
  t.after(() => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path.join(dir, 'key')]);
  execFileSync('ssh-add', ['-q', path.join(dir, 'key')], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
  return socket;
}

/** ssh-add and the libraries it links, copied into `dir` (ld.so runs it with --library-path). */
function bundleSshAdd(dir: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync('/usr/bin/ssh-add', path.join(dir, 'ssh-add'));
  for (const line of execFileSync('ldd', ['/usr/bin/ssh-add'], { encoding: 'utf8' }).split('\n')) {
    const lib = /(?:=>\s*)?(\/\S+)\s+\(/.exec(line)?.[1];
    if (lib && existsSync(lib)) copyFileSync(lib, path.join(dir, path.basename(lib)));
  }
}

engineTest('RUN --mount=type=ssh sees the forwarded agent, and another agent leaves the step cached', async (t, engine) => {
  const nonce = randomBytes(6).toString('hex');
  const dockerfile = [
    `FROM ${BASE_IMAGE}`,
    `RUN echo ${nonce} > /id`,
    // The keys the step sees are printed (its output) and checked: the build fails without the first agent's key.
    `RUN --mount=type=bind,source=sshadd,target=/sshadd --mount=type=ssh /sshadd/ld-linux-x86-64.so.2 --library-path /sshadd /sshadd/ssh-add -l > /keys; cat /keys; grep -q layerwise-first-${nonce} /keys`,
    '',
  ].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile });
  bundleSshAdd(path.join(ctx.dir, 'sshadd'));

  const first = await ctx.build({ ssh: { default: startAgent(t, `layerwise-first-${nonce}`) } });
  assert.ok(first.ok, `build with the agent failed: ${first.error}\n${first.vertices.flatMap((v) => v.output).join('\n')}`);
  const step = first.vertices.find((v) => v.name.includes('--mount=type=ssh'));
  assert.ok(step && !step.cached, 'the ssh step ran');
  assert.match(step.output.join('\n'), new RegExp(`SHA256:\\S+ layerwise-first-${nonce} \\(ED25519\\)`), 'the step listed the forwarded key');

  // Another agent, another key: BuildKit keys the step without it.
  const second = await ctx.build({ ssh: { default: startAgent(t, `layerwise-second-${nonce}`) } });
  assert.ok(second.ok, `second build failed: ${second.error}`);
  assert.equal(second.vertices.find((v) => v.name.includes('--mount=type=ssh'))?.cached, true, 'the ssh step is cached with another agent');

  // The model agrees: nothing changed that the step's key holds.
  const r = await explain({ contextDir: ctx.dir, dockerfilePath: path.join(ctx.dir, 'Dockerfile'), displayName: 'Dockerfile' }, { buildkitVersion: engine.buildkitVersion });
  assert.equal(r.verdicts.find((v) => v.step.line === 3)?.status, 'cached');
});
