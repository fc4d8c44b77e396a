import type { Command } from 'commander';
import { startLanguageServer } from '../lsp/server.js';

export function registerLsp(program: Command): void {
  program.command('lsp')
    .description('run the editor server (Language Server Protocol over stdio): diagnostics from analyze, code actions from fix, hover on a step')
    // Clients (vscode-languageclient's stdio transport) pass --stdio; stdio is the only transport.
    .option('--stdio', 'talk over standard input and output (the default, and the only transport)')
    .action(() => {
      startLanguageServer(process.stdin, process.stdout);
    });
}
