import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { comparisonLabel, planComparisons, type StageRef } from '../../../src/verify/plan.js';

const stages = (...names: (string | null)[]): StageRef[] => names.map((name, index) => ({ index, name }));
const shape = (plan: ReturnType<typeof planComparisons>) =>
  plan.map((c) => [comparisonLabel(c), c.against.index, c.file === null ? null : c.file.index]);

test('every named stage of OTHER is compared, the default target first and once', () => {
  const plan = planComparisons(stages('deps', 'build', 'final'), stages('deps', 'tools', 'build', 'final'));
  assert.deepEqual(shape(plan), [['final (default target)', 2, 3], ['deps', 0, 0], ['build', 1, 2]]);
});

test('a stage of OTHER that FILE no longer has is planned without a FILE side', () => {
  const plan = planComparisons(stages('builder', 'final'), stages('build', 'final'));
  assert.deepEqual(shape(plan), [['final (default target)', 1, 1], ['builder', 0, null]]);
});

test('stages FILE adds are not compared', () => {
  const plan = planComparisons(stages(null), stages('a', 'b', null));
  assert.deepEqual(shape(plan), [['default target', 0, 2]]);
});

test('default targets named differently are compared, and the named stage of OTHER too', () => {
  const plan = planComparisons(stages('build', 'final'), stages('build', 'final', 'runtime'));
  assert.deepEqual(shape(plan), [['default target (runtime in FILE, final in OTHER)', 1, 2], ['build', 0, 0], ['final', 1, 1]]);
});

test('targets narrow the named stages; the default target is still compared', () => {
  const plan = planComparisons(stages('deps', 'build', 'final'), stages('deps', 'build', 'final'), ['BUILD', 'build']);
  assert.deepEqual(shape(plan), [['final (default target)', 2, 2], ['build', 1, 1]]);
});

test('a target that OTHER does not have is an input error naming OTHER', () => {
  assert.throws(
    () => planComparisons(stages('a'), stages('a', 'b'), ['b'], 'old/Dockerfile'),
    (e: unknown) => e instanceof InputError && e.format() === 'old/Dockerfile: target stage "b" could not be found',
  );
});
