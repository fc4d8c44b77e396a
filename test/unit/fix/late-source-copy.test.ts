/**
 * late-source-copy on its fixtures: each input gives exactly the expected file, a second pass
 * changes nothing, and what it declines is said.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { fixText } from '../../../src/fix/fix.js';
import { fixturesDir, projectRoot } from '../../helpers.js';

interface Case { context?: string; file?: string; files?: Record<string, string>; dockerfile?: string; expected?: string; declined?: string[] }

const dir = path.join(fixturesDir, 'fix', 'late-source-copy');
const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Record<string, Case>;

for (const [name, c] of Object.entries(cases)) {
  test(`late-source-copy: ${name}`, async () => {
    let ctxDir: string;
    let file: string;
    if (c.context) {
      ctxDir = path.join(projectRoot, c.context);
      file = path.join(ctxDir, c.file!);
    } else {
      ctxDir = mkdtempSync(path.join(os.tmpdir(), `layerwise-fix-${name}-`));
      for (const [f, t] of Object.entries(c.files ?? {})) {
        mkdirSync(path.dirname(path.join(ctxDir, f)), { recursive: true });
        writeFileSync(path.join(ctxDir, f), t);
      }
      file = path.join(ctxDir, 'Dockerfile');
      writeFileSync(file, c.dockerfile!);
    }
    const expected = c.expected ?? readFileSync(path.join(dir, name, 'expected.Dockerfile'), 'utf8');
    const ctx = await openContext(ctxDir, file);
    const first = fixText(readFileSync(file, 'utf8'), 'Dockerfile', ctx, { only: ['late-source-copy'] });
    assert.equal(first.fixed, expected);
    const second = fixText(first.fixed, 'Dockerfile', ctx, { only: ['late-source-copy'] });
    assert.equal(second.fixed, first.fixed, 'a second run changes nothing');
    assert.deepEqual(second.applied, []);
    if (c.declined) assert.deepEqual(first.declined.map((d) => d.reason), c.declined);
  });
}
