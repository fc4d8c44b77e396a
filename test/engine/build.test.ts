import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { mapRecordToLines } from '../../src/engine/line-map.js';
import type { BuildRecord } from '../../src/engine/driver.js';
import type { Vertex } from '../../src/engine/progress.js';
import { describeStages, makeContext, engineTest } from './build-helpers.js';

/** `line -> vertex` for every Dockerfile step of a build, checking each label's i/n on the way. */
function stepsByLine(record: BuildRecord, dockerfile: string) {
  const map = mapRecordToLines(record, describeStages(dockerfile));
  const byLine = new Map<number, Vertex>();
  for (const { vertex, location } of map.vertices) {
    if (vertex.stepIndex === undefined) continue;
    assert.ok(location, `no line for ${vertex.name}`);
    assert.ok(location.countMatches, `i/n of ${vertex.name} disagrees with the Dockerfile`);
    byLine.set(location.line, vertex);
  }
  return { byLine, unmatched: map.unmatched.map((u) => u.line) };
}

/** Current BuildKit names a FROM vertex with the digest it resolved (`...bb:latest@sha256:...`); v0.8 does not. */
const instructionOf = (v: Vertex) => (v.instruction ?? '').replace(/^(FROM \S+)@sha256:[0-9a-f]{64}$/, '$1');

const summary = (byLine: Map<number, Vertex>) =>
  Object.fromEntries([...byLine].sort(([a], [b]) => a - b).map(([line, v]) => [line, instructionOf(v)]));

engineTest('a single-stage build records every step at its Dockerfile line, with its output', async (t, engine) => {
  const dockerfile = [
    'FROM bb:latest',
    'ENV GREETING=hi',
    'WORKDIR /app',
    'RUN echo "$GREETING from run" && echo second',
    'COPY hello.txt ./hello.txt',
    'RUN cat hello.txt',
    'USER nobody',
    '',
  ].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile, 'hello.txt': 'hello\n' });
  const record = await ctx.build({ noCache: true });
  assert.equal(record.ok, true, record.error);
  assert.match(record.imageId ?? '', /^sha256:[0-9a-f]{64}$/);
  const { byLine, unmatched } = stepsByLine(record, dockerfile);
  assert.deepEqual(summary(byLine), {
    1: 'FROM docker.io/library/bb:latest',
    3: 'WORKDIR /app',
    // BuildKit names the step with ENV variables expanded.
    4: 'RUN echo "hi from run" && echo second',
    5: 'COPY hello.txt ./hello.txt',
    6: 'RUN cat hello.txt',
  });
  assert.deepEqual(unmatched, []);
  // --no-cache re-runs RUN and COPY; v0.8 still takes FROM and WORKDIR from the cache.
  for (const line of [4, 5, 6]) assert.equal(byLine.get(line)!.state, 'done');
  assert.deepEqual(byLine.get(4)!.output, ['hi from run', 'second']);
  assert.deepEqual(byLine.get(6)!.output, ['hello']);
  for (const v of byLine.values() as Iterable<Vertex>) assert.ok(v.started !== undefined && v.completed !== undefined, v.name);
});

engineTest('a multi-stage build maps a stage built FROM another stage and leaves the unused stage out', async (t, engine) => {
  const dockerfile = [
    'FROM bb:latest AS base',
    'RUN echo base > /base.txt',
    'FROM base AS child',
    'WORKDIR /work',
    'RUN cat /base.txt',
    'FROM bb:latest AS unused',
    'RUN echo never',
    'FROM child',
    'COPY --from=base /base.txt /copied.txt',
    '',
  ].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile });
  const record = await ctx.build({ noCache: true });
  assert.equal(record.ok, true, record.error);
  const { byLine, unmatched } = stepsByLine(record, dockerfile);
  const label = (line: number) => {
    const v = byLine.get(line)!;
    return `[${v.stage} ${v.stepIndex}/${v.stepCount}] ${v.instruction}`;
  };
  // The FROM vertex of bb:latest is shared with any build on the daemon at the same time, which
  // may lend it its own label: only the image is certain.
  assert.equal(instructionOf(byLine.get(1)!), 'FROM docker.io/library/bb:latest');
  assert.equal(label(2), '[base 2/2] RUN echo base > /base.txt');
  // FROM base: no FROM vertex, and child counts only its own steps.
  assert.equal(label(4), '[child 1/2] WORKDIR /work');
  assert.equal(label(5), '[child 2/2] RUN cat /base.txt');
  assert.equal(label(9), '[stage-3 1/1] COPY --from=base /base.txt /copied.txt');
  assert.deepEqual(byLine.get(5)!.output, ['base']);
  assert.deepEqual(unmatched, [7]);
  assert.ok(!record.vertices.some((v) => v.stage === 'unused'));
});

