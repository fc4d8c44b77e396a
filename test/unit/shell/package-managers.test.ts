import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph } from '../../../src/graph/graph.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { cacheCleanup, stepEffects } from '../../../src/shell/effects.js';
import { analyzeRun } from '../../../src/shell/index.js';
import { cleanedCaches, isVersionCheck, managerArgv } from '../../../src/shell/package-managers.js';

const argv = (s: string) => managerArgv(s.split(' '));

test('the table says which caches a clean-up empties: apt-get clean keeps the lists, dist-clean does not', () => {
  assert.deepEqual(cleanedCaches(argv('apt-get clean')).map((d) => d.id), ['apt-archives']);
  assert.deepEqual(cleanedCaches(argv('sudo apt-get dist-clean')).map((d) => d.id), ['apt-archives', 'apt-lists']);
  assert.deepEqual(cleanedCaches(argv('python3 -m pip cache purge')).map((d) => d.id), ['pip']);
  assert.deepEqual(cleanedCaches(argv('go clean -modcache')).map((d) => d.id), ['go-mod']);
  assert.deepEqual(cleanedCaches(argv('go clean ./...')), []);
  assert.deepEqual(cleanedCaches(argv('apt-get install clean')), []);
});

test('version checks are the first word only: yarn --version is one, gem install -v 7 is not', () => {
  assert.ok(isVersionCheck(argv('yarn --version')));
  assert.ok(isVersionCheck(argv('go version')));
  assert.ok(!isVersionCheck(argv('gem install rails -v 7.1')));
  assert.ok(!isVersionCheck(argv('yarn version')));
  assert.ok(!isVersionCheck(argv('pip -v install x')));
});

test('a clean-up or a version check touches no file of the project (the effects read the same table)', () => {
  for (const script of ['apt-get dist-clean', 'pnpm store prune', 'go clean -modcache', 'rm -rf /root/.cache/uv', 'yarn --version']) {
    const run = buildGraph(parseDockerfile(`FROM alpine\nRUN ${script}\n`)).stages[0].steps.find((s) => s.keyword === 'RUN')!;
    const e = stepEffects(run);
    assert.deepEqual([e.writes, e.unknown, e.reads.filter((r) => !r.includes('bin/'))], [[], false, []], script);
  }
  assert.ok(!cacheCleanup(analyzeRun('rm -rf /srv/app').commands[0]));
});
