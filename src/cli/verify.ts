import type { Command } from 'commander';
import { verifyJson, verifyText } from '../report/verify.js';
import { loadAllowList } from '../verify/allow.js';
import { VerifyAbortedError, verify, type VerifyProgress } from '../verify/verify.js';
import { cacheOptions, cacheSelection, checkFormat, collectKeyValue, collectList, engineSelection, resolveTarget, onInterrupt } from './common.js';
import { EXIT_FINDINGS, EXIT_OK } from './exit.js';
import { jsonText, print, printErr } from './output.js';

function progressText(p: VerifyProgress): string {
  return `verify [${p.build}/${p.builds}] ${p.role === 'file' ? 'FILE' : 'OTHER'} ${p.file}, stage ${p.stage}${p.cached ? ' (cached)' : ''}`;
}

export function registerVerify(program: Command): void {
  cacheSelection(engineSelection(program.command('verify')))
    .description('build FILE and OTHER on the real engine and compare the images, stage by stage: files and config')
    .argument('[CONTEXT]', 'build context folder (both files are built from it)', '.')
    .option('-f, --file <FILE>', 'the Dockerfile to check (default: CONTEXT/Dockerfile)')
    .requiredOption('--against <OTHER>', 'the reference Dockerfile FILE must build the same images as')
    .option('--target <STAGE>', 'a stage of OTHER to compare (repeatable; default: every named stage); the default target is always compared', collectList)
    .option('--build-arg <NAME=VALUE>', 'build argument of both builds (repeatable)', collectKeyValue)
    .option('--allow <FILE>', 'allow-list of accepted differences, YAML or JSON (see docs/verify.md)')
    .option('--format <FORMAT>', 'text or json', 'text')
    .action(async (context: string, opts: {
      file?: string; against: string; target?: string[]; buildArg?: Record<string, string>; allow?: string; format: string; cacheFrom?: string[]; cacheTo?: string[];
    }) => {
      const format = checkFormat(opts.format, ['text', 'json'] as const);
      const t = resolveTarget(context, opts.file);
      const allow = opts.allow ? await loadAllowList(opts.allow) : undefined;
      const tty = process.stderr.isTTY === true;
      const interrupt = onInterrupt('verify images');
      let shown = false;
      try {
        const result = await verify({
          context: t.contextDir,
          file: t.dockerfilePath,
          against: opts.against,
          targets: opts.target ?? [],
          buildArgs: opts.buildArg ?? {},
          ...cacheOptions(opts),
          ...(allow ? { allow } : {}),
          signal: interrupt.signal,
          ...(tty
            ? {
                onProgress: (p: VerifyProgress) => {
                  shown = true;
                  printErr(`\r\x1b[K${progressText(p)}`);
                },
              }
            : {}),
        });
        if (shown) printErr('\r\x1b[K');
        print(format === 'json' ? jsonText(verifyJson(result)) : verifyText(result), format === 'json' ? 'json' : 'text');
        process.exitCode = result.status === 'equivalent' ? EXIT_OK : EXIT_FINDINGS;
      } catch (e) {
        if (shown) printErr('\r\x1b[K');
        if (e instanceof VerifyAbortedError) {
          process.exitCode = 130;
          return;
        }
        throw e;
      } finally {
        interrupt.dispose();
      }
    });
}
