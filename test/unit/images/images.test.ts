import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, readmeCommand, tempDir } from '../../helpers.js';
import { bakeImages, bakeSelection, readBake } from '../../../src/images/bake.js';
import { composeImages, composeSelection, readCompose } from '../../../src/images/compose.js';
import { selectImages } from '../../../src/images/select.js';
import { InputError } from '../../../src/core/errors.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function layerwise(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A repository with two images: api (two stages, an ARG) and worker (a Dockerfile of another name). */
function repo(): string {
  const dir = tempDir('layerwise-images-');
  mkdirSync(path.join(dir, 'api'));
  mkdirSync(path.join(dir, 'worker'));
  writeFileSync(path.join(dir, 'api', 'Dockerfile'), 'FROM bb:latest AS base\nARG MODE\nCOPY . /app\nRUN echo $MODE && sleep 1\nFROM base AS runtime\nCMD ["sh"]\n');
  writeFileSync(path.join(dir, 'api', 'main.py'), 'print(1)\n');
  writeFileSync(path.join(dir, 'worker', 'Dockerfile.worker'), 'FROM bb:latest\nCOPY . /w\nRUN sleep 2\n');
  return dir;
}

const BAKE = `variable "MODE" {
  default = "dev"
}
group "default" {
  targets = ["api"]
}
target "common" {
  args = { SHARED = "yes" }
}
target "api" {
  inherits = ["common"]
  context = "api"
  target = "runtime"
  args = { MODE = "\${MODE}-x" }
}
target "worker" {
  context = "worker"
  dockerfile = "Dockerfile.worker"
}
group "all" {
  targets = ["default", "worker"]
}
`;

test('bake: targets with inherits, variables overridden by the environment, groups of groups', async () => {
  const dir = repo();
  writeFileSync(path.join(dir, 'docker-bake.hcl'), BAKE);
  const cwd = process.cwd();
  process.chdir(dir); // bake reads contexts relative to the working directory, as buildx does
  try {
    const bake = await readBake('docker-bake.hcl', { MODE: 'prod' });
    assert.deepEqual(bakeSelection(bake, undefined), ['api']);
    assert.deepEqual(bakeSelection(bake, 'all'), ['api', 'worker']);
    const set = bakeImages(bake, bakeSelection(bake, 'all'), { EXTRA: '1' });
    const [api, worker] = set.images;
    assert.equal(api!.stage, 'runtime');
    assert.deepEqual(api!.buildArgs, { SHARED: 'yes', MODE: 'prod-x', EXTRA: '1' });
    assert.equal(api!.target.dockerfilePath, path.join(dir, 'api', 'Dockerfile'));
    assert.deepEqual(api!.origin, { kind: 'bake', file: 'docker-bake.hcl', line: 10 });
    assert.equal(worker!.target.dockerfilePath, path.join(dir, 'worker', 'Dockerfile.worker'));
    assert.equal(worker!.target.contextDir, path.join(dir, 'worker'));
    // No environment: the default.
    const dev = bakeImages(await readBake('docker-bake.hcl', {}), ['api']);
    assert.equal(dev.images[0]!.buildArgs.MODE, 'dev-x');
  } finally {
    process.chdir(cwd);
  }
});

test('bake: an HCL syntax error keeps HCL\'s location; an unknown target or variable is located too', async () => {
  const dir = tempDir('layerwise-bake-bad-');
  writeFileSync(path.join(dir, 'docker-bake.hcl'), 'target "a" {\n  context = \n}\n');
  await assert.rejects(readBake(path.join(dir, 'docker-bake.hcl'), {}), (e: InputError) => e instanceof InputError && e.position?.line === 2 && /Invalid expression/.test(e.message));
  writeFileSync(path.join(dir, 'docker-bake.hcl'), 'target "a" {\n  args = { X = "${NOPE}" }\n}\n');
  await assert.rejects(readBake(path.join(dir, 'docker-bake.hcl'), {}), (e: InputError) => e.position?.line === 2 && /unknown variable "NOPE"/.test(e.message));
  writeFileSync(path.join(dir, 'docker-bake.hcl'), 'target "a" {\n}\n');
  const bake = await readBake(path.join(dir, 'docker-bake.hcl'), {});
  assert.throws(() => bakeSelection(bake, undefined), /no target or group "default"; name one with --target \(the file has: a\)/);
});

