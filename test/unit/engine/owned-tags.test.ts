import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BENCH_TAG_PREFIX, ownedTag, ownerOf, testTag, TAG_PREFIX, VERIFY_TAG_PREFIX } from '../../../src/engine/cleanup.js';
import { verifyTag } from '../../../src/verify/images.js';
import { benchTag } from '../../../src/bench/workspace.js';

test('a tag of test, verify and bench images names the process that made it', () => {
  for (const [tag, prefix] of [[testTag('My Test!'), TAG_PREFIX], [verifyTag('before-app'), VERIFY_TAG_PREFIX], [benchTag('cold'), BENCH_TAG_PREFIX]] as const) {
    assert.ok(tag.startsWith(prefix), tag);
    assert.match(tag, /^[a-z0-9/-]+:[0-9a-z]+-[0-9a-z]+-[0-9a-f]{6}$/, 'a valid docker reference');
    assert.equal(ownerOf(tag), process.pid);
  }
  assert.notEqual(ownedTag(TAG_PREFIX, 'x'), ownedTag(TAG_PREFIX, 'x'), 'unique per call');
});

test('tags layerwise did not make, or made before tags named their maker, have no owner', () => {
  for (const ref of ['layerwise-test/x:1', 'alpine:3.19', 'layerwise-sim/base-abc:latest', 'someone/layerwise-test:ab-cd-123456', 'layerwise-test/simulate:mabc12-1a2b3c']) {
    assert.equal(ownerOf(ref), undefined, ref);
  }
});
