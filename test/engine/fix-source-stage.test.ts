/**
 * fix on the seed's layout, in a stand-in of our own (test/fixtures/fix-corpus/ml-source-stage:
 * busybox base, stand-in apt-get/pip/git/curl whose work is sleeps): the whole context copied in
 * `FROM scratch AS local_src`, brought in with `COPY --from` and put in place by a conditional
 * `cp -r` / `git clone`, then a clone of third-party code, dev tools and the project install.
 * `fix --verify` must keep every stage's files and config (verify on the real engine), and an
 * edit of the Python source must rebuild measurably faster: the third-party clone and the dev
 * tools no longer re-run after it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../src/context/index.js';
import { fixText } from '../../src/fix/fix.js';
import { fixAndVerify } from '../../src/bench/verify-fix.js';
import { fixturesDir } from '../helpers.js';
import { requireEngine } from './build-helpers.js';

/**
 * `fix --verify` of a fix-corpus case laid out like the seed (its Dockerfile at docker/Dockerfile,
 * the Python edit at python/serve/server.py): the images must be equivalent; returns the verified
 * fix and a check that a second fix leaves the output alone.
 */
async function verifySeedLayout(name: string) {
  const contextDir = path.join(fixturesDir, 'fix-corpus', name);
  const dockerfilePath = path.join(contextDir, 'docker', 'Dockerfile');
  const target = { contextDir, dockerfilePath, displayName: 'docker/Dockerfile' };
  const ctx = await openContext(contextDir, dockerfilePath);
  const v = await fixAndVerify(target, readFileSync(dockerfilePath, 'utf8'), ctx, { editPath: 'python/serve/server.py', runs: 1 });
  assert.equal(v.verify?.status, 'equivalent', JSON.stringify(v.verify?.stages, null, 1));
  const idempotent = () => assert.equal(fixText(v.result.fixed, 'docker/Dockerfile', ctx).fixed, v.result.fixed, 'fix leaves its own output unchanged');
  return { v, idempotent };
}

test('fix on a FROM scratch AS local_src + COPY --from + conditional cp layout keeps the images and makes a Python edit faster', async (t) => {
  const engine = await requireEngine(t);
  if (!engine) return;
  const { v, idempotent } = await verifySeedLayout('ml-source-stage');
  assert.deepEqual(v.dropped, []);
  // What moved: the clone and the dev tools now come before the COPY --from of the source.
  const fixed = v.result.fixed;
  const at = (s: string) => fixed.indexOf(s);
  assert.ok(at('COPY --from=local_src') > at('DeepEP.git') && at('COPY --from=local_src') > at('gdb vim tmux') && at('COPY --from=local_src') > at('diff-so-fancy'), fixed);
  assert.ok(at('pip install -e') > at('COPY --from=local_src'), 'the project install still comes after the source');
  const m = v.measured!;
  const edit = m.before.edit! / m.after.edit!;
  t.diagnostic(`edit ${m.before.edit} s → ${m.after.edit} s (${edit.toFixed(2)}x), cold ${m.before.cold} s → ${m.after.cold} s`);
  // The original re-runs the clone (1 s), three apt packages (3 s), the curl (1 s) and the install (3+ s) on every edit.
  assert.ok(edit >= 1.4, `source edit only ${edit.toFixed(2)}x faster`);
  idempotent();
});

test('fix moves third-party installers it cannot read past the project steps on the seed layout, and the images stay the same', async (t) => {
  const engine = await requireEngine(t);
  if (!engine) return;
  // test/fixtures/fix-corpus/ml-third-party-installers: after the conditional `cp -r` of the
  // source, a project install chained with a tool layerwise does not model, a `curl | sh`
  // installer and a tarball unpacked in the WORKDIR that holds the source folder, then packages.
  const { v, idempotent } = await verifySeedLayout('ml-third-party-installers');
  const fixed = v.result.fixed;
  const at = (s: string) => fixed.indexOf(s);
  const copy = at('COPY --from=local_src');
  assert.ok(copy > at('install.sh | sh') && copy > at('tar -xzf tool.tar.gz') && copy > at('pip install pytest black'), fixed);
  assert.ok(at('modelkit lock python') > copy, 'the project steps still come after the source');
  const m = v.measured!;
  const edit = m.before.edit! / m.after.edit!;
  t.diagnostic(`edit ${m.before.edit} s → ${m.after.edit} s (${edit.toFixed(2)}x), cold ${m.before.cold} s → ${m.after.cold} s`);
  // The original re-runs the installer (1 s), the tarball (1 s) and two packages (2 s) after the project steps on every edit.
  assert.ok(edit >= 1.4, `source edit only ${edit.toFixed(2)}x faster`);
  idempotent();
});
