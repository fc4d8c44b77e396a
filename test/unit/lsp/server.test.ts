import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver';
import { fixturesDir, tempDir } from '../../helpers.js';
import { byCode, LspClient, MAIN } from './client.js';

const app = path.join(fixturesDir, 'lsp', 'python-app');
const dockerfile = path.join(app, 'Dockerfile');
const uri = pathToFileURL(dockerfile).href;
const onDisk = readFileSync(dockerfile, 'utf8');

const cli = (args: string[], cwd = app) => execFileSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: tempDir('layerwise-lsp-cli-') } });

/** What `layerwise fix --rule RULE [--unsafe] --write` leaves of `text` in a copy of the fixture. */
function fixedByCli(text: string, rule: string, unsafe: boolean): string {
  const dir = tempDir('layerwise-lsp-fix-');
  cpSync(app, dir, { recursive: true });
  execFileSync(process.execPath, [MAIN, 'fix', '.', '--rule', rule, '--write', ...(unsafe ? ['--unsafe'] : [])], { cwd: dir, env: { ...process.env, XDG_CACHE_HOME: dir } });
  return readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
}

/** A text edit list applied as an editor applies a workspace edit to the buffer. */
function applyAction(text: string, action: CodeAction): string {
  const edits = action.edit?.changes?.[uri];
  assert.ok(edits?.length, `the action "${action.title}" edits the Dockerfile`);
  return TextDocument.applyEdits(TextDocument.create(uri, 'dockerfile', 1, text), edits);
}

const client = new LspClient({ cwd: app });
after(() => client.kill());

test('initialize says the server offers diagnostics (by sync), code actions and hover', async () => {
  const r = await client.initialize(app);
  assert.equal(r.serverInfo?.name, 'layerwise');
  assert.equal(r.capabilities.hoverProvider, true);
  assert.deepEqual(r.capabilities.codeActionProvider, { codeActionKinds: ['quickfix'] });
  assert.ok(r.capabilities.textDocumentSync, 'the server asks for the buffers');
});

let diagnostics: Diagnostic[] = [];

test('opening a Dockerfile publishes analyze\'s findings at their file:line:col ranges', async () => {
  await client.open(uri, onDisk);
  diagnostics = (await client.diagnostics(uri, 1)).diagnostics;
  const codes = diagnostics.map((d) => d.code).sort();
  assert.deepEqual(codes, ['broad-copy-before-expensive-steps', 'final-image-runs-as-root', 'manifest-first-install', 'package-cache-left-in-layer']);
  const copy = byCode(diagnostics).get('broad-copy-before-expensive-steps')!;
  // `COPY . .` is line 3, columns 1-9: LSP counts from 0.
  assert.deepEqual(copy.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 8 } });
  assert.equal(copy.severity, 2);
  assert.equal(copy.source, 'layerwise');
  assert.match(String(copy.message), /^COPY \. \. copies the whole context/);
  assert.match(copy.codeDescription!.href, /broad-copy-before-expensive-steps\.md$/);
  assert.deepEqual(copy.relatedInformation?.map((r) => r.location.range.start.line), [3]);
  // Every range is the one `layerwise analyze --format json` gives for the file.
  const json = JSON.parse(cli(['analyze', '.', '--format', 'json'])) as { findings: { rule: string; line: number; column: number; endLine: number; endColumn: number }[] };
  for (const f of json.findings) {
    assert.deepEqual(byCode(diagnostics).get(f.rule)?.range, { start: { line: f.line - 1, character: f.column - 1 }, end: { line: f.endLine - 1, character: f.endColumn - 1 } }, f.rule);
  }
});

test('a code action per fixable finding edits the buffer into what layerwise fix --rule writes', async () => {
  const actions = await client.rpc.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } }, context: { diagnostics },
  }) as CodeAction[];
  const titles = actions.map((a) => a.title).sort();
  // final-image-runs-as-root has no fix: no action.
  assert.deepEqual(titles, [
    'layerwise: fix broad-copy-before-expensive-steps',
    'layerwise: fix manifest-first-install',
    'layerwise: fix package-cache-left-in-layer (unsafe: changes the image)',
  ]);
  for (const a of actions) {
    const rule = String(a.diagnostics![0].code);
    const unsafe = /unsafe/.test(a.title);
    const fixed = applyAction(onDisk, a);
    assert.notEqual(fixed, onDisk, rule);
    assert.equal(fixed, fixedByCli(onDisk, rule, unsafe), rule);
    assert.equal(a.isPreferred, !unsafe);
  }
  const copyFix = applyAction(onDisk, actions.find((a) => a.title.includes('broad-copy'))!);
  assert.equal(copyFix, 'FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt /app/requirements.txt\nRUN pip install -r requirements.txt\nCOPY . .\nEXPOSE 8000\nCMD ["python", "app.py"]\n');
});

