/**
 * The GitHub Action as a workflow runs it: the steps of action.yml, parsed and run with bash
 * as GitHub runs composite steps (their `env:` mapped from the inputs), in a git repository
 * the test makes (a base commit, a pull request commit, and the base branch moving on), with a
 * `pull_request` event file and a local HTTP server on loopback standing in for the REST API.
 * The workflow example of the README is checked against action.yml and gives the inputs.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { nextLink } from '../../../src/action/github.js';
import { projectRoot, tempDir } from '../../helpers.js';

interface ActionYml {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { name?: string; id?: string; shell?: string; run?: string; uses?: string; env?: Record<string, string>; 'working-directory'?: string }[] };
}

const action = parseYaml(readFileSync(path.join(projectRoot, 'action.yml'), 'utf8')) as ActionYml;

/** The README's workflow example: the yaml block of its GitHub Action section. */
function readmeWorkflow() {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## GitHub Action\n'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)))?.[1];
  assert.ok(block, 'the README has a yaml block in its GitHub Action section');
  return { text: block, workflow: parseYaml(block) as { on: unknown; permissions: Record<string, string>; jobs: Record<string, { steps: { uses?: string; id?: string; if?: string; with?: Record<string, string> }[] }> } };
}

// ---- a stand-in for the REST API --------------------------------------------------------

interface Recorded { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: unknown }
interface Comment { id: number; body: string; user: { login: string; type: string }; html_url: string }

const api = {
  server: undefined as http.Server | undefined,
  url: '',
  requests: [] as Recorded[],
  comments: new Map<number, Comment[]>(),
  /** Status to answer a write with (403: a fork's read-only token). */
  refuseWrites: false,
  nextId: 1000,
};

const PREFIX = '/api/v3'; // as on GitHub Enterprise Server: the Action must keep GITHUB_API_URL's path

