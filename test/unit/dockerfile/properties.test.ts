/**
 * Properties of the parser on generated Dockerfiles (test/unit/dockerfile/arbitrary.ts):
 * continuation lines with comments and empty lines inside, heredocs, both escape characters,
 * JSON forms, unicode, CRLF, a BOM, parser directives. Seeded: a failure prints its seed and
 * shrunk counterexample, and runs the same way again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { printDockerfile, tileDockerfile } from '../../../src/dockerfile/print.js';
import type { Instruction } from '../../../src/dockerfile/model.js';
import { dockerfile, SEED } from './arbitrary.js';

const RUNS = process.env.PROPS_RUNS ? { seed: Number(process.env.PROPS_SEED ?? SEED), numRuns: Number(process.env.PROPS_RUNS) } : { seed: SEED, numRuns: 200 };

function argvOf(inst: Instruction): string[] | undefined {
  if (inst.keyword === 'SHELL') return inst.argv;
  if ((inst.keyword === 'RUN' || inst.keyword === 'CMD' || inst.keyword === 'ENTRYPOINT') && inst.command?.form === 'exec') return inst.command.argv;
  return undefined;
}

describe('parse and print on generated Dockerfiles', () => {
  it('prints every generated file back byte for byte, from pieces that tile it', () => {
    fc.assert(fc.property(dockerfile, (g) => {
      const df = parseDockerfile(g.text, 'Dockerfile');
      assert.equal(printDockerfile(df), g.text);
      let at = 0;
      for (const p of tileDockerfile(df)) {
        assert.equal(p.start, at, `gap or overlap at ${at}`);
        assert.notEqual(p.kind, 'other', `text outside any instruction: ${JSON.stringify(g.text.slice(p.start, p.end))}`);
        at = p.end;
      }
      assert.equal(at, g.text.length);
    }), RUNS);
  });

  it('reads each instruction where and as it was written', () => {
    fc.assert(fc.property(dockerfile, (g) => {
      const df = parseDockerfile(g.text, 'Dockerfile');
      assert.equal(df.escape, g.escape);
      assert.equal(df.bom, g.text.startsWith('\uFEFF'));
      assert.deepEqual(df.instructions.map((i) => i.keyword), g.expected.map((e) => e.keyword));
      df.instructions.forEach((inst, n) => {
        const e = g.expected[n];
        const where = `instruction ${n + 1} (${e.keyword}, line ${e.line})`;
        assert.equal(inst.range.start.line, e.line, `${where}: line`);
        // The range starts at the keyword and slices the same keyword out of the text.
        assert.equal(g.text.slice(inst.range.start.offset, inst.range.start.offset + inst.keywordToken.raw.length).toUpperCase(), e.keyword, `${where}: offset`);
        if (e.args !== undefined) assert.equal(inst.args.raw, e.args, `${where}: joined args`);
        if (e.emptyContinuationLine !== undefined) assert.equal(inst.emptyContinuationLine, e.emptyContinuationLine, `${where}: empty continuation line`);
        if (e.argv) assert.deepEqual(argvOf(inst), e.argv, `${where}: JSON array`);
        if (e.heredocs) assert.deepEqual(inst.heredocs.map((h) => h.content), e.heredocs, `${where}: heredoc bodies`);
        if (e.pairs) {
          const got = inst.keyword === 'ARG' ? inst.decls : inst.keyword === 'ENV' || inst.keyword === 'LABEL' ? inst.pairs : [];
          assert.deepEqual(got.map((p) => [p.key.raw, p.value?.raw ?? null]), e.pairs, `${where}: keys and values`);
          // Each token's range slices its own text out of the source.
          for (const p of got) {
            assert.equal(g.text.slice(p.key.range.start.offset, p.key.range.end.offset), p.key.raw, `${where}: key range`);
            if (p.value) assert.equal(g.text.slice(p.value.range.start.offset, p.value.range.end.offset), p.value.raw, `${where}: value range`);
          }
        }
      });
    }), RUNS);
  });
});
