import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph, type Step } from '../../../src/graph/graph.js';
import { ACTIVITY_RULES } from '../../../src/shell/index.js';
import { COSTS, contextMeasures, estimateStep, RULE_COSTS } from '../../../src/timing/estimate.js';
import { projectRoot } from '../../helpers.js';
import { makeContext } from '../context/fixture.js';

const steps = (text: string): Step[] => buildGraph(parseDockerfile(text, 'Dockerfile')).stages.flatMap((s) => s.steps);
/** The estimate of the last step of a Dockerfile. */
const last = (text: string) => estimateStep(steps(text).at(-1)!);
const O = COSTS.stepOverhead;

test('metadata instructions cost nothing and say so', () => {
  const all = steps('FROM bb AS a\nARG X=1\nENV Y=2\nLABEL l=v\nUSER u\nEXPOSE 80\nCMD ["x"]\nWORKDIR /\nFROM a\n').map((s) => estimateStep(s));
  assert.deepEqual(all.map((e) => e.seconds), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(all.map((e) => e.basis).slice(1, 3), ['estimate: ARG is metadata: no build step', 'estimate: ENV is metadata: no build step']);
  assert.equal(all[7].basis, 'estimate: WORKDIR / makes no build step');
  assert.equal(all[8].basis, 'estimate: FROM a starts from another stage: no build step');
});

test('FROM an image costs nothing: the image is taken to be present', () => {
  assert.deepEqual(estimateStep(steps('FROM bb:latest\n')[0]), { seconds: 0, basis: 'estimate: FROM bb:latest: the base image is assumed present (pulls are not estimated)' });
});

test('WORKDIR that creates a directory costs the step overhead', () => {
  assert.deepEqual(last('FROM bb\nWORKDIR /app\n'), { seconds: O, basis: `estimate: WORKDIR /app creates a directory: ${O} s step overhead` });
});

test('apt-get install counts its packages, flags skipped', () => {
  const e = last('FROM bb\nRUN apt-get install -y --no-install-recommends a b c\n');
  assert.equal(e.seconds, 2 + 3 * 3 + O);
  assert.equal(e.basis, `estimate: apt-get install of 3 packages (~3 s each + 2 s) + ${O} s step overhead`);
});

test('a package list in an ARG is counted through its value', () => {
  const e = last('FROM bb\nARG PKGS="curl git"\nRUN apt-get update && apt-get install -y $PKGS jq\n');
  assert.equal(e.basis, `estimate: apt-get update (~5 s) + apt-get install of 3 packages (~3 s each + 2 s) + ${O} s step overhead`);
  assert.equal(e.seconds, 5 + 2 + 3 * 3 + O);
});

test('pip install -r is an unknown count: the basis names the file and the assumption', () => {
  const e = last('FROM bb\nRUN pip install --no-cache-dir -r requirements.txt\n');
  assert.equal(e.basis, `estimate: pip install from requirements.txt (count not known: 20 packages assumed, ~3 s each + 2 s) + ${O} s step overhead`);
  assert.equal(e.seconds, 2 + 3 * 20 + O);
});

test('sleep N is N seconds plus the step overhead, whatever else the line does', () => {
  assert.deepEqual(last('FROM bb\nRUN sleep 3 && echo done\n'), { seconds: 3 + O, basis: `estimate: sleep 3 + ${O} s step overhead` });
  assert.deepEqual(last('FROM bb\nRUN ["sleep", "4"]\n'), { seconds: 4 + O, basis: `estimate: sleep 4 + ${O} s step overhead` });
  assert.deepEqual(last('FROM bb\nARG N=2\nRUN sleep $N\n'), { seconds: 2 + O, basis: `estimate: sleep 2 + ${O} s step overhead` });
  assert.deepEqual(last('FROM bb\nRUN sleep 1m\n'), { seconds: 60 + O, basis: `estimate: sleep 1m (60 s) + ${O} s step overhead` });
});

test('compound commands add up their activities, and unknown commands count a second each', () => {
  const e = last('FROM bb\nRUN curl -fsSLO https://x.io/a.tgz && tar xzf a.tgz && (cd a && ./configure && make -j4) && ./post.sh\n');
  assert.equal(e.basis, `estimate: curl of 1 URL (~5 s each) + configure (~15 s) + make (~60 s) + 1 unrecognised command (~1 s each: ./post.sh) + ${O} s step overhead`);
  assert.equal(e.seconds, 5 + 15 + 60 + 1 + O);
});

test('a RUN of file commands only costs the step overhead', () => {
  assert.deepEqual(last('FROM bb\nRUN mkdir -p /x && echo apt-get install foo > /x/y\n'), { seconds: O, basis: `estimate: file commands only (mkdir, echo): ${O} s step overhead` });
});

test('every RUN of the ml-serving example is estimated at its sleeps plus the overhead', () => {
  const text = readFileSync(path.join(projectRoot, 'examples/ml-serving/docker/Dockerfile'), 'utf8');
  const runs = steps(text).filter((s) => s.keyword === 'RUN');
  assert.equal(runs.length, 8);
  for (const s of runs) {
    const sleeps = [...s.instruction.text.matchAll(/sleep (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(sleeps.length, 1, s.instruction.text);
    const e = estimateStep(s);
    assert.equal(e.seconds, sleeps[0] + O, `line ${s.line}: ${e.basis}`);
    assert.equal(e.basis, `estimate: sleep ${sleeps[0]} + ${O} s step overhead`);
  }
});

test('COPY from the context is estimated by the bytes and files it selects, .dockerignore and --exclude applied', async (t) => {
  const dockerfile = 'FROM bb\nCOPY . /app\nCOPY --exclude=*.bin src /src\nCOPY missing* /m\n';
  const root = await makeContext(t, {
    'Dockerfile': dockerfile,
    '.dockerignore': 'ignored.bin\n',
    'src/a.bin': 'a'.repeat(2_000_000),
    'src/b.txt': 'b'.repeat(500_000),
    'ignored.bin': 'x'.repeat(9_000_000),
  });
  const ctx = await openContext(root, path.join(root, 'Dockerfile'));
  const [, all, src, none] = steps(dockerfile);
  const opts = contextMeasures(ctx);
  // `COPY .` reads the Dockerfile and .dockerignore too: 4 files.
  const bytes = opts.contextSizes(all)!;
  assert.equal(bytes, 2_500_000 + dockerfile.length + 'ignored.bin\n'.length);
  const e = estimateStep(all, opts);
  assert.equal(e.seconds, Math.round((bytes / 100e6 + 4 * 0.0002 + O) * 1e6) / 1e6);
  assert.equal(e.basis, `estimate: COPY of 2.5 MB in 4 files from the context (~100 MB/s, ~0.2 ms per file) + ${O} s step overhead`);
  assert.equal(estimateStep(src, opts).basis, `estimate: COPY of 500 kB in 1 file from the context (~100 MB/s, ~0.2 ms per file) + ${O} s step overhead`);
  assert.equal(estimateStep(none, opts).basis, `estimate: COPY of 0 B in 0 files from the context (~100 MB/s, ~0.2 ms per file) + ${O} s step overhead`);
  // Without sizes the estimate says so.
  assert.deepEqual(estimateStep(all), { seconds: 1 + O, basis: `estimate: COPY from the context, size not known (~1 s) + ${O} s step overhead` });
});

test('COPY --from and ADD of a URL are fixed costs; a heredoc source costs nothing', () => {
  const all = steps('FROM bb AS a\nFROM bb\nCOPY --from=a /x /x\nCOPY --from=alpine:3 /y /y\nADD https://x.io/f /f\nADD https://github.com/a/b.git /b\nCOPY <<EOF /z\nhi\nEOF\n');
  assert.deepEqual(all.slice(2).map((s) => estimateStep(s)), [
    { seconds: 0.5 + O, basis: `estimate: COPY --from=a (~0.5 s from another stage, size not known) + ${O} s step overhead` },
    { seconds: 0.5 + O, basis: `estimate: COPY --from=alpine:3 (~0.5 s from an image assumed present, size not known) + ${O} s step overhead` },
    { seconds: 5 + O, basis: `estimate: ADD of https://x.io/f (~5 s per URL) + ${O} s step overhead` },
    { seconds: 10 + O, basis: `estimate: ADD of https://github.com/a/b.git (~10 s per repository) + ${O} s step overhead` },
    { seconds: O, basis: `estimate: ${O} s step overhead` },
  ]);
});

test('a RUN that does not parse is still estimated, and the basis says it was read leniently', () => {
  const e = last('FROM bb\nRUN sleep 2 && echo "oops\n');
  assert.equal(e.seconds, 2 + O);
  assert.equal(e.basis, `estimate: sleep 2 + ${O} s step overhead (the script does not parse: unterminated "; read leniently)`);
});

test('every costed activity rule has a cost, and every cost belongs to a rule', () => {
  const costed = ACTIVITY_RULES.filter((r) => r.kind === 'install' || r.kind === 'compile' || r.kind === 'download').map((r) => r.id).sort();
  assert.deepEqual(Object.keys(RULE_COSTS).sort(), costed);
  for (const [id, c] of Object.entries(RULE_COSTS)) assert.ok(c.each === undefined || (c.unit && c.assumed !== undefined), id);
});

/** docs/timing.md from `## Estimates` to the next section. */
function estimatesDoc(): string {
  const text = readFileSync(path.join(projectRoot, 'docs/timing.md'), 'utf8');
  const start = text.indexOf('\n## Estimates\n');
  assert.ok(start >= 0, 'docs/timing.md has a section "## Estimates"');
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The cells of the table rows whose first cell is code. */
const rows = (doc: string) =>
  doc.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.slice(1, -1).split(/(?<!\\) \| /).map((c) => c.trim().replace(/\\\|/g, '|')));

test('the cost table in docs/timing.md is the one in the code', () => {
  const documented = new Map(rows(estimatesDoc()).filter((r) => r.length === 6).map((r) => [r[0].slice(1, -1), r]));
  assert.deepEqual([...documented.keys()].sort(), Object.keys(RULE_COSTS).sort());
  for (const [id, c] of Object.entries(RULE_COSTS)) {
    const [, , kind, base, each, assumed] = documented.get(id)!;
    assert.equal(kind, ACTIVITY_RULES.find((r) => r.id === id)!.kind, id);
    assert.deepEqual([base, each, assumed], [String(c.base), c.each === undefined ? '' : `${c.each} per ${c.unit}`, c.assumed === undefined ? '' : String(c.assumed)], id);
  }
});

test('every basis string in docs/timing.md is what its line is estimated at', () => {
  const examples = rows(estimatesDoc()).filter((r) => r.length === 2 && r[1].startsWith('`estimate:'));
  assert.ok(examples.length >= 5);
  for (const [line, basis] of examples) assert.equal(last(`FROM bb\n${line.slice(1, -1)}\n`).basis, basis.slice(1, -1), line);
});

test('a project install kept to the constraints split-install froze counts the project, not its dependencies again', () => {
  const pip = RULE_COSTS['pip install'];
  const alone = last('FROM bb\nRUN pip install -e ".[gpu]"\n');
  assert.equal(alone.seconds, O + pip.base + pip.each! * pip.assumed!);
  const frozen = last('FROM bb\nRUN pip install -c /tmp/layerwise-constraints.txt -e ".[gpu]" && rm -f /tmp/layerwise-constraints.txt\n');
  assert.equal(frozen.seconds, O + pip.base + pip.each!);
  assert.match(frozen.basis, /within the dependencies frozen in \/tmp\/layerwise-constraints.txt/);
  // Any other constraints file says nothing about what is installed.
  assert.equal(last('FROM bb\nRUN pip install -c constraints.txt -e .\n').seconds, alone.seconds);
});
