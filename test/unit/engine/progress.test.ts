import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers.js';
import {
  parsePlainProgress,
  parseStepLabel,
  parseTimedTranscript,
  ProgressParser,
  type Vertex,
} from '../../../src/engine/progress.js';

// Captured from docker 20.10.24 (BuildKit v0.8) by scripts/engine-capture-fixtures.sh.
const fixture = (name: string) => readFileSync(path.join(fixturesDir, 'build', name), 'utf8');
const steps = (vs: Vertex[]) => vs.filter((v) => v.stepIndex !== undefined);
const byName = (vs: Vertex[], part: string) => {
  const v = vs.find((x) => x.name.includes(part));
  assert.ok(v, `no vertex named like ${part}`);
  return v;
};

test('a step label gives stage, index and count, with the index padded to the width of the count', () => {
  assert.deepEqual(parseStepLabel('[base 2/3] RUN mkdir /x'), {
    stage: 'base',
    stepIndex: 2,
    stepCount: 3,
    onbuild: false,
    instruction: 'RUN mkdir /x',
  });
  assert.deepEqual(parseStepLabel('[ 2/11] RUN echo 1'), { stepIndex: 2, stepCount: 11, onbuild: false, instruction: 'RUN echo 1' });
  assert.deepEqual(parseStepLabel('[linux/amd64 stage-1  3/12] ONBUILD COPY . /'), {
    platform: 'linux/amd64',
    stage: 'stage-1',
    stepIndex: 3,
    stepCount: 12,
    onbuild: true,
    instruction: 'COPY . /',
  });
  assert.equal(parseStepLabel('[internal] load build context'), undefined);
  assert.equal(parseStepLabel('exporting to image'), undefined);
});

