/**
 * The bar for `fix` on the bundled example, measured on the real engine: the fixed
 * file builds an equivalent image, an edit of python/app/server.py rebuilds at least 10x
 * faster, a cold build at least 1.5x faster, and fix leaves its own output unchanged.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openContext } from '../../src/context/index.js';
import { fixText } from '../../src/fix/fix.js';
import { fixAndVerify } from '../../src/bench/verify-fix.js';
import { projectRoot } from '../helpers.js';
import { engineTest } from './build-helpers.js';

engineTest('fix --verify on the example keeps the image and makes a source edit 10x and a cold build 1.5x faster', async (t, engine) => {
  const contextDir = path.join(projectRoot, 'examples', 'ml-serving');
  const dockerfilePath = path.join(contextDir, 'docker', 'Dockerfile');
  const target = { contextDir, dockerfilePath, displayName: 'docker/Dockerfile' };
  const source = readFileSync(dockerfilePath, 'utf8');
  const ctx = await openContext(contextDir, dockerfilePath);
  const v = await fixAndVerify(target, source, ctx, { editPath: 'python/app/server.py', runs: 1, engine });
  assert.equal(v.verify?.status, 'equivalent', JSON.stringify(v.verify?.stages, null, 1));
  assert.deepEqual(v.dropped, []);
  const m = v.measured!;
  const edit = m.before.edit! / m.after.edit!;
  const cold = m.before.cold / m.after.cold;
  t.diagnostic(`edit ${m.before.edit} s → ${m.after.edit} s (${edit.toFixed(1)}x), cold ${m.before.cold} s → ${m.after.cold} s (${cold.toFixed(2)}x)`);
  assert.ok(edit >= 10, `source edit only ${edit.toFixed(1)}x faster`);
  assert.ok(cold >= 1.5, `cold build only ${cold.toFixed(2)}x faster`);
  assert.equal(fixText(v.result.fixed, 'docker/Dockerfile', ctx).fixed, v.result.fixed, 'fix leaves its own output unchanged');
});
