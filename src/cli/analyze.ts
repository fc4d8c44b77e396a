import type { Command } from 'commander';
import path from 'node:path';
import { analyze, failures, type AnalyzeResult } from '../analyze/analyze.js';
import { selectImages } from '../images/select.js';
import type { ImageSpec } from '../images/spec.js';
import { imageJson, imagesSarif, imagesText } from '../report/images.js';
import { CONFIG_FILE, defaultConfig, FAIL_ON, findConfig, loadConfig, normalizeDocsUrl, type FailOn } from '../analyze/config.js';
import { analyzeCheckstyle } from '../report/checkstyle.js';
import { analyzeCodeclimate } from '../report/codeclimate.js';
import { analyzeJunit } from '../report/junit.js';
import { UsageError } from '../core/errors.js';
import { analyzeGithub, analyzeJson, analyzeSarif, analyzeText, listRules } from '../report/analyze.js';
import { analyzeHtml } from '../report/html.js';
import { RULES } from '../rules/index.js';
import { buildSelection, checkFormat, collectList, engineSelection, envOption, givenAs, imageOptions, imageSelection, PROFILE_OPTION_HELP, readProfile, type ImageFlags } from './common.js';
import { EXIT_FINDINGS } from './exit.js';
import { VERSION } from '../version.js';
import { jsonText, print, printErr, writeReport } from './output.js';


