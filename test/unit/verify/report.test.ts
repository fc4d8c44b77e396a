import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { verifyJson, verifySummary, verifyText } from '../../../src/report/verify.js';
import { allowList, applyAllowList } from '../../../src/verify/allow.js';
import { compareImages, type Difference } from '../../../src/verify/compare.js';
import type { StageResult, VerifyResult } from '../../../src/verify/verify.js';
import { projectRoot } from '../../helpers.js';
import { config, dir, f } from './fixtures.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = '0123456789ab'.padEnd(64, 'c');

function stage(label: string, diffs: Difference[], allow = allowList({}), isDefault = false): StageResult {
  const split = applyAllowList(diffs, allow);
  return {
    stage: label, isDefault, label: isDefault ? `${label} (default target)` : label, againstStage: label, fileStage: label,
    differences: split.differences, allowed: split.allowed,
  };
}

function result(stages: StageResult[], over: Partial<VerifyResult> = {}): VerifyResult {
  return {
    status: stages.some((s) => s.differences.length) ? 'different' : 'equivalent',
    context: '.', file: 'Dockerfile.new', against: 'Dockerfile', engine: 'docker 20.10 (test)',
    engineInfo: { engine: 'docker', version: '20.10', buildkitVersion: 'v0.8', description: 'docker 20.10 (test)' },
    stages, unusedAllow: [], builds: { run: 4, cached: 0 }, cleanup: { tags: [], dirs: [] },
    ...over,
  };
}

const before = [dir('/app'), f('/app/run.sh'), f('/app/conf.txt'), dir('/root'), dir('/root/.cache'), dir('/root/.cache/pip'), f('/root/.cache/pip/x')];
const after = [
  dir('/app'), f('/app/run.sh', { mode: 0o755 }), f('/app/conf.txt', { sha256: HASH_B, size: 5 }), f('/app/extra.txt'),
  dir('/app/new'), f('/app/new/a'), f('/app/new/b'), dir('/root'),
];
const diffs = compareImages({ files: before, config: config() }, { files: after, config: config({ env: [...config().env, 'FOO=1'], cmd: ['/app/run.sh'] }) });

test('an equivalent result says so first, with the stages compared', () => {
  const r = result([stage('final', [], undefined, true), stage('build', [])]);
  assert.equal(verifySummary(r), 'equivalent: 2 stages compared (final (default target), build)');
  assert.match(verifyText(r), /^equivalent: 2 stages compared/);
});

test('differences in one stage are counted in the summary line', () => {
  const r = result([stage('final', diffs, undefined, true), stage('build', [])]);
  assert.equal(verifySummary(r), '11 differences in stage final (default target)');
});

test('differences in several stages are counted per stage', () => {
  const r = result([stage('final', diffs), stage('build', [{ kind: 'stage', stage: 'build', change: 'removed' }])]);
  assert.equal(verifySummary(r), '12 differences: 11 in stage final, 1 in stage build');
});

test('the text lists each difference by path and field with before and after, an added tree folded', () => {
  const r = result([stage('final', diffs, allowList({ paths: [{ path: '/root/.cache/**', change: 'removed', reason: 'pip cache' }] }), true)]);
  assert.equal(
    verifyText(r),
    [
      '8 differences in stage final (default target)',
      '',
      'stage final (default target): 8 differences, 3 allowed',
      '  added    ENV FOO         "1"',
      '  changed  CMD             ["/bin/sh"] → ["/app/run.sh"]',
      '  changed  /app/conf.txt   content aaaaaaaaaaaa → 0123456789ab (3 B → 5 B)',
      '  added    /app/extra.txt  file 0644 0:0, 3 B, aaaaaaaaaaaa',
      '  added    /app/new/       dir 0755 0:0, and 2 paths under it',
      '  changed  /app/run.sh     mode 0644 → 0755',
      '    allowed by /root/.cache/** (pip cache):',
      '      removed  /root/.cache/  dir 0755 0:0, and 2 paths under it',
      '',
      'FILE Dockerfile.new against OTHER Dockerfile, context .; 4 builds on docker 20.10 (test); modification times are not compared.',
      '',
    ].join('\n'),
  );
});

