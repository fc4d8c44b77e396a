import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatternError, PatternMatcher, type MatchInfo } from '../../../src/context/patternmatcher.js';

/** Walks down to `file` carrying parent results, as fsutil's walker does. */
function walkMatch(pm: PatternMatcher, file: string): boolean {
  const parts = file.split('/');
  let info: MatchInfo | undefined;
  let matched = false;
  for (let i = 1; i <= parts.length; i++) {
    const r = pm.matchesUsingParentResults(parts.slice(0, i).join('/'), info);
    info = r.info;
    matched = r.matched;
  }
  return matched;
}

// moby/patternmatcher TestMatches: [pattern, path, matches the path or one of its parents].
const single: [string, string, boolean][] = [
  ['**', 'file', true],
  ['**', 'file/', true],
  ['**/', 'file', true],
  ['**/', 'file/', true],
  ['**', '/', true],
  ['**/', '/', true],
  ['**', 'dir/file', true],
  ['**/', 'dir/file', true],
  ['**/**', 'dir/file', true],
  ['dir/**', 'dir/file', true],
  ['dir/**', 'dir/dir2/file', true],
  ['**/dir', 'dir', true],
  ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true],
  ['**file', 'file', true],
  ['**file', 'dir/file', true],
  ['**/file', 'dir/file', true],
  ['**file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false],
  ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true],
  ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false],
  ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false],
  ['a[b-d]e', 'ace', true],
  ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true],
  ['.*', '.foo', true],
  ['.*', 'foo', false],
  ['abc.def', 'abcdef', false],
  ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true],
  ['abc?def', 'abcdef', false],
  ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true],
  ['abc/**', 'abc', false],
  ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true],
  ['**/.foo', 'bar.foo', false],
  ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['a\\\\', 'a\\', true],
  ['a\\*b', 'a*b', true],
  ['docs', 'docs/README.md', true],
  ['docs/', 'docs/README.md', true],
  ['README.md', 'readme.md', false],
  ['c++', 'c++', true],
  ['a+b', 'aab', false],
];

const multi: [string[], string, boolean][] = [
  [['**', '!util/docker/web'], 'util/docker/web/foo', false],
  [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
  [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
  [['!fileutils.go', '*.go'], 'fileutils.go', true],
  [['*.go', '!fileutils.go'], 'fileutils.go', false],
  [['docs', '!docs/README.md'], 'docs/README.md', false],
  [['docs/*', '!docs/README.md'], 'docs/README.md', false],
  [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
  [['*.md', '!README*.md', 'README-secret.md'], 'README-public.md', false],
  [['*.md', 'README-secret.md', '!README*.md'], 'README-secret.md', false],
];

describe('PatternMatcher', () => {
  for (const [pattern, file, want] of single) {
    it(`${want ? 'matches' : 'does not match'} ${JSON.stringify(file)} with ${JSON.stringify(pattern)} (moby/patternmatcher table)`, () => {
      const pm = new PatternMatcher([pattern]);
      assert.equal(pm.matchesOrParentMatches(file), want, 'MatchesOrParentMatches');
      assert.equal(walkMatch(pm, file), want, 'MatchesUsingParentResults along a walk');
      assert.equal(pm.matchesUsingParentResults(file).matched, want, 'MatchesUsingParentResults without context');
    });
  }

  for (const [patterns, file, want] of multi) {
    it(`${want ? 'excludes' : 'keeps'} ${file} under ${JSON.stringify(patterns)}: the last matching pattern wins`, () => {
      const pm = new PatternMatcher(patterns);
      assert.equal(pm.matchesOrParentMatches(file), want);
      assert.equal(walkMatch(pm, file), want);
    });
  }

  it('keeps a/b under a, !a/b, a along a walk, as fsutil does, although the stateless check excludes it', () => {
    const pm = new PatternMatcher(['a', '!a/b', 'a']);
    assert.equal(walkMatch(pm, 'a/b'), false);
    assert.equal(pm.matchesOrParentMatches('a/b'), true);
  });

  it('drops blank patterns and reports exceptions', () => {
    const pm = new PatternMatcher(['docs', '', '  !docs/README.md  ']);
    assert.equal(pm.patterns.length, 2);
    assert.equal(pm.exclusions, true);
    assert.deepEqual(pm.sourceIndex, [0, 2]);
    assert.equal(new PatternMatcher(['docs']).exclusions, false);
  });

  it('rejects a lone ! and a malformed glob, naming the pattern index', () => {
    assert.throws(() => new PatternMatcher(['ok', '!']), (e: unknown) => e instanceof PatternError && e.index === 1 && /illegal exclusion/.test(e.message));
    assert.throws(() => new PatternMatcher(['[']), (e: unknown) => e instanceof PatternError && e.index === 0);
    assert.throws(() => new PatternMatcher(['a[']), PatternError);
  });
});
