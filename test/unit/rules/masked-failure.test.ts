import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'masked-failure';

test('`|| true` after an install is found, at the operator and the mask', async () => {
  const f = await findings(rule, 'FROM bb\nRUN apt-get install -y curl || true\n');
  assert.deepEqual(ranges(f), ['2:29-2:36']);
  assert.match(f[0].message, /^`\|\| true` hides a failure of apt-get install/);
});

test('`|| :`, `|| exit 0`, `|| echo` and `; true` after a download or install are found', async () => {
  const df = [
    'FROM bb',
    'RUN curl -fsSL https://example.com/a.tgz -o /a.tgz || :',
    'RUN pip install flask || exit 0',
    'RUN wget https://example.com/b || echo "no b"',
    'RUN npm ci; true',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f).sort(), ['2:52-2:56', '3:23-3:32', '4:32-4:46', '5:11-5:17']);
});

test('a list joined by && before the mask is covered, across continuation lines', async () => {
  const df = 'FROM bb\nRUN apt-get update \\\n && apt-get install -y git \\\n || true\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['4:2-4:9']);
  assert.match(f[0].message, /apt-get update, apt-get install/);
});

test('with the backtick escape, continuation lines are mapped too', async () => {
  const f = await findings(rule, '# escape=`\nFROM bb\nRUN pip install flask `\n  || true\n');
  assert.deepEqual(ranges(f), ['4:3-4:10']);
});

test('a mask inside sh -c and inside a here-document is placed in the file', async () => {
  const f = await findings(rule, 'FROM bb\nRUN sh -c "go mod download || true"\nRUN <<EOF\nset -x\ncargo fetch || true\nEOF\n');
  assert.deepEqual(ranges(f), ['2:28-2:35', '5:13-5:20']);
});

test('stays clean for masks after other commands, handled failures, and chains that go on', async () => {
  for (const run of [
    'RUN rm /tmp/x || true',
    'RUN apt-get install -y curl',
    'RUN apt-get install -y curl || { echo failed; exit 1; }',
    'RUN apt-get install -y curl || exit 1',
    'RUN curl -f https://example.com || echo failed && exit 1',
    'RUN pip install flask; echo done',
    'RUN grep -q x /etc/hosts || true',
  ]) {
    assert.deepEqual(await findings(rule, `FROM bb\n${run}\n`), [], run);
  }
});
