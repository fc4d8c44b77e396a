import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parsePlainProgress, parseTimedTranscript } from '../../../src/engine/progress.js';
import { InputError } from '../../../src/core/errors.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph, type Step } from '../../../src/graph/graph.js';
import { durations, predictCold } from '../../../src/timing/predict.js';
import { emptyProfile, importRecord, loadProfile, lookup, measuredSteps, saveProfile, stepKey } from '../../../src/timing/profile.js';
import { fixturesDir, tempDir } from '../../helpers.js';

const dir = path.join(fixturesDir, 'build');
const dockerfile = readFileSync(path.join(dir, 'multi-stage', 'Dockerfile'), 'utf8');
const graph = buildGraph(parseDockerfile(dockerfile, 'Dockerfile'));
const byLine = (g: typeof graph, line: number): Step => g.stages.flatMap((s) => s.steps).find((s) => s.line === line)!;
const timed = () => parseTimedTranscript(readFileSync(path.join(dir, 'multi-stage.timed.txt'), 'utf8'));
const record = () => {
  const lines = timed();
  const p = parsePlainProgress(lines);
  return { vertices: p.vertices, wallSeconds: Math.max(...lines.map((l) => l.at ?? 0)) };
};

test('a build record gives a duration to each step that ran, none to cached or metadata steps', () => {
  const m = measuredSteps(record(), graph);
  const lines = [...m.keys()].map((s) => s.line).sort((a, b) => a - b);
  assert.deepEqual(lines, [5, 6, 9, 12, 18, 19]); // WORKDIR was CACHED; FROM is resolved, not run
  assert.ok(Math.abs(m.get(byLine(graph, 5))! - 1.0) < 0.2);
  assert.ok(Math.abs(m.get(byLine(graph, 9))! - 2.0) < 0.3);
});

test('plain logs without timestamps still give durations from their DONE lines', () => {
  const p = parsePlainProgress(readFileSync(path.join(dir, 'multi-stage.txt'), 'utf8'));
  const m = measuredSteps({ vertices: p.vertices }, graph);
  assert.equal(m.get(byLine(graph, 9)), 2.1);
  assert.equal(m.get(byLine(graph, 12)), 2.0);
});

test('importing keeps samples per step under a key without line numbers, and the overhead outside steps', () => {
  let profile = importRecord(emptyProfile(), record(), graph);
  profile = importRecord(profile, record(), graph);
  const key = stepKey(graph, byLine(graph, 9));
  assert.equal(key, 'left#0 RUN echo left-start && sleep 2 && echo left-end > /left.txt');
  assert.equal(profile.steps[key].samples.length, 2);
  assert.equal(profile.overhead.length, 2);
  assert.ok(profile.overhead[0] >= 0 && profile.overhead[0] < 2, `overhead ${profile.overhead[0]}`);
});

test('a step keeps its samples when lines move, and loses them when its text changes', () => {
  const profile = importRecord(emptyProfile(), record(), graph);
  const moved = buildGraph(parseDockerfile('# a comment\n\n' + dockerfile, 'Dockerfile'));
  assert.ok(lookup(profile, moved, byLine(moved, 11)));
  const edited = buildGraph(parseDockerfile(dockerfile.replace('sleep 2 && echo left-end', 'sleep 3 && echo left-end'), 'Dockerfile'));
  assert.equal(lookup(profile, edited, byLine(edited, 9)), undefined);
});

test('a cold prediction from one build is close to that build, and says which steps had no data', () => {
  const r = record();
  const profile = importRecord(emptyProfile(), r, graph);
  const d = durations(graph, profile, () => ({ seconds: 0, basis: 'none' }));
  assert.deepEqual(d.unmeasured.map((s) => s.line), [4]); // the WORKDIR was cached in that build; FROM is never run
  assert.equal(d.basis, 'mixed');
  const p = predictCold(graph, d);
  assert.ok(Math.abs(p.seconds - r.wallSeconds) / r.wallSeconds < 0.15, `predicted ${p.seconds} vs ${r.wallSeconds}`);
  // The final stage's COPYs took 0.0 s: the path that decides the time ends in left.
  assert.deepEqual(p.schedule.criticalStages.map((s) => graph.stages[s].name ?? s), ['base', 'left']);
});

test('profiles are saved atomically and read back; a file that is not a profile is an input error', async () => {
  const tmp = tempDir('layerwise-profile-');
  const file = path.join(tmp, '.layerwise', 'profile.json');
  const profile = importRecord(emptyProfile(), record(), graph);
  await saveProfile(file, profile);
  assert.deepEqual(await loadProfile(file), profile);
  assert.deepEqual((await loadProfile(path.join(tmp, 'none.json'))).steps, {});
  writeFileSync(path.join(tmp, 'bad.json'), '{"version": 7}');
  await assert.rejects(loadProfile(path.join(tmp, 'bad.json')), InputError);
});

test('saved logs are read whether plain, timed or not a log at all', async () => {
  const { readBuildLog } = await import('../../../src/timing/logs.js');
  const plain = await readBuildLog(path.join(dir, 'multi-stage.txt'));
  assert.equal(plain.wallSeconds, 0, 'a plain log has no clock');
  assert.equal(measuredSteps(plain, graph).size, 6);
  const t = await readBuildLog(path.join(dir, 'multi-stage.timed.txt'));
  assert.ok(t.wallSeconds > 3);
  assert.equal(importRecord(emptyProfile(), plain, graph).overhead.length, 0, 'no overhead sample without a clock');
  const tmp = tempDir('layerwise-log-');
  writeFileSync(path.join(tmp, 'x.log'), 'hello\n');
  await assert.rejects(readBuildLog(path.join(tmp, 'x.log')), /not a BuildKit progress log/);
});
