import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expand, referencedVariables } from '../../../src/dockerfile/expand.js';

/**
 * Cases from BuildKit's shell lexer tests (frontend/dockerfile/shell: envVarTest, wordsTest and
 * lex_test.go), with the environments those tests use. `null` means an error.
 */
const env = new Map([['PWD', '/home'], ['SHELL', 'bash'], ['KOREAN', '한국어'], ['NULL', '']]);

const ENV_VAR_TEST: [string, string | null][] = [
  ['hello', 'hello'],
  ["he'll'o", 'hello'],
  ["he'llo", null],
  ["he\\'llo", "he'llo"],
  ["he\\\\'llo", null],
  ['abc\\tdef', 'abctdef'],
  ['"abc\\tdef"', 'abc\\tdef'],
  ['"abc\\\\tdef"', 'abc\\tdef'],
  ["'abc\\tdef'", 'abc\\tdef'],
  ['hello\\', 'hello'],
  ['hello\\\\', 'hello\\'],
  ['"hello', null],
  ['"hello\\"', null],
  ['"hel\'lo"', "hel'lo"],
  ["'hello", null],
  ["'hello\\'", 'hello\\'],
  ["'hello\\there'", 'hello\\there'],
  ["'hello\\\\there'", 'hello\\\\there'],
  ['"\'\'"', "''"],
  ['$.', '$.'],
  ['he$1x', 'hex'],
  ['he$.x', 'he$.x'],
  ['he$pwd.', 'he.'],
  ['he$PWD', 'he/home'],
  ['he\\$PWD', 'he$PWD'],
  ['he\\\\$PWD', 'he\\/home'],
  ['"he\\$PWD"', 'he$PWD'],
  ['"he\\\\$PWD"', 'he\\/home'],
  ['\\${}', '${}'],
  ['\\${}aaa', '${}aaa'],
  ['he\\${}', 'he${}'],
  ['he\\${}xx', 'he${}xx'],
  ['${}', null],
  ['${}aaa', null],
  ['he${}', null],
  ['he${}xx', null],
  ['he${hi}', 'he'],
  ['he${hi}xx', 'hexx'],
  ['he${PWD}', 'he/home'],
  ['he${.}', null],
  ['he${XXX:-000}xx', 'he000xx'],
  ['he${PWD:-000}xx', 'he/homexx'],
  ['he${XXX:-$PWD}xx', 'he/homexx'],
  ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
  ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
  ['he${XXX:YYY}', null],
  ['he${XXX?}', null],
  ['he${XXX:?}', null],
  ['he${PWD?}', 'he/home'],
  ['he${PWD:?}', 'he/home'],
  ['he${NULL?}', 'he'],
  ['he${NULL:?}', null],
  ['he${XXX:+${PWD}}xx', 'hexx'],
  ['he${PWD:+${XXX}}xx', 'hexx'],
  ['he${PWD:+${SHELL}}xx', 'hebashxx'],
  ['he${XXX:+000}xx', 'hexx'],
  ['he${PWD:+000}xx', 'he000xx'],
  ["'he${XX}'", 'he${XX}'],
  ['"he${PWD}"', 'he/home'],
  ['"he\'$PWD\'"', "he'/home'"],
  ['"$PWD"', '/home'],
  ["'$PWD'", '$PWD'],
  ["'\\$PWD'", '\\$PWD'],
  ['\'"hello"\'', '"hello"'],
  ["'he\\$PWD'", 'he\\$PWD'],
  ['he${PWD', null],
  ['he${PWD:=000}xx', null],
  ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
  ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
  ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
  ['안녕하세요', '안녕하세요'],
  ["안'녕'하세요", '안녕하세요'],
  ["안'녕하세요", null],
  ["안녕\\'하세요", "안녕'하세요"],
  ["안\\\\'녕하세요", null],
  ['안녕\\t하세요', '안녕t하세요'],
  ['"안녕\\t하세요"', '안녕\\t하세요'],
  ["'안녕\\t하세요", null],
  ['안녕하세요\\', '안녕하세요'],
  ['안녕하세요\\\\', '안녕하세요\\'],
  ['"안녕하세요', null],
  ['"안녕하세요\\"', null],
  ['"안녕\'하세요"', "안녕'하세요"],
  ["'안녕하세요'", '안녕하세요'],
  ["'안녕하세요\\'", '안녕하세요\\'],
  ['$KOREAN', '한국어'],
  ['안녕$KOREAN', '안녕한국어'],
  ['$#', ''],
  ['$*', ''],
  ['$@', ''],
  ['$$', ''],
  ['$?', ''],
  ['$0', ''],
  ['${#}', ''],
  ['${@:-x}', 'x'],
];

