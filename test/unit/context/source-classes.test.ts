import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { manifestClasses, representativeSourceEdit, sourceClasses } from '../../../src/context/source-classes.js';
import { openContext } from '../../../src/context/index.js';
import { tempDir } from '../../helpers.js';

async function contextOf(files: Record<string, string>) {
  const dir = tempDir('layerwise-impact-');
  for (const [f, text] of Object.entries({ ...files, Dockerfile: 'FROM bb\n' })) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return openContext(dir, path.join(dir, 'Dockerfile'));
}

/** A monorepo shaped like a real ML-serving one: the package, a Rust gateway, and tooling around them. */
const monorepo = {
  'python/pyproject.toml': '[project]\n', 'python/app/__init__.py': '', 'python/app/server.py': '1', 'python/app/models/llama.py': '1', 'python/app/models/qwen.py': '1',
  'gateway/Cargo.toml': '[package]\n', 'gateway/src/main.rs': 'fn main(){}',
  '.claude/hooks/a.py': '1', '.claude/hooks/b.py': '1', '.claude/hooks/c.py': '1', '.claude/hooks/d.py': '1', '.claude/hooks/e.py': '1',
  '.github/workflows/x.py': '1', 'docs/conf.py': '1', 'docs/requirements.txt': 'sphinx\n', 'benchmark/run.py': '1',
  'examples/demo/pyproject.toml': '[project]\n', 'examples/demo/main.py': '1', 'examples/other/package.json': '{}', 'examples/other/index.js': '1',
  'tests/test_a.py': '1', 'program/nikto.pl': '1', 'program/plugins/a.pm': '1',
};

test('the representative source edit is the main code, not tooling, docs, examples or tests', async () => {
  const ctx = await contextOf(monorepo);
  const rep = representativeSourceEdit({ context: ctx });
  assert.equal(rep?.folder, 'python/');
  assert.equal(rep?.file, 'python/app/models/llama.py');
  const classes = sourceClasses(ctx);
  assert.deepEqual(classes.filter((c) => c.main).map((c) => c.change), [
    'an edit of Python code under python/', 'an edit of Perl code under program/', 'an edit of Rust code under gateway/',
  ]);
  // Five files under .claude/ do not make it the main code: the secondary folders are one class, last.
  const last = classes[classes.length - 1];
  assert.equal(last.main, false);
  assert.match(last.change, /^an edit under \.claude\/, \.github\/, benchmark\/ and 3 more \(not the main code\)$/);
});

test('nested manifests of examples are one change class per folder; the project\'s own are each their own', async () => {
  const m = manifestClasses(await contextOf(monorepo)).map((x) => x.change).sort();
  assert.deepEqual(m, [
    'a change to docs/requirements.txt', 'a change to gateway/Cargo.toml', 'a change to one of 2 manifests under examples/', 'a change to python/pyproject.toml',
  ]);
});

test('a context without source files has no representative edit', async () => {
  assert.equal(representativeSourceEdit({ context: await contextOf({ 'README.md': 'x' }) }), null);
  assert.equal(representativeSourceEdit({}), null);
});
