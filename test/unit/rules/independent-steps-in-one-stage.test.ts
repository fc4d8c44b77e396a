import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/analyze/analyze.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { loadModel } from '../../../src/model.js';
import { stepEffects } from '../../../src/shell/effects.js';
import { projectRoot } from '../../helpers.js';
import { findings, ranges, related } from './harness.js';

const RULE = 'independent-steps-in-one-stage';
const example = path.join(projectRoot, 'examples/ml-serving');
const exampleTarget = { contextDir: example, dockerfilePath: path.join(example, 'docker/Dockerfile'), displayName: 'docker/Dockerfile' };

test('two steps writing different folders, read together by a third, are found as one group', async () => {
  const df = 'FROM alpine\nRUN mkdir -p /opt/a && echo a > /opt/a/x && sleep 3\nRUN mkdir -p /opt/b && echo b > /opt/b/x && sleep 2\nRUN cat /opt/a/x /opt/b/x > /opt/all && sleep 1\n';
  const fs = await findings(RULE, df);
  assert.deepEqual(ranges(fs), ['2:1-2:52']);
  assert.equal(
    fs[0].message,
    'RUN steps at lines 2 and 3 do not depend on each other: none reads or overwrites what another writes (line 2 writes /opt/a; line 3 writes /opt/b); as parallel stages the cold build would wait only for the longest (line 2) instead of all 2 in a row',
  );
  // The sum of the group (3.1 s + 2.1 s) less its longest member.
  assert.equal(fs[0].cost?.cold_s, 2.1);
  assert.deepEqual(related(fs[0]), ['3:1-3:52 independent of the others']);
});

test('a download and a step reading the copied source are independent', async () => {
  const df = 'FROM alpine\nWORKDIR /app\nCOPY . .\nRUN curl -fsSLo /opt/model.bin https://example.com/model.bin\nRUN cat gateway/main.rs | sha256sum > /opt/gw && sleep 2\n';
  const fs = await findings(RULE, df, { 'gateway/main.rs': 'fn main() {}\n' });
  assert.deepEqual(ranges(fs), ['4:1-4:61']);
  assert.match(fs[0].message, /lines 4 and 5 .*line 4 writes \/opt\/model\.bin; line 5 writes \/opt\/gw/);
});

test('cargo and go builds of different folders are independent', async () => {
  const df = 'FROM golang\nWORKDIR /src\nCOPY . .\nRUN cd gateway && CARGO_HOME=/opt/cargo cargo build --release\nRUN go build -C web -o /out/web ./cmd/web\n';
  const fs = await findings(RULE, df, { 'gateway/Cargo.toml': '', 'web/go.mod': '' });
  assert.deepEqual(ranges(fs), ['4:1-4:62']);
});

test('the fixed layout (each step a stage of its own) stays clean', async () => {
  const df = 'FROM alpine AS a\nRUN mkdir -p /opt/a && echo a > /opt/a/x && sleep 3\n\nFROM alpine AS b\nRUN mkdir -p /opt/b && echo b > /opt/b/x && sleep 2\n\nFROM alpine\nCOPY --from=a /opt/a /opt/a\nCOPY --from=b /opt/b /opt/b\n';
  assert.deepEqual(await findings(RULE, df), []);
});

test('a chain, each step reading what the one before wrote, stays clean', async () => {
  const df = 'FROM alpine\nRUN mkdir -p /opt/a && echo a > /opt/a/x && sleep 3\nRUN cp /opt/a/x /opt/b && sleep 2\nRUN cat /opt/b > /opt/c && sleep 2\n';
  assert.deepEqual(await findings(RULE, df), []);
});

test('two steps appending to the same file stay clean: their order decides its content', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nRUN echo a >> /opt/log && sleep 3\nRUN echo b >> /opt/log && sleep 2\n'), []);
});

test('unknown commands make no claim of independence', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nRUN ./a.sh && sleep 3\nRUN ./b.sh && sleep 3\n'), []);
  assert.deepEqual(await findings(RULE, 'FROM debian\nRUN apt-get install -y gcc\nRUN mkdir -p /opt/x && sleep 3\n'), []);
  assert.deepEqual(await findings(RULE, 'FROM python\nRUN pip install numpy\nRUN mkdir -p /opt/x && sleep 3\n'), []);
});

