import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BenchResult, Figure, StepFigure } from '../../../src/bench/bench.js';
import { surprises } from '../../../src/bench/bench.js';
import { summarize } from '../../../src/bench/stats.js';
import { benchJson, benchText } from '../../../src/report/bench.js';

function step(line: number, ran: boolean, seconds: number | null, predicted: StepFigure['predicted'], predictedSeconds: number): StepFigure {
  return { line, stage: 'app', instruction: line === 1 ? 'FROM bb:latest AS app' : `RUN step ${line}`, ran, seconds, predicted, predictedSeconds };
}

function fig(runs: number[], predicted: number | null, steps: StepFigure[] = [], high = predicted): Figure {
  return { runs, summary: summarize(runs), predicted, predictedHigh: high, overhead: 0.2, steps };
}

const slow: BenchResult['results'][number] = {
  file: 'Dockerfile',
  image: { sizeBytes: 2_500_000, layers: 4 },
  cold: fig([20.4, 21.0, 20.8], 20.5, [step(1, false, null, 'rebuilt', 0), step(2, true, 20, 'rebuilt', 20)]),
  noop: fig([0.5, 0.4, 0.6], 0.2, [step(2, false, null, 'cached', 0)]),
  changes: [{ spec: 'touch:src/app.py', ...fig([16, 17, 15], 15.8, [step(2, true, 15, 'rebuilt', 15)]) }],
};
const fast: BenchResult['results'][number] = {
  file: 'Dockerfile.fast',
  image: { sizeBytes: 2_400_000, layers: 5 },
  cold: fig([12, 12.2, 11.8], 12),
  noop: fig([0.4, 0.4, 0.5], 0.2),
  changes: [{ spec: 'touch:src/app.py', ...fig([2, 2.2, 1.9], 1.5, [step(2, false, null, 'rebuilt', 1.5)], 2.5) }],
};
const result: BenchResult = {
  mode: 'real',
  context: 'app',
  engine: 'docker 20.10.24 (BuildKit v0.8)',
  engineInfo: { engine: 'docker', version: '20.10.24', buildkitVersion: 'v0.8', description: 'docker 20.10.24 (BuildKit v0.8)' },
  timing: 'plain',
  runs: 3,
  cache: 'no-cache',
  results: [slow, fast],
  cleanup: { dirs: ['/tmp/x'], tags: ['layerwise-bench/cold:1'] },
};

describe('benchJson', () => {
  const j = benchJson(result) as any;

  test('holds a figure per build kind per file, with runs, median and prediction', () => {
    assert.equal(j.results.length, 2);
    assert.deepEqual(Object.keys(j.results[0]), ['file', 'image', 'cold', 'noop', 'changes']);
    assert.deepEqual(j.results[0].cold.runs_s, [20.4, 21.0, 20.8]);
    assert.equal(j.results[0].cold.median_s, 20.8);
    assert.equal(j.results[0].cold.min_s, 20.4);
    assert.equal(j.results[0].cold.max_s, 21.0);
    assert.equal(j.results[0].cold.median_run, 3);
    assert.equal(j.results[0].cold.predicted_s, 20.5);
    assert.equal(j.results[0].cold.cache, 'no-cache');
    assert.equal(j.results[0].noop.cache, undefined);
    assert.deepEqual(j.results[0].image, { size_bytes: 2_500_000, layers: 4 });
    assert.equal(j.results[0].changes[0].spec, 'touch:src/app.py');
    assert.equal(j.results[0].changes[0].median_s, 16);
    assert.equal(j.results[1].changes[0].predicted_high_s, 2.5);
  });

  test('steps carry what ran and what was predicted', () => {
    assert.deepEqual(j.results[0].cold.steps[1], { line: 2, stage: 'app', instruction: 'RUN step 2', ran: true, seconds: 20, predicted: 'rebuilt', predicted_s: 20 });
  });

  test('with two files, the speedup per row is the second median over the first', () => {
    assert.deepEqual(j.speedup, { cold: 0.58, 'no-op': 0.8, 'touch:src/app.py': 0.13 });
  });

  test('a step predicted rebuilt that came from the cache is a surprise, FROM never is', () => {
    assert.deepEqual(j.results[1].changes[0].surprises, [2]);
    assert.deepEqual(j.results[0].cold.surprises, []);
    assert.deepEqual(surprises([step(1, true, 0, 'cached', 0)]), []);
  });

  test('one file has no speedup', () => {
    assert.equal((benchJson({ ...result, results: [slow] }) as any).speedup, undefined);
  });

  test('is plain JSON', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(j)), j);
  });
});

describe('benchText', () => {
  test('is a Markdown table with a row per figure and a column per file, then images and method', () => {
    assert.equal(
      benchText(result),
      [
        '| build | `Dockerfile` | predicted | `Dockerfile.fast` | predicted | speedup |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        '| cold | 20.8 s (20.4–21.0 s) | 20.5 s (+1%) | 12.0 s (11.8–12.2 s) | 12.0 s (+0%) | ×0.58 |',
        '| no-op | 0.50 s (0.40–0.60 s) | 0.20 s (+150%) | 0.40 s (0.40–0.50 s) | 0.20 s (+100%) | ×0.80 |',
        '| `touch:src/app.py` | 16.0 s (15.0–17.0 s) | 15.8 s (+1%) | 2.0 s (1.9–2.2 s) | 1.5–2.5 s (+33%) | ×0.13 |',
        '',
        'Image `Dockerfile`: 2.5 MB, 4 layers.',
        'Image `Dockerfile.fast`: 2.4 MB, 5 layers.',
        '',
        '3 runs per figure, median (min–max); cold builds with `--no-cache` (the build cache was not pruned); predictions from a profile of the first cold build (in parentheses: the measured median against it). docker 20.10.24 (BuildKit v0.8).',
        'Note: `Dockerfile.fast` touch:src/app.py: line 2 came from the cache (predicted rebuilt).',
        '',
      ].join('\n'),
    );
  });

  test('one file and one run: two columns, no ranges, and the pruned cache said', () => {
    const text = benchText({ ...result, runs: 1, cache: 'pruned', results: [{ ...slow, cold: fig([20], 20), noop: fig([0.5], 0.2), changes: [] }] });
    const lines = text.split('\n');
    assert.equal(lines[0], '| build | `Dockerfile` | predicted |');
    assert.equal(lines[2], '| cold | 20.0 s | 20.0 s (+0%) |');
    assert.match(text, /^1 run per figure; cold builds after pruning the build cache;/m);
  });

  test('long builds are shown in minutes', () => {
    const text = benchText({ ...result, runs: 2, results: [{ ...slow, cold: fig([1020, 1040], 1000), changes: [] }] });
    assert.match(text, /\| cold \| 17\.2 min \(17\.0–17\.3 min\) \| 16\.7 min \(\+3%\) \|/);
  });

  test('a pipe in a spec is escaped so the table holds', () => {
    const text = benchText({ ...result, results: [{ ...slow, changes: [{ spec: 'arg:X=a|b', ...fig([1], 1) }] }] });
    assert.match(text, /\| `arg:X=a\\\|b` \|/);
  });
});