before(async () => {
  api.server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      const rec: Recorded = { method: req.method!, path: u.pathname, query: u.searchParams, headers: req.headers, body: raw ? JSON.parse(raw) : undefined };
      api.requests.push(rec);
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      if (req.headers.authorization !== 'Bearer test-token') return send(401, { message: 'Bad credentials' });
      let m = new RegExp(`^${PREFIX}/repos/octo/app/issues/(\\d+)/comments$`).exec(u.pathname);
      if (m && req.method === 'GET') {
        const all = api.comments.get(Number(m[1])) ?? [];
        const per = Number(u.searchParams.get('per_page') ?? 30);
        const page = Number(u.searchParams.get('page') ?? 1);
        const last = Math.max(1, Math.ceil(all.length / per));
        const link: Record<string, string> = page < last ? { link: `<${api.url}${PREFIX}/repos/octo/app/issues/${m[1]}/comments?per_page=${per}&page=${page + 1}>; rel="next", <${api.url}${PREFIX}/repos/octo/app/issues/${m[1]}/comments?per_page=${per}&page=${last}>; rel="last"` } : {};
        return send(200, all.slice((page - 1) * per, page * per), link);
      }
      if (m && req.method === 'POST') {
        if (api.refuseWrites) return send(403, { message: 'Resource not accessible by integration' });
        const c: Comment = { id: api.nextId++, body: (rec.body as { body: string }).body, user: { login: 'github-actions[bot]', type: 'Bot' }, html_url: '' };
        c.html_url = `https://github.example/octo/app/pull/${m[1]}#issuecomment-${c.id}`;
        api.comments.set(Number(m[1]), [...(api.comments.get(Number(m[1])) ?? []), c]);
        return send(201, c);
      }
      m = new RegExp(`^${PREFIX}/repos/octo/app/issues/comments/(\\d+)$`).exec(u.pathname);
      if (m && req.method === 'PATCH') {
        if (api.refuseWrites) return send(403, { message: 'Resource not accessible by integration' });
        const c = [...api.comments.values()].flat().find((x) => x.id === Number(m![1]));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = (rec.body as { body: string }).body;
        return send(200, c);
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => api.server!.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(api.server!.address() as AddressInfo).port}`;
});

after(() => api.server?.close());

// ---- a repository with a pull request ---------------------------------------------------

const BASE_DOCKERFILE = ['FROM bb', 'WORKDIR /app', 'COPY package.json package-lock.json ./', 'RUN npm ci', 'COPY src/ src/', 'RUN node src/build.js', 'CMD ["node", "src/app.js"]'];

function write(dir: string, files: Record<string, string>) {
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), t);
  }
}

/**
 * The base branch (an app image and a tools image), a pull request branch that copies the
 * whole source before the install and edits the app, and the base branch moving on after the
 * branch left it (an edit under tools/, which the pull request did not make).
 */
function repository() {
  const dir = tempDir('layerwise-action-repo-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.invalid');
  git('config', 'user.name', 't');
  write(dir, {
    Dockerfile: BASE_DOCKERFILE.join('\n') + '\n',
    'package.json': '{}\n', 'package-lock.json': '{}\n', 'src/app.js': 'console.log(1)\n', 'src/build.js': '\n',
    'tools/Dockerfile': 'FROM bb\nCOPY lint.sh /lint.sh\nRUN sh /lint.sh\nEXPOSE 8080\nCMD ["sh", "/lint.sh"]\n', 'tools/lint.sh': 'echo lint\n',
  });
  git('add', '-A');
  git('commit', '-qm', 'base');
  const forkPoint = git('rev-parse', 'HEAD');
  git('checkout', '-qb', 'feature');
  write(dir, { Dockerfile: BASE_DOCKERFILE.map((l, i) => (i === 2 ? 'COPY . .' : l)).join('\n') + '\n', 'src/app.js': 'console.log(2)\n' });
  git('commit', '-qam', 'copy everything');
  const head = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  write(dir, { 'tools/lint.sh': 'echo lint --strict\n' });
  git('commit', '-qam', 'main moves on');
  const baseTip = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'feature');
  return { dir, git, forkPoint, head, baseTip };
}

// ---- running action.yml as a runner does ------------------------------------------------

/** `${{ expr }}` of the few contexts a composite action's steps see here. */
function evaluate(text: string, ctx: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    assert.ok(expr in ctx, `action.yml uses \${{ ${expr} }}, which the test does not provide (inputs and github.action_path, github.token only)`);
    return ctx[expr];
  });
}

/** Parses a GITHUB_OUTPUT file (`name=value` and `name<<DELIM` forms). */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      assert.ok(end > i, `output ${heredoc[1]} has its closing delimiter`);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) out[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
  }
  return out;
}

interface Run { code: number; log: string; outputs: Record<string, string>; summary: string }

/** Runs each step of action.yml with `with` as the workflow gives it, in `workspace`, for `event`. */
async function runAction(workspace: string, withInputs: Record<string, string>, event: { name: string; payload: unknown }): Promise<Run> {
  const home = tempDir('layerwise-action-runner-');
  const eventPath = path.join(home, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event.payload));
  for (const k of Object.keys(withInputs)) assert.ok(k in action.inputs, `input ${k} is declared in action.yml`);
  const ctx: Record<string, string> = { 'github.action_path': projectRoot, 'github.token': 'test-token' };
  for (const [name, spec] of Object.entries(action.inputs)) ctx[`inputs.${name}`] = evaluate(withInputs[name] ?? spec.default ?? '', ctx);
  const stepOutputs: Record<string, Record<string, string>> = {};
  let log = '';
  let code = 0;
  const summaryFile = path.join(home, 'summary.md');
  writeFileSync(summaryFile, '');
  assert.equal(action.runs.using, 'composite');
  for (const [i, step] of action.runs.steps.entries()) {
    assert.ok(step.run, `step ${step.name} runs a command`);
    assert.equal(step.shell, 'bash', 'a composite run step names its shell');
    const outputFile = path.join(home, `output-${i}`);
    writeFileSync(outputFile, '');
    const script = path.join(home, `step-${i}.sh`);
    writeFileSync(script, evaluate(step.run!, ctx));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: home, TMPDIR: process.env.TMPDIR,
      CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: workspace, GITHUB_ACTION_PATH: projectRoot,
      GITHUB_REPOSITORY: 'octo/app', GITHUB_API_URL: `${api.url}${PREFIX}`, GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_EVENT_NAME: event.name, GITHUB_EVENT_PATH: eventPath, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile,
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = evaluate(v, ctx);
    const cwd = step['working-directory'] ? evaluate(step['working-directory'], ctx) : workspace;
    // As GitHub runs `shell: bash`: bash --noprofile --norc -eo pipefail {0}. Not spawnSync: the API stand-in answers from this process.
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('close', (c) => resolve({ code: c ?? 1, out }));
    });
    log += r.out;
    if (step.id) stepOutputs[step.id] = parseOutputs(readFileSync(outputFile, 'utf8'));
    if (r.code !== 0) {
      code = r.code;
      break;
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.outputs)) {
    outputs[name] = spec.value.replace(/\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}/g, (_, id: string, o: string) => {
      assert.ok(id in stepOutputs, `output ${name} names step ${id}, a step of action.yml with an id`);
      return stepOutputs[id][o] ?? '';
    });
  }
  return { code, log, outputs, summary: readFileSync(summaryFile, 'utf8') };
}

function pullRequestEvent(number: number, baseSha: string, headSha: string) {
  return { name: 'pull_request', payload: { action: 'synchronize', number, pull_request: { number, base: { ref: 'main', sha: baseSha }, head: { ref: 'feature', sha: headSha } }, repository: { full_name: 'octo/app' } } };
}

const MARKER = '<!-- layerwise-action: pull request comment -->';

// ---- the tests --------------------------------------------------------------------------

test('the README\'s workflow uses only inputs and outputs action.yml declares, with the permissions and checkout depth it needs', () => {
  const { workflow, text } = readmeWorkflow();
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
  const mine = steps.find((s) => s.uses?.startsWith('layerwise/layerwise@'));
  assert.ok(mine, 'a step uses layerwise/layerwise');
  for (const k of Object.keys(mine!.with ?? {})) assert.ok(k in action.inputs, `with: ${k} is an input of action.yml`);
  for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    assert.equal(m[1], mine!.id, 'outputs read are the layerwise step\'s');
    assert.ok(m[2] in action.outputs, `output ${m[2]} is declared in action.yml`);
  }
  assert.equal(workflow.permissions['pull-requests'], 'write');
  assert.equal(workflow.permissions['security-events'], 'write');
  const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
  assert.equal(String(checkout?.with?.['fetch-depth']), '0', 'the base commit is in the checkout');
  const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.ok(upload, 'the SARIF is uploaded');
  assert.match(upload!.if ?? '', /always\(\)|!cancelled\(\)/, 'the upload runs when findings fail the layerwise step');
  for (const [name, spec] of Object.entries(action.inputs)) assert.ok(spec.description, `input ${name} is described`);
  // The README's table of inputs lists exactly the declared ones.
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('\n## GitHub Action\n'), readme.indexOf('\n## Engine tests\n'));
  const listed = [...table.matchAll(/^\| `([\w-]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), Object.keys(action.inputs).sort());
});

