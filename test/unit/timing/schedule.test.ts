import assert from 'node:assert/strict';
import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph, type BuildGraph, type Step } from '../../../src/graph/graph.js';
import { schedule, type Schedule, type ScheduleInput, type Timed } from '../../../src/timing/schedule.js';

/**
 * The graphs are written as Dockerfiles; a step takes the seconds of the `sleep N` on its line
 * (every other step takes none), so each test reads as the build it models.
 */
function plan(lines: string[], opts: { target?: string } & Omit<Partial<ScheduleInput>, 'graph'> = {}) {
  const text = lines.join('\n') + '\n';
  const graph = buildGraph(parseDockerfile(text, 'Dockerfile'), { target: opts.target });
  const sleep = (st: Step) => Number(/\bsleep (\d+(?:\.\d+)?)/.exec(lines[st.line - 1]!)?.[1] ?? 0);
  const s = schedule({ graph, duration: opts.duration ?? sleep, runs: opts.runs, maxParallelism: opts.maxParallelism });
  return { graph, s, ...helpers(graph, s) };
}

function helpers(graph: BuildGraph, s: Schedule) {
  /** The step at a 1-based line, with its times. */
  const at = (line: number): Timed => {
    const hit = [...s.steps].find(([st]) => st.line === line);
    assert.ok(hit, `no scheduled step at line ${line}`);
    return hit[1];
  };
  const span = (line: number) => [at(line).start, at(line).end];
  const stage = (name: string) => {
    const st = graph.stages.find((x) => x.name === name);
    assert.ok(st, `no stage ${name}`);
    return st.index;
  };
  const lines = (steps: Step[]) => steps.map((st) => st.line);
  return { at, span, stage, lines };
}

/** Floating-point sums (1.1 + 1.1) compared to the millisecond. */
const ms = (x: number) => Math.round(x * 1000) / 1000;
const spans = (s: Schedule) => [...s.steps.values()].map((t) => [ms(t.start), ms(t.end)]);

test('independent stages run at the same time and the stage reading them waits for each at its COPY', () => {
  const { s, span, stage } = plan([
    'FROM bb AS one', //      1
    'RUN sleep 2', //         2
    'FROM bb AS two', //      3
    'RUN sleep 3', //         4
    'FROM bb AS three', //    5
    'RUN sleep 1', //         6
    'FROM bb', //             7
    'COPY --from=one /a /a', //     8
    'COPY --from=two /b /b', //     9
    'COPY --from=three /c /c', //  10
  ]);
  assert.deepEqual(span(2), [0, 2]);
  assert.deepEqual(span(4), [0, 3]);
  assert.deepEqual(span(6), [0, 1]);
  assert.deepEqual(span(8), [2, 2]);
  assert.deepEqual(span(9), [3, 3]);
  // `three` ended long ago; the COPY waits only for the COPY before it.
  assert.deepEqual(span(10), [3, 3]);
  assert.equal(s.wallSeconds, 3);
  assert.deepEqual(s.stages.get(stage('two')), { start: 0, end: 3 });
  assert.equal(s.stages.get(3), null, 'the final stage has no step that takes time');
});

for (const [b, c] of [[2, 1], [1, 3]]) {
  test(`a diamond starts D when the later of B (${b} s) and C (${c} s) has ended`, () => {
    const { s, at, span, stage } = plan([
      'FROM bb AS a', //               1
      'RUN sleep 1', //                2
      'FROM a AS b', //                3
      `RUN sleep ${b}`, //             4
      'FROM a AS c', //                5
      `RUN sleep ${c}`, //             6
      'FROM bb AS d', //               7
      'COPY --from=b /b /b', //        8
      'COPY --from=c /c /c', //        9
      'RUN sleep 1', //               10
    ]);
    assert.deepEqual(span(4), [1, 1 + b], 'B waits for the whole of A');
    assert.deepEqual(span(6), [1, 1 + c], 'C waits for the whole of A, beside B');
    const last = Math.max(at(4).end, at(6).end);
    assert.equal(s.stages.get(stage('d'))!.start, last);
    assert.deepEqual(span(10), [last, last + 1]);
    assert.equal(s.wallSeconds, last + 1);
    assert.deepEqual(s.criticalStages, [stage('a'), stage(b > c ? 'b' : 'c'), stage('d')]);
  });
}

test('a long chain beside short stages is the critical path, and criticalStages names it', () => {
  const { s, stage, lines } = plan([
    'FROM bb AS short1', //              1
    'RUN sleep 2', //                    2
    'FROM bb AS long', //                3
    'RUN sleep 1', //                    4
    'RUN sleep 1', //                    5
    'RUN sleep 1', //                    6
    'RUN sleep 1', //                    7
    'FROM bb AS short2', //              8
    'RUN sleep 3', //                    9
    'FROM bb AS final', //              10
    'COPY --from=short1 /s1 /s1', //    11
    'COPY --from=long /l /l', //        12
    'COPY --from=short2 /s2 /s2', //    13
    'RUN sleep 1', //                   14
  ]);
  assert.equal(s.wallSeconds, 5);
  assert.deepEqual(lines(s.criticalPath), [4, 5, 6, 7, 14]);
  assert.deepEqual(s.criticalStages, [stage('long'), stage('final')]);
});

