import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext, type TestOptions } from 'node:test';
import { detectEngine, type EngineIdentity } from '../../src/engine/engine.js';
import { run } from '../../src/engine/exec.js';
import { archivedTags, makeTempDir, removeImages, removeLeftovers, removeTempDirs, testTag } from '../../src/engine/cleanup.js';
import { build, type BuildOptions, type BuildRecord } from '../../src/engine/driver.js';
import { mapRecordToLines, vertexRule, type StageSteps } from '../../src/engine/line-map.js';
import { stageStepsOf } from '../../src/engine/graph-steps.js';
import type { StepVerdict } from '../../src/cache/invalidation.js';
import type { BuildGraph } from '../../src/graph/graph.js';

/** The offline base image that scripts/engine.sh makes (on dockerd; in the registry buildkitd mirrors docker.io with). */
export const BASE_IMAGE = 'bb:latest';

/**
 * The two engines every engine test runs on: `docker` is Debian's dockerd (BuildKit v0.8 inside),
 * `buildkit` a current buildkitd spoken to with buildctl (BUILDKIT_HOST, or the socket
 * scripts/engine.sh starts it on).
 */
export type EngineName = 'docker' | 'buildkit';
export const ENGINE_NAMES: readonly EngineName[] = ['docker', 'buildkit'];

/** The registry scripts/engine.sh runs as buildkitd's docker.io mirror. */
export const REGISTRY = process.env['LAYERWISE_REGISTRY'] ?? '127.0.0.1:5000';

const ready = new Map<EngineName, Promise<{ engine?: EngineIdentity; reason?: string }>>();

async function probe(name: EngineName): Promise<{ engine?: EngineIdentity; reason?: string }> {
  const d = await detectEngine({ kind: name === 'docker' ? 'docker' : 'buildctl' });
  if (!d.engine) return { reason: d.reasons.join('; ') || 'none found' };
  if (name === 'buildkit') {
    const [repo, tag] = BASE_IMAGE.split(':');
    const url = `http://${REGISTRY}/v2/${repo!.includes('/') ? repo : `library/${repo}`}/manifests/${tag}`;
    const found = await fetch(url, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json' } })
      .then((r) => r.ok, () => false);
    if (!found) return { reason: `${BASE_IMAGE} is not in the registry at ${REGISTRY} (scripts/engine.sh up pushes it)` };
    return { engine: d.engine };
  }
  if (!d.engine.docker) return { reason: `${d.engine.description}: these tests need a docker image store` };
  const base = await run(d.engine.docker, ['image', 'inspect', BASE_IMAGE], { env: { ...process.env, ...d.engine.env } });
  if (base.code !== 0) return { reason: `${BASE_IMAGE} is missing (scripts/engine.sh up makes it)` };
  // The daemon is shared (other test files run beside this one, a person may build): nothing
  // here assumes it idle, and what killed runs left is removed by its maker's tag, once per file.
  await removeLeftovers(d.engine);
  return { engine: d.engine };
}

/**
 * The engine for a real-engine test, with the base image in place (default: docker). Without one
 * the test is skipped with the reason, except in CI (CI=true), where it fails: CI starts both
 * engines, so an absent one is a broken run, and CI must never pass by skipping.
 */
export async function requireEngine(t: TestContext, name: EngineName = 'docker'): Promise<EngineIdentity | undefined> {
  if (!ready.has(name)) ready.set(name, probe(name));
  const { engine, reason } = await ready.get(name)!;
  if (engine) return engine;
  if (process.env['CI'] === 'true') assert.fail(`no ${name} engine in CI: ${reason}`);
  t.skip(`no ${name} engine: ${reason}`);
  return undefined;
}

export interface EngineTestOptions {
  /** Engines the test does not apply to, each with the reason (printed as the skip reason, in CI too). */
  notOn?: Partial<Record<EngineName, string>>;
  /** node:test options (todo, timeout, ...). */
  test?: TestOptions;
}

/**
 * One test per engine: `NAME [docker]`, `NAME [buildkit]`. The body gets the engine; an engine
 * the test does not apply to is skipped with the reason given in `notOn`.
 */
export function engineTest(
  name: string,
  body: (t: TestContext, engine: EngineIdentity, engineName: EngineName) => Promise<void>,
  options: EngineTestOptions = {},
): void {
  for (const e of ENGINE_NAMES) {
    test(`${name} [${e}]`, options.test ?? {}, async (t) => {
      const why = options.notOn?.[e];
      if (why) {
        t.skip(`does not apply to ${e}: ${why}`);
        return;
      }
      const engine = await requireEngine(t, e);
      if (!engine) return;
      await body(t, engine, e);
    });
  }
}

/**
 * Build options that make the image `tag` usable in a later FROM: on docker the tag is in its
 * store already; a BuildKit daemon has no store, so the image is pushed to the registry it
 * mirrors docker.io with, where `FROM <tag>` (docker.io/<tag>) finds it.
 */
export function asBase(engine: EngineIdentity, tag: string): Pick<BuildOptions, 'push'> {
  return engine.kind === 'buildctl' ? { push: [`${REGISTRY}/${tag}`] } : {};
}

/** The tags of test images in the engine's store (docker), or of the tarballs this process keeps (buildkit). */
export async function testImagesIn(engine: EngineIdentity, prefix: string): Promise<string[]> {
  if (engine.kind === 'buildctl') return archivedTags().filter((t) => t.startsWith(prefix));
  const r = await run(engine.docker!, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: { ...process.env, ...engine.env }, timeoutMs: 60_000 });
  return r.stdout.split('\n').filter((l) => l.startsWith(prefix));
}

