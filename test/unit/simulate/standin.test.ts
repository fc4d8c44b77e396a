import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { stageStepsOf } from '../../../src/engine/graph-steps.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { numericOwner, simulate } from '../../../src/simulate/standin.js';
import { projectRoot, tempDir } from '../../helpers.js';

function sim(text: string, opts: { buildArgs?: Record<string, string> } = {}) {
  const graph = buildGraph(parseDockerfile(text, 'Dockerfile'), opts);
  const s = simulate(graph, { secondsOf: () => 6, timeScale: 3 });
  return { graph, s, standin: buildGraph(parseDockerfile(s.text, 'standin'), opts) };
}

const MULTI = [
  'ARG BASE=python:3.11-slim',
  'FROM ${BASE} AS deps',
  'ARG EXTRA=cpu',
  'COPY requirements.txt /app/',
  'RUN --mount=type=cache,target=/root/.cache/pip pip install -r /app/requirements.txt',
  'USER app',
  'RUN echo $EXTRA > /opt/extra',
  'FROM deps AS build',
  'COPY --chown=app:staff . /app',
  'RUN make -C /app dist',
  'FROM debian:12 AS final',
  'COPY --from=build /app/dist /srv/',
  'COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv',
  'COPY <<EOF /etc/motd',
  'hello',
  'EOF',
  'ADD https://example.com/x.tar.gz /opt/',
  'EXPOSE 8000',
  'CMD ["serve"]',
  '',
].join('\n');

/** The stand-in instruction for original line n (the line after its `# line n:` comment). */
const lineOf = (text: string, n: number) => {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`# line ${n}:`));
  return i < 0 ? undefined : lines[i + 1];
};

test('the stand-in has the same stages, names and vertex-making steps as the original, so BuildKit names map back unchanged', () => {
  const { graph, s, standin } = sim(MULTI);
  assert.deepEqual(standin.stages.map((x) => x.name), graph.stages.map((x) => x.name));
  const shape = (g: typeof graph) => stageStepsOf(g).map((st) => st.steps.filter((x) => x.producesVertex).length);
  assert.deepEqual(shape(standin), shape(graph));
  // Every stand-in instruction names its original line, in order.
  const originals = s.lines.map((l) => l.original);
  assert.deepEqual(originals, [...originals].sort((a, b) => a - b));
  assert.ok(originals.includes(5) && originals.includes(12));
});

test('each distinct base image gets its own stand-in; a stage FROM a stage stays one', () => {
  const { s } = sim(MULTI);
  const bases = s.images.filter((i) => i.kind === 'base').map((i) => i.ref).sort();
  assert.deepEqual(bases, ['debian:12', 'python:3.11-slim']);
  assert.match(s.text, /^FROM deps AS build$/m);
  const python = (x: typeof s) => x.images.find((i) => i.kind === 'base' && i.ref.startsWith('python'))!;
  assert.notEqual(python(sim(MULTI, { buildArgs: { BASE: 'python:3.12-slim' } }).s).tag, python(s).tag);
});

test('RUN becomes the runner with the time over the scale, its ARG reads, and its cache mount kept', () => {
  const { s } = sim(MULTI);
  const run = lineOf(s.text, 7)!;
  assert.match(run, /"T2"/);
  assert.match(run, /"VEXTRA"/);
  const pip = lineOf(s.text, 5)!;
  assert.match(pip, /--mount=type=cache,target=\/root\/\.cache\/pip/);
  assert.match(pip, /"X\/root\/\.cache\/pip"/);
});

test('the stand-in RUN changes with the original text and its user, and only then', () => {
  const a = lineOf(sim(MULTI).s.text, 7);
  assert.equal(lineOf(sim(MULTI.replace('EXPOSE 8000', 'EXPOSE 9000')).s.text, 7), a);
  assert.notEqual(lineOf(sim(MULTI.replace('echo $EXTRA', 'echo  $EXTRA')).s.text, 7), a);
  assert.notEqual(lineOf(sim(MULTI.replace('USER app', 'USER other')).s.text, 7), a);
});

test('COPY --from a stage takes the path as an optional pattern with the markers under and above it', () => {
  const { s } = sim(MULTI);
  const line = s.text.split('\n').find((l) => l.startsWith('COPY --from=build'))!;
  assert.equal(line, 'COPY --from=build /[a]pp/dist /.layerwise-sim-state/.lw* /.layerwise-sim-state/[a]pp/.lw* /.layerwise-sim-state/[a]pp/dist /srv/');
});

test('an external image becomes a local stand-in holding the paths taken from it', () => {
  const { s } = sim(MULTI);
  const uv = s.images.find((i) => i.kind === 'image')!;
  assert.equal(uv.ref, 'ghcr.io/astral-sh/uv:0.5');
  assert.deepEqual(uv.paths, ['/uv']);
  assert.ok(s.text.includes(`COPY --from=${uv.tag} /uv /bin/uv`));
});

test('--chown names become numbers; heredoc COPY and ADD of a URL become fixed stand-ins, each noted', () => {
  const { s } = sim(MULTI);
  assert.match(s.text, new RegExp(`^COPY --chown=${numericOwner('app:staff')} \\. /app$`, 'm'));
  assert.match(numericOwner('app:staff'), /^\d+:\d+$/);
  assert.equal(numericOwner('1000'), '1000:1000');
  assert.equal(numericOwner('root:root'), '0:0');
  const notes = s.notes.map((n) => `${n.line}: ${n.message}`);
  assert.ok(notes.some((n) => n.startsWith('14: COPY of a here-document')), notes.join('\n'));
  assert.ok(notes.some((n) => n.startsWith('17: ADD of https://example.com/x.tar.gz')), notes.join('\n'));
});