test('bake JSON is read like HCL; remote and inline targets are skipped with the reason', async () => {
  const dir = repo();
  writeFileSync(path.join(dir, 'docker-bake.json'), JSON.stringify({
    target: { api: { context: path.join(dir, 'api'), args: { N: 1 } }, remote: { context: 'https://github.com/x/y.git' }, inline: { 'dockerfile-inline': 'FROM bb' } },
  }));
  const bake = await readBake(path.join(dir, 'docker-bake.json'), {});
  const set = bakeImages(bake, ['api', 'remote', 'inline']);
  assert.deepEqual(set.images.map((i) => [i.name, i.buildArgs]), [['api', { N: '1' }]]);
  assert.deepEqual(set.skipped.map((s) => [s.name, s.reason]), [
    ['remote', 'its context https://github.com/x/y.git is not a local folder'],
    ['inline', 'its Dockerfile is inline (dockerfile-inline)'],
  ]);
});

test('compose: build as a string or a map, args as map or list, contexts relative to the compose file, .env', async () => {
  const dir = repo();
  writeFileSync(path.join(dir, '.env'), 'STAGE=base\n');
  writeFileSync(path.join(dir, 'compose.yaml'), [
    'services:',
    '  api:',
    '    build:',
    '      context: ./api',
    '      target: ${STAGE:-runtime}',
    '      args:',
    '        - MODE=${MODE:-dev}',
    '        - FROM_ENV',
    '  db:',
    '    image: postgres',
    '  worker:',
    '    build:',
    '      context: worker',
    '      dockerfile: Dockerfile.worker',
    '      args:',
    '        X: 1',
    '  plain:',
    '    build: api',
    '',
  ].join('\n'));
  const compose = await readCompose(path.join(dir, 'compose.yaml'), { FROM_ENV: 'e' });
  assert.deepEqual(composeSelection(compose, undefined), ['api', 'worker', 'plain']);
  const set = composeImages(compose, ['api', 'worker', 'plain']);
  const [api, worker, plain] = set.images;
  assert.equal(api!.stage, 'base');
  assert.deepEqual(api!.buildArgs, { MODE: 'dev', FROM_ENV: 'e' });
  assert.equal(api!.origin.line, 2);
  assert.deepEqual(worker!.buildArgs, { X: '1' });
  assert.equal(worker!.target.dockerfilePath, path.join(dir, 'worker', 'Dockerfile.worker'));
  assert.equal(plain!.target.contextDir, path.join(dir, 'api'));
  assert.throws(() => composeSelection(compose, ['db']), /no service "db" with a build section \(services that build: api, worker, plain\)/);
});

test('compose: a YAML error and a required variable are located in the compose file', async () => {
  const dir = repo();
  writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    build: [a\n');
  await assert.rejects(readCompose(path.join(dir, 'compose.yaml'), {}), (e: InputError) => e instanceof InputError && e.position !== undefined && /compose file/.test(e.message));
  writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    build:\n      context: ${CTX:?set CTX}\n');
  const compose = await readCompose(path.join(dir, 'compose.yaml'), {});
  assert.throws(() => composeImages(compose, ['api']), (e: InputError) => e.position?.line === 4 && /required variable CTX is missing: set CTX/.test(e.message));
});

test('discovery: with no Dockerfile at CONTEXT, the bake and compose files and the other Dockerfiles are the images', async () => {
  const dir = repo();
  mkdirSync(path.join(dir, 'tools'));
  writeFileSync(path.join(dir, 'tools', 'Dockerfile'), 'FROM bb:latest\nRUN true\n');
  mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'x', 'Dockerfile'), 'FROM bb:latest\n');
  writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    build: ./api\n');
  const s = await selectImages({ context: dir, env: {} });
  assert.equal(s.kind, 'images');
  if (s.kind !== 'images') return;
  // api comes from compose; worker/Dockerfile.worker and tools/Dockerfile are found in the tree; node_modules is not searched.
  assert.deepEqual(s.set.images.map((i) => [i.name, i.origin.kind]), [
    ['api', 'compose'],
    [path.join(dir, 'tools', 'Dockerfile'), 'dockerfile'],
    [path.join(dir, 'worker', 'Dockerfile.worker'), 'dockerfile'],
  ]);
  // A Dockerfile at CONTEXT with no bake or compose file: read as before, alone.
  const only = await selectImages({ context: path.join(dir, 'tools'), env: {} });
  assert.equal(only.kind, 'dockerfile');
});

