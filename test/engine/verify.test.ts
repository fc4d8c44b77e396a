/**
 * `verify` on the real engine: two Dockerfiles that make the same image by different routes are
 * equivalent; each kind of difference is reported, exactly; a failing build is a result with its
 * line; and no `layerwise-verify/` image is left behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/engine/exec.js';
import { makeTempDir } from '../../src/engine/cleanup.js';
import { verifyJson } from '../../src/report/verify.js';
import { allowList } from '../../src/verify/allow.js';
import type { Difference } from '../../src/verify/compare.js';
import { listVerifyImages, VERIFY_TAG_PREFIX } from '../../src/verify/images.js';
import { VerifyCache, verify, type VerifyResult } from '../../src/verify/verify.js';
import { projectRoot } from '../helpers.js';
import { BASE_IMAGE, makeContext, engineTest } from './build-helpers.js';

/** One stage does everything. */
const ONE_STAGE = `FROM ${BASE_IMAGE} AS app
COPY conf.txt /app/conf.txt
RUN mkdir -p /opt/tool && echo tool > /opt/tool/bin && chmod 755 /opt/tool/bin
RUN echo data > /app/data.txt && ln -s /app/data.txt /app/current
ENV MODE=prod
CMD ["/opt/tool/bin"]
`;

/** The same files made by two parallel stages, assembled with COPY --from. */
const PARALLEL = `FROM ${BASE_IMAGE} AS tool
RUN mkdir -p /opt/tool && echo tool > /opt/tool/bin && chmod 755 /opt/tool/bin

FROM ${BASE_IMAGE} AS data
RUN mkdir /app && echo data > /app/data.txt && ln -s /app/data.txt /app/current

FROM ${BASE_IMAGE} AS app
COPY --from=tool /opt/tool /opt/tool
COPY --from=data /app /app
COPY conf.txt /app/conf.txt
ENV MODE=prod
CMD ["/opt/tool/bin"]
`;

const lineOf = (d: Difference) =>
  d.kind === 'file' ? `${d.change} ${d.path} ${d.fields.map((f) => `${f.field}:${f.before}->${f.after}`).join(' ')}`.trim()
  : d.kind === 'config' ? `${d.change} ${d.field}${d.key ? ` ${d.key}` : ''}`
  : `${d.change} stage ${d.stage}`;

function allowedPaths(r: VerifyResult): string[] {
  return r.stages.flatMap((s) => s.allowed.map((a) => (a.kind === 'file' ? `${a.path}${a.allowance.builtin ? ' (built-in)' : ''}` : lineOf(a))));
}

async function assertNoImagesLeft(r: VerifyResult, engine: Parameters<typeof listVerifyImages>[0]) {
  assert.ok(r.cleanup.tags.length > 0, 'verify built something');
  assert.ok(r.cleanup.tags.every((t) => t.startsWith(VERIFY_TAG_PREFIX)));
  const left = await listVerifyImages(engine);
  assert.deepEqual(left.filter((t) => r.cleanup.tags.includes(t)), []);
}

engineTest('one stage and two parallel stages assembled with COPY --from make equivalent images', async (t, engine) => {
  const ctx = makeContext(t, engine, { 'conf.txt': 'x=1\n', 'one.Dockerfile': ONE_STAGE, 'parallel.Dockerfile': PARALLEL });
  const r = await verify({ context: ctx.dir, file: path.join(ctx.dir, 'parallel.Dockerfile'), against: path.join(ctx.dir, 'one.Dockerfile'), engine });
  assert.equal(r.status, 'equivalent', JSON.stringify(r.stages.map((s) => s.differences.map(lineOf))));
  assert.deepEqual(r.stages.map((s) => s.label), ['app (default target)']);
  // The one-stage image ran RUN in its last stage; the assembled one did not.
  assert.deepEqual(allowedPaths(r), ['/dev (built-in)', '/proc (built-in)', '/sys (built-in)']);
  assert.equal(r.builds.run, 2);
  await assertNoImagesLeft(r, engine);
});

