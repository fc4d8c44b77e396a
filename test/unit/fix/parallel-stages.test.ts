/**
 * parallel-stages on its fixtures (the ml-serving case runs every transform, as `fix` does):
 * exact output, a second run changes nothing, declines are said.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { fixText } from '../../../src/fix/fix.js';
import { fixturesDir, projectRoot } from '../../helpers.js';

interface Case { context?: string; file?: string; all?: boolean; dockerfile?: string; expected?: string; declined?: string[] }

const dir = path.join(fixturesDir, 'fix', 'parallel-stages');
const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Record<string, Case>;

for (const [name, c] of Object.entries(cases)) {
  test(`parallel-stages: ${name}`, async () => {
    let ctxDir: string;
    let file: string;
    if (c.context) {
      ctxDir = path.join(projectRoot, c.context);
      file = path.join(ctxDir, c.file!);
    } else {
      ctxDir = mkdtempSync(path.join(os.tmpdir(), `layerwise-par-${name}-`));
      file = path.join(ctxDir, 'Dockerfile');
      writeFileSync(file, c.dockerfile!);
    }
    const only = c.all ? undefined : ['parallel-stages'];
    const expected = c.expected ?? readFileSync(path.join(dir, name, 'expected.Dockerfile'), 'utf8');
    const ctx = await openContext(ctxDir, file);
    const first = fixText(readFileSync(file, 'utf8'), 'Dockerfile', ctx, { only });
    assert.equal(first.fixed, expected);
    const second = fixText(first.fixed, 'Dockerfile', ctx, { only });
    assert.equal(second.fixed, first.fixed, 'a second run changes nothing');
    if (c.declined) assert.deepEqual(first.declined.filter((d) => d.transform === 'parallel-stages').map((d) => d.reason), c.declined);
  });
}