test('a removed stage says which --target stops working', () => {
  const r = result([stage('builder', [{ kind: 'stage', stage: 'builder', change: 'removed' }])]);
  assert.match(verifyText(r), /\n {2}removed {2}stage builder {2}FILE has no stage "builder": --target builder fails\n/);
});

test('a failed build leads with the file, line and error, then the step output', () => {
  const r = result([], {
    status: 'failed',
    failure: { role: 'file', file: 'Dockerfile.new', stage: 'final', line: 4, step: '[final 3/3] RUN make', error: 'exit code: 2', output: ['make: *** no rule'] },
  });
  const text = verifyText(r);
  assert.match(text, /^build failed: Dockerfile\.new:4 \(FILE, stage final\): exit code: 2\n {2}step: \[final 3\/3\] RUN make\n {2}\| make: \*\*\* no rule\n/);
  assert.equal((verifyJson(r).failure as { line: number }).line, 4);
});

test('allow-list entries that matched nothing are listed', () => {
  const list = allowList({ paths: ['/never/**'] });
  const r = result([stage('final', [])], { unusedAllow: list.entries });
  assert.match(verifyText(r), /allow-list entries that matched nothing:\n {2}path \/never\/\*\*\n/);
});

test('the JSON has the documented shape', () => {
  const r = result([stage('final', diffs, allowList({ config: ['CMD'] }), true)]);
  const j = verifyJson(r) as {
    result: string; summary: string; stages: { differences: Record<string, unknown>[]; allowed: Record<string, unknown>[] }[];
    counts: { differences: number; allowed: number }; failure: null; unused_allow: unknown[]; builds: unknown;
  };
  assert.deepEqual(Object.keys(j), ['result', 'summary', 'context', 'file', 'against', 'engine', 'engine_info', 'stages', 'counts', 'failure', 'unused_allow', 'builds']);
  assert.equal(j.result, 'different');
  assert.deepEqual(j.counts, { differences: 10, allowed: 1 });
  assert.deepEqual(Object.keys(j.stages[0]!), ['stage', 'label', 'default', 'against_stage', 'file_stage', 'against_image', 'file_image', 'equivalent', 'differences', 'allowed']);
  assert.deepEqual(j.stages[0]!.differences[0], { kind: 'config', field: 'ENV', key: 'FOO', change: 'added', before: null, after: '1' });
  assert.deepEqual(j.stages[0]!.differences[1], {
    kind: 'file', path: '/app/conf.txt', change: 'changed',
    fields: [{ field: 'content', before: `sha256:${HASH_A}`, after: `sha256:${HASH_B}` }],
    before: { type: 'file', mode: '0644', uid: 0, gid: 0, size: 3, sha256: HASH_A },
    after: { type: 'file', mode: '0644', uid: 0, gid: 0, size: 5, sha256: HASH_B },
  });
  assert.deepEqual(j.stages[0]!.allowed[0], {
    kind: 'config', field: 'CMD', change: 'changed', before: ['/bin/sh'], after: ['/app/run.sh'],
    allowed_by: { builtin: false, pattern: 'CMD', source: null, reason: null },
  });
});

test('docs/verify.md names every key of the JSON', () => {
  const doc = readFileSync(path.join(projectRoot, 'docs', 'verify.md'), 'utf8');
  const r = result([stage('final', diffs, allowList({ config: ['CMD'] }), true)], { targets: ['final'] });
  const j = verifyJson(r) as { stages: Record<string, unknown>[] };
  const failed = verifyJson(result([], { status: 'failed', failure: { role: 'file', file: 'F', stage: 's', error: 'e', output: [] } }));
  const keys = new Set([
    ...Object.keys(j), ...Object.keys(j.stages[0]!), ...Object.keys(failed.failure as object),
    ...(j.stages[0]!.differences as Record<string, unknown>[]).flatMap((d) => Object.keys(d)),
    ...Object.keys((j.stages[0]!.allowed as Record<string, Record<string, unknown>>[])[0]!.allowed_by!),
  ]);
  for (const k of keys) assert.ok(doc.includes(`"${k}"`), `docs/verify.md does not mention "${k}"`);
});
