/**
 * `analyze --with-build-checks`: the Dockerfile frontend's check method (what `docker buildx
 * build --call=check` runs) on the real engine, its warnings reported beside ours as
 * `buildkit/<Rule>` at the lines BuildKit names. Docker 20.10's BuildKit v0.8 has no check
 * method: there the test proves the message instead.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyze } from '../../src/analyze/analyze.js';
import { defaultConfig } from '../../src/analyze/config.js';
import { UsageError } from '../../src/core/errors.js';
import { BASE_IMAGE, engineTest, makeContext } from './build-helpers.js';

const DIRTY = [
  `FROM ${BASE_IMAGE} as base`, // 1: FromAsCasing
  'ARG DB_PASSWORD', //             2: SecretsUsedInArgOrEnv
  'ENV APP_TOKEN=abc \\', //        3: SecretsUsedInArgOrEnv, over lines 3-4
  '    MODE=prod',
  'WORKDIR app', //                 5: WorkdirRelativePath
  'CMD echo ready', //              6: JSONArgsRecommended
  '',
].join('\n');

const CLEAN = `FROM ${BASE_IMAGE} AS base\nWORKDIR /app\nCMD ["echo", "ready"]\n`;

engineTest('analyze --with-build-checks reports BuildKit\'s own checks by rule name at the lines BuildKit names, and none for a clean file', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: DIRTY, 'clean.Dockerfile': CLEAN });
  const target = (file: string) => ({ contextDir: ctx.dir, dockerfilePath: path.join(ctx.dir, file), displayName: file });
  const r = await analyze(target('Dockerfile'), { config: defaultConfig(), buildChecks: true, engine });
  const bk = r.findings.filter((f) => f.rule.startsWith('buildkit/')).map((f) => [f.rule, f.range.start.line, f.range.start.column, f.range.end.line]);
  bk.sort((a, b) => Number(a[1]) - Number(b[1]) || String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(bk, [
    ['buildkit/FromAsCasing', 1, 1, 1],
    ['buildkit/SecretsUsedInArgOrEnv', 2, 1, 2],
    ['buildkit/SecretsUsedInArgOrEnv', 3, 1, 4],
    ['buildkit/WorkdirRelativePath', 5, 1, 5],
    ['buildkit/JSONArgsRecommended', 6, 1, 6],
  ]);
  assert.equal(r.buildChecks?.warnings, 5);
  assert.equal(r.buildChecks?.engine.engine, 'buildkit');
  // Ours beside them: the secret is found by our rule too, on the name's own range.
  assert.ok(r.findings.some((f) => f.rule === 'secret-in-arg-or-env' && f.range.start.line === 2 && f.range.start.column === 5));

  const clean = await analyze(target('clean.Dockerfile'), { config: defaultConfig(), buildChecks: true, engine });
  assert.deepEqual(clean.findings.filter((f) => f.rule.startsWith('buildkit/')), []);
  assert.equal(clean.buildChecks?.warnings, 0);

  // BuildKit's own `# check=skip=` directive is BuildKit's to honour.
  ctx.write('Dockerfile', `# check=skip=FromAsCasing,JSONArgsRecommended\n${DIRTY}`);
  const skipped = await analyze(target('Dockerfile'), { config: defaultConfig(), buildChecks: true, engine });
  assert.deepEqual(skipped.findings.filter((f) => f.rule.startsWith('buildkit/')).map((f) => f.rule).sort(), ['buildkit/SecretsUsedInArgOrEnv', 'buildkit/SecretsUsedInArgOrEnv', 'buildkit/WorkdirRelativePath']);
}, { notOn: { docker: 'BuildKit v0.8 has no check method (its refusal is the next test)' } });

engineTest('analyze --with-build-checks on docker build 20.10 (BuildKit v0.8) is a usage error that says to use a current BuildKit', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: DIRTY });
  const target = { contextDir: ctx.dir, dockerfilePath: path.join(ctx.dir, 'Dockerfile'), displayName: 'Dockerfile' };
  await assert.rejects(analyze(target, { config: defaultConfig(), buildChecks: true, engine }), (e: unknown) => e instanceof UsageError && /has no check method.*--engine buildkit/.test(e.message));
}, { notOn: { buildkit: 'the current BuildKit has the check method (the test before)' } });
