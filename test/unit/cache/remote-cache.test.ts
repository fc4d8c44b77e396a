import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cacheMode, parseCacheSpec } from '../../../src/core/cache-spec.js';
import { UsageError } from '../../../src/core/errors.js';
import { explain } from '../../../src/explain/explain.js';
import { explainJson, explainText } from '../../../src/report/explain.js';
import { tempDir } from '../../helpers.js';

test('cache specs: an image reference alone is a registry cache; mode is min unless it says max; bad specs are usage errors', () => {
  assert.deepEqual(parseCacheSpec('reg.example/app:cache', '--cache-from'), { type: 'registry', attrs: { ref: 'reg.example/app:cache' }, text: 'reg.example/app:cache' });
  assert.equal(cacheMode(parseCacheSpec('reg.example/app:cache', '--cache-from')), 'min');
  assert.equal(cacheMode(parseCacheSpec('type=registry,ref=r/c,mode=max', '--cache-to')), 'max');
  assert.equal(cacheMode(parseCacheSpec('type=inline', '--cache-to')), 'min');
  for (const [bad, flag, why] of [
    ['type=registry,ref=r/c,mode=all', '--cache-to', /mode must be min or max/],
    ['type=inline,mode=max', '--cache-to', /inline cache holds the final image's layers only/],
    ['type=registry', '--cache-from', /needs ref=IMAGE/],
    ['type=floppy,ref=x', '--cache-from', /unknown cache type "floppy"/],
    ['r/c', '--cache-to', /expects type=/],
    ['ref=r/c', '--cache-from', /has no type=/],
    ['type=local', '--cache-to', /needs dest=DIR/],
  ] as const) {
    assert.throws(() => parseCacheSpec(bad, flag), (e: Error) => e instanceof UsageError && why.test(e.message), bad);
  }
});

// The engine test's file (test/engine/remote-cache.test.ts), where BuildKit judged each verdict.
const DOCKERFILE = [
  'FROM bb:latest AS deps', 'RUN echo deps > /deps', 'COPY deps.txt /deps.txt', 'RUN cat /deps.txt >> /deps',
  'FROM bb:latest AS tool', 'RUN echo tool > /tool',
  'FROM bb:latest AS base', 'RUN echo base > /base',
  'FROM base', 'COPY app.txt /app.txt', 'COPY --from=deps /deps /deps', 'RUN cat /app.txt /deps > /out', 'COPY --from=tool /tool /tool', 'COPY late.txt /late.txt', '',
].join('\n');

function target() {
  const dir = tempDir('layerwise-remote-cache-');
  writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
  for (const f of ['app.txt', 'late.txt', 'deps.txt']) writeFileSync(path.join(dir, f), f);
  return { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' };
}

const statuses = (r: Awaited<ReturnType<typeof explain>>, st: string) => r.verdicts.filter((v) => v.step.executes && v.step.keyword !== 'FROM' && v.status === st).map((v) => v.step.line);

test('a mode=min cache: a step that runs re-runs the stages it copies from, which are not in the final image; the final image\'s own chain loads', async () => {
  const t = target();
  const local = await explain(t, { changed: ['app.txt'] });
  const min = await explain(t, { changed: ['app.txt'], cacheFrom: [parseCacheSpec('reg.example/app:cache', '--cache-from')] });
  const max = await explain(t, { changed: ['app.txt'], cacheFrom: [parseCacheSpec('type=registry,ref=reg.example/app:cache,mode=max', '--cache-from')] });
  assert.deepEqual(statuses(local, 'rebuilt'), [10, 11, 12, 13, 14]);
  assert.deepEqual(statuses(max, 'rebuilt'), [10, 11, 12, 13, 14]);
  assert.deepEqual(statuses(min, 'rebuilt'), [2, 3, 4, 6, 10, 11, 12, 13, 14]);
  // The base stage is the final image's parent: its layers are in the image, so min has them.
  assert.deepEqual(statuses(min, 'cached'), [8]);
  const deps = min.verdicts.find((v) => v.step.line === 2)!;
  assert.deepEqual(deps.cause, { kind: 'not-exported', mode: 'min', stage: 'deps', neededBy: 3 });
  assert.match(deps.reason, /mode=min cache holds no result for steps of stage deps .* line 3 runs and needs it/);
  const json = explainJson(min) as { cache_from: unknown };
  assert.deepEqual(json.cache_from, { caches: ['reg.example/app:cache'], mode: 'min' });
  assert.match(explainText(min), /On a builder with an empty local cache that imports reg\.example\/app:cache \(mode=min: /);
});

test('a mode=min cache: a change at the last step needs no other stage; a change in a copied-from stage re-runs it from its start', async () => {
  const t = target();
  const cacheFrom = [parseCacheSpec('reg.example/app:cache', '--cache-from')];
  assert.deepEqual(statuses(await explain(t, { changed: ['late.txt'], cacheFrom }), 'rebuilt'), [14]);
  const deps = await explain(t, { changed: ['deps.txt'], cacheFrom });
  assert.deepEqual(statuses(deps, 'rebuilt'), [2, 3, 4]);
  // The copy of tool comes after steps that may or may not re-run: tool runs exactly when they do.
  assert.deepEqual(statuses(deps, 'conditional'), [6, 11, 12, 13, 14]);
  assert.equal(deps.verdicts.find((v) => v.step.line === 6)!.cause.kind, 'not-exported');
  assert.deepEqual(statuses(await explain(t, { cacheFrom }), 'rebuilt'), []);
});
