/**
 * Explain is monotone, on generated Dockerfiles over one small context: a larger change set
 * (more changed context paths, more changed build args) never rebuilds fewer steps, and no step
 * goes from rebuilt to conditional or cached, or from conditional to cached.
 * Seeded (SEED in test/unit/dockerfile/arbitrary.ts): a failure runs the same way again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { explain } from '../../../src/explain/explain.js';
import type { Target } from '../../../src/core/target.js';
import { tempDir } from '../../helpers.js';
import { SEED } from '../dockerfile/arbitrary.js';

const RUNS = process.env.PROPS_RUNS ? { seed: Number(process.env.PROPS_SEED ?? SEED), numRuns: Number(process.env.PROPS_RUNS) } : { seed: SEED, numRuns: 60 };

const FILES = ['requirements.txt', 'src/app.py', 'src/util.py', 'docs/index.md', 'web/package.json', 'web/index.js', 'build.log', 'README.md'];
const ARGS = ['V', 'W'];

/** One step of stage `i`; a `COPY --from` or a mount names an earlier stage. */
const step = (i: number) => fc.oneof(
  fc.constantFrom(
    'COPY . /app', 'COPY requirements.txt /app/', 'COPY src/ /app/src/', 'COPY src/*.py /app/', 'COPY web /web',
    'COPY --exclude=docs . /all', 'ADD README.md /', 'RUN pip install -r /app/requirements.txt', 'RUN make',
    'RUN --mount=type=bind,source=web,target=/w cat /w/index.js', 'ARG V', 'ARG W=1', 'RUN echo $V', 'RUN echo $W > /w',
    'ENV E=$V', 'RUN echo $E', 'WORKDIR /app', 'USER nobody', 'CMD ["true"]',
  ),
  ...(i > 0 ? [fc.constantFrom(`COPY --from=s${i - 1} /app /app`, 'COPY --from=s0 /w /w', `RUN --mount=type=bind,from=s${i - 1},target=/x ls /x`)] : []),
);

const dockerfile = fc.tuple(
  fc.constantFrom('', 'ARG V\n', 'ARG BASE=alpine\n'),
  fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.tuple(
    fc.constantFrom('alpine', '${BASE:-alpine}', ...(i > 0 ? [`s${i - 1}`] : [])),
    fc.array(step(i), { minLength: 1, maxLength: 8 }),
  )))),
).map(([globals, stages]) => globals + stages.map(([base, steps], i) => [`FROM ${base} AS s${i}`, ...steps].join('\n') + '\n').join(''));

/** A change set and a larger one: paths and build args (each arg changed from its previous value). */
const changeSets = fc.tuple(fc.subarray(FILES), fc.subarray(FILES), fc.subarray(ARGS), fc.subarray(ARGS)).map(([p, q, a, b]) => ({
  small: { paths: p, args: a },
  large: { paths: [...new Set([...p, ...q])], args: [...new Set([...a, ...b])] },
}));

const RANK: Record<string, number> = { cached: 0, conditional: 1, rebuilt: 2 };

describe('explain on generated Dockerfiles', () => {
  let target: Target;
  before(() => {
    const dir = tempDir('layerwise-explain-props-');
    for (const f of FILES) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), `${f}\n`);
    }
    writeFileSync(path.join(dir, '.dockerignore'), '*.log\n');
    target = { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' };
  });

  const statuses = async (changes: { paths: string[]; args: string[] }) => {
    const r = await explain(target, {
      changed: changes.paths,
      buildArgs: Object.fromEntries(changes.args.map((a) => [a, 'new'])),
      prevBuildArgs: {},
    });
    return new Map(r.verdicts.map((v) => [v.step.line, v.status]));
  };

  it('a larger change set never rebuilds fewer steps', async () => {
    let rebuiltSome = 0;
    await fc.assert(fc.asyncProperty(dockerfile, changeSets, async (text, { small, large }) => {
      writeFileSync(target.dockerfilePath, text);
      const a = await statuses(small);
      const b = await statuses(large);
      assert.deepEqual([...b.keys()], [...a.keys()]);
      for (const [line, s] of a) {
        const t = b.get(line)!;
        if (s === 'rebuilt' || s === 'conditional') rebuiltSome++;
        if (s in RANK) assert.ok(t in RANK && RANK[t] >= RANK[s], `line ${line}: ${s} with ${JSON.stringify(small)}, ${t} with ${JSON.stringify(large)}`);
        else assert.equal(t, s, `line ${line}`);
      }
    }), RUNS);
    // Else the property says little.
    assert.ok(rebuiltSome > RUNS.numRuns, `${rebuiltSome} steps rebuilt over ${RUNS.numRuns} runs`);
  });
});