engineTest('a mode change, a changed file, an extra file, ENV and CMD changes and a renamed stage are each reported', async (t, engine) => {
  const other = `FROM ${BASE_IMAGE} AS tools
RUN echo tool > /tool && chmod 755 /tool

FROM ${BASE_IMAGE} AS app
COPY --from=tools /tool /usr/local/bin/tool
COPY conf.txt /app/conf.txt
RUN echo run > /app/run.sh && chmod 644 /app/run.sh
ENV MODE=prod KEEP=1
CMD ["/app/run.sh"]
`;
  const file = `FROM ${BASE_IMAGE} AS tooling
RUN echo tool > /tool && chmod 755 /tool

FROM ${BASE_IMAGE} AS app
COPY --from=tooling /tool /usr/local/bin/tool
COPY conf.txt /app/conf.txt
RUN echo changed > /app/conf.txt && echo run > /app/run.sh && chmod 755 /app/run.sh && echo more > /app/extra.txt
ENV MODE=dev KEEP=1
CMD ["/bin/sh", "/app/run.sh"]
`;
  const ctx = makeContext(t, engine, { 'conf.txt': 'x=1\n', 'other.Dockerfile': other, 'file.Dockerfile': file });
  const r = await verify({ context: ctx.dir, file: path.join(ctx.dir, 'file.Dockerfile'), against: path.join(ctx.dir, 'other.Dockerfile'), engine });
  assert.equal(r.status, 'different');
  assert.deepEqual(r.stages.map((s) => s.label), ['app (default target)', 'tools']);
  const [app, tools] = r.stages;
  const conf = app!.differences.find((d) => d.kind === 'file' && d.path === '/app/conf.txt');
  assert.ok(conf?.kind === 'file' && conf.fields[0]!.field === 'content');
  assert.deepEqual(app!.differences.map(lineOf), [
    'changed ENV MODE',
    'changed CMD',
    `changed /app/conf.txt content:${conf.fields[0]!.before}->${conf.fields[0]!.after}`,
    'added /app/extra.txt',
    'changed /app/run.sh mode:0644->0755',
  ]);
  assert.deepEqual(tools!.differences.map(lineOf), ['removed stage tools']);
  assert.equal(tools!.fileStage, null);
  const cmd = app!.differences[1]!;
  assert.ok(cmd.kind === 'config');
  assert.deepEqual([cmd.before, cmd.after], [['/app/run.sh'], ['/bin/sh', '/app/run.sh']]);
  // OTHER app and FILE app: a stage FILE does not have is not built on either side.
  assert.equal(r.builds.run, 2);
  await assertNoImagesLeft(r, engine);

  // The same differences, accepted in an allow-list, are shown apart and no longer count.
  const allowed = await verify({
    context: ctx.dir, file: path.join(ctx.dir, 'file.Dockerfile'), against: path.join(ctx.dir, 'other.Dockerfile'), engine,
    allow: allowList({ paths: ['/app/**'], config: ['ENV MODE', 'CMD'], stages: ['tools'] }),
  });
  assert.equal(allowed.status, 'equivalent');
  assert.equal(allowed.stages.reduce((n, s) => n + s.allowed.length, 0), 6);
  assert.deepEqual(allowed.unusedAllow, []);
});

engineTest('a Dockerfile given as text is built from outside the context, which stays as it was', async (t, engine) => {
  const ctx = makeContext(t, engine, { 'conf.txt': 'x=1\n', 'secret.txt': 's\n', Dockerfile: ONE_STAGE, 'Dockerfile.dockerignore': 'secret.txt\n' });
  const before = readdirSync(ctx.dir).sort();
  const cache = new VerifyCache();
  const text = `${PARALLEL}COPY . /ctx/\n`;
  const r = await verify({ context: ctx.dir, file: { text, path: path.join(ctx.dir, 'Dockerfile') }, against: path.join(ctx.dir, 'Dockerfile'), targets: ['app'], engine, cache });
  assert.deepEqual(readdirSync(ctx.dir).sort(), before);
  assert.equal(r.status, 'different');
  // Dockerfile.dockerignore went along with the text: secret.txt is not in the image.
  const added = r.stages[0]!.differences.flatMap((d) => (d.kind === 'file' && d.change === 'added' ? [d.path] : []));
  assert.deepEqual(added, ['/ctx', '/ctx/Dockerfile', '/ctx/Dockerfile.dockerignore', '/ctx/conf.txt']);
  assert.ok(r.cleanup.dirs.length === 1 && !r.cleanup.dirs[0]!.startsWith(ctx.dir));

  // A second call with the same cache builds nothing.
  const again = await verify({ context: ctx.dir, file: { text, path: path.join(ctx.dir, 'Dockerfile') }, against: path.join(ctx.dir, 'Dockerfile'), engine, cache });
  assert.deepEqual(again.builds, { run: 0, cached: 2 });
  assert.deepEqual(verifyJson(again).stages, verifyJson(r).stages);
});

