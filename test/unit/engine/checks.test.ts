import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { analyze, buildCheckFinding } from '../../../src/analyze/analyze.js';
import { defaultConfig } from '../../../src/analyze/config.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildChecksUnavailable, parseBuildCheckText } from '../../../src/engine/checks.js';
import type { EngineIdentity } from '../../../src/engine/engine.js';
import { analyzeGithub, analyzeJson, analyzeSarif, analyzeText } from '../../../src/report/analyze.js';
import { analyzeCheckstyle } from '../../../src/report/checkstyle.js';
import { analyzeCodeclimate } from '../../../src/report/codeclimate.js';
import { analyzeJunit } from '../../../src/report/junit.js';
import { RULES } from '../../../src/rules/index.js';
import { fixturesDir, projectRoot } from '../../helpers.js';

const dir = path.join(fixturesDir, 'build-checks');
/** What `buildctl build --opt requestid=frontend.lint` printed (BuildKit v0.34.2) for the Dockerfile beside it. */
const printed = readFileSync(path.join(dir, 'buildctl-v0.34.2.txt'), 'utf8');
const dockerfile = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

test('buildctl\'s printed lint result: each warning\'s rule, url, detail and the lines it marks, a continued ENV over both its lines', () => {
  const w = parseBuildCheckText(printed);
  assert.deepEqual(w.map((x) => [x.rule, x.location?.startLine, x.location?.endLine]), [
    ['SecretsUsedInArgOrEnv', 2, 3],
    ['FromAsCasing', 4, 4],
    ['JSONArgsRecommended', 5, 5],
  ]);
  assert.equal(w[0]!.url, 'https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/');
  assert.equal(w[0]!.detail, 'Do not use ARG or ENV instructions for sensitive data (ENV "APP_SECRET")');
  assert.equal(w[0]!.location?.file, 'Dockerfile');
});

test('a clean file: buildctl prints nothing, and nothing is read', () => {
  assert.deepEqual(parseBuildCheckText(''), []);
});

test('a warning without a source block (no location) is kept, without a location', () => {
  const w = parseBuildCheckText('\nWARNING: InvalidBaseImagePlatform - https://example.invalid/rule/\nBase image was pulled with platform "linux/arm64"\n');
  assert.deepEqual(w, [{ rule: 'InvalidBaseImagePlatform', url: 'https://example.invalid/rule/', detail: 'Base image was pulled with platform "linux/arm64"' }]);
});

test('a BuildKit warning is located where its instruction starts, to the end of its last line, and names the rule of ours that mirrors it', () => {
  const df = parseDockerfile(dockerfile, 'Dockerfile');
  const [secret, casing] = parseBuildCheckText(printed).map((w) => buildCheckFinding(df, w));
  assert.equal(secret!.rule, 'buildkit/SecretsUsedInArgOrEnv');
  assert.deepEqual([secret!.range.start.line, secret!.range.start.column, secret!.range.end.line, secret!.range.end.column], [2, 1, 3, 12]);
  assert.deepEqual(secret!.mirroredBy, ['secret-in-arg-or-env']);
  assert.equal(casing!.mirroredBy, undefined);
});

