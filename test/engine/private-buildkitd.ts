/**
 * A buildkitd of the test's own: the same binary as the shared one (scripts/engine.sh), its own
 * state folder, unix socket and loopback TCP port, the local registry as docker.io mirror.
 *
 * Two jobs: an empty cache that a test may prune at will (pruning the shared daemon would throw
 * away the cache of every other test and of everybody else building on this machine), which is
 * what a CI runner with no local cache is; and a builder reached over TCP only, which is what a
 * remote builder (buildx `remote`/`kubernetes` drivers, a BuildKit cluster) is to the client: the
 * client sends the context, the daemon has no view of the client's files.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { detectEngine, type EngineIdentity } from '../../src/engine/engine.js';
import { run } from '../../src/engine/exec.js';
import { REGISTRY } from './build-helpers.js';

export interface PrivateBuildkitd {
  /** The daemon's pid. */
  pid: number;
  /** `tcp://127.0.0.1:PORT`. */
  tcp: string;
  /** `unix:///.../buildkitd.sock`. */
  socket: string;
  /** The engine as the driver sees it at the TCP address. */
  engine: EngineIdentity;
  /** Empty its cache (everything, `buildctl prune --all`): a runner with no local cache. */
  prune(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Where the daemon keeps its state: not under the temp folder, which it does not see (below). */
const STATE_PARENT = '/var/tmp';

/**
 * Start a buildkitd for this test beside `shared` (the shared daemon's identity names the buildctl
 * whose buildkitd it starts); stopped, by its own pid, when the test ends. It runs in a mount
 * namespace of its own with an empty tmpfs over the system temp folder, where every test context
 * lives: a build that works on it was sent its context by the client, as a remote builder is.
 */
export async function startPrivateBuildkitd(t: TestContext, shared: EngineIdentity): Promise<PrivateBuildkitd> {
  const buildkitd = path.join(path.dirname(realpathSync(shared.client)), 'buildkitd');
  if (!existsSync(buildkitd)) throw new Error(`no buildkitd beside ${shared.client}`);
  const dir = mkdtempSync(path.join(STATE_PARENT, 'layerwise-bkd-'));
  const hidden = realpathSync(os.tmpdir());
  const port = await freePort();
  const tcp = `tcp://127.0.0.1:${port}`;
  const socket = `unix://${path.join(dir, 'buildkitd.sock')}`;
  mkdirSync(path.join(dir, 'root'));
  writeFileSync(path.join(dir, 'buildkitd.toml'), [
    `root = ${JSON.stringify(path.join(dir, 'root'))}`,
    'insecure-entitlements = ["network.host"]',
    '[grpc]',
    `  address = [${JSON.stringify(socket)}, ${JSON.stringify(tcp)}]`,
    '[worker.oci]',
    '  enabled = true',
    '  gc = false',
    '[worker.containerd]',
    '  enabled = false',
    '[registry."docker.io"]',
    `  mirrors = [${JSON.stringify(REGISTRY)}]`,
    `[registry.${JSON.stringify(REGISTRY)}]`,
    '  http = true',
    '  insecure = true',
    '',
  ].join('\n'));
  const log = openSync(path.join(dir, 'buildkitd.log'), 'a');
  // unshare execs sh, which execs buildkitd: the child's pid is the daemon's.
  const script = `mount -t tmpfs layerwise-hidden "$1" && exec "$2" --config "$3"`;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', hidden, buildkitd, path.join(dir, 'buildkitd.toml')], { stdio: ['ignore', log, log] });
  let exited = false;
  child.on('exit', () => (exited = true));
  const killNow = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killNow);
  t.after(async () => {
    process.off('exit', killNow);
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (!exited) {
        child.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const env = { ...process.env, BUILDKIT_HOST: tcp };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`buildkitd exited while starting (log: ${path.join(dir, 'buildkitd.log')})`);
    const r = await run(shared.client, ['debug', 'workers'], { env, timeoutMs: 5_000 });
    if (r.code === 0) break;
    if (i > 60) throw new Error(`buildkitd at ${tcp} did not answer within 30 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const d = await detectEngine({ kind: 'buildctl', host: tcp, env });
  if (!d.engine) throw new Error(`the driver finds no engine at ${tcp}: ${d.reasons.join('; ')}`);
  const engine = d.engine;
  return {
    pid: child.pid!,
    tcp,
    socket,
    engine,
    async prune() {
      const r = await run(engine.client, ['prune', '--all'], { env, timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`prune at ${tcp} failed: ${r.stderr}`);
    },
  };
}
