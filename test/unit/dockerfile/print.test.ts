import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeDockerfile } from '../../../src/dockerfile/load.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { printDockerfile, tileDockerfile } from '../../../src/dockerfile/print.js';
import { fixturesDir } from '../../helpers.js';
import { generateDockerfile } from './generate.js';

const dir = path.join(fixturesDir, 'dockerfile');
const cases = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

function assertTiles(source: string, name: string): void {
  const df = parseDockerfile(source, name);
  const pieces = tileDockerfile(df);
  let at = 0;
  for (const p of pieces) {
    assert.equal(p.start, at, `${name}: gap or overlap at offset ${at} (${p.kind} starts at ${p.start})`);
    assert.ok(p.end > p.start, `${name}: empty ${p.kind} piece at ${p.start}`);
    assert.notEqual(p.kind, 'other', `${name}: text outside any instruction at ${p.start}: ${JSON.stringify(source.slice(p.start, p.end))}`);
    at = p.end;
  }
  assert.equal(at, source.length, `${name}: pieces stop at ${at} of ${source.length}`);
  const instPieces = pieces.filter((p) => p.kind === 'instruction');
  assert.equal(instPieces.length, df.instructions.length);
  df.instructions.forEach((inst, i) => {
    assert.ok(source.startsWith(inst.keywordToken.raw, instPieces[i].start), `${name}: instruction ${i + 1} does not start with its keyword`);
  });
  assert.equal(pieces.filter((p) => p.kind === 'directive').length, df.directives.length, `${name}: directives`);
  assert.equal(printDockerfile(df), source);
}

describe('printDockerfile', () => {
  for (const name of cases) {
    it(`prints ${name} back byte for byte from pieces that tile it`, () => {
      const bytes = readFileSync(path.join(dir, name, 'Dockerfile'));
      const df = decodeDockerfile(bytes, 'Dockerfile');
      assert.equal(Buffer.from(printDockerfile(df), 'utf8').equals(bytes), true);
      assertTiles(df.source, name);
    });
  }

  it('prints a generated 5,000-line Dockerfile back from pieces that tile it', () => {
    const source = generateDockerfile(5000, 7);
    assert.equal(source.split('\n').length - 1, 5000);
    assertTiles(source, 'generated');
  });

  it('marks text that no instruction or trivia covers as a bad piece', () => {
    const df = parseDockerfile('FROM a\nRUN b\n');
    // A model whose instruction range was cut short leaves its tail uncovered.
    const broken = { ...df, instructions: [df.instructions[0], { ...df.instructions[1], range: { ...df.instructions[1].range, end: { ...df.instructions[1].range.start, offset: df.instructions[1].range.start.offset + 2 } } }] };
    const kinds = tileDockerfile(broken).map((p) => p.kind);
    assert.ok(kinds.includes('other'));
  });
});