test('a one-stage build has unnamed, padded labels, expanded variables and joined continuation lines', () => {
  const p = parsePlainProgress(fixture('single-stage.txt'));
  const s = steps(p.vertices);
  assert.deepEqual(
    s.map((v) => [v.stage, v.stepIndex, v.stepCount, v.keyword]),
    [
      [undefined, 1, 11, 'FROM'],
      [undefined, 2, 11, 'RUN'],
      [undefined, 3, 11, 'COPY'],
      [undefined, 4, 11, 'WORKDIR'],
      [undefined, 5, 11, 'RUN'],
      [undefined, 6, 11, 'RUN'],
      [undefined, 7, 11, 'RUN'],
      [undefined, 8, 11, 'RUN'],
      [undefined, 9, 11, 'RUN'],
      [undefined, 10, 11, 'ADD'],
    ],
  );
  const run = s[1]!;
  assert.equal(run.instruction, 'RUN echo "hello world" &&     echo second line');
  assert.deepEqual(run.output, ['hello world', 'second line']);
  assert.equal(run.state, 'done');
  assert.equal(run.durationSeconds, 0.1);
  assert.match(run.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(byName(p.vertices, 'RUN cat /hello.txt').output, ['hello from the context']);
  assert.equal(p.vertices.filter((v) => v.internal).length, 4);
  assert.match(p.imageId ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(p.error, undefined);
});

test('a multi-stage build names stages, leaves out the unused one and reads an interrupted vertex as one', () => {
  const p = parsePlainProgress(fixture('multi-stage.txt'));
  const s = steps(p.vertices);
  assert.deepEqual(
    s.map((v) => `${v.stage} ${v.stepIndex}/${v.stepCount} ${v.keyword}`).sort(),
    [
      'base 2/4 WORKDIR',
      'base 3/4 RUN',
      'base 4/4 COPY',
      // A stage FROM another stage has no FROM vertex and does not count one.
      'left 1/1 RUN',
      // One FROM vertex for every stage FROM bb:latest, named after one of them.
      'right 1/2 FROM',
      'right 2/2 RUN',
      'stage-4 1/2 COPY',
      'stage-4 2/2 COPY',
    ],
  );
  assert.ok(!p.vertices.some((v) => v.stage === 'unused'));
  // #11 is printed, left with `#11 ...`, and printed again later: still one vertex.
  const right = byName(p.vertices, '[right 2/2]');
  assert.equal(p.vertices.filter((v) => v.id === right.id).length, 1);
  assert.deepEqual(right.output, ['right-start']);
  assert.equal(right.state, 'done');
  assert.equal(right.durationSeconds, 2);
  assert.equal(byName(p.vertices, '[left 1/1]').durationSeconds, 2.1);
  // Plain text alone has durations but no clock.
  assert.equal(right.started, undefined);
});

test('a rebuild after a context change marks the steps before it cached and the rest executed', () => {
  const p = parsePlainProgress(fixture('multi-stage-rebuild.txt'));
  const state = (part: string) => byName(p.vertices, part).state;
  assert.equal(state('[base 2/4] WORKDIR'), 'cached');
  assert.equal(state('[base 3/4] RUN'), 'cached');
  assert.equal(state('[right 2/2] RUN'), 'cached');
  assert.equal(state('[base 4/4] COPY a.txt'), 'done');
  assert.equal(state('[left 1/1] RUN'), 'done');
  assert.equal(state('[stage-4 1/2] COPY'), 'done');
  assert.equal(byName(p.vertices, '[right 2/2] RUN').cached, true);
  assert.equal(byName(p.vertices, '[left 1/1] RUN').cached, false);
});

test('a failing RUN keeps its output and exit code, the step running beside it is canceled', () => {
  const p = parsePlainProgress(fixture('failing-step.txt'));
  const b = byName(p.vertices, '[b 2/2] RUN');
  assert.equal(b.state, 'error');
  assert.equal(b.exitCode, 3);
  assert.deepEqual(b.output, ['b-start', 'b is failing']);
  assert.match(b.error ?? '', /^executor failed running \[\/bin\/sh -c echo b-start.*exit code: 3$/);
  const a = byName(p.vertices, '[a 2/2] RUN');
  assert.equal(a.state, 'canceled');
  assert.equal(a.canceled, true);
  assert.deepEqual(a.output, ['a-start']);
  // The final stage never started: no vertex at all (#6 is missing from the numbering).
  assert.ok(!p.vertices.some((v) => v.keyword === 'COPY'));
  assert.match(p.error ?? '', /exit code: 3$/);
  assert.ok(p.trailer.some((l) => l.startsWith(' > [b 2/2] RUN')));
});

test('a COPY of a missing file fails without an exit code and a blank line inside a vertex is ignored', () => {
  const p = parsePlainProgress(fixture('missing-file.txt'));
  const copy = byName(p.vertices, '[3/3] COPY missing.txt');
  assert.equal(copy.state, 'error');
  assert.equal(copy.exitCode, undefined);
  assert.equal(copy.error, '"/missing.txt" not found: not found');
  assert.equal(byName(p.vertices, '[2/3] RUN').state, 'canceled');
  assert.equal(p.error, 'failed to compute cache key: "/missing.txt" not found: not found');
});

test('stages FROM scratch and FROM other stages count no FROM, and identical steps are one vertex', () => {
  const p = parsePlainProgress(fixture('stage-from-stage.txt'));
  const labels = steps(p.vertices).map((v) => `${v.stage} ${v.stepIndex}/${v.stepCount} ${v.instruction}`);
  assert.ok(labels.includes('s 1/1 COPY x.txt /x.txt'));
  assert.ok(labels.includes('z 1/1 WORKDIR /w'));
  assert.ok(labels.includes('zz 1/1 RUN echo chain'));
  assert.ok(labels.includes('stage-5 1/2 COPY --from=0 /x.txt /from0.txt'));
  // `RUN echo same` in stages x and y is printed once, under either name.
  assert.equal(labels.filter((l) => l.endsWith(' RUN echo same')).length, 1);
});

test('arrival times give each vertex a start and an end, and parallel stages overlap', () => {
  const p = parsePlainProgress(parseTimedTranscript(fixture('multi-stage.timed.txt')));
  const left = byName(p.vertices, '[left 1/1] RUN');
  const right = byName(p.vertices, '[right 2/2] RUN');
  const copy = byName(p.vertices, '[base 4/4] COPY');
  for (const v of [left, right, copy]) {
    assert.ok(v.started !== undefined && v.completed !== undefined, v.name);
    assert.ok(v.completed >= v.started);
  }
  // left waits for base; right does not: they run at the same time.
  assert.ok(left.started! < right.completed! && right.started! < left.completed!);
  // Times are late by up to ~0.25 s (printer batches), so order holds only within that.
  assert.ok(left.started! >= copy.completed! - 0.25);
  assert.ok(Math.abs(left.completed! - left.started! - left.durationSeconds!) < 0.001);
});

test('a partial log line reprinted whole after a switch is kept once', () => {
  const parser = new ProgressParser();
  const lines = [
    '#5 [a 2/2] RUN printf partial',
    '#5 0.040 partial',
    '#5 ...',
    '',
    '#6 [b 2/2] RUN echo b',
    '#6 0.030 b',
    '#6 DONE 0.1s',
    '',
    '#5 [a 2/2] RUN printf partial',
    '#5 0.040 partial more',
    '#5 1.040 next',
    '#5 DONE 1.1s',
  ];
  for (const l of lines) parser.push(l);
  const r = parser.result();
  assert.deepEqual(r.vertices.find((v) => v.id === 5)?.output, ['partial more', 'next']);
  assert.deepEqual(r.vertices.find((v) => v.id === 6)?.output, ['b']);
});

test('two log lines at the same offset where one extends the other are both kept', () => {
  const r = parsePlainProgress('#5 [2/2] RUN x\n#5 0.040 a\n#5 0.040 ab\n#5 DONE 0.1s\n');
  assert.deepEqual(r.vertices[0]!.output, ['a', 'ab']);
});

test('a build cut off mid-step leaves that vertex running with a start but no end', () => {
  const r = parsePlainProgress([
    { text: '#4 [2/2] RUN sleep 100', at: 0.5 },
    { text: '#4 0.010 started', at: 0.6 },
  ]);
  const v = r.vertices[0]!;
  assert.equal(v.state, 'running');
  assert.equal(v.started, 0.5);
  assert.equal(v.completed, undefined);
});

test('carriage returns and empty log lines do not confuse the parser', () => {
  const r = parsePlainProgress('#5 [2/2] RUN x\r\n#5 0.040 \r\n#5 0.041 text\r\n#5 DONE 0.0s\r\n');
  assert.deepEqual(r.vertices[0]!.output, ['', 'text']);
  assert.equal(r.vertices[0]!.state, 'done');
});

test('a client warning printed in the middle of a vertex does not cut it short', () => {
  const r = parsePlainProgress('#5 [2/2] RUN x\n#5 0.040 a\n[WARNING]: something\n#5 DONE 0.1s\n');
  assert.equal(r.vertices.length, 1);
  assert.equal(r.vertices[0]!.state, 'done');
  assert.deepEqual(r.trailer, ['[WARNING]: something']);
});
