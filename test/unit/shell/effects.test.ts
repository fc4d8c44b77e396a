/**
 * Regressions of the effect model (src/shell/effects.ts) found by the fix properties
 * (test/unit/fix/properties.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { dependsOn, stepEffects } from '../../../src/shell/effects.js';

function steps(text: string) {
  return buildGraph(parseDockerfile(text, 'Dockerfile')).stages[0].steps;
}

test('cargo build in the root folder writes /target, and a later step that reads /target/release depends on it', () => {
  // The folder was `${dir}/target` = `//target`, which no reader of /target/... overlapped.
  const [, build, read] = steps('FROM rust\nRUN cargo build --release\nRUN cp /target/release/app /usr/local/bin/app\n');
  assert.deepEqual(stepEffects(build).writes, ['/target', '/root/.cargo']);
  assert.equal(dependsOn(stepEffects(read), stepEffects(build)), true);
});

test('cargo build in /app writes /app/target', () => {
  const [, , build] = steps('FROM rust\nWORKDIR /app\nRUN cargo build --release\n');
  assert.deepEqual(stepEffects(build).writes, ['/app/target', '/root/.cargo']);
});
