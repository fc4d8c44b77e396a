import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEdits, editsBetween } from '../../../src/fix/edits.js';

test('edits apply in offset order whatever order they were planned in', () => {
  const r = applyEdits('abcdef', [{ start: 4, end: 5, text: 'E' }, { start: 0, end: 1, text: 'A' }]);
  assert.equal(r.text, 'AbcdEf');
});

test('an edit that overlaps an earlier one is set aside for the next pass', () => {
  const r = applyEdits('abcdef', [{ start: 1, end: 4, text: 'X' }, { start: 2, end: 3, text: 'Y' }]);
  assert.equal(r.text, 'aXef');
  assert.deepEqual(r.skipped, [{ start: 2, end: 3, text: 'Y' }]);
});

test('touching edits and inserts at one offset all apply, inserts in planned order', () => {
  const r = applyEdits('abc', [{ start: 1, end: 2, text: 'B' }, { start: 1, end: 1, text: '1' }, { start: 1, end: 1, text: '2' }, { start: 2, end: 3, text: 'C' }]);
  assert.equal(r.text, 'a12BC');
  assert.deepEqual(r.skipped, []);
});

test('editsBetween gives the line edits that turn one text into the other, applied by the same applier', () => {
  const cases: [string, string][] = [
    ['FROM a\nCOPY . .\nRUN make\n', 'FROM a\nCOPY Makefile ./\nRUN make\nCOPY . .\n'],
    ['FROM a\r\nRUN x\r\n', 'FROM a\r\nUSER 1\r\nRUN x\r\n'],
    ['FROM a\nRUN x', 'FROM a\nRUN x\n'],
    ['', 'FROM a\n'],
    ['FROM a\nRUN x\nRUN y\n', 'FROM a\n'],
    ['FROM a\n', 'FROM a\n'],
  ];
  for (const [before, after] of cases) {
    const edits = editsBetween(before, after);
    assert.equal(applyEdits(before, edits).text, after, JSON.stringify(before));
    assert.equal(applyEdits(before, edits).skipped.length, 0);
  }
  // Lines that stay are not part of any edit.
  assert.deepEqual(editsBetween('FROM a\nCOPY . .\nRUN make\n', 'FROM a\nCOPY Makefile ./\nRUN make\n'), [{ start: 7, end: 16, text: 'COPY Makefile ./\n' }]);
  assert.deepEqual(editsBetween('FROM a\n', 'FROM a\n'), []);
});
