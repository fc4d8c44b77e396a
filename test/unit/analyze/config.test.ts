import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, parseConfig } from '../../../src/analyze/config.js';
import { InputError } from '../../../src/core/errors.js';

const known = new Set(['rule-a', 'rule-b']);

function error(text: string): string {
  try {
    parseConfig(text, '.layerwise.yaml', known);
  } catch (e) {
    if (e instanceof InputError) return e.format();
    throw e;
  }
  return assert.fail('expected an error');
}

test('a full config is read with every key', () => {
  const c = parseConfig([
    'rules:',
    '  rule-a: off',
    '  rule-b: { severity: error, minSeconds: 5 }',
    'fail-on: warning',
    'max-rebuild-minutes: 5',
    'time-scale: 60',
    'changes:',
    '  - { name: model code, paths: [python/models/x.py] }',
    'frequency: { source-edit: 50, line-edit: 0 }',
    'docs-url: https://wiki.example.com/layerwise',
    '',
  ].join('\n'), '.layerwise.yaml', known);
  assert.deepEqual(c, {
    rules: { 'rule-a': { enabled: false, options: {} }, 'rule-b': { enabled: true, severity: 'error', options: { minSeconds: 5 } } },
    failOn: 'warning', maxRebuildMinutes: 5, timeScale: 60,
    changes: [{ name: 'model code', paths: ['python/models/x.py'] }],
    frequency: { ...defaultConfig().frequency, 'source-edit': 50, 'line-edit': 0 },
    docsUrl: 'https://wiki.example.com/layerwise/',
  });
});

test('an empty file is the defaults', () => {
  assert.deepEqual(parseConfig('', 'f', known).failOn, 'error');
});

test('mistakes are reported at their line and column', () => {
  assert.equal(error('rules:\n  rule-x: off\n'), '.layerwise.yaml:2:3: unknown rule "rule-x" (see layerwise analyze --list-rules)');
  assert.equal(error('fail-on: loud\n'), '.layerwise.yaml:1:10: fail-on: expected error, warning, info, none');
  assert.equal(error('rules:\n  rule-a: sometimes\n'), '.layerwise.yaml:2:11: rules.rule-a: expected off, error, warning or info, got "sometimes"');
  assert.equal(error('time-scale: -1\n'), '.layerwise.yaml:1:13: time-scale: expected a positive number');
  assert.equal(error('frequency:\n  coffee: 3\n'), '.layerwise.yaml:2:3: frequency: unknown event "coffee" (known: build, source-edit, cold-build, manifest-change, arg-change, base-change, line-edit)');
  assert.equal(error('colour: red\n'), '.layerwise.yaml:1:1: unknown key "colour" (known: rules, fail-on, max-rebuild-minutes, time-scale, changes, frequency, docs-url)');
  assert.equal(error('changes:\n  - { name: x }\n'), '.layerwise.yaml:2:5: changes: each item needs a name and a non-empty list of paths');
  assert.match(error('rules: [\n'), /^\.layerwise\.yaml:\d+:\d+: invalid YAML: /);
});
