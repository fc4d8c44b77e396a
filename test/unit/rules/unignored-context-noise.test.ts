import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'unignored-context-noise';

test('.git and node_modules copied by COPY . are found, at the COPY, with their bytes and patterns', async () => {
  const files = { 'index.js': '1', '.git/HEAD': 'ref: x\n', 'node_modules/a/index.js': 'module.exports=1\n', 'web/node_modules/b.js': 'b' };
  const f = await findings(rule, 'FROM bb\nCOPY . /app\n', files);
  assert.deepEqual(ranges(f), ['2:1-2:12']);
  assert.equal(
    f[0].message,
    'COPY . /app brings in 3 files (25 B) that change without a source edit: .git (1 file, 7 B), node_modules (1 file, 17 B), **/node_modules (1 file, 1 B); each change there re-runs this step and those after it; add .git, **/node_modules to a .dockerignore at the context root',
  );
  assert.deepEqual(f[0].cost, { bytes: 25, basis: 'measured' });
});

test('what the .dockerignore in force lets through is found, and named after it', async () => {
  const files = {
    '.dockerignore': '.git\n',
    '.git/HEAD': 'x',
    'app/__pycache__/m.cpython-312.pyc': 'pyc',
    'app/m.pyo': 'o',
    'pyproject.toml': '[project]\n',
    'dist/app-1.0.whl': 'whl',
    '.venv/bin/python': 'py',
    'env/pyvenv.cfg': 'home = /usr\n',
    '.env': 'SECRET=1\n',
    '.env.example': 'SECRET=\n',
  };
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY ./ ./\n', files);
  assert.deepEqual(ranges(f), ['3:1-3:11']);
  assert.match(f[0].message, /^COPY \.\/ \.\/ brings in 6 files/);
  assert.match(f[0].message, /: \.env \(1 file, 9 B\), \.venv \(1 file, 2 B\), .*; add \.env, \.venv, \*\*\/__pycache__, \*\*\/\*\.pyc, dist, env to \.dockerignore$/);
});

test('a subfolder copy that brings its node_modules, and a whole-context bind mount, are found', async () => {
  const files = { 'web/src/a.js': '1', 'web/node_modules/x.js': 'x', '.git/HEAD': 'h' };
  const f = await findings(rule, 'FROM bb\nCOPY web/ /web/\nRUN --mount=type=bind,target=/c ls /c\n', files);
  assert.deepEqual(ranges(f), ['3:1-3:38', '2:1-2:16']); // the bigger cost first
  assert.match(f[1].message, /add \*\*\/node_modules to/);
  assert.match(f[0].message, /^RUN at line 3 \(a bind mount of the context\) brings in 2 files/);
});

test('stays clean when ignored, when named on purpose, without a manifest beside build/, and for unneeded stages', async () => {
  const noisy = { 'a.py': '1', '.git/HEAD': 'x', 'node_modules/m.js': 'm' };
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY . .\n', { ...noisy, '.dockerignore': '.git\nnode_modules\n' }), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY node_modules /app/node_modules\nCOPY a.py /app/\n', noisy), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY . .\n', { 'build/ci.sh': 'x', 'target/notes.txt': 'n', 'src/a.go': 'a' }), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS unused\nCOPY . .\nFROM bb\nRUN true\n', noisy), []);
});

test('a file an allow-list .dockerignore lets through by name is wanted; one a wildcard lets through is not', async () => {
  const files = { 'package.json': '{}', 'src/a.js': '1', '.env.production': 'API=x\n', '.env': 'S=1\n' };
  const named = await findings(rule, 'FROM bb\nCOPY . .\n', { ...files, '.dockerignore': '*\n!package.json\n!src/\n!.env.production\n' });
  assert.deepEqual(named, []);
  const wild = await findings(rule, 'FROM bb\nCOPY . .\n', { ...files, '.dockerignore': '*\n!package.json\n!src/\n!.env*\n' });
  assert.match(wild[0]?.message ?? '', /: \.env \(1 file, 4 B\), \.env\.production \(1 file, 6 B\);/);
});
