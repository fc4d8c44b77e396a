import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadPatternError, containsWildcards, goClean, goMatch, splitWildcards } from '../../../src/context/gopath.js';

// Go's own filepath.Match test table (as carried in moby/patternmatcher's tests), Unix rules.
const matchTable: [pattern: string, name: string, match: boolean | 'bad'][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['[]a]', ']', 'bad'],
  ['[-]', '-', 'bad'],
  ['[x-]', 'x', 'bad'],
  ['[x-]', '-', 'bad'],
  ['[x-]', 'z', 'bad'],
  ['[-x]', 'x', 'bad'],
  ['[-x]', '-', 'bad'],
  ['[-x]', 'a', 'bad'],
  ['\\', 'a', 'bad'],
  ['[a-b-c]', 'a', 'bad'],
  ['[', 'a', 'bad'],
  ['[^', 'a', 'bad'],
  ['[^bc', 'a', 'bad'],
  ['a[', 'a', 'bad'],
  ['a[', 'ab', 'bad'],
  ['a[', 'x', 'bad'],
  ['a/b[', 'a/x', 'bad'],
  ['*x', 'xxx', true],
  ['**', 'a/b', false],
  ['**/x', 'a/b/x', false],
];

describe('goMatch', () => {
  for (const [pattern, name, want] of matchTable) {
    it(`answers ${want === 'bad' ? 'a syntax error' : want} for pattern ${JSON.stringify(pattern)} on ${JSON.stringify(name)}, as Go does`, () => {
      if (want === 'bad') assert.throws(() => goMatch(pattern, name), BadPatternError);
      else assert.equal(goMatch(pattern, name), want);
    });
  }
});

describe('goClean', () => {
  const cases: [string, string][] = [
    ['', '.'],
    ['a/', 'a'],
    ['/', '/'],
    ['a//b', 'a/b'],
    ['./a/./b/', 'a/b'],
    ['a/../..', '..'],
    ['/../a', '/a'],
    ['!../x', '!../x'],
    ['!a/../b', 'b'],
    ['a/b/../c', 'a/c'],
  ];
  for (const [input, want] of cases) {
    it(`cleans ${JSON.stringify(input)} to ${JSON.stringify(want)} like filepath.Clean`, () => {
      assert.equal(goClean(input), want);
    });
  }
});

describe('wildcards in COPY sources', () => {
  it('treats *, ? and [ as wildcards unless escaped with a backslash', () => {
    assert.equal(containsWildcards('a*'), true);
    assert.equal(containsWildcards('a?'), true);
    assert.equal(containsWildcards('a[b]'), true);
    assert.equal(containsWildcards('a\\*'), false);
    assert.equal(containsWildcards('plain/path'), false);
  });

  it('splits a source into its plain directory part and the glob below it', () => {
    assert.deepEqual(splitWildcards('src/app/*.py'), { base: 'src/app', pattern: '*.py' });
    assert.deepEqual(splitWildcards('src/*/x/y'), { base: 'src', pattern: '*/x/y' });
    assert.deepEqual(splitWildcards('*.txt'), { base: '', pattern: '*.txt' });
    assert.deepEqual(splitWildcards('a/b'), { base: 'a/b', pattern: '' });
  });
});
