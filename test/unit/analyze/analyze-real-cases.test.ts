/**
 * The analyze-real corpus is well-formed: every case's Dockerfile parses as BuildKit reads it and
 * its expected.json names real lines and known (or proposed) rules. Whether analyze agrees with
 * the expert is not tested here: that is a figure, printed by bench/analyze-quality.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULES } from '../../../src/rules/index.js';
import { caseNames, instructionSpans, loadCase, proposedRules, readCaseDockerfile, scoreCase, type Expected, type RuleLine } from '../../analyze-real.js';

const existing = new Set(RULES.map((r) => r.meta.name));
const proposed = proposedRules();
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

test('the corpus has at least 40 cases', () => {
  assert.ok(caseNames().length >= 40, `${caseNames().length} cases`);
});

test('proposed rule names are kebab-case and say what they mean', () => {
  for (const [name, what] of Object.entries(proposed)) {
    assert.match(name, KEBAB, name);
    assert.ok(what.length > 40, `${name}: describe what the expert means`);
  }
});

for (const name of caseNames()) {
  test(`${name}: the Dockerfile parses and expected.json is well-formed`, () => {
    const c = loadCase(name);
    const e = c.expected;
    const allowed = new Set(['source', 'role', 'file', 'target', 'buildArgs', 'expect', 'mustNot', 'worth']);
    for (const k of Object.keys(e)) assert.ok(allowed.has(k), `unknown key ${k}`);
    assert.ok(typeof e.source === 'string' && e.source.length > 20, 'source says which pattern and real files');
    assert.ok(Array.isArray(e.expect) && Array.isArray(e.mustNot), 'expect and mustNot are lists');
    assert.ok(Array.isArray(e.worth?.minor) && (e.worth.others === 'minor' || e.worth.others === 'wrong'), 'worth: { minor: [...], others: minor|wrong }');

    const df = readCaseDockerfile(c);
    assert.ok(df.instructions.some((i) => i.keyword === 'FROM'), 'has a FROM');
    const lines = df.source.split('\n');
    const spans = instructionSpans(df);
    const check = (r: RuleLine, where: string, lineRequired: boolean): void => {
      const rules = Array.isArray(r.rule) ? r.rule : [r.rule];
      assert.ok(rules.length > 0, `${where}: a rule`);
      for (const rule of rules) {
        assert.match(rule, KEBAB, `${where}: ${rule}`);
        assert.ok(existing.has(rule) || rule in proposed, `${where}: ${rule} is neither a rule nor in proposed-rules.json`);
      }
      if (r.line === undefined) {
        assert.ok(!lineRequired, `${where}: a line`);
        return;
      }
      assert.ok(Number.isInteger(r.line) && r.line >= 1 && r.line <= lines.length, `${where}: line ${r.line} out of range`);
      assert.ok(spans.some(([s, t]) => s <= r.line! && r.line! <= t), `${where}: line ${r.line} is not inside an instruction`);
    };
    e.expect.forEach((x, i) => check(x, `expect[${i}]`, true));
    e.mustNot.forEach((x, i) => check(x, `mustNot[${i}]`, false));
    e.worth.minor.forEach((x, i) => check(x, `worth.minor[${i}]`, false));
  });
}

// Scoring, on a made-up case: what the bench's figures mean.
const df = 'FROM bb\nRUN a \\\n  && b\nRUN c\n';
const spans: [number, number][] = [[1, 1], [2, 3], [4, 4]];
const expected: Expected = {
  source: 'a made-up case for the scoring rules',
  expect: [{ rule: 'x', line: 2 }, { rule: ['y', 'z'], line: 4 }],
  mustNot: [{ rule: 'w' }],
  worth: { minor: [{ rule: 'm', line: 1 }], others: 'wrong' },
};

test('scoring: a finding on a continuation line matches an expected entry on the instruction\'s first line', () => {
  assert.equal(df.split('\n').length, 5);
  const s = scoreCase(expected, [{ rule: 'x', line: 3, endLine: 3 }], spans);
  assert.equal(s.found, 1);
  assert.deepEqual(s.missed, [{ rule: ['y', 'z'], line: 4 }]);
  assert.deepEqual(s.verdicts.map((v) => v.verdict), ['worth']);
});

test('scoring: any alternative rule will do; mustNot is wrong anywhere; minor and others apply to the rest', () => {
  const s = scoreCase(expected, [
    { rule: 'z', line: 4, endLine: 4 },
    { rule: 'w', line: 2, endLine: 2 },
    { rule: 'm', line: 1, endLine: 1 },
    { rule: 'm', line: 4, endLine: 4 },
    { rule: 'x', line: 4, endLine: 4 },
  ], spans);
  assert.equal(s.found, 1);
  assert.deepEqual(s.verdicts.map((v) => v.verdict), ['worth', 'wrong', 'minor', 'wrong', 'wrong']);
});

test('scoring: a related location counts as where the finding is', () => {
  const s = scoreCase(expected, [{ rule: 'x', line: 4, endLine: 4, related: [{ line: 2 }] }], spans);
  assert.equal(s.found, 1);
});

test('scoring: a rejected case reports nothing and misses every expected finding', () => {
  const s = scoreCase(expected, [], spans);
  assert.equal(s.found, 0);
  assert.equal(s.missed.length, 2);
  assert.deepEqual(s.verdicts, []);
});
