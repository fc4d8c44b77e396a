/**
 * Where BuildKit versions differ (src/core/buildkit.ts), the model given the engine's version
 * must build, or fail, as the engine does: each behaviour on both engines, BuildKit v0.8 and
 * the current one. A model that followed one version only fails on the other engine.
 */
import assert from 'node:assert/strict';
import { BEHAVIOURS, hasBehaviour } from '../../src/core/buildkit.js';
import { InputError } from '../../src/core/errors.js';
import { parseDockerfile } from '../../src/dockerfile/parse.js';
import { inspectImageConfig } from '../../src/engine/image-config.js';
import { listImageFiles } from '../../src/engine/image-files.js';
import { buildGraph, type BuildGraph } from '../../src/graph/graph.js';
import { BASE_IMAGE, engineTest, makeContext } from './build-helpers.js';

function model(text: string, buildkitVersion: string | undefined): BuildGraph | InputError {
  try {
    return buildGraph(parseDockerfile(text, 'Dockerfile'), buildkitVersion ? { buildkitVersion } : {});
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

const expansions: [name: string, form: string, value: string, behaviour: keyof typeof BEHAVIOURS][] = [
  ['the longest-suffix pattern', '${V%%.*}', '1', 'substitution-patterns'],
  ['the shortest-prefix pattern', '${V#1.}', '2.3', 'substitution-patterns'],
  ['the replacement pattern', '${V/2/9}', '1.9.3', 'substitution-patterns'],
  ['a default for an unset variable without the colon', '${U-x}', 'x', 'colonless-defaults'],
];

for (const [what, form, value, behaviour] of expansions) {
  engineTest(`versions: ${what} (${form}) expands, or fails, as the engine does`, async (t, engine) => {
    const text = `FROM ${BASE_IMAGE}\nARG V=1.2.3\nENV X=${form}\nRUN echo "$X" > /x\n`;
    const ctx = makeContext(t, engine, { Dockerfile: text });
    const m = model(text, engine.buildkitVersion);
    const b = await ctx.build();
    t.diagnostic(`${engine.description}: model ${m instanceof InputError ? `fails: ${m.message}` : 'builds'}; engine ${b.ok ? 'builds' : `fails: ${b.error}`}`);
    assert.equal(hasBehaviour(behaviour, engine.buildkitVersion), b.ok, `the behaviour table for ${engine.buildkitVersion}`);
    if (!b.ok) {
      assert.ok(m instanceof InputError, 'the model fails too');
      assert.match(b.error ?? '', /missing ':' in substitution/);
      assert.match(m.message, /missing ':' in substitution/);
      assert.equal(m.position?.line, 3);
      return;
    }
    assert.ok(!(m instanceof InputError), `the model builds too: ${m instanceof InputError ? m.message : ''}`);
    const run = m.stages[0]!.steps.find((s) => s.keyword === 'RUN')!;
    assert.equal(run.scope.env.get('X'), value);
    const config = await inspectImageConfig(b.tag!, { engine });
    assert.ok(config.env.includes(`X=${value}`), config.env.join(' '));
  });
}

engineTest('versions: a RUN here-document runs its body on current BuildKit; v0.8 fails, and so does the model for it', async (t, engine) => {
  const text = `FROM ${BASE_IMAGE}\nRUN <<EOF\necho hello > /h\nEOF\n`;
  const ctx = makeContext(t, engine, { Dockerfile: text });
  const m = model(text, engine.buildkitVersion);
  const b = await ctx.build();
  assert.equal(hasBehaviour('heredocs', engine.buildkitVersion), b.ok);
  if (!b.ok) {
    assert.match(b.error ?? '', /unknown instruction: ECHO/i);
    assert.ok(m instanceof InputError);
    assert.match(m.message, /here-document \(<<EOF\) needs BuildKit v0\.10/);
    assert.equal(m.position?.line, 2);
    return;
  }
  assert.ok(!(m instanceof InputError));
  const run = m.stages[0]!.steps.find((s) => s.keyword === 'RUN')!;
  assert.deepEqual(run.instruction.heredocs?.map((h) => h.name), ['EOF']);
  const files = new Map((await listImageFiles(b.tag!, { engine })).map((f) => [f.path, f]));
  assert.equal(files.get('/h')?.size, 'hello\n'.length);
});

engineTest('versions: the directories a cache mount made for its mount point stay in the image on v0.8 only', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: `FROM ${BASE_IMAGE}\nRUN --mount=type=cache,target=/opt/stub/cache touch /done\n` });
  const b = await ctx.build();
  assert.equal(b.ok, true, b.error);
  const files = new Set((await listImageFiles(b.tag!, { engine })).map((f) => f.path));
  assert.ok(files.has('/done'));
  const removed = !files.has('/opt/stub');
  assert.equal(hasBehaviour('mount-stubs-removed', engine.buildkitVersion), removed, `/opt/stub ${removed ? 'absent' : 'present'} on ${engine.description}`);
});
