import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { configCandidates, findConfig } from '../../../src/analyze/config.js';
import { projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

/**
 * A project whose findings are all warnings (a whole-context copy before a pip install, no
 * .dockerignore): analyze exits 0 by default (fail-on: error) and 1 from fail-on warning down.
 * HOME and XDG_CONFIG_HOME point into the temp folder, so the user's own config never leaks in.
 */
function project() {
  const dir = tempDir('layerwise-config-');
  mkdirSync(path.join(dir, 'ctx'));
  writeFileSync(path.join(dir, 'ctx', 'Dockerfile'), 'FROM bb\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n');
  writeFileSync(path.join(dir, 'ctx', 'requirements.txt'), 'flask\n');
  const xdg = path.join(dir, 'xdg');
  mkdirSync(path.join(xdg, 'layerwise'), { recursive: true });
  const run = (args: string[], env: Record<string, string> = {}) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LAYERWISE_')));
    const r = spawnSync(process.execPath, [main, 'analyze', 'ctx', ...args], {
      cwd: dir, encoding: 'utf8', env: { ...clean, HOME: dir, XDG_CONFIG_HOME: xdg, ...env },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  return { dir, xdg, run };
}

test('the user config under $XDG_CONFIG_HOME/layerwise/config.yaml applies when the working directory has none', () => {
  const p = project();
  assert.equal(p.run([]).code, 0, 'warnings do not fail by default');
  writeFileSync(path.join(p.xdg, 'layerwise', 'config.yaml'), 'fail-on: warning\n');
  const r = p.run([]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /Failing: 4 findings at or above warning\./);
  // Its mistakes are reported at the file's own path (here inside the working directory, so relative).
  writeFileSync(path.join(p.xdg, 'layerwise', 'config.yaml'), 'fail_on: warning\n');
  const bad = p.run([]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^layerwise: xdg\/layerwise\/config\.yaml:1:1: unknown key "fail_on"/);
});

test('a project .layerwise.yaml wins over the user config, whole (they are not merged)', () => {
  const p = project();
  writeFileSync(path.join(p.xdg, 'layerwise', 'config.yaml'), 'fail-on: warning\n');
  writeFileSync(path.join(p.dir, '.layerwise.yaml'), 'time-scale: 2\n');
  assert.equal(p.run([]).code, 0);
  assert.deepEqual(configCandidates(p.dir, { XDG_CONFIG_HOME: p.xdg }), [path.join(p.dir, '.layerwise.yaml'), path.join(p.xdg, 'layerwise', 'config.yaml')]);
});

test('without XDG_CONFIG_HOME (or with a relative one) the user config is ~/.config/layerwise/config.yaml', async () => {
  const home = tempDir('layerwise-home-');
  mkdirSync(path.join(home, '.config', 'layerwise'), { recursive: true });
  writeFileSync(path.join(home, '.config', 'layerwise', 'config.yaml'), 'fail-on: info\n');
  const cwd = tempDir('layerwise-cwd-');
  assert.equal(await findConfig(undefined, cwd, { HOME: home }), path.join(home, '.config', 'layerwise', 'config.yaml'));
  assert.equal(await findConfig(undefined, cwd, { HOME: home, XDG_CONFIG_HOME: 'relative/dir' }), path.join(home, '.config', 'layerwise', 'config.yaml'));
  assert.equal(await findConfig(undefined, cwd, { HOME: cwd }), undefined);
  assert.equal(await findConfig('given.yaml', cwd, { HOME: home }), 'given.yaml');
});

test('--fail-on sets the threshold over the config; none never fails on findings', () => {
  const p = project();
  writeFileSync(path.join(p.dir, '.layerwise.yaml'), 'fail-on: warning\n');
  assert.equal(p.run([]).code, 1);
  assert.equal(p.run(['--fail-on', 'error']).code, 0);
  assert.equal(p.run(['--fail-on', 'none']).code, 0);
  writeFileSync(path.join(p.dir, '.layerwise.yaml'), 'fail-on: none\n');
  assert.equal(p.run([]).code, 0);
  assert.equal(p.run(['--fail-on', 'info']).code, 1);
  const bad = p.run(['--fail-on', 'warn']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err, 'layerwise: --fail-on must be one of error, warning, info, none, got "warn"\n');
});

test('environment twins: LAYERWISE_FAIL_ON, LAYERWISE_FORMAT, LAYERWISE_CONFIG; a flag wins over its variable', () => {
  const p = project();
  assert.equal(p.run([], { LAYERWISE_FAIL_ON: 'warning' }).code, 1);
  assert.equal(p.run(['--fail-on', 'error'], { LAYERWISE_FAIL_ON: 'warning' }).code, 0);
  const json = p.run([], { LAYERWISE_FORMAT: 'json' });
  assert.equal(json.code, 0, json.err);
  assert.ok(Array.isArray((JSON.parse(json.out) as { findings: unknown[] }).findings));
  assert.match(p.run(['--format', 'text'], { LAYERWISE_FORMAT: 'json' }).out, /^Change impact/m);
  // A bad value names the variable it came from, not a flag the user never typed.
  const bad = p.run([], { LAYERWISE_FORMAT: 'xml' });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^layerwise: LAYERWISE_FORMAT must be one of text, json, sarif/);
  assert.equal(p.run([], { LAYERWISE_TIME_SCALE: '0' }).err, 'layerwise: LAYERWISE_TIME_SCALE expects a positive number, got "0"\n');
  writeFileSync(path.join(p.dir, 'ci.yaml'), 'fail-on: warning\n');
  assert.equal(p.run([], { LAYERWISE_CONFIG: 'ci.yaml' }).code, 1);
  const missing = p.run([], { LAYERWISE_CONFIG: 'nope.yaml' });
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.yaml: cannot read config/);
});
