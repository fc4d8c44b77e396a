import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph } from '../../../src/graph/graph.js';

// One stage reading 130,000 others: push(...deps) and Math.max(...depths) over its stages
// threw "Maximum call stack size exceeded" (past about 120,000 arguments), and includes() on
// its list of stages made every COPY --from line scan all those before it.
test('a stage that copies from 130,000 stages is graphed: every stage needed, two waves', () => {
  const n = 130_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`FROM bb AS s${i}`);
  lines.push('FROM bb');
  for (let i = 0; i < n; i++) lines.push(`COPY --from=s${i} /x /x${i}`);
  lines.push('COPY --from=s0 /y /y');
  const g = buildGraph(parseDockerfile(lines.join('\n') + '\n', 'Dockerfile'));
  assert.equal(g.stages.filter((s) => s.needed).length, n + 1);
  assert.deepEqual(g.waves.map((w) => w.length), [n, 1]);
});