test('COPY --from waits only at that step: the steps before it run beside the stage it reads', () => {
  const { s, span, lines } = plan([
    'FROM bb AS slow', //                1
    'RUN sleep 3', //                    2
    'FROM bb', //                        3
    'RUN sleep 1', //                    4
    'RUN sleep 1', //                    5
    'COPY --from=slow /s /s', //         6
    'RUN sleep 1', //                    7
  ]);
  assert.deepEqual(span(4), [0, 1]);
  assert.deepEqual(span(5), [1, 2]);
  assert.deepEqual(span(6), [3, 3]);
  assert.deepEqual(span(7), [3, 4]);
  assert.equal(s.wallSeconds, 4);
  assert.deepEqual(lines(s.criticalPath), [2, 7]);
});

test('RUN --mount from= waits only at that step, like COPY --from', () => {
  const { s, span } = plan([
    'FROM bb AS slow', //                                                  1
    'RUN sleep 3', //                                                      2
    'FROM bb', //                                                          3
    'RUN sleep 1', //                                                      4
    'RUN --mount=type=bind,from=slow,source=/s,target=/s sleep 1', //      5
    'RUN sleep 1', //                                                      6
    'RUN --mount=type=cache,from=slow,target=/c sleep 1', //               7
  ]);
  assert.deepEqual(span(4), [0, 1]);
  assert.deepEqual(span(5), [3, 4]);
  assert.deepEqual(span(6), [4, 5]);
  assert.deepEqual(span(7), [5, 6]);
  assert.equal(s.wallSeconds, 6);
});

test('a bind mount of the context or an image does not wait for any stage', () => {
  const { span } = plan([
    'FROM bb AS slow', //                                              1
    'RUN sleep 3', //                                                  2
    'FROM bb', //                                                      3
    'RUN --mount=type=bind,target=/ctx sleep 1', //                    4
    'RUN --mount=type=bind,from=alpine,target=/img sleep 1', //        5
  ]);
  assert.deepEqual(span(4), [0, 1]);
  assert.deepEqual(span(5), [1, 2]);
});

test('FROM <stage> waits for the whole parent stage, not only the steps the child uses', () => {
  const { s, span, stage } = plan([
    'FROM bb AS side', //               1
    'RUN sleep 4', //                   2
    'FROM bb AS parent', //             3
    'RUN sleep 1', //                   4
    'COPY --from=side /s /s', //        5
    'RUN sleep 2', //                   6
    'FROM parent AS child', //          7
    'RUN sleep 1', //                   8
  ]);
  assert.deepEqual(span(6), [4, 6]);
  assert.deepEqual(span(8), [6, 7]);
  assert.deepEqual(s.stages.get(stage('child')), { start: 6, end: 7 });
  assert.deepEqual(s.criticalStages, [stage('side'), stage('parent'), stage('child')]);
});

test('a target leaves out the stages it does not need: they are absent and take no time', () => {
  const text = [
    'FROM bb AS deps', //                  1
    'RUN sleep 2', //                      2
    'FROM bb AS docs', //                  3
    'RUN sleep 10', //                     4
    'FROM deps AS test', //                5
    'RUN sleep 5', //                      6
    'FROM bb AS app', //                   7
    'COPY --from=deps /d /d', //           8
    'RUN sleep 1', //                      9
    'FROM app AS release', //             10
    'COPY --from=docs /docs /docs', //    11
  ];
  const { s, stage, graph } = plan(text, { target: 'app' });
  assert.deepEqual([...s.stages.keys()].sort(), [stage('deps'), stage('app')]);
  for (const st of s.steps.keys()) assert.ok(graph.stages[st.stage]!.needed, `line ${st.line} of an unneeded stage was scheduled`);
  assert.deepEqual([...s.steps.keys()].map((st) => st.line).sort((a, b) => a - b), [1, 2, 7, 8, 9]);
  assert.equal(s.wallSeconds, 3);

  // The same file for its last stage needs every stage but test.
  const all = plan(text);
  assert.equal(all.s.stages.has(all.stage('test')), false);
  assert.equal(all.s.wallSeconds, 10);
});

test('a step that does not run takes no time and the steps after it move up', () => {
  const { s, span, stage } = plan(
    [
      'FROM bb AS cached', //      1
      'RUN sleep 5', //            2
      'FROM bb', //                3
      'RUN sleep 2', //            4
      'RUN sleep 3', //            5
      'COPY --from=cached /c /c', // 6
      'RUN sleep 1', //            7
    ],
    { runs: (st) => st.line !== 2 && st.line !== 4 },
  );
  assert.deepEqual(span(2), [0, 0]);
  assert.deepEqual(span(4), [0, 0]);
  assert.deepEqual(span(5), [0, 3]);
  assert.deepEqual(span(7), [3, 4]);
  assert.equal(s.wallSeconds, 4);
  assert.equal(s.stages.get(stage('cached')), null, 'nothing in it runs');
});