describe('expand (BuildKit envVarTest)', () => {
  for (const [source, expected] of ENV_VAR_TEST) {
    it(`expands ${source} to ${expected === null ? 'an error' : JSON.stringify(expected)}`, () => {
      if (expected === null) assert.throws(() => expand(source, env));
      else assert.equal(expand(source, env).value, expected);
    });
  }
});

/** lex_test.go TestProcessWithMatches: value, variables found, variables not found. */
const MATCHES: { input: string; env: Record<string, string>; expected: string | null; matched?: string[]; unmatched?: string[] }[] = [
  { input: 'x', env: { DUMMY: 'dummy' }, expected: 'x' },
  { input: 'x ${UNUSED}', env: { DUMMY: 'dummy' }, expected: 'x ', unmatched: ['UNUSED'] },
  { input: 'x ${FOO}', env: { FOO: 'y' }, expected: 'x y', matched: ['FOO'] },
  { input: '${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', env: { FOO: 'xxx', BAR: '' }, expected: 'xxx  ccc', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', env: { FOO: 'xxx', BAR: '' }, expected: 'xxx bbb ccc', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-}', env: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matched: ['FOO'] },
  { input: '${FOO:-}', env: {}, expected: '', unmatched: ['FOO'] },
  { input: '${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}', env: { FOO: 'xxx', BAR: '' }, expected: 'aaa bbb ', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', env: { FOO: 'xxx', BAR: '' }, expected: 'aaa  ', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO?aaa}', env: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matched: ['FOO'] },
  { input: '${BAR?bbb}', env: { FOO: 'xxx', BAR: '' }, expected: '', matched: ['BAR'] },
  { input: '${BAZ?ccc}', env: { FOO: 'xxx', BAR: '' }, expected: null },
  { input: '${FOO:?aaa}', env: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matched: ['FOO'] },
  { input: '${BAR:?bbb}', env: { FOO: 'xxx', BAR: '' }, expected: null },
  { input: '${BAZ:?ccc}', env: { FOO: 'xxx', BAR: '' }, expected: null },
  { input: '${BAZ:?}', env: { FOO: 'xxx', BAR: '' }, expected: null },
  { input: '${FOO=aaa}', env: { FOO: 'xxx', BAR: '' }, expected: null },
  { input: '${FOO=:aaa}', env: { FOO: 'xxx', BAR: '' }, expected: null },
  { input: '${FOO=}', env: {}, expected: null },
  { input: '${FOO#()[]{\\}^$.\\*\\?|\\\\}', env: { FOO: '()[]{}^$.*?|\\x' }, expected: 'x', matched: ['FOO'] },
  { input: '${FOO%%\\**}', env: { FOO: 'xx**' }, expected: 'xx', matched: ['FOO'] },
  { input: '${FOO#*x*y}', env: { FOO: 'xxyy' }, expected: 'y', matched: ['FOO'] },
  { input: '${FOO#*}', env: { FOO: 'xxyy' }, expected: 'xxyy', matched: ['FOO'] },
  { input: '${FOO#$BAR}', env: { FOO: 'xxyy', BAR: 'x' }, expected: 'xyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO#$BAR}', env: { FOO: 'xxyy', BAR: '' }, expected: 'xxyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO#}', env: { FOO: 'xxyy' }, expected: 'xxyy', matched: ['FOO'] },
  { input: '${FOO##*x}', env: { FOO: 'xxyy' }, expected: 'yy', matched: ['FOO'] },
  { input: '${FOO##}', env: { FOO: 'xxyy' }, expected: 'xxyy', matched: ['FOO'] },
  { input: '${FOO#?\\?}', env: { FOO: '???y' }, expected: '?y', matched: ['FOO'] },
  { input: '${ABC:-.}${FOO%x}${ABC:-.}', env: { FOO: 'xxyy' }, expected: '.xxyy.', matched: ['FOO'], unmatched: ['ABC'] },
  { input: '${FOO%%\\**\\*}', env: { FOO: 'a***yy*' }, expected: 'a', matched: ['FOO'] },
  { input: '${FOO%}', env: { FOO: 'xxyy' }, expected: 'xxyy', matched: ['FOO'] },
  { input: '${FOO%%$BAR}', env: { FOO: 'xxyy', BAR: '' }, expected: 'xxyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO%y}', env: { FOO: 'xxyy' }, expected: 'xxy', matched: ['FOO'] },
  { input: '${FOO%%y*}', env: { FOO: 'xyxy' }, expected: 'x', matched: ['FOO'] },
  { input: '${FOO:#}', env: {}, expected: null },
  { input: '${FOO:##}', env: {}, expected: null },
  { input: '${FOO:%}', env: {}, expected: null },
  { input: '${FOO:%%}', env: {}, expected: null },
  { input: '${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', env: { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, expected: '/foo.*/*.txt - /foo..*.txt', matched: ['FOO', 'NEEDLE'] },
  { input: '${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', env: { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, expected: '/tmp/bar.txt - /bar.txt', matched: ['FOO', 'NEEDLE'] },
  { input: '${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}', env: { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' }, expected: '/foo/b/c.txt - /foo/c.txt', matched: ['FOO', 'NEEDLE', 'REPLACEMENT'] },
  { input: '${FOO/$NEEDLE/$REPLACEMENT}', env: { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }, expected: 'https://google.de', matched: ['FOO', 'NEEDLE', 'REPLACEMENT'] },
  { input: '${FOO//\\//\\/}', env: { FOO: '/tmp/foo.txt' }, expected: '\\/tmp\\/foo.txt', matched: ['FOO'] },
  { input: '${FOO/$BAR/ww}', env: { FOO: 'xxyy', BAR: '' }, expected: 'wwxxyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO//ww}', env: { FOO: 'xxyy' }, expected: null },
  { input: '${FOO//}', env: { FOO: 'xxyy' }, expected: null },
  { input: '${FOO///}', env: { FOO: 'xxyy' }, expected: 'xxyy', matched: ['FOO'] },
  { input: '${FOO///}', env: {}, expected: '', unmatched: ['FOO'] },
  { input: 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz', env: { VERSION: 'v1.2.3', TARGETOS: 'linux', TARGETARCH: 'arm', TARGETVARIANT: 'v7' }, expected: 'something-v1.2.3.linux-arm-v7.tar.gz', matched: ['VERSION', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT'] },
  { input: 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz', env: { VERSION: 'v1.2.3', TARGETOS: 'linux', TARGETARCH: 'arm64' }, expected: 'something-v1.2.3.linux-arm64.tar.gz', matched: ['VERSION', 'TARGETOS', 'TARGETARCH'], unmatched: ['TARGETVARIANT'] },
];

describe('expand (BuildKit TestProcessWithMatches)', () => {
  for (const c of MATCHES) {
    it(`expands ${c.input} with ${JSON.stringify(c.env)} to ${c.expected === null ? 'an error' : JSON.stringify(c.expected)}`, () => {
      const e = new Map(Object.entries(c.env));
      if (c.expected === null) {
        assert.throws(() => expand(c.input, e));
        return;
      }
      const r = expand(c.input, e);
      assert.equal(r.value, c.expected);
      assert.deepEqual([...r.used].sort(), [...(c.matched ?? [])].sort());
      assert.deepEqual([...r.unset].sort(), [...(c.unmatched ?? [])].sort());
    });
  }
});

/** wordsTest: ProcessWords after the ENV lines above each group. */
const WORDS: [Record<string, string>, string, string[] | null][] = [
  [{}, 'hello', ['hello']],
  [{}, 'hello${hi}bye', ['hellobye']],
  [{ hi: 'hi' }, 'hello${hi}bye', ['hellohibye']],
  [{ space: 'abc  def' }, 'hello${space}bye', ['helloabc', 'defbye']],
  [{ space: 'abc  def' }, 'hello"${space}"bye', ['helloabc  defbye']],
  [{ space: 'abc  def' }, 'hello "${space}"bye', ['hello', 'abc  defbye']],
  [{ leading: '  ab c' }, 'hello${leading}def', ['hello', 'ab', 'cdef']],
  [{ leading: '  ab c' }, 'hello"${leading}" def', ['hello  ab c', 'def']],
  [{ leading: '  ab c' }, 'hello"${leading}"', ['hello  ab c']],
  [{ leading: '  ab c' }, 'hello${leading}', ['hello', 'ab', 'c']],
  [{ trailing: 'ab c   ' }, 'hello${trailing}', ['helloab', 'c']],
  [{ trailing: 'ab c   ' }, 'hello${trailing}d', ['helloab', 'c', 'd']],
  [{ trailing: 'ab c   ' }, 'hello"${trailing}"d', ['helloab c   d']],
  [{ trailing: 'ab c   ' }, 'hel"lo${trailing}"', ['helloab c   ']],
  [{}, 'hello" there  "', ['hello there  ']],
  [{}, 'hello there     ', ['hello', 'there']],
  [{}, 'hello\\ there', ['hello there']],
  [{}, 'hello" there', null],
  [{}, 'hello\\" there', ['hello"', 'there']],
  [{}, 'hello"\\\\there"', ['hello\\there']],
  [{}, 'hello"\\there"', ['hello\\there']],
  [{}, "hello'\\\\there'", ['hello\\\\there']],
  [{}, "hello'\\there'", ['hello\\there']],
  [{}, "hello'$there'", ['hello$there']],
  [{}, '""', []],
];

describe('expand word splitting (BuildKit wordsTest)', () => {
  for (const [vars, input, expected] of WORDS) {
    it(`splits ${input} into ${expected === null ? 'an error' : JSON.stringify(expected)}`, () => {
      if (expected === null) assert.throws(() => expand(input, new Map(Object.entries(vars))));
      else assert.deepEqual(expand(input, new Map(Object.entries(vars))).words, expected);
    });
  }
});

describe('expand options', () => {
  it('keeps quotes and escapes as written with rawQuotes and rawEscapes (heredoc detection)', () => {
    assert.deepEqual(expand(`cat <<"EOF" a\\ b 'c d'`, new Map(), { rawQuotes: true, rawEscapes: true, skipUnset: true }).words, ['cat', '<<"EOF"', 'a\\ b', "'c d'"]);
  });

  it('leaves unset variables as written with skipUnset, every ${} form included', () => {
    const r = expand('$A ${B} ${C:-x} ${D/a/b} ${E#p}', new Map(), { skipUnset: true });
    assert.equal(r.value, '$A ${B} ${C:-x} ${D/a/b} ${E#p}');
  });

  it('uses the backtick as escape token after `# escape=`', () => {
    assert.equal(expand('C:\\path `$HOME "a`"b"', new Map([['HOME', '/h']]), { escape: '`' }).value, 'C:\\path $HOME a"b');
  });

  it('treats a replacement of ${V//a/b} as Go does: $name is a group (empty), $$ is $', () => {
    const e = new Map([['V', 'aXa'], ['R', '$$x']]);
    assert.equal(expand('${V//a/$R}', e).value, '$xX$x');
    assert.equal(expand('${V/a/$R}', e).value, '$$xXa');
  });

  it('does not let * or ? cross a newline, as Go regexp . does not', () => {
    assert.equal(expand('${V#*b}', new Map([['V', 'a\nb c']])).value, 'a\nb c');
    assert.equal(expand('${V#*c}', new Map([['V', 'ab\nc']])).value, 'ab\nc');
  });

  it('skips an empty match right after a match in ${V//p/r}, as Go ReplaceAll does', () => {
    // `*` alone is Go's `.*`: it matches all of "ab", then the empty string at the end, which
    // Go skips (JavaScript's replace would give "--").
    assert.equal(expand('${V//*/-}', new Map([['V', 'ab']])).value, '-');
    assert.equal(expand('${V//*/-}', new Map([['V', '']])).value, '-');
  });

  it('reports the ${X:?message} message', () => {
    assert.throws(() => expand('${X:?must be set}', new Map()), /X: must be set/);
    assert.throws(() => expand('${X?}', new Map()), /X: is not allowed to be unset/);
    assert.throws(() => expand('${X:?}', new Map([['X', '']])), /X: is not allowed to be empty/);
  });

  it('lists the variables a word refers to without evaluating it', () => {
    assert.deepEqual([...referencedVariables('$A ${B:-$C} ${D:?x} \\$E')].sort(), ['A', 'B', 'C', 'D']);
  });
});
