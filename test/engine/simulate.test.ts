/**
 * BuildKit is the judge of a simulation: for every buildable case of the fix corpus (its
 * original and its fixed Dockerfile, with the source edit the case names) and every explain
 * scenario (with its change), the real Dockerfile and its stand-in are built before and after
 * the change, and the lines BuildKit re-ran after it must be the same on both sides, read from
 * BuildKit's own per-step record of each build.
 *
 * The stand-ins run with a large time scale, so their sleeps are a few milliseconds; the real
 * builds are what they are. Cases run a few at a time (the real builds mostly sleep).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openContext } from '../../src/context/index.js';
import { loadDockerfile } from '../../src/dockerfile/load.js';
import { removeImages, testTag } from '../../src/engine/cleanup.js';
import { build, type BuildRecord } from '../../src/engine/driver.js';
import type { EngineIdentity } from '../../src/engine/engine.js';
import { stageStepsOf } from '../../src/engine/graph-steps.js';
import { mapRecordToLines } from '../../src/engine/line-map.js';
import { fixText } from '../../src/fix/fix.js';
import { buildGraph, type BuildGraph } from '../../src/graph/graph.js';
import { writeStandin } from '../../src/simulate/build.js';
import { removeSimImages } from '../../src/simulate/images.js';
import { fixturesDir, tempDir } from '../helpers.js';
import { readScenario, requireEngine, writeFiles, writeScenarioContext, type Scenario } from './build-helpers.js';

/** Stand-ins take 1/1000 of their steps' time: sleeps of milliseconds. */
const TIME_SCALE = 1000;

/** Per executing line of the original: whether BuildKit ran it (true) or took it from the cache. */
function ranLines(record: BuildRecord, graph: BuildGraph): Map<number, boolean> {
  const out = new Map<number, boolean>();
  const from = new Set(graph.stages.map((s) => s.line));
  for (const { vertex, location } of mapRecordToLines(record, stageStepsOf(graph)).vertices) {
    for (const l of location?.lines ?? []) {
      // A base image is resolved on every build, never "cached": it is judged through the steps after it.
      if (from.has(l)) continue;
      out.set(l, (out.get(l) ?? false) || !vertex.cached);
    }
  }
  return out;
}

/** Lines that ran on one side and not on the other (lines one side has no vertex for are left out: BuildKit merges identical steps). */
function disagreements(real: Map<number, boolean>, sim: Map<number, boolean>): string[] {
  const out: string[] = [];
  for (const [line, ran] of real) {
    const s = sim.get(line);
    if (s === undefined) {
      if (ran) out.push(`line ${line}: the real build ran it, the stand-in shows no step for it`);
      continue;
    }
    if (s !== ran) out.push(`line ${line}: the real build ${ran ? 'ran it' : 'took it from the cache'}, the stand-in ${s ? 'ran it' : 'took it from the cache'}`);
  }
  for (const [line, ran] of sim) if (!real.has(line) && ran) out.push(`line ${line}: the stand-in ran it, the real build shows no step for it`);
  return out;
}

interface Side {
  /** `secrets`: id -> file, for the real build's `RUN --mount=type=secret` (the stand-in leaves secret mounts out). */
  build(phase: 'before' | 'after', args?: Record<string, string>, secrets?: Record<string, string>): Promise<BuildRecord>;
}

