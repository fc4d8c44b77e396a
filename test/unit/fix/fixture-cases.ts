/**
 * The fixture harness every transform's tests share: test/fixtures/fix/<transform>/cases.json
 * maps a case name to an input (a Dockerfile and the context files it needs, or a folder of
 * the project such as examples/ml-serving) and the exact expected output (inline, or
 * <case>/expected.Dockerfile). Each case checks what a user sees: the output byte for byte, a
 * second run that changes nothing, and the reasons the transform gives for what it declines.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { fixText } from '../../../src/fix/fix.js';
import { fixturesDir, projectRoot, tempDir } from '../../helpers.js';

export interface FixtureCase {
  /** A folder of the project as the context, with `file` the Dockerfile in it. */
  context?: string;
  file?: string;
  /** Otherwise: context files and the Dockerfile text. */
  files?: Record<string, string>;
  dockerfile?: string;
  /** Run every transform, as `fix` does, instead of this one alone. */
  all?: boolean;
  /** The exact output; absent: <case>/expected.Dockerfile. */
  expected?: string;
  /** This transform's reasons for what it declined, in order. */
  declined?: string[];
}

export function fixtureCases(transform: string, opts: { unsafe?: boolean } = {}): void {
  const dir = path.join(fixturesDir, 'fix', transform);
  const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Record<string, FixtureCase>;
  for (const [name, c] of Object.entries(cases)) {
    test(`${transform}: ${name}`, async () => {
      let ctxDir: string;
      let file: string;
      if (c.context) {
        ctxDir = path.join(projectRoot, c.context);
        file = path.join(ctxDir, c.file!);
      } else {
        ctxDir = tempDir(`layerwise-fix-${transform}-`);
        for (const [f, text] of Object.entries(c.files ?? {})) {
          mkdirSync(path.dirname(path.join(ctxDir, f)), { recursive: true });
          writeFileSync(path.join(ctxDir, f), text);
        }
        file = path.join(ctxDir, 'Dockerfile');
        writeFileSync(file, c.dockerfile!);
      }
      const expected = c.expected ?? readFileSync(path.join(dir, name, 'expected.Dockerfile'), 'utf8');
      const ctx = await openContext(ctxDir, file);
      const options = { only: c.all ? undefined : [transform], unsafe: opts.unsafe };
      const first = fixText(readFileSync(file, 'utf8'), 'Dockerfile', ctx, options);
      assert.equal(first.fixed, expected);
      const second = fixText(first.fixed, 'Dockerfile', ctx, options);
      assert.equal(second.fixed, first.fixed, 'a second run changes nothing');
      assert.deepEqual(second.applied, [], 'a second run applies nothing');
      if (c.declined) assert.deepEqual(first.declined.filter((d) => d.transform === transform).map((d) => d.reason), c.declined);
    });
  }
}
