import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildContext } from '../../../src/context/context.js';
import type { ContextEntry } from '../../../src/context/walk.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { selectContextFiles } from '../../../src/model.js';

// A context of 250,000 files held in memory (no disk): `COPY . /app` selects all of them.
// Spreading that many paths into push() overflowed the call stack (exit 70 on a 1M-file context).
test('a COPY of 250,000 context files is listed without overflowing the stack', () => {
  const entries: ContextEntry[] = [{ path: 'd', type: 'dir', mode: 0o755, size: 0 }];
  for (let i = 0; i < 250_000; i++) entries.push({ path: `d/f${i}`, type: 'file', mode: 0o644, size: 3 });
  const ctx = new BuildContext('/nonexistent', '/nonexistent/Dockerfile', { file: undefined, patterns: [], matcher: undefined }, entries);
  const graph = buildGraph(parseDockerfile('FROM alpine\nCOPY . /app\nCOPY d/f1 /one\n', 'Dockerfile'));
  const files = selectContextFiles(ctx, graph);
  const all = [...files.values()].map((f) => f.files.length).sort((a, b) => a - b);
  assert.deepEqual(all, [1, 250_000]);
});