test('layerwise analyze --bake reports per image; --format json lists the images; explain needs one image', () => {
  const dir = repo();
  writeFileSync(path.join(dir, 'docker-bake.hcl'), BAKE);
  const text = layerwise(['analyze', '--bake', 'docker-bake.hcl', '--target', 'all'], dir);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^== api \(bake target in docker-bake\.hcl:10\): api\/Dockerfile, stage runtime ==$/m);
  assert.match(text.out, /^== worker \(bake target in docker-bake\.hcl:16\): worker\/Dockerfile\.worker ==$/m);
  assert.match(text.out, /api\/Dockerfile:3:1: warning COPY \. \/app/);
  assert.match(text.out, /2 images read\.\n$/);
  const json = JSON.parse(layerwise(['analyze', '--bake', 'docker-bake.hcl', '--format', 'json'], dir, { MODE: 'prod' }).out);
  assert.deepEqual(json.images.map((i: { image: { name: string; buildArgs: unknown; stage: string } }) => [i.image.name, i.image.stage, i.image.buildArgs]), [['api', 'runtime', { SHARED: 'yes', MODE: 'prod-x' }]]);
  assert.ok(json.images[0].findings.length > 0);
  const sarif = JSON.parse(layerwise(['analyze', '--bake', 'docker-bake.hcl', '--target', 'all', '--format', 'sarif'], dir).out);
  assert.equal(sarif.runs.length, 1);
  assert.deepEqual([...new Set(sarif.runs[0].results.map((r: { properties: { image: string } }) => r.properties.image))], ['api', 'worker']);
  const many = layerwise(['explain', '--bake', 'docker-bake.hcl', '--target', 'all', '--changed', 'main.py'], dir);
  assert.equal(many.code, 2);
  assert.match(many.err, /this reads one image and 2 are described \(api, worker\); pick one with --target NAME/);
  const one = layerwise(['explain', '--bake', 'docker-bake.hcl', '--changed', 'main.py'], dir);
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, /COPY \. \/app\s+← first rebuilt step/);
  assert.equal(layerwise(['graph', '--bake', 'docker-bake.hcl', '--format', 'json'], dir).code, 0);
});

test('layerwise analyze --compose and the flag rules', () => {
  const dir = repo();
  writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  worker:\n    build:\n      context: worker\n      dockerfile: Dockerfile.worker\n  api:\n    build: ./api\n');
  const r = layerwise(['analyze', '--compose', 'compose.yaml', '--service', 'worker'], dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^== worker \(compose service in compose\.yaml:2\)/m);
  assert.doesNotMatch(r.out, /== api/);
  assert.match(layerwise(['analyze', '--compose', 'compose.yaml', '--bake', 'x.hcl'], dir).err, /--bake and --compose each describe the images; give one of them/);
  assert.match(layerwise(['analyze', '--compose', 'compose.yaml', '-f', 'api/Dockerfile'], dir).err, /-f names one Dockerfile/);
  assert.match(layerwise(['analyze', '--service', 'api'], dir).err, /--service picks a service of --compose FILE/);
  const missing = layerwise(['analyze', '--compose', 'nope.yaml'], dir);
  assert.equal(missing.code, 2);
  assert.equal(missing.err, 'layerwise: nope.yaml: no such compose file\n');
  writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    build: ./gone\n');
  const gone = layerwise(['analyze', '--compose', 'compose.yaml'], dir);
  assert.equal(gone.code, 2);
  assert.match(gone.err, /^layerwise: compose\.yaml:2:1: service "api": no such build context folder/);
});

test('the README\'s bake example runs as shown', () => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Compose and Bake'), readme.indexOf('## As a package and a library'));
  const hcl = /```hcl\n([\s\S]*?)```/.exec(section)![1]!;
  const sh = /```sh\n([\s\S]*?)```/.exec(section)![1]!.split('\n').filter((l) => l.includes('--bake'));
  const dir = repo();
  writeFileSync(path.join(dir, 'docker-bake.hcl'), hcl);
  for (const line of sh) {
    const { args: words, env } = readmeCommand(line);
    const r = layerwise(words, dir, env);
    assert.equal(r.code, 0, `${line}\n${r.err}`);
    assert.match(r.out, words[0] === 'analyze' ? /== api [\s\S]*== worker [\s\S]*2 images read/ : /← first rebuilt step/);
  }
  assert.equal(sh.length, 2);
});
