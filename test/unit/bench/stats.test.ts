import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ms, speedup, summarize } from '../../../src/bench/stats.js';

test('one run is its own min, median and max', () => {
  assert.deepEqual(summarize([4.2]), { min: 4.2, median: 4.2, max: 4.2, medianRun: 0 });
});

test('an odd count takes the middle run, wherever it stands in run order', () => {
  assert.deepEqual(summarize([9, 3, 5]), { min: 3, median: 5, max: 9, medianRun: 2 });
});

test('an even count averages the two middle runs and shows the faster of them', () => {
  assert.deepEqual(summarize([10, 2, 6, 4]), { min: 2, median: 5, max: 10, medianRun: 3 });
});

test('equal times keep run order for the median run', () => {
  assert.equal(summarize([1, 1, 1]).medianRun, 1);
});

test('no runs is a programming error', () => {
  assert.throws(() => summarize([]));
});

test('speedup is slow over fast, and null without both', () => {
  assert.equal(speedup(20, 5), 4);
  assert.equal(speedup(null, 5), null);
  assert.equal(speedup(20, 0), null);
});

test('ms rounds to milliseconds', () => {
  assert.equal(ms(1.23456), 1.235);
});
