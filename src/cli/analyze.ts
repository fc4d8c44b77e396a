import type { Command } from 'commander';
import { analyze, failures } from '../analyze/analyze.js';
import { CONFIG_FILE, loadConfig } from '../analyze/config.js';
import { UsageError } from '../core/errors.js';
import { analyzeGithub, analyzeJson, analyzeSarif, analyzeText, listRules } from '../report/analyze.js';
import { RULES } from '../rules/index.js';
import { buildSelection, checkFormat, collectList, PROFILE_OPTION_HELP, readProfile, resolveTarget } from './common.js';
import { EXIT_FINDINGS } from './exit.js';
import { VERSION } from '../version.js';


export function registerAnalyze(program: Command): void {
  buildSelection(program.command('analyze').description('find what makes the build slow or the image fat, with what each finding costs'))
    .option('--config <FILE>', `config file (default: ${CONFIG_FILE} in the working directory, when there is one)`)
    .option('--profile <FILE>', PROFILE_OPTION_HELP)
    .option('--time-scale <N>', 'one measured or estimated second stands for N seconds (e.g. 60 when each `sleep N` stands for N minutes)')
    .option('--rule <NAME>', 'run only this rule (repeatable)', collectList)
    .option('--list-rules', 'list the rules and exit')
    .option('--format <FORMAT>', 'text, json, sarif or github', 'text')
    .action(async (context: string, opts: {
      file?: string; target?: string; buildArg?: Record<string, string>; buildkitVersion?: string; config?: string; profile?: string;
      timeScale?: string; rule?: string[]; listRules?: boolean; format: string;
    }) => {
      const format = checkFormat(opts.format, ['text', 'json', 'sarif', 'github'] as const);
      if (opts.listRules) {
        process.stdout.write(format === 'json' ? JSON.stringify(RULES.map((r) => r.meta), null, 2) + '\n' : listRules(RULES));
        return;
      }
      const known = new Set(RULES.map((r) => r.meta.name));
      for (const r of opts.rule ?? []) if (!known.has(r)) throw new UsageError(`--rule: unknown rule "${r}" (see --list-rules)`);
      const ruleOptions = new Map(RULES.map((r) => [r.meta.name, Object.keys(r.meta.options ?? {})]));
      const config = await loadConfig(opts.config ?? CONFIG_FILE, known, opts.config !== undefined, ruleOptions);
      if (opts.timeScale !== undefined) {
        const n = Number(opts.timeScale);
        if (!(n > 0)) throw new UsageError(`--time-scale expects a positive number, got "${opts.timeScale}"`);
        config.timeScale = n;
      }
      const t = resolveTarget(context, opts.file);
      const result = await analyze(t, {
        target: opts.target, buildArgs: opts.buildArg, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}), profile: await readProfile(opts.profile, t), config, only: opts.rule,
      });
      const color = process.stdout.isTTY && !process.env.NO_COLOR;
      const out = format === 'json' ? JSON.stringify(analyzeJson(result), null, 2) + '\n'
        : format === 'sarif' ? JSON.stringify(analyzeSarif(result, RULES, VERSION), null, 2) + '\n'
        : format === 'github' ? analyzeGithub(result)
        : analyzeText(result, { color });
      process.stdout.write(out);
      const why = failures(result);
      if (why.length) {
        if (format === 'text') process.stdout.write(`\nFailing: ${why.join('; ')}.\n`);
        process.exitCode = EXIT_FINDINGS;
      }
    });
}