test('hover on a step says what re-runs it, its time and its cache inputs', async () => {
  const hover = async (line: number, character: number) => await client.rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } }) as Hover | null;
  const run = await hover(3, 10);
  assert.ok(run, 'a hover on the RUN line');
  const text = (run.contents as MarkupContent).value;
  assert.match(text, /^\*\*RUN\*\* · stage `0` · line 4/);
  assert.deepEqual(run.range, { start: { line: 3, character: 0 }, end: { line: 3, character: 35 } });
  // The time is the one graph's cold schedule gives the step.
  const graph = JSON.parse(cli(['graph', '.', '--format', 'json'])) as { schedule: { steps: { line: number; seconds: number; basis: string }[] }; stages: { steps: { line: number; inputs: { contextFiles?: string[] } }[] }[] };
  const s = graph.schedule.steps.find((x) => x.line === 4)!;
  assert.ok(s.seconds > 1, 'pip install is estimated to take a while');
  assert.match(text, new RegExp(`Time: about ${Math.round(s.seconds)} s \\(${s.basis}`));
  // Re-run by: the change impact analyze found, each kind of change that reaches this step.
  assert.match(text, /Re-run by:\n- a new version of base image python:3\.12-slim: /);
  assert.match(text, /\n- a change to requirements\.txt: /);
  assert.match(text, /\n- an edit of a Python file at the context root: /);
  assert.match(text, /Cache inputs:\n(.*\n)*- workdir `\/app`/);
  // The COPY's inputs: the context files it selects, as graph counts them.
  const copy = (await hover(2, 2))!;
  const files = graph.stages[0].steps.find((x) => x.line === 3)!.inputs.contextFiles!;
  assert.match((copy.contents as MarkupContent).value, new RegExp(`- context \`\\.\`: ${files.length} files`));
  // A comment or metadata line has no step to tell of.
  assert.equal(await hover(4, 2), null);
});

test('edits are analyzed from the buffer, once, after the typing stops', async () => {
  const before = client.published.length;
  // Three edits in a row, as typed: a USER line at the end, then a comment at the top.
  const change = (version: number, line: number, character: number, text: string) => client.rpc.sendNotification('textDocument/didChange', {
    textDocument: { uri, version }, contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text }],
  });
  // 100 ms apart: quicker than the server's 300 ms of quiet, slower than one tick.
  const pause = () => new Promise((r) => setTimeout(r, 100));
  await change(2, 5, 0, 'U');
  await pause();
  await change(3, 5, 1, 'SER 65532\n');
  await pause();
  await change(4, 0, 0, '# the app\n');
  const p = await client.diagnostics(uri, 4);
  // Let any later publish arrive before counting.
  await new Promise((r) => setTimeout(r, 800));
  assert.deepEqual(client.published.slice(before).map((x) => x.version), [4], 'one analysis, of the last version');
  const codes = p.diagnostics.map((d) => d.code).sort();
  // The USER line is in the buffer only (the file on disk has none): the root finding is gone.
  assert.ok(!codes.includes('final-image-runs-as-root'), codes.join());
  assert.ok(codes.includes('broad-copy-before-expensive-steps'));
  // Lines moved down by the comment: COPY . . is now line 4.
  assert.equal(byCode(p.diagnostics).get('broad-copy-before-expensive-steps')!.range.start.line, 3);
  assert.equal(readFileSync(dockerfile, 'utf8'), onDisk, 'nothing was written');
});

test('a line that does not parse is one error diagnostic where the parser stopped', async () => {
  await client.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 5 }, contentChanges: [{ text: 'FROM alpine\nRUN --mount=type=foo true\n' }] });
  const p = await client.diagnostics(uri, 5);
  assert.equal(p.diagnostics.length, 1);
  const [d] = p.diagnostics;
  assert.equal(d.severity, 1);
  assert.equal(d.message, 'unsupported mount type "foo"');
  assert.deepEqual(d.range.start, { line: 1, character: 4 });
});

test('shutdown and exit end the server with code 0', async () => {
  assert.equal(await client.close(), 0);
  assert.doesNotMatch(client.stderr, /internal error/);
});
