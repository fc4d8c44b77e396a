import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { BenchResult, Figure, StepFigure } from '../../../src/bench/bench.js';
import { summarize } from '../../../src/bench/stats.js';
import { analyze } from '../../../src/analyze/analyze.js';
import { defaultConfig } from '../../../src/analyze/config.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { analyzeHtml, benchHtml, codeFrame, esc } from '../../../src/report/html.js';
import { emptyProfile, stepKey } from '../../../src/timing/profile.js';
import { HOSTILE } from '../../big-dockerfile.js';
import { projectRoot, tempDir } from '../../helpers.js';

const example = path.join(projectRoot, 'examples', 'ml-serving');
const exampleTarget = { contextDir: example, dockerfilePath: path.join(example, 'docker', 'Dockerfile'), displayName: 'docker/Dockerfile' };
const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

test('esc leaves no character that opens a tag or closes an attribute', () => {
  assert.equal(esc(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('the report of the example has one DAG node per stage, bars in both timelines before and after fix, every finding and the diff', async () => {
  const r = await analyze(exampleTarget, { config: { ...defaultConfig(), timeScale: 60 } });
  const html = analyzeHtml([{ result: r }], { version: '9.9.9' });
  assert.equal(count(html, /<g class="node[ "]/g), r.graph.stages.length);
  assert.ok(r.afterFix, 'the example has fixable findings');
  // Cold and source-edit timelines, each before and after the fix.
  assert.equal(count(html, /<svg class="gantt"/g), 4);
  assert.ok(count(html, /<g class="bar /g) > 10);
  assert.equal(count(html, /<li class="finding /g), r.findings.length);
  assert.match(html, /<span class="d add">\+COPY python\/pyproject\.toml/);
  // Every step of the example is estimated: no bar claims to be measured.
  assert.equal(count(html, /data-basis="measured"/g), 0);
  assert.match(html, /layerwise 9\.9\.9/);
});

test('a step with a profile sample is drawn as measured, the others as predicted', async () => {
  const dir = tempDir('layerwise-html-');
  const text = 'FROM bb:latest\nRUN sleep 3\nRUN sleep 4\n';
  writeFileSync(path.join(dir, 'Dockerfile'), text);
  const g = buildGraph(parseDockerfile(text, 'Dockerfile'));
  const step = g.stages[0].steps[1];
  const profile = emptyProfile();
  profile.steps[stepKey(g, step)] = { stage: '0', position: 1, instruction: step.instruction.text, line: 2, samples: [3] };
  const r = await analyze({ contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' }, { profile });
  const html = analyzeHtml([{ result: r }], { version: '0' });
  assert.match(html, /data-basis="measured" data-line="2"/);
  assert.match(html, /data-basis="predicted" data-line="3"/);
});

test('Dockerfile text that would close the script or open a tag is shown as text, never as markup', async () => {
  const dir = tempDir('layerwise-html-');
  const text = [
    `# ${HOSTILE}`,
    `ARG NOTE="${HOSTILE.replace(/"/g, "'")}"`,
    'FROM bb:latest AS app',
    `LABEL note="${HOSTILE.replace(/"/g, "'")}"`,
    'COPY . /app',
    `RUN pip install -r /app/requirements.txt && echo '${HOSTILE.replace(/'/g, '"')}'`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'Dockerfile'), text);
  writeFileSync(path.join(dir, 'requirements.txt'), 'flask\n');
  const r = await analyze({ contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: `x${HOSTILE}/Dockerfile` });
  const html = analyzeHtml([{ result: r }], { version: '0' });
  assert.equal(count(html, /<script/gi), 1, 'only the page\'s own script');
  assert.equal(count(html, /<img/gi), 0);
  assert.ok(html.includes('&lt;/script&gt;&lt;img src=x onerror='), 'the text is there, escaped');
});

test('a code frame marks the columns of a one-line range and numbers the lines around it', () => {
  const source = 'FROM bb\n# a\nRUN <b> here\n# c\n';
  const start = { line: 3, column: 5, offset: 0 };
  const frame = codeFrame(source, { range: { start, end: { line: 3, column: 8, offset: 0 } } });
  assert.match(frame, /<span class="ln hl"><span class="no">3<\/span>RUN <mark>&lt;b&gt;<\/mark> here<\/span>/);
  assert.match(frame, /<span class="no">1<\/span>FROM bb/);
  assert.match(frame, /<span class="no">5<\/span><\/span><\/pre>$/);
});

test('analyze and fix --format html print one page each; an unknown format is still exit 2', () => {
  for (const cmd of ['analyze', 'fix']) {
    const r = spawnSync(process.execPath, [main, cmd, example, '-f', exampleTarget.dockerfilePath, '--format', 'html'], { encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 1, `${cmd}: exit ${r.status}: ${r.stderr}`);
    assert.match(r.stdout, /^<!doctype html>/);
    assert.equal(count(r.stdout, /<\/html>/g), 1);
    assert.match(r.stdout, /Content-Security-Policy" content="default-src &#39;none&#39;/);
  }
  const bad = spawnSync(process.execPath, [main, 'fix', example, '-f', exampleTarget.dockerfilePath, '--format', 'sarif'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});

test('a page of several images has a part per image, with ids and stage keys of its own', async () => {
  const r = await analyze(exampleTarget);
  const html = analyzeHtml([{ image: 'api', result: r }, { image: 'worker', result: r }], { version: '0', skipped: [{ name: 'remote', reason: 'its context is not a local folder' }] });
  const ids = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'no id twice');
  assert.ok(ids.includes('img1-graph') && ids.includes('img2-graph') && ids.includes('images'));
  assert.match(html, /<h2>worker: Stage graph<\/h2>/);
  assert.match(html, /remote: not read: its context is not a local folder/);
  assert.equal(count(html, /<g class="node[^"]*" data-key="img2-a:/g), r.graph.stages.length);
});

test('fix --format html --output writes the page to the file and nothing to standard output', () => {
  const out = path.join(tempDir('layerwise-html-'), 'fix.html');
  const r = spawnSync(process.execPath, [main, 'fix', example, '-f', exampleTarget.dockerfilePath, '--format', 'html', '--output', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /^<!doctype html>[\s\S]*<h2>Diff<\/h2>[\s\S]*<\/html>\n$/);
});

describe('benchHtml', () => {
  const text = 'FROM bb:latest AS tools\nRUN sleep 2\nFROM bb:latest\nRUN sleep 3\nCOPY --from=tools / /t\nRUN sleep 1\n';
  const g = buildGraph(parseDockerfile(text, 'Dockerfile'));
  const sf = (line: number, seconds: number | null, predictedSeconds: number, started?: number): StepFigure => ({
    line, stage: 'x', instruction: text.split('\n')[line - 1]!, ran: seconds !== null, seconds, predicted: predictedSeconds > 0 ? 'rebuilt' : 'cached', predictedSeconds, ...(started !== undefined ? { started } : {}),
  });
  const fig = (steps: StepFigure[], predicted: number | null): Figure => ({ runs: [6.4], summary: summarize([6.4]), predicted, predictedHigh: predicted, overhead: 0.3, steps });
  const result = (cold: Figure): BenchResult => ({
    mode: 'real', context: '.', engine: 'buildkit v0.34.2', engineInfo: { engine: 'buildkit', version: 'v0.34.2', buildkitVersion: 'v0.34.2', description: 'buildkit v0.34.2' },
    timing: 'rawjson', runs: 1, cache: 'no-cache', cleanup: { dirs: [], tags: [] },
    results: [{ file: `x${HOSTILE}`, image: null, cold, noop: fig([sf(2, null, 0), sf(4, null, 0)], 0), changes: [] }],
  });
  // x of a bar's rect on the chart with `label`, by line.
  const starts = (html: string, row: string) => {
    const at = html.indexOf(`<h4>${row}`);
    const chart = html.slice(at, html.indexOf('</svg>', at));
    return Object.fromEntries([...chart.matchAll(/data-line="(\d+)"><title>[^<]*<\/title><rect x="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]));
  };

  test('measured bars start where the engine says the step started, predicted ones where the schedule puts them', () => {
    // The engine ran line 6 early (it says so); the schedule would put it after lines 2 and 4.
    const html = benchHtml(result(fig([sf(2, 2, 2, 10), sf(4, 3, 3, 10), sf(6, 1, 1, 10.5)], 4.5)), [g], { version: '0' });
    const m = starts(html, 'measured');
    const p = starts(html, 'predicted');
    assert.equal(m[2], m[4], 'both stages start together');
    assert.ok(m[6]! < p[6]!, `line 6 drawn at its own start, before the schedule's (${JSON.stringify(m)} ${JSON.stringify(p)})`);
    assert.ok(p[6]! > p[4]!, `predicted line 6 waits for line 4 (${JSON.stringify(p)})`);
    assert.match(html, /data-basis="measured" data-line="6"/);
    assert.match(html, /data-basis="predicted" data-line="6"/);
    assert.match(html, /<td>cold build<\/td><td class="n">6\.4 s<\/td>/);
    assert.equal(count(html, /<script/g), 1, 'the file name is escaped');
  });

  test('without start times from the engine, measured bars are placed by the schedule model', () => {
    const html = benchHtml(result(fig([sf(2, 2, 2), sf(4, 3, 3), sf(6, 1, 1)], 4.5)), [g], { version: '0' });
    const m = starts(html, 'measured');
    assert.ok(m[6]! > m[4]!, JSON.stringify(m));
    assert.match(html, /start placed by the schedule model/);
    assert.match(html, /No step re-runs/);
  });
});
