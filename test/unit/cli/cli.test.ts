import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
const example = path.join(projectRoot, 'examples', 'ml-serving');

function layerwise(args: string[], cwd = projectRoot) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--help lists the commands and exits 0', () => {
  const r = layerwise(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /graph \[options\] \[CONTEXT\]/);
  assert.match(r.out, /explain \[options\] \[CONTEXT\]/);
});

test('an unknown option is a usage error: exit 2', () => {
  const r = layerwise(['explain', '--no-such-flag']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option '--no-such-flag'/);
});

test('a bad Dockerfile gives file:line:col and exit 2, without a stack trace', () => {
  const dir = tempDir('layerwise-cli-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM bb\nCOPY --nope=1 a b\n');
  const r = layerwise(['graph', dir]);
  assert.equal(r.code, 2);
  // A FILE outside the working directory is shown by its absolute path.
  assert.equal(r.err, `layerwise: ${path.join(dir, 'Dockerfile')}:2:6: unknown flag: nope\n`);
});

test('a missing Dockerfile is an input error naming it', () => {
  const r = layerwise(['graph', tempDir('layerwise-cli-empty-')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /Dockerfile: cannot read Dockerfile: no such file/);
});

test('explain on the bundled example prints the README\'s answer and exits 0', () => {
  const r = layerwise(['explain', '.', '-f', 'docker/Dockerfile', '--changed', 'python/app/server.py'], example);
  assert.equal(r.code, 0, r.err);
  // No profile here: the time is estimated (the sleeps, plus step overheads and a fixed COPY cost).
  assert.match(r.out, /A change to python\/app\/server\.py rebuilds 7 of 11 steps, starting at line 33 \(COPY \. \/workspace\/app\): about 18 s \(estimated\), critical path: framework\./);
});

test('graph --format json holds the documented fields', () => {
  const r = layerwise(['graph', '.', '-f', 'docker/Dockerfile', '--format', 'json'], example);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { stages: Record<string, unknown>[]; edges: Record<string, unknown>[] };
  for (const key of ['index', 'name', 'base', 'line', 'needed', 'steps']) assert.ok(key in j.stages[0], key);
  const copy = (j.stages[1].steps as { kind: string; inputs: { contextFiles?: string[] } }[]).find((s) => s.kind === 'COPY')!;
  assert.ok(copy.inputs.contextFiles!.includes('python/app/server.py'));
  assert.ok(!copy.inputs.contextFiles!.includes('README.md'), '.dockerignore excludes *.md');
  assert.deepEqual(j.edges.map((e) => [e.from, e.to, e.kind, e.line]), [['bb:latest', 'base', 'from', 13], ['base', 'framework', 'from', 26]]);
});

test('--format with an unknown value is a usage error', () => {
  const r = layerwise(['graph', example, '-f', path.join(example, 'docker/Dockerfile'), '--format', 'yaml']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--format must be one of text, json, dot/);
});

test('graph with a profile prints the cold schedule, its basis and the critical path', () => {
  const dir = tempDir('layerwise-cli-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM bb AS a\nRUN sleep 1\nFROM bb AS b\nRUN sleep 5\nFROM bb\nCOPY --from=a /x /x\nCOPY --from=b /y /y\n');
  const samples = (s: number) => ({ stage: '', position: 0, instruction: '', line: 0, samples: [s] });
  writeFileSync(path.join(dir, 'profile.json'), JSON.stringify({
    version: 1, overhead: [0.5], updated: '',
    steps: { 'a#1 RUN sleep 1': samples(1), 'b#1 RUN sleep 5': samples(5), '2#1 COPY --from=a /x /x': samples(0.1), '2#2 COPY --from=b /y /y': samples(0.1) },
  }));
  const r = layerwise(['graph', dir, '--profile', path.join(dir, 'profile.json'), '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const s = (JSON.parse(r.out) as { schedule: { cold_s: number; basis: string; critical_path: string[]; stages: { stage: string; start_s: number; end_s: number }[] } }).schedule;
  assert.equal(s.basis, 'measured');
  assert.deepEqual(s.critical_path, ['b', '2']);
  assert.equal(s.cold_s, 5.6); // the first COPY runs at 1 s; the second waits for b (5 s): 5.1 s + 0.5 s overhead
  assert.deepEqual(s.stages.map((x) => [x.stage, x.start_s, x.end_s]), [['a', 0, 1], ['b', 0, 5], ['2', 1, 5.1]]);
  const text = layerwise(['graph', dir, '--profile', path.join(dir, 'profile.json')]);
  assert.match(text.out, /cold build: about 5\.6 s \(measured profile\), critical path: b → 2/);
});

test('the README\'s main job, analyze on the bundled example, reports what the README says', () => {
  const r = layerwise(['analyze', 'examples/ml-serving', '-f', 'examples/ml-serving/docker/Dockerfile', '--time-scale', '60']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /an edit of Python code under python\/: rebuilds 7 of 11 steps from line 33, about 17 min/);
  for (const rule of ['broad-copy-before-expensive-steps', 'manifest-first-install', 'independent-steps-in-one-stage', 'subfolder-build-after-broad-copy', 'arg-declared-too-early']) {
    assert.ok(r.out.includes(`[${rule}]`), rule);
  }
});

test('fix prints a diff and writes nothing; with --write it replaces the file, keeping its mode, and a second run has nothing to do', async () => {
  const { chmodSync, readFileSync, statSync } = await import('node:fs');
  const dir = tempDir('layerwise-cli-fix-');
  const original = 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN cat package.json > /deps\n';
  writeFileSync(path.join(dir, 'package.json'), '{}\n');
  writeFileSync(path.join(dir, 'Dockerfile'), original);
  chmodSync(path.join(dir, 'Dockerfile'), 0o640);
  const dry = layerwise(['fix', dir]);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^\+COPY package\.json \/app\/package\.json$/m);
  assert.match(dry.out, /Nothing was written: run again with --write to apply\./);
  assert.equal(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), original);
  const wet = layerwise(['fix', dir, '--write']);
  assert.equal(wet.code, 0, wet.err);
  assert.equal(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), 'FROM bb\nWORKDIR /app\nCOPY package.json /app/package.json\nRUN cat package.json > /deps\nCOPY . .\n');
  assert.equal(statSync(path.join(dir, 'Dockerfile')).mode & 0o777, 0o640);
  const again = layerwise(['fix', dir]);
  assert.match(again.out, /nothing to change/);
});

