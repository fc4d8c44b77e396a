/**
 * Bad input as a user gives it, on the command line: each is one located line on stderr and
 * exit 2, never a silent guess (an empty context, a path made up from another one, a typo that
 * switches nothing off).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function layerwise(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: path.join(cwd, '.cache') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function project(dockerfile = 'FROM bb\nCOPY . /app\nRUN cat /app/a.txt\n'): string {
  const dir = tempDir('layerwise-input-');
  mkdirSync(path.join(dir, 'ctx'));
  writeFileSync(path.join(dir, 'ctx', 'Dockerfile'), dockerfile);
  writeFileSync(path.join(dir, 'ctx', 'a.txt'), 'a\n');
  return dir;
}

test('a build context folder that does not exist is an input error for every command, not an empty context', () => {
  const dir = project();
  for (const cmd of ['graph', 'explain', 'analyze', 'fix', 'simulate']) {
    const r = layerwise([cmd, 'no-such-ctx', '-f', 'ctx/Dockerfile'], dir);
    assert.equal(r.code, 2, `${cmd}: ${r.err}`);
    assert.equal(r.err, 'layerwise: no-such-ctx: no such build context folder\n', cmd);
    assert.equal(r.out, '', cmd);
  }
});

test('a build context that is a file is an input error that says to give the Dockerfile with -f', () => {
  const dir = project();
  const r = layerwise(['analyze', 'ctx/Dockerfile'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'layerwise: ctx/Dockerfile: the build context must be a folder, not a file (give the Dockerfile with -f)\n');
});

test('--changed outside the context is an input error, absolute or climbing out; inside it, absolute paths are taken', () => {
  const dir = project();
  const ctx = path.join(dir, 'ctx');
  const abs = layerwise(['explain', 'ctx', '--changed', '/etc/passwd'], dir);
  assert.equal(abs.code, 2);
  assert.equal(abs.err, `layerwise: --changed /etc/passwd: outside the build context ${ctx} (give a path relative to CONTEXT, or an absolute path inside it)\n`);
  const climb = layerwise(['explain', 'ctx', '--changed', '../../etc/passwd'], dir);
  assert.equal(climb.code, 2);
  assert.equal(climb.err, `layerwise: --changed ../../etc/passwd: climbs out of the build context ${ctx} (paths are relative to CONTEXT)\n`);
  // The context's own folder beside it is outside too, even with the same prefix.
  writeFileSync(path.join(dir, 'ctx2'), '');
  assert.equal(layerwise(['explain', 'ctx', '--changed', path.join(dir, 'ctx2')], dir).code, 2);
  for (const inside of [path.join(ctx, 'a.txt'), 'sub/../a.txt', './a.txt']) {
    const r = layerwise(['explain', 'ctx', '--changed', inside], dir);
    assert.equal(r.code, 0, `${inside}: ${r.err}`);
    assert.match(r.out, /A change to a\.txt rebuilds 2 of 3 steps, starting at line 2/, inside);
  }
});

test('a misspelled key in .layerwise.yaml, at the top or among a rule\'s options, is an error at its line and column', () => {
  const dir = project();
  writeFileSync(path.join(dir, '.layerwise.yaml'), 'fail_on: warning\n');
  const top = layerwise(['analyze', 'ctx'], dir);
  assert.equal(top.code, 2);
  assert.equal(top.err, 'layerwise: .layerwise.yaml:1:1: unknown key "fail_on" (known: rules, fail-on, max-rebuild-minutes, time-scale, changes, frequency, docs-url)\n');
  writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules:\n  broad-copy-before-expensive-steps: { minSecond: 10 }\n');
  const option = layerwise(['analyze', 'ctx'], dir);
  assert.equal(option.code, 2);
  assert.equal(option.err, 'layerwise: .layerwise.yaml:2:40: rules.broad-copy-before-expensive-steps: unknown key "minSecond" (known: severity, enabled, minSeconds)\n');
  // The option spelled right is taken.
  writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules:\n  broad-copy-before-expensive-steps: { minSeconds: 10, severity: error }\n');
  assert.equal(layerwise(['analyze', 'ctx'], dir).code, 0);
});

test('an unknown rule in an inline ignore comment is an error at the name; a known one silences its rule', () => {
  const typo = project('FROM bb\n# layerwise ignore=base-image-not-pined\nCOPY . /app\n');
  const r = layerwise(['analyze', 'ctx'], typo);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'layerwise: ctx/Dockerfile:2:20: unknown rule "base-image-not-pined" in an ignore comment (see layerwise analyze --list-rules)\n');
  const global = project('# layerwise global ignore=final-image-runs-as-root, nope\nFROM bb\n');
  const g = layerwise(['analyze', 'ctx'], global);
  assert.equal(g.code, 2);
  assert.equal(g.err, 'layerwise: ctx/Dockerfile:1:53: unknown rule "nope" in an ignore comment (see layerwise analyze --list-rules)\n');
  const badList = project('# layerwise global ignore=Final_Image\nFROM bb\n');
  assert.match(layerwise(['analyze', 'ctx'], badList).err, /^layerwise: ctx\/Dockerfile:1:27: ignore= expects rule names separated by commas/);
  // Spelled right, the same comments silence the rules they name.
  // (A service that publishes a port, so that runs-as-root applies; base-image-not-pinned is off unless asked for.)
  const both = ['--rule', 'final-image-runs-as-root', '--rule', 'base-image-not-pinned'];
  const clean = project('# layerwise global ignore=final-image-runs-as-root\n# layerwise ignore=base-image-not-pinned\nFROM bb\nEXPOSE 80\nCMD ["serve"]\n');
  const ok = layerwise(['analyze', 'ctx', '--format', 'json', ...both], clean);
  assert.equal(ok.code, 0, ok.err);
  const rules = (JSON.parse(ok.out) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
  assert.ok(!rules.includes('final-image-runs-as-root') && !rules.includes('base-image-not-pinned'), rules.join(', '));
  const loud = layerwise(['analyze', 'ctx', '--format', 'json', ...both], project('FROM bb\nEXPOSE 80\nCMD ["serve"]\n'));
  const all = (JSON.parse(loud.out) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
  assert.ok(all.includes('final-image-runs-as-root') && all.includes('base-image-not-pinned'), 'without the comments both are found');
});
