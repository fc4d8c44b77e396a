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

test('a cd after a case keeps to its folder: the patterns\' ) are not subshells', () => {
  // The unpaired `)` of `9.0)` made every command count as nested, so `pip install .` read /src (the WORKDIR) too.
  const [, , run] = steps(
    'FROM python\nWORKDIR /src\nRUN cd /opt/lib && case "$V" in\\\n 1) A=9.0 ;;\\\n 2|3) A=10.0 ;;\\\n *) exit 1 ;;\\\n esac && pip install .\n',
  );
  const e = stepEffects(run);
  assert.ok(e.reads.includes('/opt/lib'));
  assert.ok(!e.reads.includes('/src'), `reads ${e.reads.join(', ')}`);
});

test('a cd inside a subshell after a case still does not outlast the subshell', () => {
  const [, , run] = steps('FROM python\nWORKDIR /src\nRUN case "$V" in (1) A=1 ;; esac && (cd /opt/lib && true) && cat x\n');
  assert.ok(stepEffects(run).reads.includes('/src/x'));
});
