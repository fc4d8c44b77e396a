/**
 * fix on every Dockerfile the project's tests and example hold (parser goldens, explain
 * scenarios, the fix corpus, ...), with every transform, the unsafe ones too: its output parses,
 * and fix on its own output changes nothing. Inputs the parser rejects on purpose are skipped.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { decodeBytes } from '../../../src/dockerfile/load.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { fixText, MAX_PASSES } from '../../../src/fix/fix.js';
import { fixturesDir, projectRoot } from '../../helpers.js';

function dockerfiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) dockerfiles(p, out);
    else if (/(^|\.)Dockerfile$/.test(e)) out.push(p);
  }
  return out;
}

function docsExamples(dir: string, out: (readonly [string, string])[] = []): (readonly [string, string])[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) docsExamples(p, out);
    else if (e.endsWith('.md')) for (const m of readFileSync(p, 'utf8').matchAll(/```dockerfile\n([\s\S]*?)```/g)) out.push([p, m[1]] as const);
  }
  return out;
}

test('fix on every Dockerfile of the tests and the example: the result parses and a second fix changes nothing', async () => {
  const files = [...dockerfiles(fixturesDir), ...dockerfiles(path.join(projectRoot, 'examples'))];
  // And the Dockerfile examples of the docs (the rule pages' Bad and Good ones among them), without a context.
  const examples = docsExamples(path.join(projectRoot, 'docs'));
  let fixed = 0;
  for (const [f, text] of [...files.map((f) => [f, decodeBytes(readFileSync(f))] as const), ...examples]) {
    try {
      parseDockerfile(text, f);
    } catch {
      continue;
    }
    const ctx = f.endsWith('.md') ? undefined : await openContext(path.dirname(f), f);
    const first = fixText(text, f, ctx, { unsafe: true });
    assert.ok(first.passes < MAX_PASSES, `${f}: reached the pass limit`);
    assert.doesNotThrow(() => parseDockerfile(first.fixed, f), `${f}: the fixed file parses`);
    assert.equal(fixText(first.fixed, f, ctx, { unsafe: true }).fixed, first.fixed, `${f}: a second fix changes nothing`);
    if (first.fixed !== text) fixed++;
  }
  // The check means something only if many of them change.
  assert.ok(files.length + examples.length > 250 && fixed > 40, `${files.length} files and ${examples.length} examples, ${fixed} changed`);
});