test('metadata lines are copied as written', () => {
  const { s } = sim(MULTI);
  assert.match(s.text, /^EXPOSE 8000$/m);
  assert.match(s.text, /^CMD \["serve"\]$/m);
  assert.match(s.text, /^ARG EXTRA=cpu$/m);
});

test('simulate refuses a Windows base with file:line:col and exit 2', () => {
  const dir = tempDir('layerwise-sim-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM bb:latest AS tools\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo hi\n');
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'simulate', dir, '--no-images'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `layerwise: ${path.join(dir, 'Dockerfile')}:2:6: cannot simulate mcr.microsoft.com/windows/servercore:ltsc2022: a Windows image (stand-in bases are Linux busybox images)\n`);
});

test('a part of a RUN that writes a path keeps its key when another part of the RUN changes (early cut-off stays real)', () => {
  const a = lineOf(sim('FROM bb AS b\nRUN mkdir /out && echo result > /out/result\n').s.text, 2)!;
  const b = lineOf(sim('FROM bb AS b\nRUN mkdir /out && echo result > /out/result && echo side > /side\n').s.text, 2)!;
  const groups = (l: string) => (JSON.parse(l.slice(l.indexOf('["'))) as string[]).filter((w) => w.startsWith('G') || w.startsWith('W'));
  assert.notEqual(a, b, 'the step itself re-runs');
  assert.deepEqual(groups(b).slice(0, groups(a).length), groups(a));
  assert.ok(groups(b).includes('W/side'));
});

test('the wildcard of an optional path starts below the deepest folder every stand-in base has', async () => {
  const { optional, BASE_DIRS } = await import('../../../src/simulate/standin.js');
  const dirs = new Set(BASE_DIRS);
  assert.equal(optional('/usr/local/bin/uv', dirs), '/usr/local/bin/[u]v');
  assert.equal(optional('/usr/local/lib', dirs), '/usr/local/lib');
  assert.equal(optional('/app/dist', dirs), '/[a]pp/dist');
  assert.equal(optional('/usr/local/bin/uv'), '/[u]sr/local/bin/uv');
});

test('a context COPY in a stage from scratch gets a key of its own (--chown=0:0), so a real build of the same context never answers for it', () => {
  const { s } = sim('FROM scratch AS src\nCOPY . /src\nADD ["a b", "/x/"]\nFROM bb\nCOPY . /app\nCOPY --from=src /src /src\n');
  assert.equal(lineOf(s.text, 2), 'COPY --chown=0:0 . /src');
  assert.equal(lineOf(s.text, 3), 'ADD --chown=0:0 ["a b","/x/"]');
  assert.equal(lineOf(s.text, 5), 'COPY . /app', 'on a stand-in base the copy stays as written: the base already makes its key its own');
  const chowned = sim('FROM scratch AS src\nCOPY --chown=10:10 . /src\n').s;
  assert.equal(lineOf(chowned.text, 2), 'COPY --chown=10:10 . /src');
  assert.ok(chowned.notes.some((n) => n.line === 2 && n.kind === 'approximated' && /own step/.test(n.message)));
});

test('a path a stage takes only from the context is copied and mounted as written; one a RUN writes keeps its markers', () => {
  const context: Record<string, 'file' | 'dir'> = { '.': 'dir', 'a.txt': 'file', python: 'dir', 'python/pyproject.toml': 'file', gateway: 'dir' };
  const run = (text: string) => simulate(buildGraph(parseDockerfile(text, 'Dockerfile')), { secondsOf: () => 1, contextType: (rel) => context[rel] });
  const copied = run('FROM bb AS a\nCOPY a.txt /a.txt\nFROM bb\nCOPY --from=a /a.txt /a.txt\n');
  assert.equal(lineOf(copied.text, 4), 'COPY --from=a /a.txt /a.txt', 'the same copy as BuildKit keys the original (it may answer for it from stage a\'s own step)');
  const written = run('FROM bb AS a\nCOPY a.txt /a.txt\nRUN echo x >> /a.txt\nFROM bb\nCOPY --from=a /a.txt /a.txt\n');
  assert.match(lineOf(written.text, 5)!, /\.layerwise-sim-state/, 'a RUN appends to it: the markers say when');
  const missing = run('FROM bb AS a\nCOPY . /src\nFROM bb\nCOPY --from=a /src/docs /docs\n');
  assert.match(lineOf(missing.text, 4)!, /\[/, 'not in the context: an optional pattern, as before');
  const mounted = run('FROM scratch AS src\nCOPY . /src\nFROM bb\nRUN --mount=type=bind,from=src,source=/src/python,target=/py cat /py/pyproject.toml\n');
  assert.match(lineOf(mounted.text, 4)!, /^RUN --mount=type=bind,from=src,source=\/src\/python,target=\/py --mount=type=bind,from=layerwise-sim\/toolbox/);
  assert.ok(!mounted.notes.some((n) => n.line === 4 && /whole stage/.test(n.message)));
  const scratch = run('FROM scratch AS src\nCOPY . /src\nFROM scratch\nCOPY --from=src /src/python /py\n');
  assert.equal(lineOf(scratch.text, 4), 'COPY --from=src --chown=0:0 /src/python /py', 'into a stage from scratch it gets a key of its own');
});
