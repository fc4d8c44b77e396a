import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { decodeBytes, decodeDockerfile, encodeDockerfile, loadDockerfile } from '../../../src/dockerfile/load.js';
import { printDockerfile } from '../../../src/dockerfile/print.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { tempDir } from '../../helpers.js';

/** The `file:line:col: message` an input gives, or a failure if it parses. */
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof InputError, `not an InputError: ${String(e)}`);
    return e.format();
  }
  assert.fail('expected an InputError');
}

const parse = (text: string) => () => parseDockerfile(text, 'Dockerfile');

describe('Dockerfile errors', () => {
  it('reports a NUL byte outside a comment where it is, as a binary file', async () => {
    const dir = tempDir('layerwise-df-');
    const file = path.join(dir, 'Dockerfile');
    writeFileSync(file, Buffer.from('FROM a\nRUN x\0y\n'));
    await assert.rejects(loadDockerfile(file, 'Dockerfile'), (e: InputError) => {
      assert.equal(e.format(), 'Dockerfile:2:6: not a text file (it contains a NUL byte)');
      return true;
    });
  });

  it('reads a NUL byte in a comment, as BuildKit does (it builds)', () => {
    const df = decodeDockerfile(Buffer.from('FROM a\n# a \0 in a comment\nRUN x\n'), 'Dockerfile');
    assert.deepEqual(df.instructions.map((i) => i.keyword), ['FROM', 'RUN']);
  });

  it('reads bytes that are not UTF-8 (Latin-1) as BuildKit does, and prints them back byte for byte', () => {
    const bytes = Buffer.concat([Buffer.from('FROM a\n# Fran'), Buffer.from([0xe7]), Buffer.from('ois, é\nENV A=caf'), Buffer.from([0xe9]), Buffer.from('\nRUN echo '), Buffer.from([0xff, 0xe9, 0x41]), Buffer.from('\n')]);
    const df = decodeDockerfile(bytes, 'Dockerfile');
    assert.deepEqual(df.instructions.map((i) => i.keyword), ['FROM', 'ENV', 'RUN']);
    assert.deepEqual(encodeDockerfile(printDockerfile(df)), bytes);
    // Each byte that is not UTF-8 reaches the build as U+FFFD, as on BuildKit (ENV A=caf\xe9 gives A=caf\ufffd).
    const env = df.instructions[1];
    assert.ok(env.keyword === 'ENV');
    assert.equal(Buffer.from(env.pairs[0].value!.raw, 'utf8').toString(), 'caf\ufffd');
    // Well-formed UTF-8 around it stays as it is; overlong forms and surrogates are not UTF-8.
    assert.equal(encodeDockerfile(decodeBytes(Buffer.from([0x41, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xc3, 0xa9]))).toString('hex'), '41c0afeda080c3a9');
    assert.equal(decodeBytes(Buffer.from([0x41, 0xc0, 0xaf, 0xc3, 0xa9])), 'A\udcc0\udcafé');
  });

  it('reports a missing file without a position', async () => {
    await assert.rejects(loadDockerfile('/nonexistent/Dockerfile', 'Dockerfile'), (e: InputError) => e.format() === 'Dockerfile: cannot read Dockerfile: no such file');
  });

  it('reports an unterminated heredoc at the instruction that opened it', () => {
    assert.equal(errorOf(parse('FROM a\nRUN <<EOF\necho\n')), 'Dockerfile:2:1: unterminated heredoc EOF');
  });

  it('reports a JSON array holding a non-string at the array', () => {
    assert.equal(errorOf(parse('FROM a\nCMD ["a", 1]\n')), 'Dockerfile:2:5: when using JSON array syntax, arrays must be comprised of strings only');
  });

  it('reports an unknown flag at the flag, also on a continuation line', () => {
    assert.equal(errorOf(parse('FROM a\nCOPY --bogus=1 a b\n')), 'Dockerfile:2:6: unknown flag: bogus');
    assert.equal(errorOf(parse('FROM a\nCOPY \\\n  --chown=1 \\\n  --bogus a b\n')), 'Dockerfile:4:3: unknown flag: bogus');
  });

  it('reports an unknown instruction at its keyword', () => {
    assert.equal(errorOf(parse('FROM a\n  FOO bar\n')), 'Dockerfile:2:3: unknown instruction: FOO');
  });

  it('reports an instruction before the first FROM, but not an ARG', () => {
    assert.equal(errorOf(parse('ARG A\nRUN x\nFROM a\n')), 'Dockerfile:2:1: no build stage in current context');
  });

  it('reports a bad stage name at the name', () => {
    assert.equal(errorOf(parse('FROM a AS 1st\n')), 'Dockerfile:1:11: invalid name for build stage: "1st", name can\'t start with a number or contain symbols');
  });

  it('reports FROM with two arguments', () => {
    assert.equal(errorOf(parse('FROM a b\n')), 'Dockerfile:1:6: FROM requires either one or three arguments');
  });

  it('reports COPY with one argument', () => {
    assert.equal(errorOf(parse('FROM a\nCOPY onlyone\n')), 'Dockerfile:2:6: COPY requires at least two arguments, but only one was provided. Destination could not be determined');
  });

  it('reports a string flag without a value (BuildKit has no `--flag value` form)', () => {
    assert.equal(errorOf(parse('FROM a\nCOPY --from a b\n')), 'Dockerfile:2:6: missing a value on flag: from');
    assert.equal(errorOf(parse('FROM a\nCOPY --link= a b\n')), 'Dockerfile:2:6: missing a value on flag: link');
  });

  it('reports a repeated flag, booleans included', () => {
    assert.equal(errorOf(parse('FROM a\nCOPY --link --link a b\n')), 'Dockerfile:2:13: duplicate flag specified: link');
  });

  it('reports a bad escape directive and a repeated directive', () => {
    assert.equal(errorOf(parse('# escape=x\nFROM a\n')), "Dockerfile:1:1: invalid escape token 'x' does not match ` or \\");
    assert.equal(errorOf(parse('# syntax=a\n# syntax=b\nFROM a\n')), 'Dockerfile:2:1: only one syntax parser directive can be used');
  });

  it('reports a line-parser error anywhere in the file before an instruction error above it, as BuildKit does', () => {
    assert.equal(errorOf(parse('FROM a\nCOPY x\nRUN [1]\n')), 'Dockerfile:3:5: when using JSON array syntax, arrays must be comprised of strings only');
  });

  it('reports a file with no instructions at its end', () => {
    assert.equal(errorOf(parse('# just a comment\n\n')), 'Dockerfile:3:1: file with no instructions');
  });

  it('reports a line over 64 KiB, as bufio.Scanner does', () => {
    assert.equal(errorOf(parse(`FROM a\nRUN ${'x'.repeat(70000)}\n`)), 'Dockerfile:2:1: dockerfile line greater than max allowed size of 65535');
    // 65,535 bytes of text and its newline still fit.
    assert.equal(parseDockerfile(`FROM a\nRUN ${'x'.repeat(65535 - 4)}\n`).instructions.length, 2);
  });

  it('reports ENV without a value and a word without =', () => {
    assert.equal(errorOf(parse('FROM a\nENV FOO\n')), 'Dockerfile:2:5: ENV must have two arguments');
    assert.equal(errorOf(parse('FROM a\nENV A=1 B\n')), 'Dockerfile:2:9: Syntax error - can\'t find = in "B". Must be of the form: name=value');
    assert.equal(errorOf(parse('FROM a\nLABEL =x\n')), 'Dockerfile:2:7: LABEL names can not be blank');
  });

  it('reports ONBUILD ONBUILD and a heredoc as COPY destination', () => {
    assert.equal(errorOf(parse('FROM a\nONBUILD ONBUILD RUN x\n')), 'Dockerfile:2:9: Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    assert.equal(errorOf(parse('FROM a\nCOPY a <<EOF\nx\nEOF\n')), 'Dockerfile:2:6: COPY cannot accept a heredoc as a destination');
  });

  it('reports RUN flag values BuildKit rejects', () => {
    assert.equal(errorOf(parse('FROM a\nRUN --mount=from=$X,target=/x ls\n')), "Dockerfile:2:5: 'from' doesn't support variable expansion, define alias stage instead");
    assert.equal(errorOf(parse('FROM a\nRUN --mount=type=cache,required ls\n')), "Dockerfile:2:5: unexpected key 'required' for mount type 'cache'");
    assert.equal(errorOf(parse('FROM a\nRUN --mount=type=bind,target=/a,uid=1 ls\n')), 'Dockerfile:2:5: uid not allowed for "bind" type mounts');
    assert.equal(errorOf(parse('FROM a\nRUN --mount=type=secret ls\n')), 'Dockerfile:2:5: invalid secret mount. one of source, target required');
    assert.equal(errorOf(parse('FROM a\nRUN --network=bridge ls\n')), 'Dockerfile:2:5: invalid network mode "bridge"');
    assert.equal(errorOf(parse('FROM a\nRUN --security=root ls\n')), 'Dockerfile:2:5: security "root" is not valid');
  });

  it('reports bad HEALTHCHECK options', () => {
    assert.equal(errorOf(parse('FROM a\nHEALTHCHECK --retries=-1 CMD x\n')), 'Dockerfile:2:13: --retries cannot be negative (-1)');
    assert.equal(errorOf(parse('FROM a\nHEALTHCHECK --interval=5x CMD x\n')), 'Dockerfile:2:13: time: unknown unit "x" in duration "5x"');
    assert.equal(errorOf(parse('FROM a\nHEALTHCHECK --timeout=10us CMD x\n')), 'Dockerfile:2:13: Interval "timeout" cannot be less than 1ms');
    assert.equal(errorOf(parse('FROM a\nHEALTHCHECK NONE x\n')), 'Dockerfile:2:18: HEALTHCHECK NONE takes no arguments');
  });

  it('reports SHELL not in JSON form', () => {
    assert.equal(errorOf(parse('FROM a\nSHELL /bin/sh -c\n')), 'Dockerfile:2:7: SHELL requires the arguments to be in JSON form');
  });

  it('does not report ${X:?msg}: it is evaluated when the build runs', () => {
    const df = parseDockerfile('FROM a\nARG X\nRUN echo ${X:?must be set}\nCOPY ${X:?msg} /x\n');
    assert.equal(df.instructions.length, 4);
  });
});
