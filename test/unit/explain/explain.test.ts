import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { explain } from '../../../src/explain/explain.js';
import { explainJson, explainText } from '../../../src/report/explain.js';
import { projectRoot, tempDir } from '../../helpers.js';

const example = path.join(projectRoot, 'examples', 'ml-serving');
const exampleTarget = { contextDir: example, dockerfilePath: path.join(example, 'docker', 'Dockerfile'), displayName: 'docker/Dockerfile' };

function tmpTarget(files: Record<string, string>) {
  const dir = tempDir('layerwise-explain-');
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile', dir };
}

test('an edit of python/app/server.py in the example rebuilds from the early COPY on', async () => {
  const r = explainJson(await explain(exampleTarget, { changed: ['python/app/server.py'] })) as {
    steps: { line: number; status: string; instruction: string; stage: string }[];
    summary: { rebuilt: number; first_rebuilt_line: number };
  };
  assert.equal(r.summary.first_rebuilt_line, 33);
  const runsAfter = r.steps.filter((s) => s.stage === 'framework' && s.line > 33 && s.instruction.startsWith('RUN'));
  assert.equal(runsAfter.length, 6);
  for (const s of runsAfter) assert.equal(s.status, 'rebuilt', `line ${s.line}`);
  for (const s of r.steps.filter((x) => x.stage === 'base' && x.instruction.startsWith('RUN'))) assert.equal(s.status, 'cached');
  assert.equal(r.summary.rebuilt, 7);
});

test('the text report closes with a sentence naming the change, the count and the first rebuilt step', async () => {
  const text = explainText(await explain(exampleTarget, { changed: ['python/app/server.py'] }));
  assert.match(text, /A change to python\/app\/server\.py rebuilds 7 of 11 steps, starting at line 33 \(COPY \. \/workspace\/app\)\./);
});

test('a file excluded by .dockerignore changes nothing', async () => {
  const r = await explain(exampleTarget, { changed: ['python/app/__pycache__/server.cpython-312.pyc', 'README.md'] });
  assert.equal(r.verdicts.filter((v) => v.status === 'rebuilt').length, 0);
});

