/**
 * Secrets as a user meets them: a Dockerfile with `ARG GITHUB_TOKEN=ghp_…`, `ENV
 * AWS_SECRET_ACCESS_KEY=…`, a URL with a password and a token inside a RUN, built with
 * `--build-arg NPM_TOKEN=…`: every command and format prints and writes `[redacted]` where a
 * value was, never the value or a piece of it; an ordinary ARG's value is shown as it is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fixturesDir, projectRoot, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

const CLI_TOKEN = 'cliNpmTokenValue42';
const PREV_TOKEN = 'previousTokenValue7';
/** Every secret the fixture and the command lines hold. */
const SECRETS = [
  'ghp_Fixture0123456789abcdefghijklmnopqrst',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFIXTUREKEY',
  'hunter2fixture',
  'npm_Fixture0123456789abcdefghijklmnopqrs',
  CLI_TOKEN,
  PREV_TOKEN,
];
const PLAIN = '1.2.3-fixture';

/** The secret or any 8 characters of it, so a clipped value counts too. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const s of SECRETS) {
    for (let i = 0; i + 8 <= s.length; i++) {
      const piece = s.slice(i, i + 8);
      if (text.includes(piece)) {
        found.push(`${piece} (of ${s})`);
        break;
      }
    }
  }
  return found;
}

function setup() {
  const root = tempDir('layerwise-secrets-');
  const ctx = path.join(root, 'ctx');
  cpSync(path.join(fixturesDir, 'secrets'), ctx, { recursive: true });
  return { root, ctx, cache: path.join(root, 'cache') };
}

function layerwise(args: string[], cwd: string, cache: string) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every file under a folder, with its text. */
function filesUnder(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    if (statSync(p).isFile()) out.push({ file: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

const ARG = ['--build-arg', `NPM_TOKEN=${CLI_TOKEN}`];
/** Each command a user would run, and whether its output shows the fixture's ARG and ENV values. */
const CASES: { args: string[]; shows: boolean; json?: boolean }[] = [
  ...['text', 'sarif', 'github', 'checkstyle', 'codeclimate', 'junit'].map((f) => ({ args: ['analyze', 'ctx', '--format', f, ...ARG], shows: false, json: f === 'sarif' || f === 'codeclimate' })),
  { args: ['analyze', 'ctx', '--format', 'json', ...ARG], shows: false, json: true },
  { args: ['analyze', 'ctx', '--format', 'html', ...ARG], shows: true },
  { args: ['fix', 'ctx', ...ARG], shows: true },
  { args: ['fix', 'ctx', '--unsafe', '--format', 'json', ...ARG], shows: true, json: true },
  { args: ['fix', 'ctx', '--format', 'html', ...ARG], shows: true },
  { args: ['explain', 'ctx', '--changed', 'package.json', ...ARG], shows: true },
  { args: ['explain', 'ctx', '--format', 'json', ...ARG, '--prev-build-arg', `NPM_TOKEN=${PREV_TOKEN}`], shows: true, json: true },
  { args: ['explain', 'ctx', ...ARG, '--prev-build-arg', `NPM_TOKEN=${PREV_TOKEN}`], shows: true },
  { args: ['graph', 'ctx', ...ARG], shows: true },
  { args: ['graph', 'ctx', '--format', 'json', ...ARG], shows: true, json: true },
  { args: ['graph', 'ctx', '--format', 'dot', ...ARG], shows: false },
  { args: ['simulate', 'ctx', '--no-images', ...ARG], shows: true },
];

for (const c of CASES) {
  test(`layerwise ${c.args.join(' ')} shows no secret${c.shows ? ', [redacted] where one was, and the plain ARG as it is' : ''}`, () => {
    const { root, cache } = setup();
    const r = layerwise(c.args, root, cache);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    assert.deepEqual(leaks(r.out + r.err), []);
    if (c.shows) {
      assert.match(r.out, /\[redacted\]/);
      assert.ok(r.out.includes(PLAIN), 'the ordinary ARG value is shown');
    }
    // JSON keeps its shape: it still parses, and a value that was a secret is the marker.
    if (c.json) JSON.parse(r.out);
  });
}

test('analyze --output, fix --output and simulate --out write no secret; fix --write keeps the Dockerfile as it is', () => {
  const { root, ctx, cache } = setup();
  const out = path.join(root, 'out');
  mkdirSync(out);
  for (const args of [
    ['analyze', 'ctx', '--format', 'html', '--output', 'out/a.html'],
    ['analyze', 'ctx', '--format', 'json', '--output', 'out/a.json'],
    ['analyze', 'ctx', '--format', 'sarif', '--output', 'out/a.sarif'],
    ['fix', 'ctx', '--format', 'html', '--output', 'out/f.html'],
    ['fix', 'ctx', '--format', 'json', '--output', 'out/f.json'],
    ['simulate', 'ctx', '--no-images', '--out', 'out/sim'],
  ]) {
    const r = layerwise([...args, ...ARG], root, cache);
    assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: exit ${r.code}: ${r.err}`);
    assert.deepEqual(leaks(r.out + r.err), [], args.join(' '));
  }
  const written = filesUnder(out);
  assert.equal(written.length, 7, written.map((w) => w.file).join(', '));
  for (const w of written) assert.deepEqual(leaks(w.text), [], w.file);
  assert.ok(written.some((w) => w.text.includes('[redacted]') && w.text.includes(PLAIN)));
  for (const w of written.filter((x) => x.file.endsWith('.json') || x.file.endsWith('.sarif'))) JSON.parse(w.text);
  // The user's own file is theirs: --write leaves its secrets as they are (what it prints does not).
  const before = readFileSync(path.join(ctx, 'Dockerfile'), 'utf8');
  const r = layerwise(['fix', 'ctx', '--write', ...ARG], root, cache);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(leaks(r.out + r.err), []);
  const after = readFileSync(path.join(ctx, 'Dockerfile'), 'utf8');
  assert.notEqual(after, before, 'fix changed the file');
  for (const s of SECRETS.slice(0, 4)) assert.ok(after.includes(s), `${s} kept in the Dockerfile`);
});

test('profile import writes a profile with the token of a RUN redacted, and graph still finds its durations', () => {
  const { root, cache } = setup();
  const r = layerwise(['profile', 'import', 'ctx', '--log', 'ctx/build.txt', ...ARG], root, cache);
  assert.equal(r.code, 0, r.err);
  const [profile] = filesUnder(cache);
  assert.ok(profile, 'a profile was written');
  assert.deepEqual(leaks(profile.text), []);
  assert.match(profile.text, /_authToken=\[redacted\]\\" > \/root\/.npmrc"/);
  const g = layerwise(['graph', 'ctx', '--format', 'json'], root, cache);
  assert.equal(g.code, 0, g.err);
  assert.ok(g.out.includes('"seconds": 2.5'), 'the RUN keeps its measured 2.5 s');
});

test('error messages that echo a value redact it', () => {
  const { root, cache } = setup();
  for (const args of [
    ['graph', 'ctx', '--target', SECRETS[0]!],
    ['graph', 'ctx', '--format', SECRETS[0]!],
    ['analyze', 'ctx', '--docs-url', SECRETS[3]!],
  ]) {
    const r = layerwise(args, root, cache);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.deepEqual(leaks(r.out + r.err), [], args.join(' '));
    assert.match(r.err, /\[redacted\]/);
  }
});
