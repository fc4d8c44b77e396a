import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers.js';
import { parsePlainProgress } from '../../../src/engine/progress.js';
import {
  mapRecordToLines,
  mapVertexToLine,
  normalizeImageRef,
  vertexRule,
  type StageSteps,
  type VertexRuleContext,
} from '../../../src/engine/line-map.js';

const fixture = (name: string) => readFileSync(path.join(fixturesDir, 'build', name), 'utf8');

type Step = [line: number, keyword: string, context?: VertexRuleContext];

/** What the Dockerfile parser will hand over: stages with their instructions' lines and rules. */
function stage(index: number, name: string | null, baseImage: string | undefined, steps: Step[]): StageSteps {
  return {
    index,
    name,
    ...(baseImage ? { baseImage } : {}),
    steps: steps.map(([line, keyword, context]) => ({ line, ...vertexRule(keyword, context) })),
  };
}

function locations(fixtureName: string, stages: StageSteps[]) {
  const map = mapRecordToLines(parsePlainProgress(fixture(fixtureName)), stages);
  const byLabel: Record<string, number | undefined> = {};
  for (const { vertex, location } of map.vertices) {
    if (vertex.stepIndex === undefined) continue;
    byLabel[`${vertex.stage ?? ''} ${vertex.stepIndex}/${vertex.stepCount}`] = location?.line;
    if (location) assert.ok(location.countMatches, `count of ${vertex.name}`);
  }
  return { byLabel, map };
}

// test/fixtures/build/single-stage/Dockerfile
const singleStage = [
  stage(0, null, 'bb:latest', [
    [1, 'FROM'], [2, 'ENV'], [3, 'ARG'], [4, 'LABEL'], [5, 'WORKDIR', { workdir: '/' }], [6, 'RUN'],
    [8, 'COPY'], [9, 'WORKDIR', { workdir: '/work' }], [10, 'RUN'], [11, 'RUN'], [12, 'RUN'], [13, 'RUN'],
    [14, 'RUN'], [15, 'ADD'], [16, 'USER'], [17, 'CMD'],
  ]),
];

// test/fixtures/build/multi-stage/Dockerfile
const multiStage = [
  stage(0, 'base', 'bb:latest', [[1, 'FROM'], [2, 'ENV'], [3, 'ARG'], [4, 'WORKDIR'], [5, 'RUN'], [6, 'COPY']]),
  stage(1, 'left', undefined, [[8, 'FROM', { from: 'stage' }], [9, 'RUN']]),
  stage(2, 'right', 'bb:latest', [[11, 'FROM'], [12, 'RUN']]),
  stage(3, 'unused', 'bb:latest', [[14, 'FROM'], [15, 'RUN']]),
  stage(4, null, undefined, [
    [17, 'FROM', { from: 'stage' }], [18, 'COPY'], [19, 'COPY'], [20, 'LABEL'], [21, 'EXPOSE'], [22, 'USER'], [23, 'CMD'],
  ]),
];

// test/fixtures/build/stage-from-stage/Dockerfile
const stageFromStage = [
  stage(0, 's', undefined, [[1, 'FROM', { from: 'scratch' }], [2, 'COPY']]),
  stage(1, 'x', 'bb:latest', [[4, 'FROM'], [5, 'RUN']]),
  stage(2, 'y', 'bb:latest', [[7, 'FROM'], [8, 'RUN'], [9, 'ADD']]),
  stage(3, 'z', undefined, [[11, 'FROM', { from: 'stage' }], [12, 'WORKDIR']]),
  stage(4, 'zz', undefined, [[13, 'FROM', { from: 'stage' }], [14, 'RUN']]),
  stage(5, null, undefined, [[16, 'FROM', { from: 'stage' }], [17, 'COPY'], [18, 'COPY']]),
];

