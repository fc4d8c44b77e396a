/**
 * The report formats CI systems read (checkstyle, codeclimate, junit, SARIF), as a user gets
 * them from `layerwise analyze --format F [--output FILE]`: parsed back and checked field by field.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { xmlAttr, xmlText } from '../../../src/report/xml.js';
import { projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function layerwise(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Two installs after the whole-source copy (manifest-first-install at lines 4 and 5), and a base image without a tag.
const DOCKERFILE = ['FROM bb', 'WORKDIR /app', 'COPY . .', 'RUN npm ci', 'RUN npm ci', 'CMD ["node", "server.js"]'];

function project(lines = DOCKERFILE, extra: Record<string, string> = {}): string {
  const dir = tempDir('layerwise-formats-');
  writeFileSync(path.join(dir, 'package.json'), '{}\n');
  writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  writeFileSync(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n');
  for (const [f, t] of Object.entries(extra)) writeFileSync(path.join(dir, f), t);
  return dir;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['file', 'error', 'testsuite', 'testcase'].includes(name) });

function asJson(dir: string) {
  const r = layerwise(['analyze', '--format', 'json'], dir);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as { findings: { rule: string; line: number; column: number; severity: string; message: string }[] };
}

test('checkstyle: one <file> with an <error> per finding, its line, column, severity, rule as source and the rule page linked', () => {
  const dir = project();
  const r = layerwise(['analyze', '--format', 'checkstyle'], dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(XMLValidator.validate(r.out), true);
  const doc = xml.parse(r.out) as { checkstyle: { version: string; file: { name: string; error: Record<string, string>[] }[] } };
  assert.equal(doc.checkstyle.file.length, 1);
  assert.equal(doc.checkstyle.file[0].name, 'Dockerfile');
  const errors = doc.checkstyle.file[0].error;
  const findings = asJson(dir).findings;
  assert.equal(errors.length, findings.length);
  const installs = errors.filter((e) => e.source === 'layerwise.manifest-first-install');
  assert.deepEqual(installs.map((e) => e.line), ['4', '5']);
  for (const e of errors) {
    assert.ok(['error', 'warning', 'info'].includes(e.severity), e.severity);
    assert.ok(Number(e.column) >= 1);
    const rule = e.source.replace(/^layerwise\./, '');
    assert.ok(e.message.endsWith(`(https://github.com/layerwise/layerwise/blob/main/docs/rules/${rule}.md)`), e.message);
  }
});

test('codeclimate: GitLab\'s required fields on every issue, and fingerprints that survive lines moving', () => {
  const dir = project();
  const r = layerwise(['analyze', '--format', 'codeclimate'], dir);
  assert.equal(r.code, 0, r.err);
  const issues = JSON.parse(r.out) as { type: string; check_name: string; description: string; severity: string; fingerprint: string; categories: string[]; location: { path: string; lines: { begin: number; end: number } } }[];
  assert.equal(issues.length, asJson(dir).findings.length);
  for (const i of issues) {
    assert.equal(i.type, 'issue');
    assert.ok(i.description.length > 0 && i.check_name.length > 0);
    assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(i.severity), i.severity);
    assert.match(i.fingerprint, /^[0-9a-f]{32}$/);
    assert.equal(i.location.path, 'Dockerfile');
    assert.ok(i.location.lines.begin >= 1 && i.location.lines.end >= i.location.lines.begin);
    assert.ok(i.categories.length === 1);
  }
  const installs = issues.filter((i) => i.check_name === 'manifest-first-install');
  assert.equal(installs.length, 2);
  assert.notEqual(installs[0].fingerprint, installs[1].fingerprint, 'two identical findings are two issues');
  assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length, 'fingerprints are unique');

  // The same file with two lines added on top: every finding moves down two lines, no fingerprint changes.
  const moved = project(['# syntax=docker/dockerfile:1', '# the app image', ...DOCKERFILE]);
  const again = JSON.parse(layerwise(['analyze', '--format', 'codeclimate'], moved).out) as typeof issues;
  assert.deepEqual(again.map((i) => i.location.lines.begin), issues.map((i) => i.location.lines.begin + 2));
  assert.deepEqual(again.map((i) => i.fingerprint), issues.map((i) => i.fingerprint));
  // An edit of a finding's own line makes its findings new ones; the others keep theirs.
  const edited = project(DOCKERFILE.map((l, i) => (i === 3 ? 'RUN npm ci --omit=dev' : l)));
  const third = JSON.parse(layerwise(['analyze', '--format', 'codeclimate'], edited).out) as typeof issues;
  const changed = third.filter((i) => !issues.some((j) => j.fingerprint === i.fingerprint));
  assert.ok(changed.some((i) => i.check_name === 'manifest-first-install'));
  assert.deepEqual([...new Set(changed.map((i) => i.location.lines.begin))], [4]);
  assert.equal(third.length - changed.length, issues.filter((i) => i.location.lines.begin !== 4).length);
});

test('junit: a suite per Dockerfile, a passed case per rule that found nothing, a failed case per finding', () => {
  const dir = project();
  const r = layerwise(['analyze', '--format', 'junit'], dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(XMLValidator.validate(r.out), true);
  const doc = xml.parse(r.out) as { testsuites: { tests: string; failures: string; testsuite: { name: string; tests: string; failures: string; testcase: { name: string; classname: string; failure?: { type: string; message: string; '#text': string } }[] }[] } };
  const suite = doc.testsuites.testsuite[0];
  assert.equal(suite.name, 'Dockerfile');
  const findings = asJson(dir).findings;
  const failed = suite.testcase.filter((c) => c.failure);
  const passed = suite.testcase.filter((c) => !c.failure);
  assert.equal(failed.length, findings.length);
  assert.equal(suite.failures, String(findings.length));
  assert.equal(suite.tests, String(suite.testcase.length));
  assert.equal(doc.testsuites.tests, suite.tests);
  const listed = layerwise(['analyze', '--list-rules', '--format', 'json'], dir);
  const enabled = (JSON.parse(listed.out) as { name: string; enabled?: boolean }[]).filter((x) => x.enabled !== false).map((x) => x.name);
  const ruleOfFinding = new Set(findings.map((f) => f.rule));
  assert.deepEqual(passed.map((c) => c.name).sort(), enabled.filter((n) => !ruleOfFinding.has(n)).sort());
  const install = failed.find((c) => c.name === 'manifest-first-install (line 4)')!;
  assert.equal(install.failure!.type, 'warning');
  assert.match(install.failure!['#text'], /^Dockerfile:4:1: /);
  assert.match(install.failure!['#text'], /see https:\/\/github\.com\/layerwise\/layerwise\/blob\/main\/docs\/rules\/manifest-first-install\.md$/);
});

test('XML escaping: markup characters and line breaks come back as they were; characters XML cannot hold are dropped', () => {
  const nasty = 'a & b < c > d "e" \'f\'\nnext\tline\u0001';
  const doc = `<?xml version="1.0"?><r a="${xmlAttr(nasty)}">${xmlText(nasty)}</r>`;
  assert.equal(XMLValidator.validate(doc), true);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', trimValues: false, processEntities: true, htmlEntities: true }).parse(doc) as { r: { a: string; '#text': string } };
  assert.equal(parsed.r['#text'], nasty.replace('\u0001', ''));
  assert.equal(parsed.r.a, nasty.replace('\u0001', ''));
});

test('SARIF: helpUri is absolute, from docs-url in the config or --docs-url, and results carry partial fingerprints', () => {
  const dir = project();
  type Sarif = { runs: { tool: { driver: { rules: { id: string; helpUri: string }[] } }; results: { ruleId: string; partialFingerprints: Record<string, string> }[] }[] };
  const def = JSON.parse(layerwise(['analyze', '--format', 'sarif'], dir).out) as Sarif;
  for (const rule of def.runs[0].tool.driver.rules) assert.equal(rule.helpUri, `https://github.com/layerwise/layerwise/blob/main/docs/rules/${rule.id}.md`);
  for (const res of def.runs[0].results) assert.match(res.partialFingerprints['layerwise/v1'], /^[0-9a-f]{32}$/);
  const codeclimate = JSON.parse(layerwise(['analyze', '--format', 'codeclimate'], dir).out) as { fingerprint: string }[];
  assert.deepEqual(def.runs[0].results.map((x) => x.partialFingerprints['layerwise/v1']).sort(), codeclimate.map((x) => x.fingerprint).sort(), 'one fingerprint, whatever the format');

  writeFileSync(path.join(dir, '.layerwise.yaml'), 'docs-url: https://wiki.example.com/build/layerwise\n');
  const cfg = JSON.parse(layerwise(['analyze', '--format', 'sarif'], dir).out) as Sarif;
  assert.equal(cfg.runs[0].tool.driver.rules[0].helpUri, `https://wiki.example.com/build/layerwise/${cfg.runs[0].tool.driver.rules[0].id}.md`);
  const flag = JSON.parse(layerwise(['analyze', '--format', 'sarif', '--docs-url', 'https://docs.example.org/rules/'], dir).out) as Sarif;
  assert.equal(flag.runs[0].tool.driver.rules[0].helpUri, `https://docs.example.org/rules/${flag.runs[0].tool.driver.rules[0].id}.md`);

  const bad = layerwise(['analyze', '--docs-url', 'docs/rules'], dir);
  assert.equal(bad.code, 2);
  assert.equal(bad.err, 'layerwise: --docs-url expects an absolute http(s) or file URL, got "docs/rules"\n');
  writeFileSync(path.join(dir, '.layerwise.yaml'), 'fail-on: error\ndocs-url: wiki/rules\n');
  const badCfg = layerwise(['analyze'], dir);
  assert.equal(badCfg.code, 2);
  assert.equal(badCfg.err, 'layerwise: .layerwise.yaml:2:11: docs-url: expected an absolute http(s) or file URL\n');
});

test('--output FILE: the report goes to the file (created, or replaced whole), standard output stays empty, the exit code still says failing', () => {
  const dir = project(DOCKERFILE, { '.layerwise.yaml': 'fail-on: warning\n' });
  const r = layerwise(['analyze', '--format', 'codeclimate', '--output', 'gl-code-quality.json'], dir);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /^layerwise: failing: \d+ findings? at or above warning \(report in gl-code-quality\.json\)\n$/);
  const first = readFileSync(path.join(dir, 'gl-code-quality.json'), 'utf8');
  assert.ok((JSON.parse(first) as unknown[]).length > 0);
  writeFileSync(path.join(dir, 'report.xml'), 'old content that is much longer than nothing'.repeat(1000));
  const again = layerwise(['analyze', '--format', 'junit', '--output', 'report.xml'], dir);
  assert.equal(again.code, 1);
  assert.equal(XMLValidator.validate(readFileSync(path.join(dir, 'report.xml'), 'utf8')), true, 'the old content is gone whole');
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp file left');

  const missing = layerwise(['analyze', '--output', 'no/such/folder/report.txt'], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^layerwise: no\/such\/folder\/report\.txt: cannot write: no such folder .*no\/such\/folder\n$/);
  // Bad input writes nothing, not even an empty file.
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM bb\nCOPY --chmod=x . .\nFROBNICATE\n');
  const broken = layerwise(['analyze', '--output', 'broken.txt'], dir);
  assert.equal(broken.code, 2);
  assert.match(broken.err, /^layerwise: Dockerfile:\d+:\d+: /);
  assert.ok(!existsSync(path.join(dir, 'broken.txt')));
});
