import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixturesDir, projectRoot } from '../../helpers.js';
import { LspClient, MAIN } from './client.js';
import { SETTING_NAMES } from '../../../src/lsp/analysis.js';

const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Editor\n'), readme.indexOf('\n## ', readme.indexOf('## Editor\n') + 1));

/** A Lua table of strings, `{ 'a', 'b' }`, as a list. */
const luaStrings = (t: string) => [...t.matchAll(/'([^']*)'/g)].map((m) => m[1]);

test('the README\'s Neovim setup starts a server that analyzes the Dockerfile it opens', async () => {
  const lua = /```lua\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(lua, 'the Editor section has a Lua example');
  const cmd = luaStrings(/cmd = (\{[^}]*\})/.exec(lua)![1]);
  assert.equal(cmd[0], 'layerwise');
  assert.match(lua, /pattern = 'dockerfile'/);
  // init_options as Lua writes them: `name = 'string'` or `name = number`.
  const init = Object.fromEntries([...(/init_options = \{([^}]*)\}/.exec(lua)![1]).matchAll(/(\w+) = ('([^']*)'|(\d+))/g)].map((m) => [m[1], m[3] ?? Number(m[4])]));
  assert.deepEqual(Object.keys(init).sort(), ['context', 'debounceMs']);
  // Every setting the example uses is one the section documents.
  for (const k of Object.keys(init)) assert.match(section, new RegExp(`\`${k}\``), k);
  const app = path.join(fixturesDir, 'lsp', 'python-app');
  const client = new LspClient({ args: [MAIN, ...cmd.slice(1)], cwd: app });
  try {
    await client.initialize(app, init);
    const uri = pathToFileURL(path.join(app, 'Dockerfile')).href;
    await client.open(uri, readFileSync(path.join(app, 'Dockerfile'), 'utf8'));
    const p = await client.diagnostics(uri, 1);
    assert.ok(p.diagnostics.some((d) => d.code === 'broad-copy-before-expensive-steps'), JSON.stringify(p.diagnostics.map((d) => d.code)));
    assert.equal(await client.close(), 0);
  } finally {
    client.kill();
  }
});

test('the README\'s Editor section and the VS Code extension name the settings the server reads', () => {
  for (const k of SETTING_NAMES) assert.match(section, new RegExp(`\`${k}\``), k);
  const ext = createRequire(import.meta.url)(path.join(projectRoot, 'editors', 'vscode', 'extension.js')) as { SERVER_SETTINGS: string[] };
  assert.deepEqual([...ext.SERVER_SETTINGS].sort(), [...SETTING_NAMES].sort());
});
