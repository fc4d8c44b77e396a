import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeDockerfile } from '../../../src/dockerfile/load.js';
import { fixturesDir } from '../../helpers.js';
import { dumpDockerfile, rng, tokensOf } from './dump.js';

/**
 * Golden files: test/fixtures/dockerfile/<case>/Dockerfile is parsed and its model dumped;
 * the dump must equal <case>/expected.json. `UPDATE_GOLDEN=1` rewrites the expected files,
 * which must then be read against BuildKit's rules before they are committed.
 */
const dir = path.join(fixturesDir, 'dockerfile');
const cases = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden Dockerfiles', () => {
  it('has at least 60 cases', () => {
    assert.ok(cases.length >= 60, `only ${cases.length} cases`);
  });

  for (const name of cases) {
    it(`parses ${name} to its expected model`, () => {
      const bytes = readFileSync(path.join(dir, name, 'Dockerfile'));
      const df = decodeDockerfile(bytes, 'Dockerfile');
      const actual = JSON.stringify(dumpDockerfile(df), null, 2) + '\n';
      const file = path.join(dir, name, 'expected.json');
      if (update || !existsSync(file)) writeFileSync(file, actual);
      assert.equal(actual, readFileSync(file, 'utf8'));
    });

    it(`gives ${name} token ranges that cover exactly the token text`, () => {
      const df = decodeDockerfile(readFileSync(path.join(dir, name, 'Dockerfile')), 'Dockerfile');
      for (const inst of df.instructions) {
        for (const t of tokensOf(inst)) {
          // A token spread over continuation lines is joined text; on one line it is the source.
          if (t.range.start.line !== t.range.end.line) continue;
          assert.equal(df.source.slice(t.range.start.offset, t.range.end.offset), t.raw, `token ${JSON.stringify(t.raw)} at ${rng(t.range)}`);
        }
      }
    });
  }
});