engineTest('a rebuild after a context file changed takes the steps before its COPY from the cache and runs the rest', async (t, engine) => {
  const dockerfile = ['FROM bb:latest', 'RUN echo before', 'COPY data.txt /data.txt', 'RUN cat /data.txt', ''].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile, 'data.txt': 'one\n' });
  const first = await ctx.build({ noCache: true });
  assert.equal(first.ok, true, first.error);
  // New content every run: an earlier run's build of the same content would be a cache hit.
  const content = `two ${randomBytes(4).toString('hex')}`;
  ctx.write('data.txt', content + '\n');
  const second = await ctx.build();
  assert.equal(second.ok, true, second.error);
  const { byLine } = stepsByLine(second, dockerfile);
  assert.equal(byLine.get(2)!.state, 'cached');
  assert.equal(byLine.get(2)!.cached, true);
  assert.equal(byLine.get(3)!.state, 'done');
  assert.equal(byLine.get(4)!.state, 'done');
  assert.deepEqual(byLine.get(4)!.output, [content]);
  assert.notEqual(second.imageId, first.imageId);
});

engineTest('two independent stages run at the same time and their recorded times overlap', async (t, engine) => {
  const dockerfile = [
    'FROM bb:latest AS one',
    'RUN sleep 1 && echo one > /one',
    'FROM bb:latest AS two',
    'RUN sleep 1 && echo two > /two',
    'FROM bb:latest',
    'COPY --from=one /one /one',
    'COPY --from=two /two /two',
    '',
  ].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile });
  const record = await ctx.build({ noCache: true });
  assert.equal(record.ok, true, record.error);
  const { byLine } = stepsByLine(record, dockerfile);
  const one = byLine.get(2)!;
  const two = byLine.get(4)!;
  for (const v of [one, two]) {
    assert.equal(v.state, 'done');
    assert.ok(v.durationSeconds! >= 0.9, `${v.name} took ${v.durationSeconds}s`);
  }
  const overlap = Math.min(one.completed!, two.completed!) - Math.max(one.started!, two.started!);
  assert.ok(overlap >= 0.5, `overlap ${overlap.toFixed(3)}s: one ${one.started}-${one.completed}, two ${two.started}-${two.completed}`);
  // Both COPYs wait for both RUNs.
  assert.ok(byLine.get(7)!.started! >= Math.max(one.completed!, two.completed!) - 0.25);
});

engineTest('a failing step is reported at its line with its output and exit code, and later steps never start', async (t, engine) => {
  const dockerfile = [
    'FROM bb:latest',
    'RUN echo fine',
    'RUN echo "about to fail" && echo "to stderr" >&2 && exit 7',
    'RUN echo never',
    '',
  ].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile });
  const record = await ctx.build({ noCache: true });
  assert.equal(record.ok, false);
  assert.notEqual(record.exitCode, 0);
  assert.match(record.error ?? '', /exit code: 7/);
  assert.equal(record.imageId, undefined);
  const { byLine, unmatched } = stepsByLine(record, dockerfile);
  const failed = byLine.get(3)!;
  assert.equal(failed.state, 'error');
  assert.equal(failed.exitCode, 7);
  // stdout and stderr reach the progress stream separately: their order is not kept.
  assert.deepEqual([...failed.output].sort(), ['about to fail', 'to stderr']);
  assert.equal(byLine.get(2)!.state, 'done');
  // v0.8 never prints the step after the failure; current BuildKit lists it (rawjson sends the
  // whole graph first) but never starts it.
  if (engine.kind === 'buildctl') {
    assert.deepEqual(unmatched, []);
    assert.equal(byLine.get(4)!.started, undefined, 'the step after the failure never started');
  } else {
    assert.deepEqual(unmatched, [4]);
  }
});

engineTest('recorded start and end times are within 0.3 s of the clock readings a step makes itself (start 0.5 s from BuildKit\'s own times)', async (t, engine) => {
  // /proc/uptime is the host's (not namespaced), so the step reads the clock the driver uses.
  const uptime = "cut -d' ' -f1 /proc/uptime";
  const dockerfile = [
    'FROM bb:latest AS a',
    `RUN ${uptime}; sleep 1.2; ${uptime}`,
    `RUN ${uptime}; sleep 0.3; ${uptime}`,
    'FROM bb:latest AS b',
    `RUN ${uptime}; sleep 0.6; ${uptime}`,
    'FROM bb:latest',
    'COPY --from=a /etc/passwd /a',
    'COPY --from=b /etc/passwd /b',
    '',
  ].join('\n');
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile });
  const uptime0 = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const record = await ctx.build({ noCache: true });
  assert.equal(record.ok, true, record.error);
  const { byLine } = stepsByLine(record, dockerfile);
  // BuildKit's own start time (rawjson, current BuildKit) is when it began the step, before runc
  // made the container the step's first clock reading runs in: up to 0.36 s here on a loaded machine.
  const startTolerance = record.timing === 'rawjson' ? 0.5 : 0.3;
  for (const line of [2, 3, 5]) {
    const v = byLine.get(line)!;
    const [first, last] = v.output.map((o) => Number(o) - uptime0);
    t.diagnostic(`${v.name}: started ${v.started} (read ${first}), completed ${v.completed} (read ${last})`);
    assert.ok(Math.abs(v.started! - first!) <= startTolerance, `${v.name}: started ${v.started}, step read ${first}`);
    assert.ok(Math.abs(v.completed! - last!) <= 0.3, `${v.name}: completed ${v.completed}, step read ${last}`);
  }
});
