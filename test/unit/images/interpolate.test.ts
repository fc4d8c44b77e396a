import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolate, InterpolationError } from '../../../src/images/interpolate.js';
import { dotenvLookup } from '../../../src/images/interpolate.js';

const vars: Record<string, string> = { A: 'a', EMPTY: '' };
const look = (n: string) => vars[n];

test('compose interpolation: plain, braced, defaults, alternatives, $$', () => {
  assert.equal(interpolate('x-$A-${A}', look), 'x-a-a');
  assert.equal(interpolate('${NOPE:-d} ${NOPE-d} ${EMPTY:-d} [${EMPTY-d}]', look), 'd d d []');
  assert.equal(interpolate('${A:+alt} [${NOPE:+alt}] [${EMPTY:+alt}] ${EMPTY+alt}', look), 'alt [] [] alt');
  assert.equal(interpolate('$${A} $$A costs $5', look), '${A} $A costs $5');
  assert.equal(interpolate('${NOPE:-${A}-x}', look), 'a-x');
  assert.equal(interpolate('[$NOPE]', look), '[]');
});

test('compose interpolation: a required variable that is missing, and a broken reference, are errors', () => {
  assert.throws(() => interpolate('${NOPE:?give NOPE}', look), (e: Error) => e instanceof InterpolationError && /required variable NOPE is missing: give NOPE/.test(e.message));
  assert.throws(() => interpolate('${EMPTY:?}', look), /required variable EMPTY is empty/);
  assert.equal(interpolate('${EMPTY?}', look), '');
  assert.throws(() => interpolate('${A', look), /without a closing/);
  assert.throws(() => interpolate('${1x}', look), /invalid variable reference/);
});

test('.env supplies variables and the environment wins over it', () => {
  const l = dotenvLookup('# c\nA=from-file\nB="quoted # not a comment"\nexport C=c # comment\n', { A: 'from-env' });
  assert.equal(l('A'), 'from-env');
  assert.equal(l('B'), 'quoted # not a comment');
  assert.equal(l('C'), 'c');
  assert.equal(l('D'), undefined);
});
