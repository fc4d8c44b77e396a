import type { EngineRecord } from '../engine/engine.js';

/** The engine a result was measured on, in the JSON outputs' snake_case (docs/timing.md, docs/verify.md). */
export function engineInfoJson(e: EngineRecord): Record<string, string> {
  return {
    engine: e.engine,
    version: e.version,
    ...(e.buildkitVersion ? { buildkit_version: e.buildkitVersion } : {}),
    ...(e.frontendVersion ? { frontend_version: e.frontendVersion } : {}),
    ...(e.host ? { host: e.host } : {}),
    ...(e.builder ? { builder: e.builder } : {}),
  };
}
