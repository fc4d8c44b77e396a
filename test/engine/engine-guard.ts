/**
 * The engine guard every engine test uses: an engine that answers runs the test; none and
 * CI=true fails it (CI starts the engine, so its absence is a broken run); none elsewhere
 * skips it with the reason, never passes silently.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { detectEngineOnce, type EngineIdentity } from '../../src/build/engine.js';

export async function engineOrSkip(t: TestContext): Promise<EngineIdentity | undefined> {
  const found = await detectEngineOnce();
  if (found.engine) return found.engine;
  const reason = `no container engine: ${found.reasons.join('; ') || 'none found'}`;
  if (process.env.CI === 'true') assert.fail(`${reason} (CI=true: .ci/run should have started one)`);
  t.skip(reason);
  return undefined;
}
