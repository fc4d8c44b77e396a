/**
 * `layerwise lsp`: a language server over stdio (vscode-languageserver, the library VS Code's
 * own servers are built on). Dockerfile buffers are analyzed from their in-memory text a
 * moment after the last edit (debounced), and their findings published as diagnostics; code
 * actions offer fix's result per finding, hovers what re-runs a step. The logic is analysis.ts.
 */
import { fileURLToPath } from 'node:url';
import { createConnection, TextDocuments, TextDocumentSyncKind, CodeActionKind, type Connection, type InitializeParams } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { VERSION } from '../version.js';
import { analyzeDocument, codeActionsOf, diagnosticsOf, errorDiagnostic, hoverOf, isDockerfile, type DocumentAnalysis, type Settings } from './analysis.js';

const DEFAULT_DEBOUNCE_MS = 300;

/** Starts the server on a pair of streams (the process's stdin and stdout for `layerwise lsp`). */
export function startLanguageServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(input, output);
  const documents = new TextDocuments(TextDocument);
  let settings: Settings = {};
  let workspaceRoot: string | undefined;
  /** The latest analysis of each buffer (code actions and hovers read it). */
  const analyses = new Map<string, DocumentAnalysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** The analysis of each buffer under way, so one waits for the one before (never two at once on a buffer). */
  const running = new Map<string, Promise<void>>();

  connection.onInitialize((params: InitializeParams) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    workspaceRoot = folder?.startsWith('file:') ? fileURLToPath(folder) : undefined;
    settings = readSettings(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        hoverProvider: true,
      },
      serverInfo: { name: 'layerwise', version: VERSION },
    };
  });

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { layerwise?: unknown } | undefined)?.layerwise;
    if (s === undefined) return;
    settings = readSettings(s);
    for (const doc of documents.all()) schedule(doc, 0);
  });

  const analyzeNow = async (uri: string): Promise<void> => {
    const doc = documents.get(uri);
    if (!doc || !isDockerfile(doc)) return;
    const outcome = await analyzeDocument(doc, settings, workspaceRoot);
    // An edit made meanwhile is analyzed on its own; this result is of a text that is gone.
    const now = documents.get(uri);
    if (!now || now.version !== doc.version) return;
    if (outcome.ok) {
      analyses.set(uri, outcome.analysis);
      await connection.sendDiagnostics({ uri, version: doc.version, diagnostics: diagnosticsOf(doc, outcome.analysis) });
    } else {
      analyses.delete(uri);
      await connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [errorDiagnostic(doc, outcome, outcome.error)] });
    }
  };

  const schedule = (doc: TextDocument, delay: number) => {
    if (!isDockerfile(doc)) return;
    clearTimeout(timers.get(doc.uri));
    timers.set(doc.uri, setTimeout(() => {
      timers.delete(doc.uri);
      const before = running.get(doc.uri) ?? Promise.resolve();
      const next = before.then(() => analyzeNow(doc.uri)).catch((e: unknown) => {
        // A bug, not bad input: said where the user sees it, and the server keeps serving.
        const what = e instanceof Error ? e.stack ?? e.message : String(e);
        connection.console.error(`layerwise: internal error analyzing ${doc.uri} (please report it): ${what}`);
        void connection.window.showErrorMessage(`layerwise: internal error analyzing the Dockerfile (see the output log)`);
      });
      running.set(doc.uri, next);
    }, delay));
  };

  // An open is analyzed at once; an edit when the typing stops. (TextDocuments tells of an
  // open twice: as an open, then as a change of content.)
  const opening = new Set<string>();
  documents.onDidOpen((e) => opening.add(e.document.uri));
  documents.onDidChangeContent((e) => schedule(e.document, opening.delete(e.document.uri) ? 0 : settings.debounceMs ?? DEFAULT_DEBOUNCE_MS));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    analyses.delete(e.document.uri);
    running.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCodeAction((params) => {
    const doc = documents.get(params.textDocument.uri);
    const a = analyses.get(params.textDocument.uri);
    if (!doc || !a || a.version !== doc.version) return [];
    return codeActionsOf(doc, a, params.context.diagnostics);
  });

  connection.onHover((params) => {
    const doc = documents.get(params.textDocument.uri);
    const a = analyses.get(params.textDocument.uri);
    if (!doc || !a || a.version !== doc.version) return null;
    return hoverOf(doc, a, params.position);
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** The settings a client sent; keys of the wrong type are left out (the defaults hold). */
function readSettings(raw: unknown): Settings {
  if (!raw || typeof raw !== 'object') return {};
  const o = raw as Record<string, unknown>;
  const s: Settings = {};
  if (typeof o.context === 'string' && o.context) s.context = o.context;
  if (typeof o.target === 'string' && o.target) s.target = o.target;
  if (typeof o.profile === 'string' && o.profile) s.profile = o.profile;
  if (typeof o.debounceMs === 'number' && o.debounceMs >= 0) s.debounceMs = o.debounceMs;
  if (o.buildArgs && typeof o.buildArgs === 'object') {
    s.buildArgs = Object.fromEntries(Object.entries(o.buildArgs as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  return s;
}
