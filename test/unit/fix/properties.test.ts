/**
 * Properties of fix on generated Dockerfiles made of the steps its transforms act on (broad
 * copies before installs, repeated package installs, independent writers, early ARGs, a chown
 * after a copy...), in stages, with a context that has the manifests they read:
 * - the output parses, and a second fix changes nothing;
 * - the safe transforms never take away what a step does by the effect model
 *   (src/shell/effects.ts): every path a step of a stage wrote is still written by a step of
 *   that stage (itself, a part of it, or a `COPY --from` that brings it back), and a step whose
 *   effects are unknown or that installs into the system still has one like it.
 * Seeded (SEED in test/unit/dockerfile/arbitrary.ts): a failure runs the same way again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { openContext, type BuildContext } from '../../../src/context/index.js';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import { fixText } from '../../../src/fix/fix.js';
import { buildGraph, type Stage } from '../../../src/graph/graph.js';
import { stepEffects } from '../../../src/shell/effects.js';
import { tempDir } from '../../helpers.js';
import { SEED } from '../dockerfile/arbitrary.js';

const RUNS = process.env.PROPS_RUNS ? { seed: Number(process.env.PROPS_SEED ?? SEED), numRuns: Number(process.env.PROPS_RUNS) } : { seed: SEED, numRuns: 100 };

const PACKAGES = ['curl', 'git', 'jq', 'make', 'gcc'];

/** One step of a stage, as written; `i` is the stage's index (a `COPY --from` names an earlier one). */
const step = (i: number) => fc.oneof(
  fc.constantFrom(
    'WORKDIR /app', 'COPY . .', 'COPY . /app', 'COPY requirements.txt .', 'COPY program/ /nikto',
    'RUN pip install -r requirements.txt', 'RUN pip install -r requirements.txt -e .', 'RUN npm ci && npm run build',
    'RUN npm install', 'RUN uv sync', 'RUN adduser -D app', 'RUN chown -R app /nikto', 'USER app', 'USER root',
    'ARG V=1', 'ENV E=2', 'RUN echo $V > /v', 'RUN echo $E > /e', 'RUN cat /opt-a /opt-b > /both', 'RUN make',
    'RUN python -m compileall src', 'RUN go mod download', 'RUN cargo build --release', 'RUN some-tool --flag',
    'CMD ["python", "src/app.py"]', 'RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt',
  ),
  fc.subarray(PACKAGES, { minLength: 1 }).map((p) => `RUN apt-get update && apt-get install -y ${p.join(' ')} && rm -rf /var/lib/apt/lists/*`),
  fc.subarray(PACKAGES, { minLength: 1 }).map((p) => `RUN apt-get install -y --no-install-recommends \\\n    ${p.join(' \\\n    ')}`),
  fc.subarray(PACKAGES, { minLength: 1 }).map((p) => `RUN apk add --no-cache ${p.join(' ')}`),
  fc.constantFrom('a', 'b', 'c').map((n) => `RUN echo ${n} > /opt-${n} && sleep 2`),
  fc.constantFrom('# a comment', ''),
  ...(i > 0 ? [fc.constantFrom(`COPY --from=s${i - 1} /app /app`, `COPY --from=s0 /opt-a /opt-a`)] : []),
);

const fixable = fc.tuple(
  fc.constantFrom('', 'ARG BASE=debian:bookworm\n'),
  fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.tuple(fc.constantFrom('debian:bookworm', 'python:3.12', 'node:20', '${BASE:-alpine}', ...(i > 0 ? [`s${i - 1}`] : [])), fc.array(step(i), { minLength: 1, maxLength: 9 }))))),
).map(([globals, stages]) => globals + stages.map(([base, steps], i) => [`FROM ${base} AS s${i}`, ...steps].join('\n') + '\n').join('\n'));

interface StageEffects {
  writes: { path: string; line: number }[];
  unknown: number[];
  system: number[];
}

/**
 * Per stage (by name): what its own steps write, and whether one of them has unknown or system
 * effects; `chain` adds those of the stages it is built on (a step the stage no longer needs,
 * because its base already did the same, keeps its effect there).
 */
