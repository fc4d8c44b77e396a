import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph, type BuildGraph, type Step } from '../../../src/graph/graph.js';
import { sourceFlow, type Landing } from '../../../src/cache/source-flow.js';

const graphOf = (text: string) => buildGraph(parseDockerfile(text, 'Dockerfile'));
const stepAt = (g: BuildGraph, line: number): Step => g.stages.flatMap((s) => s.steps).find((s) => s.line === line)!;
/** `root -> at (lines of the hops) exact?` for compact assertions. */
const show = (ls: Landing[]) => ls.map((l) => `${l.root} -> ${l.at} (${l.hops.map((h) => `${h.how}:${h.step.line}`).join(' ')})${l.exact ? '' : ' changed'}`);

const sourceStage = [
  'FROM bb AS base',                                  // 1
  'RUN echo base',                                    // 2
  'FROM scratch AS local_src',                        // 3
  'COPY . /src',                                      // 4
  'FROM base AS framework',                           // 5
  'WORKDIR /ws',                                      // 6
  'COPY --from=local_src /src /tmp/local_src',        // 7
  'RUN if [ "$B" = local ]; then cp -r /tmp/local_src /ws/app; else git clone https://x/app.git /ws/app; fi && rm -rf /tmp/local_src', // 8
  'RUN cd app && pip install -e "python[all]"',       // 9
  'FROM bb AS runtime',                               // 10
  'COPY --from=framework /ws /ws',                    // 11
  'RUN --mount=type=bind,from=local_src,source=/src/gateway,target=/g make -C /g', // 12
  '',
].join('\n');

test('a context copy in a scratch stage reaches the stage that copies it, where it lands there', () => {
  const g = graphOf(sourceStage);
  const f = sourceFlow(g);
  assert.deepEqual(show(f.brought(stepAt(g, 4))), ['. -> /src (context:4)']);
  assert.deepEqual(show(f.brought(stepAt(g, 7))), ['. -> /tmp/local_src (context:4 copy:7)']);
  // The RUN that copies it into place lands it again; the rm takes the temporary copy away.
  assert.deepEqual(show(f.brought(stepAt(g, 8))), ['. -> /ws/app (context:4 copy:7 run:8) changed']);
  assert.deepEqual(show(f.reaching(stepAt(g, 9))), ['. -> /ws/app (context:4 copy:7 run:8) changed']);
  assert.equal(f.locate(f.reaching(stepAt(g, 9))[0], 'python/pyproject.toml'), '/ws/app/python/pyproject.toml');
});

test('a copy of a stage folder carries the context files under it on to the next stage', () => {
  const g = graphOf(sourceStage);
  const f = sourceFlow(g);
  assert.deepEqual(show(f.brought(stepAt(g, 11))), ['. -> /ws/app (context:4 copy:7 run:8 copy:11) changed']);
  // A mount of a subfolder of the source stage brings only that folder.
  const m = f.brought(stepAt(g, 12)).find((l) => l.hops.at(-1)!.how === 'mount')!;
  assert.deepEqual(show([m]), ['gateway -> /g (context:4 mount:12)']);
  assert.deepEqual(f.carries(m, ['gateway/src/main.rs', 'python/a.py']), ['gateway/src/main.rs']);
  assert.equal(m.exact, true);
});

test('FROM <stage> inherits what the stage holds; a later RUN that writes there makes it inexact', () => {
  const g = graphOf(['FROM bb AS b', 'COPY src /app/src', 'RUN touch /other', 'FROM b AS c', 'RUN make -C /app/src', 'FROM bb', 'COPY --from=c /app /app', ''].join('\n'));
  const f = sourceFlow(g);
  assert.deepEqual(show(f.brought(stepAt(g, 4))), ['src -> /app/src (context:2 from:4)']);
  assert.deepEqual(show(f.reaching(stepAt(g, 5))), ['src -> /app/src (context:2 from:4)']);
  assert.deepEqual(show(f.brought(stepAt(g, 7))), ['src -> /app/src (context:2 from:4 copy:7) changed']);
});

test('files land by name in a folder destination, and a file copied alone lands where it is named', () => {
  const g = graphOf(['FROM bb', 'WORKDIR /app', 'COPY python/pyproject.toml python/setup.py ./', 'COPY go.mod /m/go.mod', 'COPY docs/ /d/', ''].join('\n'));
  const f = sourceFlow(g);
  assert.deepEqual(show(f.brought(stepAt(g, 3))), ['python/pyproject.toml -> /app/pyproject.toml (context:3)', 'python/setup.py -> /app/setup.py (context:3)']);
  assert.deepEqual(show(f.brought(stepAt(g, 4))), ['go.mod -> /m/go.mod (context:4)']);
  assert.deepEqual(show(f.brought(stepAt(g, 5))), ['docs -> /d (context:5)']);
});

test('a stage without context files brings none, and a copy of another part of a source stage carries nothing', () => {
  const g = graphOf(['FROM bb AS build', 'COPY app /src/app', 'RUN make -C /src/app > /out.bin', 'FROM bb', 'COPY --from=build /out.bin /bin/app', 'RUN echo', ''].join('\n'));
  const f = sourceFlow(g);
  assert.deepEqual(f.brought(stepAt(g, 5)), []);
  assert.deepEqual(f.reaching(stepAt(g, 6)), []);
});

test('a bind mount of the context reaches only the RUN that mounts it', () => {
  const g = graphOf(['FROM bb', 'RUN --mount=type=bind,source=requirements.txt,target=/r.txt pip install -r /r.txt', 'RUN echo', ''].join('\n'));
  const f = sourceFlow(g);
  assert.deepEqual(show(f.reaching(stepAt(g, 2))), ['requirements.txt -> /r.txt (context:2)']);
  assert.deepEqual(f.reaching(stepAt(g, 3)), []);
});

test('excludes of the origin copy still hold where the files land', () => {
  const g = graphOf(['# syntax=docker/dockerfile:1.7-labs', 'FROM scratch AS s', 'COPY --exclude=tests . /s', 'FROM bb', 'COPY --from=s /s /app', ''].join('\n'));
  const f = sourceFlow(g);
  const [l] = f.brought(stepAt(g, 5));
  assert.deepEqual(f.carries(l, ['tests/a.py', 'app/a.py']), ['app/a.py']);
});