/** A build context in a temp dir; it and every image built through it go after the test. */
export interface TestBuildContext {
  dir: string;
  write(name: string, content: string): void;
  /** Build the context with a fresh layerwise-test/ tag, quietly; `base`: usable in a later FROM (see asBase). */
  build(options?: Omit<BuildOptions, 'context' | 'engine' | 'tag'> & { base?: boolean }): Promise<BuildRecord>;
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
      return build({ quiet: true, ...options, context: dir, engine, tag, ...(options.base ? asBase(engine, tag) : {}) });
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

/** One explain scenario (test/fixtures/explain/<name>/scenario.json), as the explain and simulate suites read it. */
export interface Scenario {
  files?: Record<string, string>;
  modes?: Record<string, string>;
  target?: string;
  buildArgs?: Record<string, string>;
  prevBuildArgs?: Record<string, string>;
  change: { write?: Record<string, string>; delete?: string[]; chmod?: Record<string, string>; touch?: string[]; secrets?: Record<string, string> };
  secrets?: Record<string, string>;
  notOn?: Partial<Record<EngineName, string>>;
  expect?: { firstRebuiltLine?: number | null; rebuilt?: number };
  /** A disagreement found and not yet fixed: the scenario still runs, reported as TODO with this reason. */
  knownDisagreement?: string;
  uniqueContext?: boolean;
}

/**
 * An explain scenario's scenario.json, with `@NONCE@` replaced by a token of this run (for steps
 * whose cache does not hang on the scenario's base, like COPY --link).
 */
export function readScenario(dir: string): Scenario {
  const nonce = randomBytes(6).toString('hex');
  return JSON.parse(readFileSync(path.join(dir, 'scenario.json'), 'utf8').replaceAll('@NONCE@', nonce)) as Scenario;
}

export function writeFiles(dir: string, files: Record<string, string> = {}): void {
  for (const [p, text] of Object.entries(files)) {
    const f = path.join(dir, p);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, text);
  }
}

/**
 * A scenario's context in `ctx` (made here): its `context/` folder, its files and modes, and
 * with `uniqueContext` a file of random content at the root: a stage FROM scratch keys on the
 * context alone, so without it another scenario with the same files, or an earlier run, answers.
 */
export function writeScenarioContext(dir: string, sc: Scenario, ctx: string): void {
  mkdirSync(ctx, { recursive: true });
  if (existsSync(path.join(dir, 'context'))) cpSync(path.join(dir, 'context'), ctx, { recursive: true });
  writeFiles(ctx, sc.files);
  if (sc.uniqueContext) writeFileSync(path.join(ctx, '.scenario-run'), randomBytes(8).toString('hex'));
  for (const [p, m] of Object.entries(sc.modes ?? {})) chmodSync(path.join(ctx, p), parseInt(m, 8));
}

/**
 * Where explain's verdicts and BuildKit's record of the build disagree, one line each (none:
 * they agree on every step). `conditional` agrees either way; it is only ever given to a step
 * that copies from a stage, follows a conditional step, or needs a result a remote cache lacks.
 */
export function disagreementsWith(verdicts: StepVerdict[], record: BuildRecord, graph: BuildGraph): string[] {
  const map = mapRecordToLines(record, stageStepsOf(graph));
  const byLine = new Map<number, boolean>();
  for (const { vertex, location } of map.vertices) for (const l of location?.lines ?? []) byLine.set(l, vertex.cached);
  const disagreements: string[] = [];
  for (const v of verdicts) {
    // BuildKit re-resolves a base image on every build and never prints it as CACHED: a FROM
    // is judged through the steps after it, whose keys hold the image's digest.
    if (v.step.keyword === 'FROM') continue;
    const ran = byLine.get(v.step.line);
    if (!v.step.executes || v.status === 'skipped' || v.status === 'metadata') {
      if (ran !== undefined) disagreements.push(`line ${v.step.line}: explain says ${v.status}, BuildKit ran a step for it`);
      continue;
    }
    let bk = ran;
    if (bk === undefined) {
      // BuildKit merges identical steps on identical parents into one vertex.
      const twin = verdicts.find((o) => o !== v && o.step.keyword === v.step.keyword && o.step.instruction.text === v.step.instruction.text && byLine.has(o.step.line));
      if (twin) bk = byLine.get(twin.step.line);
    }
    if (bk === undefined) {
      if (v.step.keyword === 'WORKDIR') continue; // an existing directory may make no vertex of its own
      disagreements.push(`line ${v.step.line}: explain says ${v.status}, BuildKit shows no step`);
      continue;
    }
    const truth = bk ? 'cached' : 'rebuilt';
    if (v.status !== truth && v.status !== 'conditional') {
      disagreements.push(`line ${v.step.line} (${v.step.instruction.text.slice(0, 50)}): explain says ${v.status} (${v.reason}), BuildKit ${truth}`);
    }
    if (v.status === 'conditional' && !v.step.sources.some((s) => s.kind === 'stage') && v.cause.kind !== 'parent' && v.cause.kind !== 'not-exported') {
      disagreements.push(`line ${v.step.line}: conditional without a stage input`);
    }
  }
  return disagreements;
}
