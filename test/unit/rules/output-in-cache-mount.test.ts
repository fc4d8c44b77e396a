import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const RULE = 'output-in-cache-mount';
const rust = { 'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n', 'Cargo.lock': 'version = 3\n', 'src/main.rs': 'fn main() {}\n' };
const cargoStage = (run: string) => [
  'FROM rust:1.80 AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN --mount=type=cache,target=/usr/local/cargo/registry \\',
  '    --mount=type=cache,target=/src/target \\',
  `    ${run}`,
];

test('a COPY --from of a binary under a cache mount of the build is found at the mount and at the COPY', async () => {
  const df = [...cargoStage('cargo build --release'), 'FROM debian:12', 'COPY --from=build /src/target/release/app /usr/local/bin/app', ''].join('\n');
  const fs = await findings(RULE, df, rust);
  assert.deepEqual(ranges(fs), ['5:5-5:42', '8:1-8:61']);
  assert.match(fs[0].message, /^the cache mounted at \/src\/target holds what this RUN writes there, and a cache mount is never part of the layer: COPY --from=build \(line 8\) reads \/src\/target\/release\/app/);
  assert.match(fs[0].message, /copy the output out of the mount in this RUN/);
  assert.deepEqual(related(fs[0]), ['8:1-8:61 reads the output from the mount']);
  assert.match(fs[1].message, /^\/src\/target\/release\/app is under \/src\/target, a cache mount of the RUN at line 4 of stage build: .*finds nothing/);
});

test('a relative target is read against WORKDIR, a glob source by its literal part, and a stage built FROM the cache stage is followed', async () => {
  const df = [
    'FROM node:20 AS build',
    'WORKDIR /app',
    'COPY . .',
    'RUN --mount=type=cache,target=dist npm run build',
    'FROM build AS bundle',
    'RUN echo done',
    'FROM nginx:1.27',
    'COPY --from=bundle /app/dist/*.js /usr/share/nginx/html/',
    '',
  ].join('\n');
  const fs = await findings(RULE, df, { 'package.json': '{"scripts":{"build":"tsc"}}\n', 'a.ts': '\n' });
  assert.deepEqual(fs.map((f) => f.range.start.line), [4, 8]);
  assert.match(fs[0].message, /cache mounted at \/app\/dist/);
});

test('a later RUN of the same stage that copies the output out of the mount, without mounting it, is found', async () => {
  const df = [...cargoStage('cargo build --release'), 'RUN cp target/release/app /usr/local/bin/app', ''].join('\n');
  const fs = await findings(RULE, df, rust);
  assert.deepEqual(ranges(fs), ['5:5-5:42', '7:8-7:26']);
  assert.match(fs[1].message, /^\/src\/target\/release\/app is under \/src\/target, a cache mount of the RUN at line 4:/);
});

test('stays clean when the RUN copies the output out of the mount itself', async () => {
  const df = [...cargoStage('cargo build --release && cp target/release/app /usr/local/bin/'), 'FROM debian:12', 'COPY --from=build /usr/local/bin/app /usr/local/bin/app', ''].join('\n');
  assert.deepEqual(await findings(RULE, df, rust), []);
});

test('stays clean for dependency caches nothing later reads, and for a later RUN that mounts the same cache', async () => {
  const pip = 'FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\nCOPY . /app\n';
  assert.deepEqual(await findings(RULE, pip, { 'app.py': '\n' }), []);
  const again = [...cargoStage('cargo build --release'), 'RUN --mount=type=cache,target=/src/target cp target/release/app /usr/local/bin/app', ''].join('\n');
  assert.deepEqual(await findings(RULE, again, rust), []);
});

test('stays clean when a later RUN builds again without the mount (the output is then in the layer)', async () => {
  const df = [...cargoStage('cargo build --release'), 'RUN cargo build --release', 'FROM debian:12', 'COPY --from=build /src/target/release/app /usr/local/bin/app', ''].join('\n');
  assert.deepEqual(await findings(RULE, df, rust), []);
});

test('stays clean when the COPY --from reads a path beside the mount, not under it', async () => {
  const df = [...cargoStage('cargo build --release'), 'FROM debian:12', 'COPY --from=build /src/target-out/app /usr/local/bin/app', 'COPY --from=build /src/Cargo.toml /', ''].join('\n');
  assert.deepEqual(await findings(RULE, df, rust), []);
});
