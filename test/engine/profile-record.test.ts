/**
 * `layerwise profile record` on the real engine, as a user runs it: the profile goes outside
 * the build context, so recording again finds every step cached (a profile inside the context
 * would have changed what `COPY .` reads); that warm record says how to get durations and
 * writes nothing; `--no-cache` measures again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { defaultProfilePath } from '../../src/timing/profile-path.js';
import { projectRoot, tempDir } from '../helpers.js';
import { BASE_IMAGE, makeContext, requireEngine } from './build-helpers.js';

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

test('profile record: the default profile stays out of the context, a warm record writes nothing and names --no-cache', async (t) => {
  const engine = await requireEngine(t);
  if (!engine) return;
  // A step of its own (the random text), so no other build's cache answers the first record.
  const ctx = makeContext(t, engine, {
    Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo ${randomBytes(6).toString('hex')} > /id && sleep 1\nCOPY . /src\nRUN ls /src > /listing\n`,
    'app.txt': 'hello\n',
  });
  const cache = tempDir('layerwise-profile-cache-');
  const env = { XDG_CACHE_HOME: cache };
  const profile = defaultProfilePath(ctx.dir, env);
  const files = readdirSync(ctx.dir).sort();

  const cold = await layerwise(['profile', 'record', '.'], ctx.dir, env);
  assert.equal(cold.code, 0, cold.err);
  assert.match(cold.out, new RegExp(`; 3 step durations added to ${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));
  assert.deepEqual(readdirSync(ctx.dir).sort(), files, 'nothing written into the context');
  const saved = readFileSync(profile, 'utf8');
  const run = Object.values((JSON.parse(saved) as { steps: Record<string, { instruction: string; samples: number[] }> }).steps).find((s) => s.instruction.includes('sleep 1'))!;
  assert.ok(run.samples[0] >= 0.9, `the RUN took about a second: ${run.samples[0]}`);

  // Warm: BuildKit runs nothing, so the COPY . saw the same context as before.
  const warm = await layerwise(['profile', 'record', '.'], ctx.dir, env);
  assert.equal(warm.code, 0, warm.err);
  assert.equal(warm.out, '');
  assert.match(warm.err, /^layerwise: every step was cached, so no step ran and nothing was measured; .*profile\.json is unchanged\. To time every step, build without the cache: layerwise profile record \. --no-cache\n$/);
  assert.equal(readFileSync(profile, 'utf8'), saved, 'the profile is unchanged');

  const again = await layerwise(['profile', 'record', '.', '--no-cache'], ctx.dir, env);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /; 3 step durations added to /);
  const samples = (JSON.parse(readFileSync(profile, 'utf8')) as { steps: Record<string, { samples: number[] }> }).steps;
  assert.ok(Object.values(samples).every((s) => s.samples.length === 2), 'a second sample per step');
  assert.ok(!existsSync(path.join(ctx.dir, '.layerwise')));
});
