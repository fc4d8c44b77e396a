/**
 * The fix corpus on the real engine: naive Dockerfiles of many ecosystems
 * (test/fixtures/fix-corpus/<case>/), each fixed with the safe transforms, then the original and
 * the fixed file built from the same context and compared stage by stage with `verify`: the
 * same files (content, mode, owner, links) and the same config. A second fix changes nothing,
 * and the steps a case says read the edited file still come after a copy of it.
 *
 * A case whose `case.json` has `knownIssue` is a known defect of a transform: it still runs, as
 * a todo, so it is seen failing (or passing, once fixed) without failing the run.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../src/context/index.js';
import { fixText } from '../../src/fix/fix.js';
import { verify, type Difference } from '../../src/verify/index.js';
import { fixturesDir } from '../helpers.js';
import { engineTest } from './build-helpers.js';

/** What `case.json` says about a case. */
interface CorpusCase {
  /** The Dockerfile, relative to the case folder (which is the build context). */
  file: string;
  /** The source file a developer edits (what the bench touches). */
  edit: string;
  description?: string;
  /** Whether fix changes the file at all (default true). */
  changes?: boolean;
  /**
   * Text of RUN steps that read the edited file: once fixed, each must still come after a COPY
   * in its stage that brings that file (the whole context, or a narrow copy of its folder), or
   * the fixed file would not rebuild it after the edit.
   */
  readsEdit?: string[];
  /** A known defect this case shows: the test runs as a todo with this reason. */
  knownIssue?: string;
}

const corpusDir = path.join(fixturesDir, 'fix-corpus');

function corpusCases(): { name: string; dir: string; spec: CorpusCase }[] {
  return readdirSync(corpusDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const dir = path.join(corpusDir, name);
      return { name, dir, spec: JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as CorpusCase };
    });
}

function describe(d: Difference): string {
  if (d.kind === 'stage') return `stage ${d.stage} ${d.change}`;
  if (d.kind === 'config') return `${d.field}${d.key ? ` ${d.key}` : ''} ${d.change}: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`;
  const fields = d.fields.map((f) => `${f.field} ${f.before} -> ${f.after}`).join(', ');
  return `${d.path} ${d.change}${fields ? ` (${fields})` : ''}`;
}

/** A COPY or ADD line of the shell form: its flags, its sources, its destination. */
const COPY_LINE = /^(?:COPY|ADD)((?:\s+--\S+)*)\s+(.+?)\s+\S+\s*$/gim;

/** Whether a COPY source (context-relative) brings the file `edit`. */
function brings(src: string, edit: string): boolean {
  const s = src.replace(/^\.\//, '').replace(/\/$/, '');
  return s === '' || s === '.' || edit === s || edit.startsWith(`${s}/`);
}

const cases = corpusCases();

test('the fix corpus has at least 15 cases, each with a Dockerfile and an edited source file', () => {
  assert.ok(cases.length >= 15, `${cases.length} cases`);
  for (const { name, dir, spec } of cases) {
    assert.ok(readFileSync(path.join(dir, spec.file), 'utf8').length > 0, `${name}: ${spec.file}`);
    assert.ok(readFileSync(path.join(dir, spec.edit), 'utf8').length > 0, `${name}: ${spec.edit}`);
  }
});

for (const { name, dir, spec } of cases) {
  engineTest(`fix-corpus ${name}: the fixed Dockerfile builds the same images`, async (t, engine) => {
    const original = readFileSync(path.join(dir, spec.file), 'utf8');
    const ctx = await openContext(dir, path.join(dir, spec.file));
    const first = fixText(original, spec.file, ctx);
    const second = fixText(first.fixed, spec.file, ctx);
    assert.equal(second.fixed, first.fixed, 'a second fix changes nothing');
    assert.deepEqual(second.applied, [], 'a second fix applies nothing');
    for (const a of first.applied) t.diagnostic(`${a.transform}: ${a.notes.join('; ')}`);
    for (const d of first.declined) t.diagnostic(`declined by ${d.transform}: ${d.reason}`);
    assert.equal(first.fixed !== original, spec.changes ?? true, spec.changes === false ? 'fix leaves the file as it is' : 'fix changes the file');

    for (const text of spec.readsEdit ?? []) {
      const step = first.fixed.indexOf(text);
      assert.ok(step >= 0, `"${text}" is still there`);
      const stage = Math.max(0, first.fixed.lastIndexOf('\nFROM ', step));
      const copies = [...first.fixed.slice(stage, step).matchAll(COPY_LINE)].filter((m) => !/--from=/.test(m[1]));
      assert.ok(copies.some((m) => m[2].trim().split(/\s+/).some((src) => brings(src, spec.edit))), `"${text}" still comes after a COPY of ${spec.edit} in its stage`);
    }

    if (first.fixed === original) {
      t.diagnostic('fix changed nothing: no build needed');
      return;
    }
    const r = await verify({ context: dir, against: path.join(dir, spec.file), file: { text: first.fixed, path: path.join(dir, spec.file) }, engine });
    if (r.status === 'failed') {
      const f = r.failure!;
      assert.fail(`the ${f.role === 'file' ? 'fixed' : 'original'} Dockerfile failed to build (${f.stage}${f.line ? `, line ${f.line}` : ''}): ${f.error}\n${f.output.slice(-8).join('\n')}\n--- fixed ---\n${first.fixed}`);
    }
    const diffs = r.stages.flatMap((s) => s.differences.map((d) => `${s.label}: ${describe(d)}`));
    assert.deepEqual(diffs, [], `the images differ:\n${diffs.slice(0, 20).join('\n')}\n--- fixed ---\n${first.fixed}`);
    assert.equal(r.status, 'equivalent');
  }, { ...(spec.knownIssue ? { test: { todo: spec.knownIssue } } : {}) });
}
