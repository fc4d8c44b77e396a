/**
 * The pieces of split-install's pyproject form: the top-level chain of a RUN as real projects
 * write it, the program that prints a pyproject's dependencies (run on this machine's Python),
 * and what the effects make of that program.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { topParts } from '../../../src/fix/pyproject-split.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { analyzeRun, PYPROJECT_DEPS_PROGRAM } from '../../../src/shell/index.js';
import { stepEffects } from '../../../src/shell/effects.js';
import { tempDir } from '../../helpers.js';

const parts = (script: string) => topParts(analyzeRun(script))?.map((p) => script.slice(p.start, p.end)) ?? null;

test('topParts: a case, an if and a subshell are one part each of the && chain', () => {
  const script = 'pip install -U pip && cd app && case "$V" in 1) X=1 ;; *) echo no && exit 1 ;; esac && if [ -n "$X" ]; then pip install a; fi && ( for i in 1 2; do k && break; done; true ) && mv a b | tee c';
  assert.deepEqual(parts(script), [
    'pip install -U pip',
    'cd app',
    'case "$V" in 1) X=1 ;; *) echo no && exit 1 ;; esac',
    'if [ -n "$X" ]; then pip install a; fi',
    '( for i in 1 2; do k && break; done; true )',
    'mv a b | tee c',
  ]);
});

test('topParts: a list joined by ; or || at the top level is not a chain', () => {
  assert.equal(parts('a && b; c'), null);
  assert.equal(parts('a || b'), null);
  assert.deepEqual(parts('a && b;'), ['a', 'b']);
});

const python = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 11)']).status === 0;

test('the dependencies program prints what pip would resolve for the extras asked, following the project\'s own extras', { skip: python ? false : 'no python3 >= 3.11 on this machine' }, () => {
  const dir = tempDir('layerwise-pyproject-deps-');
  const file = path.join(dir, 'pyproject.toml');
  writeFileSync(file, [
    '[project]', 'name = "My_App"', 'dynamic = ["version"]',
    'dependencies = ["numpy==2.1.0", "av ; sys_platform == \'linux\'", "my-app-kernel==0.4"]',
    '[project.optional-dependencies]', 'gpu = ["torch==2.4.0"]', 'tracing = ["otel"]', 'all = ["my.app[gpu, tracing]", "my_app[all]", "grpcio"]', '',
  ].join('\n'));
  const run = (extras: string) => execFileSync('python3', ['-c', PYPROJECT_DEPS_PROGRAM, file, extras], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(run('all'), ['numpy==2.1.0', "av ; sys_platform == 'linux'", 'my-app-kernel==0.4', 'torch==2.4.0', 'otel', 'grpcio']);
  assert.deepEqual(run(''), ['numpy==2.1.0', "av ; sys_platform == 'linux'", 'my-app-kernel==0.4']);
  assert.deepEqual(run('gpu,missing'), ['numpy==2.1.0', "av ; sys_platform == 'linux'", 'my-app-kernel==0.4', 'torch==2.4.0']);
});

test('effects: the dependencies program reads the pyproject alone and writes what its output is redirected to', () => {
  const df = `FROM bb\nRUN python3 -c '${PYPROJECT_DEPS_PROGRAM}' /tmp/layerwise-deps/pyproject.toml "gpu" > /tmp/layerwise-deps/requirements.txt\nRUN python3 -c 'print(1)' /tmp/x "gpu" > /tmp/y\n`;
  const g = buildGraph(parseDockerfile(df, 'Dockerfile'));
  const [known, other] = g.stages[0].steps.filter((s) => s.keyword === 'RUN').map(stepEffects);
  assert.equal(known.unknown, false);
  assert.ok(known.reads.includes('/tmp/layerwise-deps/pyproject.toml'));
  assert.deepEqual(known.writes, ['/tmp/layerwise-deps/requirements.txt']);
  assert.equal(other.unknown, true, 'any other program is not known');
});