function effectsByStage(text: string): Map<string, { own: StageEffects; chain: StageEffects }> {
  const g = buildGraph(parseDockerfile(text, 'Dockerfile'));
  const own = g.stages.map((stage) => {
    const e: StageEffects = { writes: [], unknown: [], system: [] };
    for (const s of stage.steps) {
      // Only steps that make files: an ENV or USER counts as "everything" in the effect model.
      if (!['RUN', 'COPY', 'ADD', 'WORKDIR'].includes(s.keyword)) continue;
      const fx = stepEffects(s);
      if (fx.unknown) e.unknown.push(s.line);
      if (fx.system) e.system.push(s.line);
      for (const w of fx.writes) e.writes.push({ path: w, line: s.line });
    }
    return e;
  });
  const out = new Map<string, { own: StageEffects; chain: StageEffects }>();
  for (const stage of g.stages) {
    const chain: StageEffects = { writes: [], unknown: [], system: [] };
    for (let s: number | null = stage.index; s !== null;) {
      chain.writes.push(...own[s].writes);
      chain.unknown.push(...own[s].unknown);
      chain.system.push(...own[s].system);
      const base: Stage['base'] = g.stages[s].base;
      s = base.kind === 'stage' ? base.stage : null;
    }
    out.set(stage.name ?? String(stage.index), { own: own[stage.index], chain });
  }
  return out;
}

const covers = (by: string, p: string) => by === '/' || by === p || p.startsWith(by.endsWith('/') ? by : `${by}/`);

describe('fix on generated Dockerfiles', () => {
  let context: BuildContext;
  before(async () => {
    const dir = tempDir('layerwise-fix-props-');
    const files: Record<string, string> = {
      'requirements.txt': 'numpy==2.1.0\n', 'pyproject.toml': '[project]\nname = "app"\n', 'uv.lock': '',
      'package.json': '{"name": "web"}\n', 'package-lock.json': '{}\n', 'src/app.py': 'x = 1\n', 'src/index.js': '1\n',
      'program/nikto.pl': 'print 1\n', Makefile: 'all:\n', 'go.mod': 'module x\n', 'Cargo.toml': '[package]\nname = "x"\n', Dockerfile: 'FROM scratch\n',
    };
    for (const [f, body] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), body);
    }
    context = await openContext(dir, path.join(dir, 'Dockerfile'));
  });

  it('changes many of them (else the properties below say little)', () => {
    const texts = fc.sample(fixable, { seed: SEED, numRuns: 100 });
    const changed = texts.filter((t) => fixText(t, 'Dockerfile', context).fixed !== t).length;
    assert.ok(changed >= 40, `${changed} of 100 changed`);
  });

  for (const unsafe of [false, true]) {
    it(`fix${unsafe ? ' --unsafe' : ''}: the output parses and a second fix changes nothing`, () => {
      fc.assert(fc.property(fixable, (text) => {
        const first = fixText(text, 'Dockerfile', context, { unsafe });
        assert.doesNotThrow(() => parseDockerfile(first.fixed, 'Dockerfile'));
        assert.equal(fixText(first.fixed, 'Dockerfile', context, { unsafe }).fixed, first.fixed);
      }), RUNS);
    });
  }

  it('the safe transforms keep every effect of every stage', () => {
    fc.assert(fc.property(fixable, (text) => {
      const { fixed } = fixText(text, 'Dockerfile', context);
      if (fixed === text) return;
      const after = effectsByStage(fixed);
      for (const [stage, { own: e }] of effectsByStage(text)) {
        const a = after.get(stage)?.chain;
        assert.ok(a, `stage ${stage} is gone`);
        for (const w of e.writes) assert.ok(a.writes.some((x) => covers(x.path, w.path)) || a.unknown.length, `stage ${stage}: nothing writes ${w.path} any more (line ${w.line})`);
        if (e.unknown.length) assert.ok(a.unknown.length, `stage ${stage}: the step of unknown effects at line ${e.unknown[0]} is gone`);
        if (e.system.length) assert.ok(a.system.length || a.unknown.length, `stage ${stage}: the system install at line ${e.system[0]} is gone`);
      }
    }), RUNS);
  });
});
