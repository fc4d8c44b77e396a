import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheArgs, commandFor } from '../../../src/engine/driver.js';
import { UsageError } from '../../../src/core/errors.js';
import { createDisplay } from '../../../src/engine/display.js';
import { isTestTag, testTag } from '../../../src/engine/cleanup.js';
import { parseRawJsonProgress, RawJsonParser } from '../../../src/engine/progress-rawjson.js';
import type { EngineIdentity } from '../../../src/engine/engine.js';

const debian: EngineIdentity = {
  kind: 'docker',
  client: '/usr/bin/docker',
  version: '20.10.24',
  serverVersion: '20.10.24',
  buildkitVersion: 'v0.8',
  docker: '/usr/bin/docker',
  env: { DOCKER_BUILDKIT: '1' },
  supports: { rawjson: false, cacheFrom: true, cacheTo: false, iidfile: true, dockerImages: true },
  description: 'docker 20.10.24',
};

test('the classic docker build command carries every option, with host networking by default', () => {
  const c = commandFor(
    debian,
    { context: '/ctx', target: 'app', buildArgs: { A: '1' }, noCache: true, cacheFrom: ['img:cache'] },
    'layerwise-test/x:1',
    '/work',
    false,
  );
  assert.equal(c.command, '/usr/bin/docker');
  assert.deepEqual(c.args, [
    'build', '--progress=plain', '--network=host', '-f', '/ctx/Dockerfile', '-t', 'layerwise-test/x:1',
    '--iidfile', '/work/iid', '--target', 'app', '--build-arg', 'A=1', '--no-cache', '--cache-from', 'img:cache', '/ctx',
  ]);
});

test('buildx builds load the image and ask for rawjson when the engine has it', () => {
  const c = commandFor({ ...debian, kind: 'buildx' }, { context: '/ctx', dockerfile: '/df/Dockerfile.x', network: 'none' }, 't', '/w', true);
  assert.deepEqual(c.args.slice(0, 5), ['buildx', 'build', '--load', '--progress=rawjson', '--network=none']);
  assert.ok(c.args.includes('/df/Dockerfile.x'));
});

test('buildctl builds export a docker tarball and pass build args as frontend options', () => {
  const c = commandFor(
    { ...debian, kind: 'buildctl', client: '/usr/bin/buildctl' },
    { context: '/ctx', buildArgs: { V: '2' }, target: 't' },
    'layerwise-test/y:2',
    '/w',
    false,
  );
  assert.equal(c.archive, '/w/image.tar');
  assert.ok(c.args.includes('type=docker,name=layerwise-test/y:2,dest=/w/image.tar'));
  assert.ok(c.args.includes('build-arg:V=2'));
  assert.ok(c.args.includes('target=t'));
  assert.ok(c.args.includes('force-network-mode=host'));
});

test('test tags are unique and always under the layerwise-test prefix', () => {
  const a = testTag('My Case');
  const b = testTag('My Case');
  assert.notEqual(a, b);
  assert.match(a, /^layerwise-test\/my-case:[a-z0-9]+-[a-z0-9]+-[0-9a-f]{6}$/);
  assert.ok(isTestTag(a));
  assert.ok(!isTestTag('bb:latest'));
});

test('the step display writes nothing when the stream is not a terminal or quiet is set', () => {
  let written = '';
  const sink = { isTTY: false, write: (s: string) => ((written += s), true) };
  const d = createDisplay(sink);
  d.update({ id: 1, name: '[1/1] RUN x', internal: false, state: 'done', cached: false, output: [], statuses: [] });
  d.finish();
  createDisplay({ ...sink, isTTY: true }, { quiet: true }).finish();
  assert.equal(written, '');
});

test('the step display on a terminal lists steps with their state and time', () => {
  let written = '';
  const tty = { isTTY: true, columns: 60, write: (s: string) => ((written += s), true) };
  const d = createDisplay(tty);
  d.update({ id: 1, name: '[internal] load build context', internal: true, state: 'done', cached: false, output: [], statuses: [] });
  d.update({ id: 2, name: '[base 2/3] RUN make', internal: false, state: 'done', cached: false, durationSeconds: 1.25, output: [], statuses: [] });
  d.update({ id: 3, name: '[base 3/3] COPY . /', internal: false, state: 'cached', cached: true, output: [], statuses: [] });
  d.finish();
  const lines = written.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^✓ \[base 2\/3\] RUN make +1\.3s$/);
  assert.match(lines[1]!, /^= \[base 3\/3\] COPY \. \/ +cached$/);
  assert.ok(lines.every((l) => l.length <= 59));
});