test('BuildKit\'s findings appear beside ours in text, JSON, SARIF, GitHub, Checkstyle, Code Climate and JUnit output, marked buildkit/<Rule>', async () => {
  const target = { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' };
  const r = await analyze(target, { config: defaultConfig() });
  const ours = r.findings.length;
  r.findings.push(...parseBuildCheckText(printed).map((w) => buildCheckFinding(r.graph.dockerfile, w)));
  r.buildChecks = { engine: { engine: 'buildkit', version: 'v0.34.2', description: 'buildkit v0.34.2 at unix:///x' }, warnings: 3 };

  const text = analyzeText(r);
  assert.match(text, /Dockerfile:2:1: warning Do not use ARG or ENV instructions for sensitive data \(ENV "APP_SECRET"\) \[buildkit\/SecretsUsedInArgOrEnv\]/);
  assert.match(text, /also found by secret-in-arg-or-env/);
  assert.match(text, /BuildKit's checks \(buildkit v0\.34\.2 at unix:\/\/\/x\): 3 warnings/);

  const json = analyzeJson(r) as { findings: { rule: string; line: number; column: number; url?: string; mirrored_by?: string[] }[]; build_checks: { warnings: number } };
  const bk = json.findings.filter((f) => f.rule.startsWith('buildkit/'));
  assert.deepEqual(bk.map((f) => [f.rule, f.line, f.column]), [['buildkit/SecretsUsedInArgOrEnv', 2, 1], ['buildkit/FromAsCasing', 4, 1], ['buildkit/JSONArgsRecommended', 5, 1]]);
  assert.equal(bk[2]!.url, 'https://docs.docker.com/go/dockerfile/rule/json-args-recommended/');
  assert.deepEqual(bk[0]!.mirrored_by, ['secret-in-arg-or-env']);
  assert.equal(json.findings.length, ours + 3);
  assert.equal(json.build_checks.warnings, 3);

  const sarif = analyzeSarif(r, RULES, '0.0.0') as { runs: { tool: { driver: { rules: { id: string; helpUri?: string }[] } }; results: { ruleId: string; ruleIndex: number; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  const run = sarif.runs[0]!;
  for (const res of run.results) assert.equal(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
  const casing = run.results.find((x) => x.ruleId === 'buildkit/FromAsCasing')!;
  assert.equal(casing.locations[0]!.physicalLocation.region.startLine, 4);
  assert.equal(run.tool.driver.rules[casing.ruleIndex]!.helpUri, 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/');

  assert.match(analyzeGithub(r), /::warning file=Dockerfile,line=4,endLine=4,col=1,title=buildkit\/FromAsCasing::'as' and 'FROM'/);

  // The XML and Code Climate reports link BuildKit's page for its rules, not a page of ours.
  assert.match(analyzeCheckstyle([r]), /<error line="4" column="1" severity="warning" message="'as' and 'FROM' keywords' casing do not match \(https:\/\/docs\.docker\.com\/go\/dockerfile\/rule\/from-as-casing\/\)" source="layerwise\.buildkit\/FromAsCasing"\/>/);
  const cc = analyzeCodeclimate([r]) as { check_name: string; categories: string[]; location: { lines: { begin: number; end: number } }; content: { body: string } }[];
  const ccSecret = cc.find((x) => x.check_name === 'buildkit/SecretsUsedInArgOrEnv')!;
  assert.deepEqual([ccSecret.categories, ccSecret.location.lines], [['Security'], { begin: 2, end: 3 }]);
  assert.match(ccSecret.content.body, /See https:\/\/docs\.docker\.com\/go\/dockerfile\/rule\/secrets-used-in-arg-or-env\//);
  assert.deepEqual(cc.find((x) => x.check_name === 'buildkit/FromAsCasing')!.categories, ['Style']);
  const junit = analyzeJunit([r]);
  assert.match(junit, /<testcase name="buildkit\/JSONArgsRecommended \(line 5\)" classname="Dockerfile" file="Dockerfile" line="5">/);
  assert.equal((junit.match(/<failure /g) ?? []).length, r.findings.length);
});

test('analyze without --with-build-checks reports no build_checks', async () => {
  const target = { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' };
  const json = analyzeJson(await analyze(target, { config: defaultConfig() }));
  assert.equal('build_checks' in json, false);
});

test('docker build 20.10 (BuildKit v0.8) cannot run the checks, and says what to use instead', () => {
  const docker = { kind: 'docker', description: 'docker 20.10.24 (BuildKit v0.8, vendored in dockerd) via /usr/bin/docker 20.10.24' } as EngineIdentity;
  assert.match(buildChecksUnavailable(docker)!, /has no check method .*--engine buildkit, or BUILDKIT_HOST/);
  assert.equal(buildChecksUnavailable({ kind: 'buildctl' } as EngineIdentity), undefined);
});

test('analyze --with-build-checks --engine docker: exit 2 with a message, no output, no stack trace (whether or not docker answers here)', () => {
  const r = spawnSync(process.execPath, [main, 'analyze', dir, '--with-build-checks', '--engine', 'docker', '--format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^layerwise: --with-build-checks/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
