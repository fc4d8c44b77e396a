#!/usr/bin/env node
/**
 * The `layerwise` command. Thin on purpose: it parses arguments, calls the library, prints
 * what a reporter returns, and maps errors to exit codes (0 ok, 1 findings or a failed check,
 * 2 usage or input error). An error that is not an input error is a bug: it is rethrown.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../core/errors.js';
import { EXIT_INPUT, EXIT_OK } from './exit.js';
import { printErr } from './output.js';
import { VERSION } from '../version.js';
import { registerBench } from './bench.js';
import { registerAnalyze } from './analyze.js';
import { registerExplain } from './explain.js';
import { registerFix } from './fix.js';
import { registerGraph } from './graph.js';
import { registerLsp } from './lsp.js';
import { registerProfile } from './profile.js';
import { registerSimulate } from './simulate.js';
import { registerVerify } from './verify.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('layerwise')
    .description('Make container builds fast by construction: see what a change rebuilds, why, and how to fix the layout.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => printErr(s) })
    .showHelpAfterError('(run layerwise --help for usage)');
  registerGraph(program);
  registerExplain(program);
  registerAnalyze(program);
  registerFix(program);
  registerBench(program);
  registerProfile(program);
  registerVerify(program);
  registerSimulate(program);
  registerLsp(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return e.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
    }
    if (e instanceof InputError) {
      printErr(`layerwise: ${e.format()}\n`);
      return EXIT_INPUT;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    printErr(`layerwise: internal error (please report it): ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);