engineTest('a failing build is a result with the failing line and its output', async (t, engine) => {
  const broken = `FROM ${BASE_IMAGE} AS app\nCOPY conf.txt /app/conf.txt\nRUN echo "no such tool: $(date +%N)" && exit 3\n`;
  const ctx = makeContext(t, engine, { 'conf.txt': 'x=1\n', 'one.Dockerfile': ONE_STAGE, 'broken.Dockerfile': broken });
  const r = await verify({ context: ctx.dir, file: path.join(ctx.dir, 'broken.Dockerfile'), against: path.join(ctx.dir, 'one.Dockerfile'), engine });
  assert.equal(r.status, 'failed');
  assert.equal(r.failure?.role, 'file');
  assert.equal(r.failure?.line, 3);
  assert.match(r.failure!.error, /exit code: 3/);
  assert.ok(r.failure!.output.some((l) => l.startsWith('no such tool: ')), r.failure!.output.join('\n'));
  await assertNoImagesLeft(r, engine);
});

engineTest('the command exits 1 on differences, 0 when equivalent, 2 on bad input, and leaves no image', async (t, engine) => {
  const ctx = makeContext(t, engine, { 'conf.txt': 'x=1\n', 'one.Dockerfile': ONE_STAGE, 'parallel.Dockerfile': PARALLEL });
  writeFileSync(path.join(ctx.dir, 'allow.yaml'), 'paths:\n  - { path: /app/conf.txt, reason: test }\n');
  const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  // On BuildKit the images are tarballs in the command's temp folder: it must be empty after.
  const tmp = makeTempDir('layerwise-verify-tmp-');
  const engineName = engine.kind === 'buildctl' ? 'buildkit' : 'docker';
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [main, 'verify', ...args, '--engine', engineName], { cwd: ctx.dir, encoding: 'utf8', env: { ...process.env, ...engine.env, TMPDIR: tmp } });
  // Images another (killed) run left behind are not this test's: only new ones count.
  const verifyImages = async () =>
    engine.kind === 'buildctl'
      ? readdirSync(tmp)
      : (await run(engine.docker!, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: { ...process.env, ...engine.env } }))
          .stdout.split('\n').filter((l) => l.startsWith(VERIFY_TAG_PREFIX));
  const before = new Set(await verifyImages());

  const same = cli('.', '-f', 'parallel.Dockerfile', '--against', 'one.Dockerfile');
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /^equivalent: 1 stage compared \(app \(default target\)\); 3 allowed differences\n/);

  writeFileSync(path.join(ctx.dir, 'conf.txt'), 'x=2\n');
  const unchanged = cli('.', '-f', 'parallel.Dockerfile', '--against', 'one.Dockerfile', '--allow', 'allow.yaml', '--format', 'json');
  assert.equal(unchanged.status, 0, 'both files read the same changed context');
  assert.equal(JSON.parse(unchanged.stdout).unused_allow[0].pattern, '/app/conf.txt');

  const withArg = cli('.', '-f', 'parallel.Dockerfile', '--against', 'one.Dockerfile', '--build-arg', 'X=1', '--format', 'json');
  assert.equal(withArg.status, 0, withArg.stderr);
  assert.equal(JSON.parse(withArg.stdout).result, 'equivalent');

  const renamed = PARALLEL.replace('AS app', 'AS runtime');
  writeFileSync(path.join(ctx.dir, 'renamed.Dockerfile'), renamed);
  const r = cli('.', '-f', 'renamed.Dockerfile', '--against', 'one.Dockerfile');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^1 difference in stage app\n/);
  assert.match(r.stdout, /removed {2}stage app {2}FILE has no stage "app": --target app fails/);

  const bad = cli('.', '-f', 'parallel.Dockerfile', '--against', 'one.Dockerfile', '--target', 'nope');
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'layerwise: one.Dockerfile: target stage "nope" could not be found\n');
  const missing = cli('.', '-f', 'missing.Dockerfile', '--against', 'one.Dockerfile');
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'layerwise: missing.Dockerfile: cannot read Dockerfile: no such file\n');

  assert.deepEqual((await verifyImages()).filter((l) => !before.has(l)), []);
});
