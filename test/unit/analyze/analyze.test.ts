import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { analyze, failures } from '../../../src/analyze/analyze.js';
import { defaultConfig } from '../../../src/analyze/config.js';
import { analyzeGithub, analyzeJson, analyzeSarif } from '../../../src/report/analyze.js';
import { RULES } from '../../../src/rules/index.js';
import { projectRoot, tempDir } from '../../helpers.js';

const example = path.join(projectRoot, 'examples', 'ml-serving');
const exampleTarget = { contextDir: example, dockerfilePath: path.join(example, 'docker', 'Dockerfile'), displayName: 'docker/Dockerfile' };
const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function tmp(files: Record<string, string>) {
  const dir = tempDir('layerwise-analyze-');
  for (const [f, t] of Object.entries(files)) writeFileSync(path.join(dir, f), t);
  return { dir, target: { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' } };
}

test('on the example, a python/ edit rebuilds 7 of 11 steps from line 33, and in minutes with time-scale 60', async () => {
  const config = { ...defaultConfig(), timeScale: 60 };
  const r = await analyze(exampleTarget, { config });
  const py = r.impact.find((i) => i.change === 'an edit of Python code under python/')!;
  assert.equal(py.first_rebuilt_line, 33);
  assert.equal(py.rebuilt_steps, 7);
  // The six RUNs after the COPY sleep 16 "minutes"; estimates add step overheads and the COPY.
  assert.ok(py.seconds / 60 > 16 && py.seconds / 60 < 19, `${py.seconds / 60} min`);
  const manifest = r.impact.find((i) => i.change === 'a change to python/pyproject.toml')!;
  assert.equal(manifest.first_rebuilt_line, 33);
});

test('on the example, the early whole-context copy and the manifest read after it are found', async () => {
  const r = await analyze(exampleTarget, { config: defaultConfig(), only: ['broad-copy-before-expensive-steps', 'manifest-first-install'] });
  assert.deepEqual(r.findings.map((f) => [f.rule, f.range.start.line]), [['broad-copy-before-expensive-steps', 33], ['manifest-first-install', 36]]);
});

test('an inline ignore silences a rule on the next instruction, a global one in the whole file', async () => {
  const df = 'FROM bb\nWORKDIR /app\n# layerwise ignore=manifest-first-install\nCOPY . .\nRUN npm ci\n';
  const { target } = tmp({ Dockerfile: df, 'package.json': '{}' });
  const r = await analyze(target, { config: defaultConfig(), only: ['manifest-first-install', 'broad-copy-before-expensive-steps'] });
  // The ignore sits above the COPY, the install is on line 5: it is not silenced.
  assert.deepEqual(r.findings.map((f) => f.rule).sort(), ['broad-copy-before-expensive-steps', 'manifest-first-install']);
  const { target: t2 } = tmp({ Dockerfile: df.replace('COPY . .\nRUN', 'COPY . .\n# layerwise ignore=manifest-first-install\nRUN'), 'package.json': '{}' });
  const r2 = await analyze(t2, { config: defaultConfig(), only: ['manifest-first-install'] });
  assert.deepEqual(r2.findings, []);
  const { target: t3 } = tmp({ Dockerfile: '# layerwise global ignore=manifest-first-install, broad-copy-before-expensive-steps\n' + df, 'package.json': '{}' });
  const r3 = await analyze(t3, { config: defaultConfig(), only: ['manifest-first-install', 'broad-copy-before-expensive-steps'] });
  assert.deepEqual(r3.findings, []);
});

test('the config turns rules off, changes severities and sets the failure threshold', async () => {
  const { target } = tmp({ Dockerfile: 'FROM bb\nCOPY . .\nRUN npm ci\n', 'package.json': '{}' });
  const off = await analyze(target, { config: { ...defaultConfig(), rules: { 'manifest-first-install': { enabled: false, options: {} } } }, only: ['manifest-first-install'] });
  assert.deepEqual(off.findings, []);
  const loud = await analyze(target, { config: { ...defaultConfig(), rules: { 'manifest-first-install': { enabled: true, severity: 'error', options: {} } } }, only: ['manifest-first-install'] });
  assert.equal(loud.findings[0].severity, 'error');
  assert.deepEqual(failures(loud), ['1 finding at or above error']);
  const warn = await analyze(target, { config: { ...defaultConfig(), failOn: 'warning' }, only: ['manifest-first-install'] });
  assert.equal(failures(warn).length, 1);
  assert.deepEqual(failures(await analyze(target, { config: defaultConfig(), only: ['manifest-first-install'] })), []);
});

test('the JSON holds the documented fields', async () => {
  const j = analyzeJson(await analyze(exampleTarget, { config: defaultConfig() })) as { findings: Record<string, unknown>[]; impact: Record<string, unknown>[] };
  for (const k of ['rule', 'category', 'severity', 'line', 'endLine', 'message', 'related', 'cost', 'fix']) assert.ok(k in j.findings[0], k);
  assert.deepEqual(Object.keys((j.findings[0].cost as object)).sort(), ['basis', 'expected_s_per_day', 'per', 'rebuild_s']);
  for (const k of ['change', 'first_rebuilt_line', 'rebuilt_steps', 'seconds']) assert.ok(k in j.impact[0], k);
});

test('SARIF is 2.1.0 with rules generated from metadata and results pointing into them', async () => {
  const r = await analyze(exampleTarget, { config: defaultConfig() });
  const s = analyzeSarif(r, RULES, '0.1.0') as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  assert.equal(s.version, '2.1.0');
  const run = s.runs[0];
  assert.deepEqual(run.tool.driver.rules.map((x) => x.id), RULES.map((x) => x.meta.name));
  assert.ok(run.results.length > 0);
  for (const res of run.results) {
    assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
  }
  const lines = run.results.map((x) => x.locations[0].physicalLocation.region.startLine);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b), 'results sorted by position');
});