test('every step of every stage appears once, in file order', async () => {
  const r = await explain(exampleTarget, { changed: ['gateway/src/main.rs'] });
  const lines = r.verdicts.map((v) => v.step.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  assert.equal(new Set(lines).size, lines.length);
  assert.equal(lines.length, 18); // the instructions of both stages; the global ARG belongs to no stage
});

test('an ARG changed between builds rebuilds the first RUN after it, even one that does not use it', async () => {
  const t = tmpTarget({ Dockerfile: 'FROM bb\nRUN echo one\nARG V=1\nCOPY a /a\nRUN echo two\n', a: 'x' });
  const r = await explain(t, { buildArgs: { V: '2' }, prevBuildArgs: {} });
  const status = Object.fromEntries(r.verdicts.map((v) => [v.step.line, v.status]));
  assert.deepEqual(status, { 1: 'cached', 2: 'cached', 3: 'metadata', 4: 'cached', 5: 'rebuilt' });
  assert.equal(r.verdicts.find((v) => v.step.line === 5)!.cause.kind, 'arg');
});

test('a build arg equal to the default is no change, and one for an undeclared ARG changes nothing', async () => {
  const t = tmpTarget({ Dockerfile: 'FROM bb\nARG V=1\nRUN echo $V\n' });
  const r = await explain(t, { buildArgs: { V: '1', OTHER: 'x' }, prevBuildArgs: {} });
  assert.equal(r.verdicts.filter((v) => v.status === 'rebuilt').length, 0);
});

test('a global ARG not declared again in the stage does not reach its RUN steps', async () => {
  const t = tmpTarget({ Dockerfile: 'ARG V=1\nFROM bb\nRUN echo $V\n' });
  const r = await explain(t, { buildArgs: { V: '2' }, prevBuildArgs: {} });
  assert.equal(r.verdicts.filter((v) => v.status === 'rebuilt').length, 0);
});

test('renaming a stage and its users rebuilds nothing, since the cache does not know stage names', async () => {
  const t = tmpTarget({
    Dockerfile: 'FROM bb AS one\nRUN echo a\nFROM one AS app\nRUN echo b\n',
    'Dockerfile.prev': 'FROM bb AS base\nRUN echo a\nFROM base AS app\nRUN echo b\n',
  });
  const r = await explain(t, { prevFile: path.join(t.dir, 'Dockerfile.prev') });
  assert.deepEqual(r.verdicts.filter((v) => v.step.executes).map((v) => v.status), ['cached', 'cached', 'cached']);
});

test('a COPY --from a rebuilt stage is conditional, and so is everything after it', async () => {
  const t = tmpTarget({
    Dockerfile: 'FROM bb AS build\nRUN echo v2 > /out\nFROM bb\nCOPY --from=build /out /out\nRUN cat /out\n',
    'Dockerfile.prev': 'FROM bb AS build\nRUN echo v1 > /out\nFROM bb\nCOPY --from=build /out /out\nRUN cat /out\n',
  });
  const r = await explain(t, { prevFile: path.join(t.dir, 'Dockerfile.prev') });
  const status = Object.fromEntries(r.verdicts.map((v) => [v.step.line, v.status]));
  assert.equal(status[2], 'rebuilt');
  assert.equal(status[4], 'conditional');
  assert.equal(status[5], 'conditional');
  assert.match(r.verdicts.find((v) => v.step.line === 4)!.reason, /only if those files turn out to differ/);
});

test('stages the target does not need are skipped', async () => {
  const t = tmpTarget({ Dockerfile: 'FROM bb AS a\nRUN echo a\nFROM bb AS b\nRUN echo b\n' });
  const r = await explain(t, { target: 'a' });
  assert.deepEqual(r.verdicts.map((v) => v.status), ['cached', 'cached', 'skipped', 'skipped']);
});

test('inserting a RUN rebuilds it and what follows in its stage only', async () => {
  const t = tmpTarget({
    Dockerfile: 'FROM bb AS a\nRUN echo 1\nRUN echo new\nRUN echo 2\nFROM bb AS b\nRUN echo b\n',
    'Dockerfile.prev': 'FROM bb AS a\nRUN echo 1\nRUN echo 2\nFROM bb AS b\nRUN echo b\n',
  });
  const r = await explain(t, { prevFile: path.join(t.dir, 'Dockerfile.prev'), target: 'a' });
  const status = Object.fromEntries(r.verdicts.map((v) => [v.step.line, v.status]));
  assert.deepEqual(status, { 1: 'cached', 2: 'cached', 3: 'rebuilt', 4: 'rebuilt', 5: 'skipped', 6: 'skipped' });
  assert.equal(r.verdicts.find((v) => v.step.line === 3)!.cause.kind, 'inserted');
});

test('an edited RUN says what changed in its command, whitespace included', async () => {
  const t = tmpTarget({ Dockerfile: 'FROM bb\nRUN echo  a && sleep 5\n', 'Dockerfile.prev': 'FROM bb\nRUN echo a && sleep 4\n' });
  const r = await explain(t, { prevFile: path.join(t.dir, 'Dockerfile.prev') });
  assert.equal(r.verdicts[1].reason, 'the command changed: "echo a && sleep 4" is now "echo  a && sleep 5"');
});

test('with a profile, explain says what the rebuild costs, on what basis, and its critical path', async () => {
  const { emptyProfile, stepKey } = await import('../../../src/timing/profile.js');
  const { buildGraph } = await import('../../../src/graph/graph.js');
  const { loadDockerfile } = await import('../../../src/dockerfile/load.js');
  const g = buildGraph(await loadDockerfile(exampleTarget.dockerfilePath));
  const profile = emptyProfile();
  // Every RUN measured at its sleep; WORKDIR and COPY left out on purpose.
  for (const s of g.stages) for (const st of s.steps) {
    const m = /sleep (\d+)/.exec(st.instruction.text);
    if (st.keyword === 'RUN' && m) profile.steps[stepKey(g, st)] = { stage: s.name!, position: 0, instruction: '', line: st.line, samples: [Number(m[1])] };
  }
  profile.overhead = [1];
  const r = await explain(exampleTarget, { changed: ['python/app/server.py'], profile });
  const j = explainJson(r) as { time: { rebuild_s: number; basis: string; critical_path: string[]; unmeasured_lines: number[] } };
  assert.deepEqual(j.time, { rebuild_s: 17, rebuild_high_s: 17, basis: 'mixed', critical_path: ['framework'], unmeasured_lines: [33] });
  assert.match(explainText(r), /: about 17 s \(partly estimated: no profile data for line 33\), critical path: framework\.$/m);
});

/** The shape of the seed's file: the whole context in a scratch stage, copied into the framework stage, then into place. */
const sourceStage = [
  'FROM bb AS base', 'RUN echo base',
  'FROM scratch AS local_src', 'COPY . /src',
  'FROM base AS framework', 'WORKDIR /ws',
  'COPY --from=local_src /src /tmp/local_src', // 7
  'RUN cp -r /tmp/local_src /ws/app && rm -rf /tmp/local_src',
  'RUN pip install -e /ws/app/python',
  'FROM bb', 'COPY --from=local_src /src/docs /docs', // 11
  'COPY --from=framework /ws /ws', // 12
  '',
].join('\n');

test('an edit of a file inside a folder copied from a source stage rebuilds the copy and what follows, not "maybe"', async () => {
  const t = tmpTarget({ Dockerfile: sourceStage });
  const r = await explain(t, { changed: ['python/app/server.py'] });
  const at = (line: number) => r.verdicts.find((v) => v.step.line === line)!;
  assert.equal(at(7).status, 'rebuilt');
  assert.equal(at(7).cause.kind, 'flow');
  assert.match(at(7).reason, /copies python\/app\/server\.py from stage local_src, which took it from the build context at line 4/);
  assert.equal(at(8).status, 'rebuilt');
  assert.equal(at(9).status, 'rebuilt');
  // docs/ holds only context files, none edited: the copy of it stays cached.
  assert.equal(at(11).status, 'cached');
  // /ws went through RUN steps since it left the context: BuildKit compares, so it stays "maybe".
  assert.equal(at(12).status, 'conditional');
});

test('an edit outside every folder copied from a source stage leaves those copies cached', async () => {
  const t = tmpTarget({ Dockerfile: sourceStage });
  const r = await explain(t, { changed: ['README.md'] });
  const at = (line: number) => r.verdicts.find((v) => v.step.line === line)!;
  assert.equal(at(4).status, 'rebuilt');
  // The whole context is copied at line 7: README.md is in it.
  assert.equal(at(7).status, 'rebuilt');
  assert.equal(at(11).status, 'cached');
});