test('FROM an image, RUN, COPY, ADD and WORKDIR make vertices; config-only instructions do not', () => {
  for (const k of ['RUN', 'COPY', 'ADD', 'WORKDIR']) assert.deepEqual(vertexRule(k), { producesVertex: true, countsInTotal: true });
  assert.deepEqual(vertexRule('FROM'), { producesVertex: true, countsInTotal: true });
  for (const k of ['ENV', 'ARG', 'LABEL', 'USER', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'VOLUME', 'SHELL', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER']) {
    assert.deepEqual(vertexRule(k), { producesVertex: false, countsInTotal: false }, k);
  }
});

test('FROM scratch and FROM another stage make no vertex and are not counted', () => {
  assert.deepEqual(vertexRule('FROM', { from: 'scratch' }), { producesVertex: false, countsInTotal: false });
  assert.deepEqual(vertexRule('FROM', { from: 'stage' }), { producesVertex: false, countsInTotal: false });
});

test('WORKDIR to the root is counted in n but makes no vertex', () => {
  assert.deepEqual(vertexRule('WORKDIR', { workdir: '/' }), { producesVertex: false, countsInTotal: true });
  assert.deepEqual(vertexRule('WORKDIR', { workdir: '/a/..' }), { producesVertex: false, countsInTotal: true });
  assert.deepEqual(vertexRule('WORKDIR', { workdir: '/a' }), { producesVertex: true, countsInTotal: true });
});

test('every step of a one-stage build maps to its line, skipping WORKDIR / and config instructions', () => {
  const { byLabel, map } = locations('single-stage.txt', singleStage);
  assert.deepEqual(byLabel, {
    ' 1/11': 1, ' 2/11': 6, ' 3/11': 8, ' 4/11': 9, ' 5/11': 10, ' 6/11': 11, ' 7/11': 12, ' 8/11': 13,
    ' 9/11': 14, ' 10/11': 15,
  });
  assert.deepEqual(map.unmatched, []);
});

test('every step of a multi-stage build maps to its line and the unused stage is left unmatched', () => {
  const { byLabel, map } = locations('multi-stage.txt', multiStage);
  assert.deepEqual(byLabel, {
    'right 1/2': 11, 'base 2/4': 4, 'base 3/4': 5, 'base 4/4': 6, 'left 1/1': 9, 'right 2/2': 12,
    'stage-4 1/2': 18, 'stage-4 2/2': 19,
  });
  const from = map.vertices.find((v) => v.vertex.keyword === 'FROM')!.location!;
  // The one FROM vertex stands for every stage FROM bb:latest.
  assert.deepEqual([...from.lines].sort((a, b) => a - b), [1, 11, 14]);
  assert.deepEqual(map.unmatched, [{ stageIndex: 3, line: 15 }]);
});

test('a merged identical step is reported unmatched in the stage whose name BuildKit did not print', () => {
  const { byLabel, map } = locations('stage-from-stage.txt', stageFromStage);
  assert.equal(byLabel['s 1/1'], 2);
  assert.equal(byLabel['y 3/3'], 9);
  assert.equal(byLabel['z 1/1'], 12);
  assert.equal(byLabel['zz 1/1'], 14);
  assert.equal(byLabel['stage-5 1/2'], 17);
  assert.equal(byLabel['stage-5 2/2'], 18);
  // `RUN echo same` (lines 5 and 8) is one vertex named after x or y, whichever BuildKit chose.
  const merged = byLabel['x 2/2'] ?? byLabel['y 2/3'];
  assert.ok(merged === 5 || merged === 8);
  assert.deepEqual(map.unmatched.map((u) => u.line), [merged === 5 ? 8 : 5]);
});

test('steps after a failure that never started are unmatched', () => {
  const stages = [
    stage(0, 'a', 'bb:latest', [[1, 'FROM'], [2, 'RUN']]),
    stage(1, 'b', 'bb:latest', [[4, 'FROM'], [5, 'RUN']]),
    stage(2, null, 'bb:latest', [[7, 'FROM'], [8, 'COPY'], [9, 'COPY']]),
  ];
  const { byLabel, map } = locations('failing-step.txt', stages);
  assert.equal(byLabel['b 2/2'], 5);
  assert.equal(byLabel['a 2/2'], 2);
  assert.deepEqual(map.unmatched.map((u) => u.line), [8, 9]);
});

test('an unlabelled FROM shared with COPY --from=<image> maps to the stage FROM that image', () => {
  const stages = [stage(0, null, 'bb:latest', [[1, 'FROM'], [2, 'RUN'], [3, 'COPY']])];
  const loc = mapVertexToLine({ keyword: 'FROM', instruction: 'FROM docker.io/library/bb:latest' }, stages);
  assert.equal(loc?.line, 1);
});

test('current BuildKit names FROM with the digest it resolved: the vertex stands for every stage FROM that tag', () => {
  const digest = `@sha256:${'c'.repeat(64)}`;
  const stages = [
    stage(0, 'base', 'bb:latest', [[1, 'FROM'], [2, 'RUN']]),
    stage(1, 'unused', 'bb', [[3, 'FROM'], [4, 'RUN']]),
    stage(2, 'pinned', `bb${'@sha256:' + 'd'.repeat(64)}`, [[5, 'FROM']]),
  ];
  const loc = mapVertexToLine({ stage: 'base', stepIndex: 1, stepCount: 2, keyword: 'FROM', instruction: `FROM docker.io/library/bb:latest${digest}` }, stages);
  // A stage pinned to another digest is another image.
  assert.deepEqual(loc?.lines, [1, 3]);
});

test('a FROM vertex labelled by another build on the same engine is found by its image', () => {
  // Seen on BuildKit v0.8: `[1/2] FROM docker.io/library/bb:latest` in a build of six steps,
  // because a concurrent two-step build had named the shared vertex first.
  const stages = [stage(0, null, 'bb:latest', [[1, 'FROM'], [2, 'RUN'], [3, 'RUN'], [4, 'RUN'], [5, 'RUN'], [6, 'RUN']])];
  const loc = mapVertexToLine({ stepIndex: 1, stepCount: 2, keyword: 'FROM', instruction: 'FROM docker.io/library/bb:latest' }, stages);
  assert.deepEqual(loc, { stageIndex: 0, line: 1, lines: [1], countMatches: true, via: 'image' });
});

test('a label whose count disagrees with the stage is flagged', () => {
  const stages = [stage(0, 'a', 'bb:latest', [[1, 'FROM'], [2, 'RUN']])];
  const loc = mapVertexToLine({ stage: 'a', stepIndex: 2, stepCount: 3, keyword: 'RUN', instruction: 'RUN x' }, stages);
  assert.equal(loc?.line, 2);
  assert.equal(loc?.countMatches, false);
});

test('stage names match case-insensitively because BuildKit lower-cases them', () => {
  const stages = [stage(0, 'MyStage', 'bb:latest', [[1, 'FROM'], [2, 'RUN']]), stage(1, null, 'bb:latest', [[3, 'FROM']])];
  assert.equal(mapVertexToLine({ stage: 'mystage', stepIndex: 2, stepCount: 2 }, stages)?.line, 2);
});

test('image references are normalised the way BuildKit names FROM vertices', () => {
  assert.equal(normalizeImageRef('bb'), 'docker.io/library/bb:latest');
  assert.equal(normalizeImageRef('bb:latest'), 'docker.io/library/bb:latest');
  assert.equal(normalizeImageRef('foo/bar:1'), 'docker.io/foo/bar:1');
  assert.equal(normalizeImageRef('localhost:5000/x'), 'localhost:5000/x:latest');
  assert.equal(normalizeImageRef('ghcr.io/a/b@sha256:abc'), 'ghcr.io/a/b@sha256:abc');
});