test('fix --rule takes a transform or the analyze rule it fixes; one fix does not fix is a usage error', () => {
  const dir = tempDir('layerwise-cli-fix-rule-');
  // Two things to fix: an ARG declared early, and an install after the whole source.
  writeFileSync(path.join(dir, 'package.json'), '{}\n');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM bb\nARG V=1\nWORKDIR /app\nRUN echo a > /a\nCOPY . .\nRUN cat package.json > /deps\nRUN echo $V > /v\n');
  const byRule = layerwise(['fix', dir, '--rule', 'arg-declared-too-early', '--format', 'json']);
  assert.equal(byRule.code, 0, byRule.err);
  assert.deepEqual((JSON.parse(byRule.out) as { transforms: { transform: string }[] }).transforms.map((t) => t.transform), ['arg-scope']);
  const byManifest = layerwise(['fix', dir, '--rule', 'manifest-first-install', '--format', 'json']);
  assert.deepEqual((JSON.parse(byManifest.out) as { transforms: { transform: string }[] }).transforms.map((t) => t.transform), ['late-source-copy']);
  const notFixed = layerwise(['fix', dir, '--rule', 'pipe-to-shell']);
  assert.equal(notFixed.code, 2);
  assert.match(notFixed.err, /pipe-to-shell is an analyze rule that layerwise fix does not fix/);
  const unknown = layerwise(['fix', dir, '--rule', 'no-such-thing']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown transform "no-such-thing"/);
});

test('a FROM of a build arg with no default is analyzed (exit 0), saying which build arg it needs; --build-arg fills it', () => {
  const dir = tempDir('layerwise-cli-required-arg-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'ARG BUILDER_IMAGE\nFROM ${BUILDER_IMAGE} AS builder\nRUN make\nFROM bb\nCOPY --from=builder /out /out\n');
  for (const cmd of ['analyze', 'graph', 'explain', 'fix']) {
    const r = layerwise([cmd, dir]);
    assert.equal(r.code, 0, `${cmd}: ${r.err}`);
    assert.match(r.out, /Dockerfile:2:6: needs build arg BUILDER_IMAGE \(FROM \$\{BUILDER_IMAGE\} AS builder\), which has no default/, cmd);
  }
  const j = JSON.parse(layerwise(['analyze', dir, '--format', 'json']).out) as { required_build_args: { name: string; line: number }[] };
  assert.deepEqual(j.required_build_args.map((a) => [a.name, a.line]), [['BUILDER_IMAGE', 2]]);
  const given = layerwise(['analyze', dir, '--build-arg', 'BUILDER_IMAGE=golang:1.22']);
  assert.equal(given.code, 0, given.err);
  assert.doesNotMatch(given.out, /needs build arg/);
  assert.match(given.out, /base image golang:1\.22/);
});

test('a Dockerfile with Latin-1 bytes is analyzed, and fix --write keeps those bytes as they were', async () => {
  const { readFileSync } = await import('node:fs');
  const dir = tempDir('layerwise-cli-latin1-');
  const latin1 = (s: string) => Buffer.from(s, 'latin1');
  writeFileSync(path.join(dir, 'package.json'), '{}\n');
  writeFileSync(path.join(dir, 'Dockerfile'), latin1('FROM bb\n# \xa9 Fran\xe7ois\nWORKDIR /app\nCOPY . .\nRUN cat package.json > /deps\n'));
  assert.equal(layerwise(['analyze', dir]).code, 0);
  const wet = layerwise(['fix', dir, '--write']);
  assert.equal(wet.code, 0, wet.err);
  assert.deepEqual(readFileSync(path.join(dir, 'Dockerfile')), latin1('FROM bb\n# \xa9 Fran\xe7ois\nWORKDIR /app\nCOPY package.json /app/package.json\nRUN cat package.json > /deps\nCOPY . .\n'));
});