test('on a pull request: SARIF, annotations, one comment created with what each image rebuilds and the new findings, then updated on the next push', async () => {
  const repo = repository();
  const { workflow } = readmeWorkflow();
  const withInputs = Object.values(workflow.jobs).flatMap((j) => j.steps).find((s) => s.uses?.startsWith('layerwise/layerwise@'))!.with ?? {};
  // Someone else's comments fill the first page: the Action's own must be found on any page.
  api.comments.set(7, Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `review ${i}`, user: { login: 'someone', type: 'User' }, html_url: '' })));
  api.requests = [];

  const first = await runAction(repo.dir, withInputs, pullRequestEvent(7, repo.baseTip, repo.head));
  assert.equal(first.code, 0, first.log);

  // SARIF for code scanning: one run, results of both Dockerfiles with their paths in the repository.
  const sarifFile = first.outputs['sarif-file'];
  assert.equal(sarifFile, withInputs['sarif-file'] ?? 'layerwise.sarif');
  const sarif = JSON.parse(readFileSync(path.join(repo.dir, sarifFile), 'utf8')) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs.length, 1);
  const at = sarif.runs[0].results.map((r) => `${r.locations[0].physicalLocation.artifactLocation.uri}:${r.locations[0].physicalLocation.region.startLine}:${r.ruleId}`);
  assert.ok(at.includes('Dockerfile:4:manifest-first-install'), at.join('\n'));
  assert.ok(at.some((a) => a.startsWith('tools/Dockerfile:')), 'the tools image is analyzed too');
  assert.equal(first.outputs.findings, String(sarif.runs[0].results.length));

  // Annotations in the log, at the finding's file and line.
  assert.match(first.log, /^::warning file=Dockerfile,line=4,endLine=\d+,col=1,title=manifest-first-install::RUN at line 4 installs/m);

  // The API: the comments listed page by page, then one created; nothing else.
  const calls = api.requests.map((r) => `${r.method} ${r.path}${r.query.get('page') ? `?page=${r.query.get('page')}` : ''}`);
  assert.deepEqual(calls, [
    `GET ${PREFIX}/repos/octo/app/issues/7/comments`,
    `GET ${PREFIX}/repos/octo/app/issues/7/comments?page=2`,
    `POST ${PREFIX}/repos/octo/app/issues/7/comments`,
  ]);
  for (const r of api.requests) {
    assert.equal(r.headers.accept, 'application/vnd.github+json');
    assert.equal(r.headers['x-github-api-version'], '2022-11-28');
    assert.match(String(r.headers['user-agent']), /^layerwise-action\//);
  }
  const body = (api.requests[2].body as { body: string }).body;
  assert.ok(body.startsWith(MARKER));
  assert.equal(first.outputs['comment-url'], `https://github.example/octo/app/pull/7#issuecomment-1000`);
  assert.equal(first.summary.trim(), body.trim(), 'the job summary has the comment');

  // What the pull request rebuilds, against where it left main (not main's later tools/ edit).
  const row = (file: string) => body.split('\n').find((l) => l.startsWith(`| \`${file}\``));
  assert.match(row('Dockerfile')!, /^\| `Dockerfile` \| 4 of 6 steps \| line 3 `COPY \. \.` \| \d+(\.\d)? min \(estimated\) \|$/);
  assert.match(row('tools/Dockerfile')!, /^\| `tools\/Dockerfile` \| nothing \(all 3 steps cached\) \| — \| 0 min \|$/);
  assert.ok(body.includes(`base \`${repo.forkPoint.slice(0, 7)}\``), 'the comparison is with the fork point');
  // The same answer as `layerwise explain --since` on the command line.
  const cli = JSON.parse(execFileSync(process.execPath, [path.join(projectRoot, 'dist/src/cli/main.js'), 'explain', '--since', repo.forkPoint, '--format', 'json'], { cwd: repo.dir, encoding: 'utf8' })) as { summary: { rebuilt: number; first_rebuilt_line: number } };
  assert.deepEqual([cli.summary.rebuilt, cli.summary.first_rebuilt_line], [4, 3]);

  // New findings: the install after the whole copy is new; the npm cache left in the layer was already there.
  const newFindings = body.split('\n').filter((l) => l.startsWith('- `'));
  assert.ok(newFindings.some((l) => l.startsWith('- `Dockerfile:4` warning [manifest-first-install](https://github.com/layerwise/layerwise/blob/main/docs/rules/manifest-first-install.md): ')), body);
  assert.ok(!newFindings.some((l) => l.includes('package-cache-left-in-layer')), 'a finding the base had is not new');
  assert.ok(!newFindings.some((l) => l.includes('final-image-runs-as-root')), 'a finding the base had is not new');
  assert.equal(first.outputs['new-findings'], String(newFindings.length));

  // The next push: the Dockerfile goes back to copying the manifests first.
  write(repo.dir, { Dockerfile: BASE_DOCKERFILE.join('\n') + '\n' });
  repo.git('commit', '-qam', 'manifests first again');
  api.requests = [];
  const second = await runAction(repo.dir, withInputs, pullRequestEvent(7, repo.baseTip, repo.git('rev-parse', 'HEAD')));
  assert.equal(second.code, 0, second.log);
  assert.deepEqual(api.requests.map((r) => `${r.method} ${r.path}${r.query.get('page') ? `?page=${r.query.get('page')}` : ''}`), [
    `GET ${PREFIX}/repos/octo/app/issues/7/comments`,
    `GET ${PREFIX}/repos/octo/app/issues/7/comments?page=2`,
    `PATCH ${PREFIX}/repos/octo/app/issues/comments/1000`,
  ]);
  const mine = api.comments.get(7)!.filter((c) => c.body.includes(MARKER));
  assert.equal(mine.length, 1, 'no duplicate comment');
  assert.match(mine[0].body, /\*\*No new findings\.\*\*/);
  assert.match(mine[0].body, /^\| `Dockerfile` \| 2 of 6 steps \| line 5 `COPY src\/ src\/` \|/m, 'only the src/ edit is left');
  assert.equal(second.outputs['new-findings'], '0');
});

