'use strict';
/**
 * The VS Code extension: starts `layerwise lsp` (stdio) for Dockerfiles through
 * vscode-languageclient and hands it the `layerwise.*` settings. All the work is the server's.
 */

/** The settings passed to the server (initializationOptions, and on change), as `layerwise.<name>`. */
const SERVER_SETTINGS = ['context', 'target', 'buildArgs', 'profile', 'debounceMs'];

/** How the server is started: `layerwise lsp`, or the command in `layerwise.path`, over stdio. */
function serverOptions(config) {
  return { command: config.get('path') || 'layerwise', args: ['lsp'] };
}

/** The settings the server reads; empty ones are left out, so the server's defaults hold. */
function initializationOptions(config) {
  const out = {};
  for (const name of SERVER_SETTINGS) {
    const v = config.get(name);
    if (v !== undefined && v !== null && v !== '') out[name] = v;
  }
  return out;
}

let client;

async function activate(context) {
  // Required here, not at the top: only the extension host has `vscode`.
  const vscode = require('vscode');
  const { LanguageClient } = require('vscode-languageclient/node');
  const config = vscode.workspace.getConfiguration('layerwise');
  client = new LanguageClient('layerwise', 'layerwise', serverOptions(config), {
    documentSelector: [{ scheme: 'file', language: 'dockerfile' }, { scheme: 'untitled', language: 'dockerfile' }],
    initializationOptions: initializationOptions(config),
    synchronize: { configurationSection: 'layerwise' },
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverOptions, initializationOptions, SERVER_SETTINGS };
