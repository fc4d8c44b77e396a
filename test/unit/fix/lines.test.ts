/** fix reports lines of the file the user gave, whatever the pass a transform planned on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originalLines, relineMessage } from '../../../src/fix/lines.js';
import { fixText } from '../../../src/fix/fix.js';

test('a moved instruction maps to where it was, a split RUN part to its own line, an added COPY to none', () => {
  const original = 'FROM bb\nARG A=1\nCOPY . /app\nRUN echo $A \\\n    && cat /app/x\n';
  const planned = 'FROM bb\nCOPY x /app/x\nCOPY . /app\nRUN echo $A\nRUN cat /app/x\nARG A=1\n';
  const map = originalLines(original, planned);
  assert.equal(map(1), 1);
  assert.equal(map(2), null, 'the COPY fix added');
  assert.equal(map(3), 3);
  assert.equal(map(4), 4, 'the first part of the split RUN');
  assert.equal(map(5), 5, 'the second part: the original continuation line');
  assert.equal(map(6), 2, 'the moved ARG');
});

test('messages name the original lines, and a line fix added as a line of the result', () => {
  const map = (l: number) => (l === 2 ? null : l + 10);
  assert.equal(relineMessage('line 3 stays after line 4', map), 'line 13 stays after line 14');
  assert.equal(relineMessage('no longer re-runs lines 3, 4 and 5', map), 'no longer re-runs lines 13, 14 and 15');
  assert.equal(relineMessage('line 6 stays after line 2: why', map), 'line 16 stays after line 2 of the result: why');
});

test('a decline of a later pass is told in the original file\'s lines (an ARG moved up shifts nothing)', () => {
  const text = 'FROM bb\nARG V=1\nWORKDIR /app\nCOPY . .\nRUN ./build.sh\nRUN echo $V > /v\n';
  const r = fixText(text, 'Dockerfile', undefined, {});
  const lsc = r.declined.filter((d) => d.transform === 'late-source-copy').map((d) => d.reason);
  assert.ok(lsc.includes('line 5 stays after line 4: what it reads and writes is not known (layerwise does not model `./build.sh`)'), lsc.join('\n'));
  assert.ok(lsc.some((d) => d.startsWith('line 6 stays after line 4')), lsc.join('\n'));
});