test('an unknown command between two independent steps ties them together', async () => {
  const df = 'FROM alpine\nRUN mkdir -p /opt/a && sleep 3\nRUN ./build.sh && sleep 3\nRUN mkdir -p /opt/b && sleep 2\n';
  assert.deepEqual(await findings(RULE, df), []);
});

test('a path through a variable the step does not know reads everything', async () => {
  const df = 'FROM alpine\nRUN mkdir -p /opt/a && sleep 3\nRUN for f in a b; do cat /opt/$f; done > /opt/out && sleep 2\n';
  assert.deepEqual(await findings(RULE, df), []);
});

test('cheap steps (under a second each) stay clean', async () => {
  assert.deepEqual(await findings(RULE, 'FROM alpine\nRUN echo a > /a\nRUN echo b > /b\n'), []);
});

test('a relative path after a cd inside sh -c counts both directories; a cd at the top level only the new one', () => {
  const effects = (text: string) => {
    const run = buildGraph(parseDockerfile(text)).stages[0].steps.find((s) => s.keyword === 'RUN')!;
    return stepEffects(run).reads.filter((r) => !r.includes('bin/')).sort();
  };
  assert.deepEqual(effects('FROM alpine\nWORKDIR /w\nRUN sh -c "cd /q && cat a" && cat b > /out\n'), ['/q/a', '/q/b', '/w/a', '/w/b']);
  assert.deepEqual(effects('FROM alpine\nWORKDIR /w\nRUN (cd /q && cat a) && cat b > /out\n'), ['/q/a', '/q/b', '/w/a', '/w/b']);
  assert.deepEqual(effects('FROM alpine\nWORKDIR /w\nRUN cd /q && cat a && cat b > /out\n'), ['/q/a', '/q/b']);
});

test('ml-serving: the extension build, kernel download, dev tools and gateway build are independent (with the dependency install); the last step is not', async () => {
  const r = await analyze(exampleTarget, { only: [RULE] });
  assert.equal(r.findings.length, 1);
  const f = r.findings[0];
  assert.equal(f.range.start.line, 36);
  assert.match(f.message, /^RUN steps at lines 36, 42, 48, 54 and 57 do not depend on each other/);
  assert.match(f.message, /line 42 writes \/opt\/wheels; line 48 writes \/opt\/cache\/kernels; line 54 writes \/opt\/sys\/devtools; line 57 writes \/opt\/gateway/);
  assert.match(f.message, /wait only for the longest \(line 36\)/);
  // Cold-build saving: the five steps' time less the longest (each `sleep N` plus 0.1 s overhead).
  assert.equal(f.cost?.cold_s, 10.4);
});

test('ml-serving: what each step reads and writes', async () => {
  const { graph } = await loadModel(exampleTarget, {});
  const at = (line: number) => {
    const e = stepEffects(graph.stages.flatMap((s) => s.steps).find((s) => s.line === line)!);
    // Program files on PATH are read by every step; they are left out here.
    return { reads: e.reads.filter((r) => !/\/s?bin\//.test(r)), writes: e.writes, unknown: e.unknown };
  };
  assert.deepEqual(at(42), { reads: [], writes: ['/opt/wheels', '/opt/wheels/ep_kernels.whl'], unknown: false });
  assert.deepEqual(at(48), { reads: [], writes: ['/opt/cache/kernels', '/opt/cache/kernels/index'], unknown: false });
  assert.deepEqual(at(54), { reads: [], writes: ['/opt/sys/devtools'], unknown: false });
  assert.deepEqual(at(57).reads, ['/workspace/app/gateway/Cargo.toml', '/workspace/app/gateway/src/main.rs']);
  // Line 62 reads the wheels line 42 wrote and writes into the folder line 36 wrote.
  assert.deepEqual(at(62), { reads: ['/workspace/app/python', '/opt/wheels'], writes: ['/opt/site-packages/app.egg-link', '/opt/site-packages'], unknown: false });
  assert.deepEqual(at(36).writes, ['/opt/site-packages', '/opt/site-packages/requirements.lock']);
});
