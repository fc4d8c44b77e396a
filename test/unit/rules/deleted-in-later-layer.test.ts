import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'deleted-in-later-layer';
const files = { 'app.py': 'print(1)\n', 'tests/test_a.py': '12345', 'tests/data/big.bin': '0123456789', 'dist/app.tar': 'x'.repeat(100) };

test('deleting part of an earlier COPY from the context is found at the operand, with the bytes that stay', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN rm -rf tests && python -m compileall .\n', files);
  assert.deepEqual(ranges(f), ['4:12-4:17']);
  assert.match(f[0].message, /^\/app\/tests was copied in by COPY \(line 3\), an earlier layer: deleting it here hides it but the image keeps its bytes \(15 B\)/);
  assert.deepEqual(f[0].cost, { bytes: 15, basis: 'measured' });
  assert.deepEqual(related(f[0]), ['3:1-3:9 where /app was copied in']);
});

test('a copied file, an ADD download and a RUN download deleted later are found; only the copy has a size', async () => {
  const df = [
    'FROM bb',
    'COPY dist/app.tar /tmp/',
    'ADD https://example.com/tool.tar.gz /opt/',
    'RUN curl -fsSL -o /opt/model.bin https://example.com/model.bin',
    'RUN tar -xf /tmp/app.tar -C /srv \\',
    '    && rm /tmp/app.tar /opt/tool.tar.gz /opt/model.bin',
    '',
  ].join('\n');
  const f = await findings(rule, df, files);
  assert.deepEqual(ranges(f).sort(), ['6:11-6:23', '6:24-6:40', '6:41-6:55']);
  assert.deepEqual(f.map((x) => x.cost?.bytes).sort(), [100, undefined, undefined]);
  assert.ok(f.some((x) => /^\/opt\/tool\.tar\.gz was downloaded by ADD \(line 3\)/.test(x.message)));
});

test('a glob and a folder above the copied files count; a stage the image is built FROM counts too', async () => {
  const df = 'FROM bb AS base\nCOPY tests/ /t/\nFROM base\nRUN rm -rf /t/data/*.bin /t\n';
  const f = await findings(rule, df, files);
  assert.deepEqual(ranges(f), ['4:12-4:25', '4:26-4:28']);
  assert.match(f[0].message, /^\/t\/data\/\*\.bin was copied in by COPY in stage base \(line 2\).*\(10 B\)/);
  assert.match(f[1].message, /^\/t was copied in .*\(5 B\)/);
});

test('a COPY --from destination deleted later is found, without a size', async () => {
  const f = await findings(rule, 'FROM bb AS build\nRUN mkdir /wheels\nFROM bb\nCOPY --from=build /wheels /wheels\nRUN pip install /wheels/*.whl\nRUN rm -rf /wheels\n');
  assert.deepEqual(ranges(f), ['6:12-6:19']);
  assert.equal(f[0].cost, undefined);
});

test('stays clean when the same RUN adds and deletes, for paths no step added, and outside the final image', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN curl -o /tmp/x.tgz https://e/x.tgz && tar -xzf /tmp/x.tgz && rm /tmp/x.tgz\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN rm -rf /etc/apt/sources.list.d/old.list /var/lib/apt/lists/*\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN rm -rf build\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN mkdir -p /work\nRUN rm -rf /work\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY dist/app.tar /tmp/\nRUN echo rm /tmp/app.tar\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS build\nCOPY . /src\nRUN rm -rf /src/tests\nFROM bb\nCOPY --from=build /src /src\n', files), []);
  // After a cd, a relative operand is not known.
  assert.deepEqual(await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY . .\nRUN cd /tmp && rm -rf tests\n', files), []);
});