// Hand-made after moby/buildkit client/graph.go (SolveStatus); BuildKit v0.8 has no rawjson.
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const rawjson = [
  { vertexes: [{ digest: 'sha256:a', name: '[base 2/3] RUN make', started: T(1) }] },
  { logs: [{ vertex: 'sha256:a', stream: 1, data: Buffer.from('line one\nline ').toString('base64'), timestamp: T(2) }] },
  { logs: [{ vertex: 'sha256:a', stream: 1, data: Buffer.from('two\n').toString('base64'), timestamp: T(2) }] },
  { vertexes: [{ digest: 'sha256:a', name: '[base 2/3] RUN make', started: T(1), completed: T(4) }] },
  { vertexes: [{ digest: 'sha256:b', name: '[base 3/3] COPY . /', started: T(4), completed: T(4), cached: true }] },
  {
    vertexes: [
      { digest: 'sha256:c', name: '[other 2/2] RUN false', started: T(2), completed: T(5), error: 'process "/bin/sh -c false" did not complete successfully: exit code: 1' },
    ],
  },
  { vertexes: [{ digest: 'sha256:d', name: '[x 2/2] RUN sleep 9', started: T(2), completed: T(5), error: 'context canceled' }] },
]
  .map((o) => JSON.stringify(o, null, 2))
  .join('\n');

test('rawjson progress gives exact times, joined log lines, cache hits, errors and cancellations', () => {
  const p = parseRawJsonProgress(rawjson + '\nERROR: failed to solve: exit code: 1\n', Date.UTC(2026, 0, 1, 0, 0, 0));
  const [a, b, c, d] = p.vertices;
  assert.deepEqual([a!.stage, a!.stepIndex, a!.stepCount, a!.started, a!.completed, a!.durationSeconds], ['base', 2, 3, 1, 4, 3]);
  assert.deepEqual(a!.output, ['line one', 'line two']);
  assert.equal(b!.state, 'cached');
  assert.equal(c!.state, 'error');
  assert.equal(c!.exitCode, 1);
  assert.equal(d!.state, 'canceled');
  assert.equal(p.error, 'failed to solve: exit code: 1');
});

test('rawjson documents split across chunks are read whole', () => {
  const parser = new RawJsonParser(Date.UTC(2026, 0, 1, 0, 0, 0));
  for (let i = 0; i < rawjson.length; i += 13) parser.push(rawjson.slice(i, i + 13));
  const p = parser.result();
  assert.equal(p.vertices.length, 4);
  assert.deepEqual(p.vertices[0]!.output, ['line one', 'line two']);
});

test('cache options: buildctl imports and exports specs (mode is the export\'s, loopback registries speak HTTP); docker 20.10 reads images and exports inline only', () => {
  const bk: EngineIdentity = { ...debian, kind: 'buildctl', client: '/usr/bin/buildctl' };
  assert.deepEqual(cacheArgs(bk, { cacheFrom: ['127.0.0.1:5000/c:1', 'type=local,src=/c,mode=max'], cacheTo: ['type=registry,ref=reg.example/c:1,mode=max'] }), [
    '--import-cache', 'type=registry,ref=127.0.0.1:5000/c:1,registry.insecure=true',
    '--import-cache', 'type=local,src=/c',
    '--export-cache', 'type=registry,ref=reg.example/c:1,mode=max',
  ]);
  assert.deepEqual(cacheArgs(debian, { cacheFrom: ['type=registry,ref=img:cache'], cacheTo: ['type=inline'] }), ['--cache-from', 'img:cache', '--build-arg', 'BUILDKIT_INLINE_CACHE=1']);
  assert.throws(() => cacheArgs(debian, { cacheTo: ['type=registry,ref=r/c,mode=max'] }), (e: Error) => e instanceof UsageError && /docker build 20\.10\.24 \(BuildKit v0\.8\) exports only an inline cache/.test(e.message));
  assert.throws(() => cacheArgs(debian, { cacheFrom: ['type=local,src=/c'] }), (e: Error) => e instanceof UsageError && /reads a cache only from an image/.test(e.message));
  assert.throws(() => cacheArgs({ ...debian, kind: 'buildx' }, { cacheTo: ['type=local,dest=/c'] }), UsageError);
  assert.deepEqual(cacheArgs({ ...debian, kind: 'buildx', supports: { ...debian.supports, cacheTo: true } }, { cacheTo: ['type=local,dest=/c'] }), ['--cache-to', 'type=local,dest=/c']);
});
