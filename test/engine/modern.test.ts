/**
 * Dockerfile features of current BuildKit that need a server: ADD --checksum of a URL (an HTTP
 * server on loopback), ADD of a git repository (`git daemon` on loopback), and the `# syntax`
 * and `# check` directives. Each builds on the current engine and is compared with the model;
 * v0.8 has none of them (the reason each gives for docker). The cache behaviour of heredocs,
 * COPY --link/--parents/--exclude, secrets, RUN --network, cache-mount ids and
 * SOURCE_DATE_EPOCH is judged in the explain scenario suite (test/fixtures/explain/modern-*).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { parseDockerfile } from '../../src/dockerfile/parse.js';
import { makeTempDir, removeTempDirs } from '../../src/engine/cleanup.js';
import { listImageFiles } from '../../src/engine/image-files.js';
import { buildGraph } from '../../src/graph/graph.js';
import { BASE_IMAGE, engineTest, makeContext } from './build-helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A file server on 127.0.0.1 (buildkitd fetches ADD URLs itself, on the host's network). */
async function serve(t: TestContext, files: Record<string, string>): Promise<string> {
  const server: Server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const NOT_V08 = (what: string) => ({ docker: `BuildKit v0.8 has no ${what}` });

engineTest('ADD --checksum of a URL: the right digest builds the file, a wrong one fails the build', async (t, engine) => {
  const url = await serve(t, { '/tool.txt': 'tool v1\n' });
  const good = `FROM ${BASE_IMAGE}\nADD --checksum=sha256:${sha('tool v1\n')} ${url}/tool.txt /tool.txt\nRUN cat /tool.txt\n`;
  const ctx = makeContext(t, engine, { Dockerfile: good });
  const g = buildGraph(parseDockerfile(good, 'Dockerfile'), { buildkitVersion: engine.buildkitVersion });
  const add = g.stages[0]!.steps.find((s) => s.keyword === 'ADD')!;
  assert.deepEqual(add.sources, [{ kind: 'remote', url: `${url}/tool.txt` }]);
  const b = await ctx.build();
  assert.equal(b.ok, true, b.error);
  const files = new Map((await listImageFiles(b.tag!, { engine })).map((f) => [f.path, f]));
  assert.equal(files.get('/tool.txt')?.sha256, sha('tool v1\n'));

  ctx.write('Dockerfile', good.replace(sha('tool v1\n'), sha('something else\n')));
  const bad = await ctx.build();
  assert.equal(bad.ok, false);
  assert.match(bad.error ?? '', /digest|checksum/i);
}, { notOn: NOT_V08('ADD --checksum (Dockerfile frontend 1.6)') });

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

engineTest('ADD of a git repository from a git server on loopback: the files of the ref, and a new commit rebuilds the ADD', async (t, engine) => {
  // Content of this run's own: BuildKit keys the steps after the ADD on the files it brought,
  // so an earlier run's same README would answer from the cache.
  const nonce = randomBytes(6).toString('hex');
  const root = makeTempDir('layerwise-git-');
  t.after(() => removeTempDirs(root));
  const repo = path.join(root, 'app.git');
  const work = path.join(root, 'work');
  mkdirSync(work);
  git(root, 'init', '-q', '--bare', repo);
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(work, 'README'), `one ${nonce}\n`);
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'one');
  git(work, 'push', '-q', repo, 'main');
  const port = await freePort();
  const daemon: ChildProcess = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root], { stdio: 'ignore' });
  t.after(() => void daemon.kill());
  // Until it listens.
  for (let i = 0; i < 50 && spawnSync('git', ['ls-remote', `git://127.0.0.1:${port}/app.git`]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));

  const text = `FROM ${BASE_IMAGE}\nADD git://127.0.0.1:${port}/app.git#main /src\nRUN cat /src/README\n`;
  const g = buildGraph(parseDockerfile(text, 'Dockerfile'), { buildkitVersion: engine.buildkitVersion });
  assert.deepEqual(g.stages[0]!.steps.find((s) => s.keyword === 'ADD')!.sources, [{ kind: 'remote', url: `git://127.0.0.1:${port}/app.git#main` }]);
  const ctx = makeContext(t, engine, { Dockerfile: text });
  const first = await ctx.build();
  assert.equal(first.ok, true, first.error);
  const files = new Map((await listImageFiles(first.tag!, { engine })).map((f) => [f.path, f]));
  assert.equal(files.get('/src/README')?.sha256, sha(`one ${nonce}\n`));
  assert.equal(files.has('/src/.git'), false, 'no .git without --keep-git-dir');

  writeFileSync(path.join(work, 'README'), `two ${nonce}\n`);
  git(work, 'commit', '-q', '-am', 'two');
  git(work, 'push', '-q', repo, 'main');
  const second = await ctx.build();
  assert.equal(second.ok, true, second.error);
  const run = second.vertices.find((v) => v.instruction === 'RUN cat /src/README')!;
  assert.equal(run.cached, false, 'the new commit reaches the steps after the ADD');
  assert.deepEqual(run.output, [`two ${nonce}`]);
}, { notOn: NOT_V08('ADD of a git source over git:// here (its ADD takes only http(s) URLs and context files)') });

engineTest('# syntax=docker/dockerfile:1 builds with the frontend image the local registry mirrors, and the model reads the directive', async (t, engine) => {
  const text = `# syntax=docker/dockerfile:1\nFROM ${BASE_IMAGE}\nRUN <<EOF\necho through the frontend image > /f\nEOF\n`;
  const ctx = makeContext(t, engine, { Dockerfile: text });
  const df = parseDockerfile(text, 'Dockerfile');
  assert.ok(df.directives.some((d) => d.name === 'syntax' && d.value === 'docker/dockerfile:1'), JSON.stringify(df.directives));
  const b = await ctx.build();
  assert.equal(b.ok, true, b.error);
  assert.ok(b.vertices.some((v) => /docker\.io\/docker\/dockerfile:1/.test(v.name)), 'the frontend image was resolved');
  const files = new Map((await listImageFiles(b.tag!, { engine })).map((f) => [f.path, f]));
  assert.equal(files.get('/f')?.sha256, sha('through the frontend image\n'));
}, { notOn: NOT_V08('frontend images here: its `# syntax` pulls docker/dockerfile from Docker Hub, and this machine has no registry for dockerd') });

engineTest('# check=error=true fails the build on a BuildKit check; without it the same file builds', async (t, engine) => {
  // FromAsCasing: `FROM ... as` with a lower-case `as` after an upper-case FROM.
  const lint = `FROM ${BASE_IMAGE} as base\nRUN echo hi > /hi\n`;
  const ctx = makeContext(t, engine, { Dockerfile: `# check=error=true\n${lint}` });
  const failing = await ctx.build();
  assert.equal(failing.ok, false);
  assert.match(failing.error ?? '', /FromAsCasing|lint violation/i);
  ctx.write('Dockerfile', `# check=skip=FromAsCasing;error=true\n${lint}`);
  const skipped = await ctx.build();
  assert.equal(skipped.ok, true, skipped.error);
  ctx.write('Dockerfile', lint);
  const plain = await ctx.build();
  assert.equal(plain.ok, true, plain.error);
}, { notOn: NOT_V08('build checks (`# check`, Dockerfile frontend 1.8): it reads the line as a comment') });
