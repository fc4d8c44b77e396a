import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { detectEngineOnce, type EngineIdentity } from '../../src/engine/engine.js';
import { run } from '../../src/engine/exec.js';
import { makeTempDir, removeImages, removeTempDirs, testTag } from '../../src/engine/cleanup.js';
import { build, type BuildOptions, type BuildRecord } from '../../src/engine/driver.js';
import { vertexRule, type StageSteps } from '../../src/engine/line-map.js';

/** The offline base image that scripts/engine.sh makes. */
export const BASE_IMAGE = 'bb:latest';

let ready: Promise<{ engine?: EngineIdentity; reason?: string }> | undefined;

async function probe(): Promise<{ engine?: EngineIdentity; reason?: string }> {
  const d = await detectEngineOnce();
  if (!d.engine) return { reason: d.reasons.join('; ') || 'none found' };
  if (!d.engine.docker) return { reason: `${d.engine.description}: these tests need a docker image store` };
  const base = await run(d.engine.docker, ['image', 'inspect', BASE_IMAGE], { env: { ...process.env, ...d.engine.env } });
  if (base.code !== 0) return { reason: `${BASE_IMAGE} is missing (scripts/engine.sh up makes it)` };
  return { engine: d.engine };
}

/**
 * The engine for a real-engine test, with the base image in place. Without one the test is
 * skipped with the reason, except in CI (CI=true), where it fails: CI starts the engine, so its
 * absence is a broken run, and CI must never pass by skipping.
 */
export async function requireEngine(t: TestContext): Promise<EngineIdentity | undefined> {
  ready ??= probe();
  const { engine, reason } = await ready;
  if (engine) return engine;
  if (process.env['CI'] === 'true') assert.fail(`no Docker engine in CI: ${reason}`);
  t.skip(`no Docker engine: ${reason}`);
  return undefined;
}

/** A build context in a temp dir; it and every image built through it go after the test. */
export interface TestBuildContext {
  dir: string;
  write(name: string, content: string): void;
  /** Build the context with a fresh layerwise-test/ tag, quietly. */
  build(options?: Omit<BuildOptions, 'context' | 'engine' | 'tag'>): Promise<BuildRecord>;
}

export function makeContext(t: TestContext, engine: EngineIdentity, files: Record<string, string>): TestBuildContext {
  const dir = makeTempDir('layerwise-engine-test-');
  const tags: string[] = [];
  const write = (name: string, content: string) => {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  };
  for (const [name, content] of Object.entries(files)) write(name, content);
  t.after(async () => {
    if (tags.length) await removeImages(engine, tags);
    removeTempDirs(dir);
  });
  return {
    dir,
    write,
    async build(options = {}) {
      const tag = testTag(t.name.slice(0, 40));
      tags.push(tag);
      return build({ quiet: true, ...options, context: dir, engine, tag });
    },
  };
}

/**
 * A stand-in for the Dockerfile parser of src/dockerfile/, enough for the simple Dockerfiles of
 * these tests: one instruction per line, or lines joined by a trailing `\`.
 */
export function describeStages(dockerfile: string): StageSteps[] {
  const stages: (StageSteps & { workdir: string })[] = [];
  const lines = dockerfile.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let text = lines[i]!;
    while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + ' ' + lines[++i]!;
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [keyword, ...args] = trimmed.split(/\s+/);
    const kw = keyword!.toUpperCase();
    if (kw === 'FROM') {
      const base = args[0]!;
      const name = args[1]?.toUpperCase() === 'AS' ? args[2]! : null;
      const parent = stages.find((s) => s.name?.toLowerCase() === base.toLowerCase());
      const from = base === 'scratch' ? 'scratch' : parent ? 'stage' : 'image';
      stages.push({
        index: stages.length,
        name,
        ...(from === 'image' ? { baseImage: base } : {}),
        steps: [{ line: start, ...vertexRule('FROM', { from }) }],
        workdir: parent?.workdir ?? '/',
      });
      continue;
    }
    const stage = stages[stages.length - 1]!;
    let context = {};
    if (kw === 'WORKDIR') {
      stage.workdir = path.posix.resolve(stage.workdir, args[0]!);
      context = { workdir: stage.workdir };
    }
    stage.steps.push({ line: start, ...vertexRule(kw, context) });
  }
  return stages.map(({ workdir: _, ...s }) => s);
}
