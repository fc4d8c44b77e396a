/**
 * A real LSP client for the editor server's tests: it spawns `layerwise lsp` as an editor
 * would (a child process over stdio) and talks JSON-RPC to it with vscode-jsonrpc, the
 * transport VS Code's own client is built on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import { projectRoot, tempDir } from '../../helpers.js';

export const MAIN = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

export class LspClient {
  readonly child: ChildProcess;
  readonly rpc: MessageConnection;
  /** Every publishDiagnostics the server sent, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  stderr = '';
  private waiters: { test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  readonly exited: Promise<number | null>;

  /** Spawns `command args` (default: this checkout's `layerwise lsp`) in `cwd`, with a cache folder of its own. */
  constructor(opts: { command?: string; args?: string[]; cwd?: string } = {}) {
    this.child = spawn(opts.command ?? process.execPath, opts.args ?? [MAIN, 'lsp'], {
      cwd: opts.cwd ?? projectRoot,
      env: { ...process.env, XDG_CACHE_HOME: tempDir('layerwise-lsp-cache-') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.rpc = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.rpc.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => (w.test(p) ? (w.resolve(p), false) : true));
    });
    // The server's log and window messages: kept for a failing test's message.
    this.rpc.onNotification('window/logMessage', (p: { message: string }) => {
      this.stderr += `[log] ${p.message}\n`;
    });
    this.rpc.onNotification('window/showMessage', (p: { message: string }) => {
      this.stderr += `[show] ${p.message}\n`;
    });
    this.rpc.listen();
  }

  async initialize(rootDir: string, initializationOptions: unknown = {}): Promise<{ capabilities: Record<string, unknown>; serverInfo?: { name: string; version?: string } }> {
    const rootUri = pathToFileURL(rootDir).href;
    const r = await this.rpc.sendRequest('initialize', {
      processId: process.pid, rootUri, capabilities: {}, workspaceFolders: [{ uri: rootUri, name: path.basename(rootDir) }], initializationOptions,
    });
    await this.rpc.sendNotification('initialized', {});
    return r as never;
  }

  /** The next publishDiagnostics for `uri` (at `version`, when given), already sent or still to come. */
  diagnostics(uri: string, version?: number, timeoutMs = 20000): Promise<PublishDiagnosticsParams> {
    const test = (p: PublishDiagnosticsParams) => p.uri === uri && (version === undefined || p.version === version);
    const seen = this.published.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version} in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ test, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version, text } });
  }

  /** Shutdown then exit, as a client closing does; resolves with the server's exit code. */
  async close(): Promise<number | null> {
    await this.rpc.sendRequest('shutdown');
    await this.rpc.sendNotification('exit');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.rpc.dispose();
  }
}

export function byCode(ds: Diagnostic[]): Map<string, Diagnostic> {
  return new Map(ds.map((d) => [String(d.code), d]));
}