export function registerAnalyze(program: Command): void {
  engineSelection(imageSelection(buildSelection(program.command('analyze').description('find what makes the build slow or the image fat, with what each finding costs'))))
    .addOption(envOption('--config <FILE>', `config file (default: ${CONFIG_FILE} in the working directory, else $XDG_CONFIG_HOME/layerwise/config.yaml)`, 'LAYERWISE_CONFIG'))
    .addOption(envOption('--profile <FILE>', PROFILE_OPTION_HELP, 'LAYERWISE_PROFILE'))
    .addOption(envOption('--time-scale <N>', 'one measured or estimated second stands for N seconds (e.g. 60 when each `sleep N` stands for N minutes)', 'LAYERWISE_TIME_SCALE'))
    .option('--rule <NAME>', 'run only this rule (repeatable)', collectList)
    .option('--list-rules', 'list the rules and exit')
    .addOption(envOption('--format <FORMAT>', 'text, json, sarif, github, checkstyle, codeclimate (GitLab code quality), junit or html (one self-contained page)', 'LAYERWISE_FORMAT', 'text'))
    .addOption(envOption('--fail-on <SEVERITY>', `the lowest severity of a finding that makes the exit code 1: ${FAIL_ON.join(', ')} (config fail-on; default: error)`, 'LAYERWISE_FAIL_ON'))
    .option('--output <FILE>', 'write the report to FILE (replaced atomically, created if missing) instead of standard output')
    .option('--with-build-checks', 'also run BuildKit\'s own checks (docker buildx build --call=check) on a current BuildKit and report them as buildkit/<Rule>; engine: --engine buildkit, BUILDKIT_HOST, else unix:///run/buildkit/buildkitd.sock when it answers; exit 2 when no engine can')
    .addOption(envOption('--docs-url <URL>', 'base URL of the rule pages that reports link (config docs-url; default: the project\'s docs/rules/ on GitHub)', 'LAYERWISE_DOCS_URL'))
    .action(async (context: string, opts: ImageFlags & {
      file?: string; target?: string; buildArg?: Record<string, string>; buildkitVersion?: string; config?: string; profile?: string;
      timeScale?: string; rule?: string[]; listRules?: boolean; format: string; output?: string; docsUrl?: string; withBuildChecks?: boolean; failOn?: string;
    }, cmd: Command) => {
      const format = checkFormat(opts.format, ['text', 'json', 'sarif', 'github', 'checkstyle', 'codeclimate', 'junit', 'html'] as const, givenAs(cmd, 'format', '--format'));
      const docsUrl = opts.docsUrl === undefined ? undefined : normalizeDocsUrl(opts.docsUrl);
      if (opts.docsUrl !== undefined && !docsUrl) throw new UsageError(`${givenAs(cmd, 'docsUrl', '--docs-url')} expects an absolute http(s) or file URL, got "${opts.docsUrl}"`);
      if (opts.failOn !== undefined && !(FAIL_ON as readonly string[]).includes(opts.failOn)) {
        throw new UsageError(`${givenAs(cmd, 'failOn', '--fail-on')} must be one of ${FAIL_ON.join(', ')}, got "${opts.failOn}"`);
      }
      if (opts.listRules) {
        print(format === 'json' ? jsonText(RULES.map((r) => r.meta)) : listRules(RULES), format === 'json' ? 'json' : 'text');
        return;
      }
      const known = new Set(RULES.map((r) => r.meta.name));
      for (const r of opts.rule ?? []) if (!known.has(r)) throw new UsageError(`--rule: unknown rule "${r}" (see --list-rules)`);
      const ruleOptions = new Map(RULES.map((r) => [r.meta.name, Object.keys(r.meta.options ?? {})]));
      const configFile = await findConfig(opts.config, process.cwd());
      const config = configFile === undefined ? defaultConfig() : await loadConfig(configFile, known, opts.config !== undefined, ruleOptions);
      if (opts.timeScale !== undefined) {
        const n = Number(opts.timeScale);
        if (!(n > 0)) throw new UsageError(`${givenAs(cmd, 'timeScale', '--time-scale')} expects a positive number, got "${opts.timeScale}"`);
        config.timeScale = n;
      }
      if (opts.failOn !== undefined) config.failOn = opts.failOn as FailOn;
      if (docsUrl) config.docsUrl = docsUrl;
      const selection = await selectImages(imageOptions(context, opts));
      const run = async (image: ImageSpec) => analyze(image.target, {
        target: image.stage, buildArgs: image.buildArgs, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}), profile: await readProfile(opts.profile, image.target), config, only: opts.rule,
        ...(opts.withBuildChecks ? { buildChecks: true } : {}),
      });
      const color = !opts.output && process.stdout.isTTY && !process.env.NO_COLOR;
      let out: string;
      let why: string[];
      if (selection.kind === 'dockerfile') {
        const result = await run(selection.image);
        out = format === 'json' ? JSON.stringify(analyzeJson(result), null, 2) + '\n'
          : format === 'sarif' ? JSON.stringify(analyzeSarif(result, RULES, VERSION), null, 2) + '\n'
          : format === 'github' ? analyzeGithub(result)
          : format === 'checkstyle' ? analyzeCheckstyle([result])
          : format === 'codeclimate' ? JSON.stringify(analyzeCodeclimate([result]), null, 2) + '\n'
          : format === 'junit' ? analyzeJunit([result])
          : format === 'html' ? analyzeHtml([{ result }], { version: VERSION })
          : analyzeText(result, { color });
        why = failures(result);
      } else {
        // A bake file, a compose file, or what the repository describes: one report per image.
        const { images, skipped, warnings } = selection.set;
        for (const w of warnings) printErr(`layerwise: warning: ${w}\n`);
        const parts: { image: ImageSpec; result: AnalyzeResult }[] = [];
        for (const image of images) parts.push({ image, result: await run(image) });
        const results = parts.map((p) => p.result);
        const rel = (p: string) => path.relative(process.cwd(), p) || '.';
        out = format === 'json' ? JSON.stringify({ images: parts.map(({ image, result }) => ({ image: imageJson(image, rel), ...analyzeJson(result) })), skipped }, null, 2) + '\n'
          : format === 'sarif' ? JSON.stringify(imagesSarif(parts.map(({ image, result }) => ({ image, sarif: analyzeSarif(result, RULES, VERSION) }))), null, 2) + '\n'
          : format === 'github' ? results.map((r) => analyzeGithub(r)).join('')
          : format === 'checkstyle' ? analyzeCheckstyle(results)
          : format === 'codeclimate' ? JSON.stringify(analyzeCodeclimate(results), null, 2) + '\n'
          : format === 'junit' ? analyzeJunit(results)
          : format === 'html' ? analyzeHtml(parts.map(({ image, result }) => ({ image: image.name, result })), { version: VERSION, skipped })
          : imagesText(parts.map(({ image, result }) => ({ image, text: analyzeText(result, { color }) })), skipped);
        why = parts.flatMap(({ image, result }) => failures(result).map((w) => `${image.name}: ${w}`));
      }
      const kind = format === 'json' || format === 'sarif' || format === 'codeclimate' ? 'json' : 'text';
      if (opts.output) {
        await writeReport(opts.output, out, kind);
        // The report went to the file; the verdict still reaches the person reading the log.
        if (why.length) printErr(`layerwise: failing: ${why.join('; ')} (report in ${opts.output})\n`);
      } else {
        print(out, kind);
        if (why.length && format === 'text') print(`\nFailing: ${why.join('; ')}.\n`);
      }
      if (why.length) process.exitCode = EXIT_FINDINGS;
    });
}