test('a pull request from a fork, whose token cannot comment: a warning, and the analysis still stands', async () => {
  const repo = repository();
  api.comments.set(8, []);
  api.refuseWrites = true;
  try {
    const r = await runAction(repo.dir, {}, pullRequestEvent(8, repo.baseTip, repo.head));
    assert.equal(r.code, 0, r.log);
    assert.match(r.log, /^::warning::layerwise: could not post the pull request comment: POST .*: 403 Resource not accessible by integration \(a pull request from a fork/m);
    assert.match(r.summary, /### layerwise: what this pull request rebuilds/);
  } finally {
    api.refuseWrites = false;
  }
});

test('on a push, no API call: SARIF and annotations only; a Dockerfile that does not parse is an ::error at its line and exit 2', async () => {
  const repo = repository();
  api.requests = [];
  const push = await runAction(repo.dir, { 'sarif-file': 'out.sarif' }, { name: 'push', payload: { ref: 'refs/heads/feature' } });
  assert.equal(push.code, 0, push.log);
  assert.deepEqual(api.requests, []);
  assert.equal(push.outputs['sarif-file'], 'out.sarif');
  assert.ok(JSON.parse(readFileSync(path.join(repo.dir, 'out.sarif'), 'utf8')).runs[0].results.length > 0);
  assert.equal(push.outputs['comment-url'], '');

  write(repo.dir, { 'tools/Dockerfile': 'FROM bb\nFROBNICATE x\n' });
  const broken = await runAction(repo.dir, { dockerfiles: 'tools/Dockerfile\nDockerfile', annotations: 'false' }, { name: 'push', payload: {} });
  assert.equal(broken.code, 2);
  assert.match(broken.log, /^::error file=tools\/Dockerfile,line=2,col=1,title=layerwise::/m);
  assert.ok(!/^::warning file=/m.test(broken.log), 'annotations: false prints none');
  assert.ok(JSON.parse(readFileSync(path.join(repo.dir, 'layerwise.sarif'), 'utf8')).runs[0].results.length > 0, 'the Dockerfile that parses is still reported');

  const bad = await runAction(repo.dir, { comment: 'yes' }, { name: 'push', payload: {} });
  assert.equal(bad.code, 2);
  assert.match(bad.log, /^::error::layerwise: input comment: expected true or false, got "yes"$/m);
});

test('findings at fail-on fail the step after the SARIF is written, unless fail-on-findings is false', async () => {
  const repo = repository();
  write(repo.dir, { '.layerwise.yaml': 'fail-on: warning\n' });
  const failing = await runAction(repo.dir, {}, { name: 'push', payload: {} });
  assert.equal(failing.code, 1);
  assert.match(failing.log, /^::error::layerwise: Dockerfile: \d+ findings? at or above warning/m);
  assert.ok(readFileSync(path.join(repo.dir, 'layerwise.sarif'), 'utf8').length > 0);
  const lenient = await runAction(repo.dir, { 'fail-on-findings': 'false' }, { name: 'push', payload: {} });
  assert.equal(lenient.code, 0, lenient.log);
});

test('Link headers: the next page is the rel="next" URL, whatever the order', () => {
  assert.equal(nextLink('<https://api.github.com/x?page=3>; rel="last", <https://api.github.com/x?page=2>; rel="next"'), 'https://api.github.com/x?page=2');
  assert.equal(nextLink('<https://api.github.com/x?page=1>; rel="prev"'), undefined);
  assert.equal(nextLink(null), undefined);
});

test('a base commit the checkout lacks and cannot fetch: a warning to check out with fetch-depth: 0, the SARIF still written, no API call', async () => {
  const repo = repository();
  api.requests = [];
  const r = await runAction(repo.dir, {}, pullRequestEvent(9, 'f'.repeat(40), repo.head));
  assert.equal(r.code, 0, r.log);
  assert.match(r.log, /^::warning::layerwise: the base commit f{40} is not in the checkout and could not be fetched; check out with fetch-depth: 0/m);
  assert.deepEqual(api.requests, []);
  assert.equal(r.outputs['sarif-file'], 'layerwise.sarif');
  assert.ok(JSON.parse(readFileSync(path.join(repo.dir, 'layerwise.sarif'), 'utf8')).runs[0].results.length > 0);
});
