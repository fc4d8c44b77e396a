import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph, type GraphOptions } from '../../../src/graph/graph.js';
import { graphDot, graphJson } from '../../../src/report/graph.js';

const graphOf = (text: string, opts?: GraphOptions) => buildGraph(parseDockerfile(text, 'Dockerfile'), opts);

function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.format();
    throw e;
  }
  return assert.fail('expected an input error');
}

const diamond = [
  'FROM bb AS base', 'RUN echo base',
  'FROM base AS left', 'RUN echo left > /l',
  'FROM base AS right', 'RUN --mount=type=bind,from=left,source=/l,target=/x cat /x',
  'FROM bb AS unused', 'RUN echo never',
  'FROM bb', 'COPY --from=left /l /l', 'COPY --from=right / /r', '',
].join('\n');

test('a diamond has edges from FROM, COPY --from and RUN --mount from=, and waves by depth', () => {
  const g = graphOf(diamond);
  const j = graphJson({ graph: g }) as { edges: { from: string; to: string; kind: string; line: number }[]; waves: string[][] };
  assert.deepEqual(j.edges.map((e) => `${e.from}->${e.to} ${e.kind} :${e.line}`), [
    'bb->base from :1', 'base->left from :3', 'base->right from :5', 'left->right mount :6',
    'bb->unused from :7', 'bb->4 from :9', 'left->4 copy :10', 'right->4 copy :11',
  ]);
  assert.deepEqual(j.waves, [['base'], ['left'], ['right'], ['4']]);
  assert.deepEqual(g.stages.map((s) => s.needed), [true, true, true, false, true]);
});

test('a target keeps only the stages it reaches', () => {
  const g = graphOf(diamond, { target: 'left' });
  assert.deepEqual(g.stages.map((s) => s.needed), [true, true, false, false, false]);
});

test('a global ARG reaches FROM lines, and a stage only when declared again there', () => {
  const g = graphOf('ARG V=1\nARG IMG=bb:$V\nFROM $IMG\nRUN echo\nARG V\nRUN echo\n', { buildArgs: { V: '2' } });
  assert.equal(g.stages[0].base.kind === 'image' && g.stages[0].base.ref, 'bb:2');
  assert.deepEqual([...g.stages[0].steps[1].scope.args], []);
  assert.deepEqual([...g.stages[0].steps[3].scope.args], [['V', '2']]);
});

test('ENV wins over an ARG of the same name when a later instruction is expanded', () => {
  const g = graphOf('FROM bb\nARG D=/from-arg\nENV D=/from-env\nWORKDIR $D\n');
  assert.equal(g.stages[0].steps[3].expanded.workdir, '/from-env');
});

test('graph errors name the file, line and column', () => {
  assert.equal(inputError(() => graphOf('FROM bb AS a\nFROM bb AS a\n')), 'Dockerfile:2:12: duplicate stage name "a"');
  assert.equal(inputError(() => graphOf('FROM bb\nCOPY --from=3 /a /a\n')), 'Dockerfile:2:1: invalid stage index 3: the file has 1 stage');
  assert.equal(inputError(() => graphOf('FROM bb AS a\nCOPY --from=1 /a /a\nFROM bb\n')), 'Dockerfile:2:1: stage 0 refers to stage 1, which is not before it');
  assert.match(inputError(() => graphOf('FROM bb AS a\nCOPY --from=b /x /x\nFROM bb AS b\nCOPY --from=a /y /y\n')), /^Dockerfile:\d+:1: circular dependency detected on stage: [ab]$/);
  assert.equal(inputError(() => graphOf('FROM bb\n', { target: 'nope' })), 'Dockerfile: target stage "nope" could not be found');
});

test('the dot output labels each stage with its name and line on two lines', () => {
  const dot = graphDot({ graph: graphOf('FROM bb AS base\nRUN echo\n') });
  assert.match(dot, /s0 \[label="base\\nline 1", peripheries=2\];/);
});

test('a FROM of a global ARG with no default is a build arg the file needs: the graph goes on, the base is that image, and --build-arg fills it', () => {
  const text = 'ARG BUILDER_IMAGE\nARG REGISTRY\nFROM ${BUILDER_IMAGE} AS builder\nRUN make\nFROM ${REGISTRY}/runtime:1.0\nCOPY --from=builder /out /out\n';
  const g = graphOf(text);
  assert.deepEqual(g.requiredArgs.map((a) => [a.name, a.stage, `${a.range.start.line}:${a.range.start.column}`]), [['BUILDER_IMAGE', 0, '3:6'], ['REGISTRY', 1, '5:6']]);
  assert.deepEqual(g.stages.map((s) => s.base), [{ kind: 'image', ref: '${BUILDER_IMAGE}', unset: ['BUILDER_IMAGE'] }, { kind: 'image', ref: '${REGISTRY}/runtime:1.0', unset: ['REGISTRY'] }]);
  const j = graphJson({ graph: g }) as { required_build_args: unknown[] };
  assert.deepEqual(j.required_build_args[0], { name: 'BUILDER_IMAGE', stage: 'builder', line: 3, column: 6, endLine: 3, endColumn: 22 });
  const given = graphOf(text, { buildArgs: { BUILDER_IMAGE: 'golang:1.22', REGISTRY: 'registry.example.com' } });
  assert.deepEqual(given.requiredArgs, []);
  assert.deepEqual(given.stages.map((s) => s.base), [{ kind: 'image', ref: 'golang:1.22' }, { kind: 'image', ref: 'registry.example.com/runtime:1.0' }]);
});

test('an ARG with no default that leaves a whole reference is optional, and a FROM blank for every build is BuildKit\'s error', () => {
  const g = graphOf('ARG VARIANT\nFROM bb AS builder\nRUN make\nFROM builder${VARIANT}\nRUN true\n');
  assert.deepEqual(g.requiredArgs, []);
  assert.deepEqual(g.stages[1].base, { kind: 'stage', stage: 0 });
  assert.equal(inputError(() => graphOf('FROM ${NOT_DECLARED}\nRUN true\n')), 'Dockerfile:1:6: base name (${NOT_DECLARED}) should not be blank');
});