test('every place a finding names is in the JSON as related and in SARIF as relatedLocations, with its own message', async () => {
  const { target } = tmp({ Dockerfile: 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', 'package.json': '{}' });
  const r = await analyze(target, { config: defaultConfig(), only: ['manifest-first-install'] });
  const j = analyzeJson(r) as { findings: { line: number; related: unknown[] }[] };
  assert.equal(j.findings[0].line, 4);
  assert.deepEqual(j.findings[0].related, [{ line: 3, column: 1, endLine: 3, endColumn: 9, message: 'the copy of the source it runs after' }]);
  const s = analyzeSarif(r, RULES, '0.1.0') as { runs: { results: { relatedLocations?: { id: number; physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> }; message: { text: string } }[] }[] }[] };
  assert.deepEqual(s.runs[0].results[0].relatedLocations, [
    { id: 1, physicalLocation: { artifactLocation: { uri: 'Dockerfile' }, region: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 9 } }, message: { text: 'the copy of the source it runs after' } },
  ]);
  // A finding that names no other place has an empty list in the JSON and none in SARIF.
  const alone = await analyze(tmp({ Dockerfile: 'FROM bb\nUSER root\nCMD ["serve"]\n' }).target, { config: defaultConfig(), only: ['final-image-runs-as-root'] });
  assert.deepEqual((analyzeJson(alone) as { findings: { related: unknown[] }[] }).findings[0].related, []);
  assert.ok(!('relatedLocations' in (analyzeSarif(alone, RULES, '0.1.0') as { runs: { results: object[] }[] }).runs[0].results[0]));
});

test('GitHub annotations escape what workflow commands need escaped', async () => {
  const r = await analyze(exampleTarget, { config: defaultConfig(), only: ['manifest-first-install'] });
  const out = analyzeGithub(r);
  assert.match(out, /^::warning file=docker\/Dockerfile,line=36,endLine=\d+,col=1,title=manifest-first-install::RUN at line 36 reads/);
  assert.ok(!/\n./.test(out.trimEnd()), 'one line per finding');
});

test('the CLI exits 1 when findings reach fail-on, 0 otherwise, and 2 on a bad config', () => {
  const { dir } = tmp({ Dockerfile: 'FROM bb\nCOPY . .\nRUN npm ci\n', 'package.json': '{}', 'warn.yaml': 'fail-on: warning\n', 'bad.yaml': 'fail-on: 3\n' });
  const run = (...args: string[]) => spawnSync(process.execPath, [main, 'analyze', dir, ...args], { encoding: 'utf8' });
  assert.equal(run('--config', path.join(dir, 'warn.yaml')).status, 1);
  assert.equal(run().status, 0);
  const bad = run('--config', path.join(dir, 'bad.yaml'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.yaml:1:10: fail-on: expected error, warning, info, none/);
  const list = spawnSync(process.execPath, [main, 'analyze', '--list-rules'], { encoding: 'utf8' });
  assert.equal(list.status, 0);
  for (const r of RULES) assert.ok(list.stdout.includes(r.meta.name), r.meta.name);
});

test('a finding says fix is available only where layerwise fix removes it from this file', async () => {
  const config = { ...defaultConfig(), timeScale: 60 };
  const r = await analyze(exampleTarget, { config });
  const fix = (rule: string, line: number) => r.findings.find((f) => f.rule === rule && f.range.start.line === line)!.fix;
  // Moved to before the copy: fixed.
  assert.deepEqual(fix('manifest-first-install', 36), { available: true, safety: 'safe', transforms: ['split-install', 'late-source-copy'] });
  // `${CUDA_VERSION%%.*}` cannot be an ARG on this engine: dedup declines, so the finding stays.
  assert.deepEqual(fix('repeated-shell-logic', 49), { available: false, safety: 'safe', transforms: ['dedup'] });
  // The ENV no step reads goes to the end of its stage, but the stages built on it still see it.
  assert.equal(fix('arg-declared-too-early', 15).available, false);
  assert.equal(fix('arg-declared-too-early', 28).available, true);
  const text = (await import('../../../src/report/analyze.js')).analyzeText(r);
  assert.match(text, /layerwise fix leaves this one \(it says why\)/);
  // The three steps that read nothing of the copy move before it.
  assert.deepEqual(fix('steps-after-source-copy', 42), { available: true, safety: 'safe', transforms: ['late-source-copy', 'parallel-stages'] });
  assert.match(text, /9 of 11 findings can be fixed by layerwise fix \(9 safely\)/);
});

test('findings rank by expected cost: the copy paid on every source edit comes before an ENV line edited almost never', async () => {
  const r = await analyze(exampleTarget, { config: { ...defaultConfig(), timeScale: 60 } });
  const copy = r.findings.findIndex((f) => f.rule === 'broad-copy-before-expensive-steps');
  const env = r.findings.findIndex((f) => f.rule === 'arg-declared-too-early' && /ENV APP_HOME/.test(f.message));
  assert.ok(copy >= 0 && env >= 0);
  assert.equal(copy, 0);
  // The ENV line costs more per occurrence, and still ranks below.
  assert.ok(r.findings[env].cost!.rebuild_s! > r.findings[copy].cost!.rebuild_s!);
  assert.ok(env > copy);
  assert.equal(r.findings[env].cost!.per, 'line-edit');
  // With the line edited as often as the source, the order follows the seconds again.
  const even = await analyze(exampleTarget, { config: { ...defaultConfig(), timeScale: 60, frequency: { ...defaultConfig().frequency, 'line-edit': 20 } } });
  assert.equal(even.findings[0].rule, 'arg-declared-too-early');
});