/** Builds of the real file and of its stand-in, on one context folder; everything made is tracked for clean-up. */
function sides(engine: EngineIdentity, ctx: string, work: string, file: string, target: string | undefined, tags: string[], simTags: string[], own: (ref: string) => boolean): { real: Side; sim: Side } {
  const run = async (dockerfile: string, args?: Record<string, string>, secrets?: Record<string, string>) => {
    const tag = testTag('simulate');
    tags.push(tag);
    const r = await build({ context: ctx, dockerfile, ...(target ? { target } : {}), ...(args ? { buildArgs: args } : {}), ...(secrets ? { secrets } : {}), tag, quiet: true, engine });
    assert.ok(r.ok, `build of ${dockerfile} failed: ${r.error}\n${r.transcript.slice(-15).map((l) => l.text).join('\n')}`);
    return r;
  };
  let n = 0;
  return {
    real: { build: (_phase, args, secrets) => run(file, args, secrets) },
    sim: {
      async build(_phase, args, secrets) {
        const graph = buildGraph(await loadDockerfile(file, 'Dockerfile'), { ...(target ? { target } : {}), ...(args ? { buildArgs: args } : {}) });
        const w = await writeStandin(engine, graph, await openContext(ctx, file), file, path.join(work, `standin-${n++}`), { timeScale: TIME_SCALE });
        // Stand-ins of this test's own images go after it; shared ones (of bb:latest) stay for the others.
        for (const i of w.sim.images) if (i.kind === 'base' && own(i.ref) && !simTags.includes(i.tag)) simTags.push(i.tag);
        return run(w.file, args, secrets);
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The fix corpus: original and fixed file, an edit of the case's source file.

interface CorpusCase {
  file: string;
  edit: string;
  knownIssue?: string;
}

const corpusDir = path.join(fixturesDir, 'fix-corpus');
const corpus = existsSync(corpusDir)
  ? readdirSync(corpusDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
      .map((name) => ({ name, dir: path.join(corpusDir, name), spec: JSON.parse(readFileSync(path.join(corpusDir, name, 'case.json'), 'utf8')) as CorpusCase }))
  : [];

/** Fix-corpus disagreements seen and not yet explained (todo with the reason, as KNOWN below). */
const KNOWN_CORPUS: Record<string, string> = {};

describe('a simulated build re-runs the lines the real build re-runs: fix corpus', { concurrency: 3 }, () => {
  for (const { name, dir, spec } of corpus) {
    test(`simulate agrees with BuildKit: fix-corpus ${name}`, KNOWN_CORPUS[name] ? { todo: KNOWN_CORPUS[name] } : {}, async (t) => {
      const engine = await requireEngine(t);
      if (!engine) return;
      const tmp = tempDir(`layerwise-simtest-${name}-`);
      const tags: string[] = [];
      const simTags: string[] = [];
      try {
        const original = readFileSync(path.join(dir, spec.file), 'utf8');
        const fixed = fixText(original, spec.file, await openContext(dir, path.join(dir, spec.file))).fixed;
        const versions = fixed === original ? [['original', original]] : [['original', original], ['fixed', fixed]];
        const problems: string[] = [];
        for (const [label, text] of versions) {
          // A copy of the case per version: the edit must be new to both builds.
          const ctx = path.join(tmp, `${label}-ctx`);
          cpSync(dir, ctx, { recursive: true });
          const file = path.join(ctx, spec.file);
          writeFileSync(file, text!);
          const graph = buildGraph(await loadDockerfile(file, spec.file));
          const { real, sim } = sides(engine, ctx, path.join(tmp, label!), file, undefined, tags, simTags, () => false);
          await real.build('before');
          await sim.build('before');
          const round = async () => {
            // A change no earlier build has seen: the cache cannot answer for it.
            appendFileSync(path.join(ctx, spec.edit), `\n# edit ${randomBytes(6).toString('hex')}\n`);
            const r = ranLines(await real.build('after'), graph);
            const s = ranLines(await sim.build('after'), graph);
            assert.ok([...r.values()].some(Boolean), `${label}: the edit re-ran nothing in the real build`);
            t.diagnostic(`${label}: re-ran lines ${[...r].filter(([, x]) => x).map(([l]) => l).join(', ')}`);
            return disagreements(r, s).map((d) => `${label} ${spec.file}: ${d}`);
          };
          let found = await round();
          if (found.length) {
            // Seen once in CI on a loaded machine: BuildKit v0.8 recorded a stand-in's WORKDIR as run
            // while the step after it, whose cache key hangs on it, stayed cached (a record of a
            // vertex shared with a concurrent build, not a re-run). A wrong model disagrees on
            // every edit; such an artefact does not repeat. So a disagreement must hold on a second
            // edit to fail the test; the first is printed either way.
            t.diagnostic(`first edit: ${found.join('; ')}; repeating with a second edit`);
            found = await round();
          }
          problems.push(...found);
        }
        assert.deepEqual(problems, [], problems.join('\n'));
      } finally {
        await removeImages(engine, tags).catch(() => undefined);
        await removeSimImages(engine, simTags).catch(() => undefined);
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The explain scenarios: a context, a Dockerfile (and its next version), one change.


const scenarioRoot = path.join(fixturesDir, 'explain');
const scenarios = existsSync(scenarioRoot) ? readdirSync(scenarioRoot).filter((n) => existsSync(path.join(scenarioRoot, n, 'scenario.json'))).sort() : [];


/**
 * Disagreements seen and not yet explained: each still runs, as a todo with the reason, so it
 * shows failing (or passing, once understood) without failing the run.
 */
const KNOWN: Record<string, string> = {};

describe('a simulated build re-runs the lines the real build re-runs: explain scenarios', { concurrency: 3 }, () => {
  for (const name of scenarios) {
    // The simulation is checked on the docker engine (v0.8): a scenario that does not apply there
    // (modern Dockerfile features) is skipped with its own reason.
    const notOnDocker = (JSON.parse(readFileSync(path.join(scenarioRoot, name, 'scenario.json'), 'utf8')) as Scenario).notOn?.docker;
    test(`simulate agrees with BuildKit: ${name}`, notOnDocker ? { skip: `not on the docker engine: ${notOnDocker}` } : KNOWN[name] ? { todo: KNOWN[name] } : {}, async (t) => {
      const engine = await requireEngine(t);
      if (!engine) return;
      const dir = path.join(scenarioRoot, name);
      const sc = readScenario(dir);
      const tmp = tempDir(`layerwise-simscn-${name}-`);
      const tags: string[] = [];
      const simTags: string[] = [];
      try {
        const ctx = path.join(tmp, 'ctx');
        writeScenarioContext(dir, sc, ctx);
        // A base of the scenario's own (so no earlier cache answers), and so a stand-in base of its own too.
        const baseTag = testTag(`simbase-${name.slice(0, 40)}`);
        const baseCtx = path.join(tmp, 'base');
        mkdirSync(baseCtx);
        writeFileSync(path.join(baseCtx, 'Dockerfile'), `FROM bb:latest\nRUN echo ${randomBytes(8).toString('hex')} > /.scenario\n`);
        const base = await build({ context: baseCtx, tag: baseTag, quiet: true, engine });
        assert.ok(base.ok, `base image build failed: ${base.error}`);
        tags.push(baseTag);

        const text = (f: string) => readFileSync(path.join(dir, f), 'utf8').replaceAll('bb:latest', baseTag);
        const prevText = text('Dockerfile');
        const nextText = existsSync(path.join(dir, 'Dockerfile.next')) ? text('Dockerfile.next') : prevText;
        const dfDir = path.join(tmp, 'df');
        mkdirSync(dfDir);
        const file = path.join(dfDir, 'Dockerfile');
        if (existsSync(path.join(dir, 'Dockerfile.dockerignore'))) cpSync(path.join(dir, 'Dockerfile.dockerignore'), path.join(dfDir, 'Dockerfile.dockerignore'));
        writeFileSync(file, prevText);
        const { real, sim } = sides(engine, ctx, path.join(tmp, 'sim'), file, sc.target, tags, simTags, (ref) => ref === baseTag);
        // The scenario's secrets, as files (a new value is a new file): the builds read them, no cache key does.
        const secretFiles = (values: Record<string, string> = {}) =>
          Object.fromEntries(Object.entries(values).map(([id, v]) => {
            const f = path.join(tmp, `secret-${id}-${randomBytes(3).toString('hex')}`);
            writeFileSync(f, v);
            return [id, f];
          }));
        const before = secretFiles(sc.secrets);
        await real.build('before', sc.prevBuildArgs ?? sc.buildArgs, before);
        await sim.build('before', sc.prevBuildArgs ?? sc.buildArgs, before);

        const c = sc.change;
        writeFiles(ctx, c.write);
        for (const p of c.delete ?? []) rmSync(path.join(ctx, p), { recursive: true });
        for (const [p, m] of Object.entries(c.chmod ?? {})) chmodSync(path.join(ctx, p), parseInt(m, 8));
        for (const p of c.touch ?? []) utimesSync(path.join(ctx, p), new Date(), new Date(Date.now() + 86_400_000));
        writeFileSync(file, nextText);

        const graph = buildGraph(await loadDockerfile(file, 'Dockerfile'), { ...(sc.target ? { target: sc.target } : {}), ...(sc.buildArgs ? { buildArgs: sc.buildArgs } : {}) });
        const after = secretFiles({ ...sc.secrets, ...c.secrets });
        const r = ranLines(await real.build('after', sc.buildArgs, after), graph);
        const s = ranLines(await sim.build('after', sc.buildArgs, after), graph);
        const problems = disagreements(r, s);
        assert.deepEqual(problems, [], `the stand-in of ${name} disagrees with the real build:\n${problems.join('\n')}`);
      } finally {
        await removeImages(engine, tags).catch(() => undefined);
        await removeSimImages(engine, simTags).catch(() => undefined);
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
