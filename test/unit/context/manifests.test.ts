/**
 * What a manifest brings along: the files manifest-first must copy with it, or why an install
 * from manifests alone would differ from one with the whole source present.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { manifestClosure } from '../../../src/context/manifests.js';
import { makeContext, type Node } from './fixture.js';

async function closure(t: Parameters<typeof makeContext>[0], tree: Record<string, Node>, manifests: string[]) {
  const root = await makeContext(t, { Dockerfile: 'FROM bb\n', ...tree });
  return manifestClosure(await openContext(root, path.join(root, 'Dockerfile')), manifests);
}

test('a requirements file brings the files its -r and -c lines name, relative to it, recursively', async (t) => {
  const r = await closure(t, {
    'requirements.txt': '-r requirements/base.txt\n--constraint=constraints.txt  # pins\nflask==3.0\n',
    'requirements/base.txt': '-r common.txt\nnumpy\n',
    'requirements/common.txt': 'requests\n',
    'constraints.txt': 'urllib3<3\n',
  }, ['requirements.txt']);
  assert.deepEqual(r, { files: ['constraints.txt', 'requirements.txt', 'requirements/base.txt', 'requirements/common.txt'] });
});

test('a requirements file that installs a local path reads the source: declined with the line', async (t) => {
  const r = await closure(t, { 'requirements.txt': 'flask\n-e ./libs/core\n', 'libs/core/setup.py': '' }, ['requirements.txt']);
  assert.deepEqual(r, { reason: 'requirements.txt installs a local path (line 2: -e ./libs/core)' });
  const at = await closure(t, { 'requirements.txt': 'core @ file:///src/libs/core\n' }, ['requirements.txt']);
  assert.ok('reason' in at && at.reason.includes('line 1'));
});

test('a named file that is not in the context (ignored or missing) is said, not copied', async (t) => {
  const r = await closure(t, { 'requirements.txt': '-r dev.txt\n', '.dockerignore': 'dev.txt\n', 'dev.txt': 'pytest\n' }, ['requirements.txt']);
  assert.deepEqual(r, { reason: 'dev.txt is not in the build context' });
});

test('package.json: install scripts, workspaces and local dependencies read more than manifests', async (t) => {
  const scripts = await closure(t, { 'package.json': JSON.stringify({ scripts: { postinstall: 'node patch.js', build: 'tsc' } }) }, ['package.json']);
  assert.deepEqual(scripts, { reason: 'package.json runs its own "postinstall" script on install, which may read the source' });
  const ws = await closure(t, { 'package.json': JSON.stringify({ workspaces: ['packages/*'] }) }, ['package.json']);
  assert.ok('reason' in ws && ws.reason.includes('workspaces'));
  const local = await closure(t, { 'package.json': JSON.stringify({ dependencies: { ui: 'file:../ui' } }) }, ['package.json']);
  assert.ok('reason' in local && local.reason.includes('ui from a local path'));
  const plain = await closure(t, { 'package.json': JSON.stringify({ scripts: { build: 'tsc', test: 'jest' }, dependencies: { zod: '^3' } }), 'package-lock.json': '{}' }, ['package.json', 'package-lock.json']);
  assert.deepEqual(plain, { files: ['package-lock.json', 'package.json'] });
});

test('other ecosystems: a gemspec, a local go replace, maven modules, a uv workspace are declined', async (t) => {
  const cases: [string, string, string][] = [
    ['Gemfile', "source 'https://rubygems.org'\ngemspec\n", 'gemspec'],
    ['go.mod', 'module x\n\nreplace example.com/lib => ../lib\n', 'local folder'],
    ['pom.xml', '<project><modules><module>core</module></modules></project>\n', 'modules'],
    ['pyproject.toml', '[project]\nname = "x"\n\n[tool.uv.workspace]\nmembers = ["libs/*"]\n', 'uv workspace'],
  ];
  for (const [file, text, says] of cases) {
    const r = await closure(t, { [file]: text }, [file]);
    assert.ok('reason' in r && r.reason.includes(says), `${file}: ${JSON.stringify(r)}`);
  }
  const go = await closure(t, { 'go.mod': 'module x\n\nreplace example.com/lib => example.com/fork v1.2.0\n', 'go.sum': '' }, ['go.mod', 'go.sum']);
  assert.deepEqual(go, { files: ['go.mod', 'go.sum'] });
});
