import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/analyze/analyze.js';
import { projectRoot } from '../../helpers.js';
import { findings, ranges } from './harness.js';

const RULE = 'subfolder-build-after-broad-copy';
const files = {
  'gateway/Cargo.toml': '[package]\n',
  'gateway/src/main.rs': 'fn main() {}\n',
  'web/package.json': '{}\n',
  'web/index.js': '1\n',
  'python/app.py': 'print(1)\n',
};

test('a RUN reading only gateway/ files after COPY . is found, naming the folder', async () => {
  const fs = await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN cat gateway/Cargo.toml gateway/src/main.rs | sha256sum > /out && sleep 3\n', files);
  assert.deepEqual(ranges(fs), ['4:1-4:77']);
  assert.match(fs[0].message, /^RUN at line 4 reads only files under gateway\/ \(gateway\/Cargo\.toml, gateway\/src\/main\.rs\) but runs after COPY \. \. \(line 3\)/);
  assert.equal(fs[0].cost?.rebuild_s, 3.1);
});

test('a compile that cd-s into the folder first is found', async () => {
  const fs = await findings(RULE, 'FROM rust\nWORKDIR /src\nCOPY . .\nRUN cd gateway && cargo build --release\n', files);
  assert.deepEqual(ranges(fs), ['4:1-4:40']);
  assert.match(fs[0].message, /under gateway\/ \(gateway\)/);
});

test('a compile that names only the manifest of the folder but works in the folder (--manifest-path) is found', async () => {
  const fs = await findings(RULE, 'FROM rust\nWORKDIR /src\nCOPY . .\nRUN cargo build --manifest-path gateway/Cargo.toml\n', files);
  assert.deepEqual(ranges(fs), ['4:1-4:51']);
});

test('the fixed layout (a stage that copies only gateway/) stays clean', async () => {
  const df = 'FROM alpine AS gateway\nWORKDIR /app\nCOPY gateway/ gateway/\nRUN cat gateway/Cargo.toml gateway/src/main.rs | sha256sum > /out && sleep 3\n\nFROM alpine\nCOPY --from=gateway /out /out\nCOPY . /app\n';
  assert.deepEqual(await findings(RULE, df, files), []);
});

test('a RUN reading files of two folders stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN cat gateway/Cargo.toml web/index.js > /out && sleep 3\n', files), []);
});

test('a compile run at the copy root stays clean: it may read files it does not name', async () => {
  assert.deepEqual(await findings(RULE, 'FROM rust\nWORKDIR /src\nCOPY . .\nRUN cargo build --release && cat gateway/Cargo.toml\n', files), []);
});

test('an unknown command at the copy root stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN ./build.sh gateway/src/main.rs && sleep 3\n', { ...files, 'build.sh': '#!/bin/sh\n' }), []);
});

test('a cd inside a subshell is not taken to outlast it', async () => {
  assert.deepEqual(await findings(RULE, 'FROM rust\nWORKDIR /src\nCOPY . .\nRUN (cd gateway && cat Cargo.toml) && cargo build\n', files), []);
});

test('a step that also names the copy root stays clean: it reads the whole copy', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN find . gateway/src -name "*.rs" > /out && sleep 3\n', files), []);
});

test('an unrelated command that names no context file stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN echo hello > /greeting && sleep 3\n', files), []);
});

test('a step reading only a manifest is left to manifest-first-install', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN cat gateway/Cargo.toml > /deps && sleep 3\n', files), []);
});

test('a build pointed at the folder with make -C is found', async () => {
  const fs = await findings(RULE, 'FROM rust\nWORKDIR /src\nCOPY . .\nRUN make -C gateway\n', files);
  assert.deepEqual(ranges(fs), ['4:1-4:20']);
});

test('a cheap step (under a second) stays clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN cat gateway/Cargo.toml gateway/src/main.rs > /out\n', files), []);
});

test('ml-serving: the gateway build (line 57) and the package install reading python/ (line 62) are found', async () => {
  const dir = path.join(projectRoot, 'examples/ml-serving');
  const r = await analyze({ contextDir: dir, dockerfilePath: path.join(dir, 'docker/Dockerfile'), displayName: 'docker/Dockerfile' }, { only: [RULE] });
  const byLine = new Map(r.findings.map((f) => [f.range.start.line, f]));
  assert.deepEqual([...byLine.keys()].sort(), [57, 62]);
  assert.equal(
    byLine.get(57)!.message,
    'RUN at line 57 reads only files under gateway/ (gateway/Cargo.toml, gateway/src/main.rs) but runs after COPY . /workspace/app (line 33): an edit anywhere else in the copy re-runs it; run it where only gateway/ is copied (a stage of its own, or before the rest of the copy)',
  );
  assert.match(byLine.get(62)!.message, /^RUN at line 62 reads only files under python\/ \(python\)/);
  // `sleep 2` plus the step overhead.
  assert.ok((byLine.get(57)!.cost?.rebuild_s ?? 0) >= 2);
});

test('a gateway build put in place by a conditional cp, with its toolchain installed in the same RUN (curl | sh, pip install of a tool, a cleanup function), is found', async () => {
  // The seed's gateway step: the source lands at /work/app; the RUN installs rustup and maturin
  // from outside the copy, then builds in gateway/ only.
  const df = [
    'FROM scratch AS src',
    'COPY . /src',
    'FROM python:3.12',
    'WORKDIR /work',
    'COPY --from=src /src /tmp/src',
    'RUN cp -r /tmp/src /work/app && rm -rf /tmp/src',
    'RUN cleanup() { rm -rf /root/.cargo /work/app/gateway/target; } && trap cleanup EXIT \\',
    '    && curl -sSf https://sh.rustup.rs | sh -s -- -y \\',
    '    && python3 -m pip install maturin \\',
    '    && cd /work/app/gateway && cargo build --release && cp target/release/gw /usr/local/bin/gw',
    '',
  ].join('\n');
  const fs = await findings(RULE, df, files);
  assert.deepEqual(fs.map((f) => f.range.start.line), [7]);
  assert.match(fs[0].message, /reads only files under gateway\//);
});

test('a toolchain install run at the copy root with the build stays clean: it may read the whole copy', async () => {
  const df = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN python3 -m pip install maturin && cd gateway && cargo build --release\n';
  assert.deepEqual(await findings(RULE, df, files), []);
});
