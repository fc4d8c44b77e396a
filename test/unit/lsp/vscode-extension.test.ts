import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from '../../helpers.js';
import { LspClient } from './client.js';

const dir = path.join(projectRoot, 'editors', 'vscode');
const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
  name: string; version: string; publisher: string; engines: { vscode: string }; main: string; activationEvents: string[];
  contributes: { configuration: { properties: Record<string, { type: string; default: unknown }> } }; dependencies: Record<string, string>;
};
const rootPackage = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };

interface Extension {
  activate: unknown;
  deactivate: unknown;
  serverOptions(config: { get(name: string): unknown }): { command: string; args: string[] };
  initializationOptions(config: { get(name: string): unknown }): Record<string, unknown>;
  SERVER_SETTINGS: string[];
}
// The extension is CommonJS (its own package.json has no "type"); it needs `vscode` only when activated.
const ext = createRequire(import.meta.url)(path.join(dir, manifest.main)) as Extension;

/** VS Code's view of the settings: the manifest's defaults, overridden by `set`. */
const settings = (set: Record<string, unknown> = {}) => ({
  get: (name: string) => (name in set ? set[name] : manifest.contributes.configuration.properties[`layerwise.${name}`]?.default),
});

test('the VS Code manifest has what VS Code needs to load the extension', () => {
  for (const k of ['name', 'version', 'publisher', 'main'] as const) assert.equal(typeof manifest[k], 'string', k);
  assert.match(manifest.engines.vscode, /^\^1\.\d+\.\d+$/);
  assert.ok(existsSync(path.join(dir, manifest.main)), 'main names a file that exists');
  assert.deepEqual(manifest.activationEvents, ['onLanguage:dockerfile']);
  assert.ok(manifest.dependencies['vscode-languageclient'], 'the client library it requires is a dependency');
  assert.equal(typeof ext.activate, 'function');
  assert.equal(typeof ext.deactivate, 'function');
});

test('every setting the extension passes to the server is declared in the manifest, and no other', () => {
  const declared = Object.keys(manifest.contributes.configuration.properties).sort();
  assert.deepEqual(declared, ['layerwise.path', ...ext.SERVER_SETTINGS.map((s) => `layerwise.${s}`)].sort());
  assert.deepEqual(ext.initializationOptions(settings()), { buildArgs: {}, debounceMs: 300 });
  assert.deepEqual(ext.initializationOptions(settings({ target: 'app', context: '..' })), { target: 'app', context: '..', buildArgs: {}, debounceMs: 300 });
});

test('the extension starts the command this package installs, and that command is a language server', async () => {
  const { command, args } = ext.serverOptions(settings());
  assert.equal(command, 'layerwise');
  assert.ok(rootPackage.bin[command], 'package.json installs a command of that name');
  // The installed command is node running the bin file: start it with the extension's arguments.
  const client = new LspClient({ args: [path.join(projectRoot, rootPackage.bin[command]), ...args] });
  try {
    const r = await client.initialize(projectRoot);
    assert.equal(r.serverInfo?.name, 'layerwise');
    assert.equal(await client.close(), 0);
  } finally {
    client.kill();
  }
  assert.deepEqual(ext.serverOptions(settings({ path: '/opt/bin/layerwise' })), { command: '/opt/bin/layerwise', args: ['lsp'] });
});
