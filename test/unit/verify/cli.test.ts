import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function verify(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [main, 'verify', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function context(files: Record<string, string>): string {
  const dir = tempDir('layerwise-verify-cli-');
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

// Each case fails before anything is built: no engine needed.

test('verify without --against is a usage error', () => {
  const r = verify(['.'], context({ Dockerfile: 'FROM bb\n' }));
  assert.equal(r.code, 2);
  assert.match(r.err, /required option '--against <OTHER>' not specified/);
});

test('a missing FILE is an input error naming it', () => {
  const r = verify(['.', '-f', 'nope.Dockerfile', '--against', 'Dockerfile'], context({ Dockerfile: 'FROM bb\n' }));
  assert.equal(r.code, 2);
  assert.equal(r.err, 'layerwise: nope.Dockerfile: cannot read Dockerfile: no such file\n');
});

test('a target OTHER does not have is an input error naming OTHER', () => {
  const r = verify(['.', '--against', 'old.Dockerfile', '--target', 'build'], context({ Dockerfile: 'FROM bb AS build\n', 'old.Dockerfile': 'FROM bb AS app\n' }));
  assert.equal(r.code, 2);
  assert.equal(r.err, 'layerwise: old.Dockerfile: target stage "build" could not be found\n');
});

test('a bad allow-list is an input error at its line', () => {
  const r = verify(['.', '--against', 'Dockerfile', '--allow', 'allow.yaml'], context({ Dockerfile: 'FROM bb\n', 'allow.yaml': 'paths:\n  - tmp/**\n' }));
  assert.equal(r.code, 2);
  assert.equal(r.err, 'layerwise: allow.yaml:2:5: paths: path patterns are absolute: start "tmp/**" with / (or **/ for any depth)\n');
});

test('an unknown --format is a usage error', () => {
  const r = verify(['.', '--against', 'Dockerfile', '--format', 'sarif'], context({ Dockerfile: 'FROM bb\n' }));
  assert.equal(r.code, 2);
  assert.match(r.err, /--format must be one of text, json/);
});