const fourStages = [
  'FROM bb AS one', //           1
  'RUN sleep 3', //              2
  'FROM bb AS two', //           3
  'RUN sleep 2', //              4
  'FROM bb AS three', //         5
  'RUN sleep 2', //              6
  'FROM bb AS four', //          7
  'RUN sleep 1', //              8
  'FROM bb', //                  9
  'COPY --from=one /1 /1', //   10
  'COPY --from=two /2 /2', //   11
  'COPY --from=three /3 /3', // 12
  'COPY --from=four /4 /4', //  13
];

test('without a cap the four independent stages all start at once', () => {
  const { s, at } = plan(fourStages);
  assert.equal(s.wallSeconds, 3);
  for (const line of [2, 4, 6, 8]) assert.equal(at(line).start, 0);
});

test('maxParallelism 1 runs one step at a time: the wall time is the sum and the critical path is every step', () => {
  const { s, lines } = plan(fourStages, { maxParallelism: 1 });
  assert.equal(s.wallSeconds, 3 + 2 + 2 + 1);
  const running = [...s.steps.values()].filter((t) => t.end > t.start).sort((a, b) => a.start - b.start);
  for (let i = 1; i < running.length; i++) assert.ok(running[i]!.start >= running[i - 1]!.end, `overlap: ${JSON.stringify(spans(s))}`);
  // Each step waited for the slot the one before it freed, so all of them decide the wall time.
  assert.deepEqual(lines(s.criticalPath), [2, 4, 6, 8]);
});

test('maxParallelism 2 gives the list schedule: ready steps in file order take a slot as one frees', () => {
  const { s, span, lines } = plan(fourStages, { maxParallelism: 2 });
  assert.deepEqual(span(2), [0, 3]);
  assert.deepEqual(span(4), [0, 2]);
  assert.deepEqual(span(6), [2, 4], 'three takes the slot two frees');
  assert.deepEqual(span(8), [3, 4], 'four takes the slot one frees');
  assert.equal(s.wallSeconds, 4);
  // three and four both end at 4; the later line is taken, and four waited for one's slot.
  assert.deepEqual(lines(s.criticalPath), [2, 8], 'one, then four in the slot one freed');
});

test('a stage with no step that runs (FROM a stage, only ENV) passes its readiness through', () => {
  const { s, span, stage } = plan([
    'FROM bb AS base', //               1
    'RUN sleep 2', //                   2
    'FROM base AS env', //              3
    'ENV A=1', //                       4
    'FROM env AS label', //             5
    'LABEL b=2', //                     6
    'FROM bb', //                       7
    'RUN sleep 1', //                   8
    'COPY --from=label /a /a', //       9
    'RUN sleep 1', //                  10
  ]);
  assert.deepEqual(span(8), [0, 1]);
  assert.deepEqual(span(9), [2, 2], 'the COPY waits for base through env and label');
  assert.deepEqual(span(10), [2, 3]);
  assert.equal(s.stages.get(stage('env')), null);
  assert.equal(s.stages.get(stage('label')), null);
  assert.deepEqual(s.criticalStages, [stage('base'), 3]);
});

test('a scratch stage with no step that runs is ready at once', () => {
  const { span } = plan([
    'FROM scratch AS empty', //        1
    'ENV A=1', //                      2
    'FROM empty AS still', //          3
    'WORKDIR /', //                    4
    'FROM bb', //                      5
    'COPY --from=still / /x', //       6
    'RUN sleep 1', //                  7
  ]);
  assert.deepEqual(span(6), [0, 0]);
  assert.deepEqual(span(7), [0, 1]);
});

test('an empty schedule has no time and no critical path', () => {
  const { s } = plan(['FROM scratch', 'ENV A=1']);
  assert.equal(s.wallSeconds, 0);
  assert.deepEqual(s.criticalPath, []);
  assert.deepEqual(s.criticalStages, []);
});

test('a file of 150,000 steps is scheduled without a RangeError, in file order, ending at the sum of its steps', () => {
  // Math.max(...ends) over every step threw "Maximum call stack size exceeded" past ~120,000.
  const lines = ['FROM bb'];
  for (let i = 0; i < 150_000; i++) lines.push(i % 1000 === 0 ? 'RUN sleep 1' : `RUN echo ${i}`);
  const { s } = plan(lines);
  assert.equal(s.wallSeconds, 150);
  assert.equal(s.criticalPath.length, 150);
  assert.equal(s.steps.size, 150_001);
});

test('8,000 parallel stages under a cap are scheduled in well under the time a scan of every waiting step per event takes', () => {
  // Each event used to rescan every pending step: 8,000 stages of two steps took seconds.
  const lines: string[] = [];
  for (let i = 0; i < 8000; i++) lines.push(`FROM bb AS s${i}`, 'RUN sleep 1');
  lines.push('FROM bb', ...Array.from({ length: 8000 }, (_, i) => `COPY --from=s${i} /x /x${i}`));
  const t0 = performance.now();
  const { s } = plan(lines, { maxParallelism: 4 });
  const ms = performance.now() - t0;
  assert.equal(s.wallSeconds, 2000);
  assert.equal(s.criticalPath.length, 2000);
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
});
