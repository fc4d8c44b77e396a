import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../core/write-file.js';
import { openContext } from '../context/index.js';
import { encodeDockerfile, loadDockerfile } from '../dockerfile/load.js';
import { buildGraph } from '../graph/graph.js';
import { predictEffect } from '../fix/effect.js';
import { fixText as runFix } from '../fix/fix.js';
import { fixAndVerify, type VerifiedFix } from '../bench/verify-fix.js';
import { BenchAbortedError } from '../bench/bench.js';
import { VerifyAbortedError } from '../verify/verify.js';
import { EXIT_FINDINGS } from './exit.js';
import { TRANSFORMS } from '../fix/transforms/index.js';
import { RULES } from '../rules/index.js';
import { fixJson, fixText } from '../report/fix.js';
import { buildSelection, engineSelection, checkFormat, collectList, onInterrupt, PROFILE_OPTION_HELP, readProfile, imageOptions, imageSelection, type ImageFlags } from './common.js';
import { selectOneImage } from '../images/select.js';
import { fixHtml } from '../report/html.js';
import { VERSION } from '../version.js';
import { print, writeReport } from './output.js';

/** `--rule` takes a transform's name, or an analyze rule's: the transforms that fix it. */
function transformsFor(name: string): string[] {
  if (TRANSFORMS.some((t) => t.name === name)) return [name];
  const rule = RULES.find((r) => r.meta.name === name);
  if (rule?.meta.fixedBy?.length) return [...rule.meta.fixedBy];
  if (rule) throw new UsageError(`--rule: ${name} is an analyze rule that layerwise fix does not fix`);
  throw new UsageError(`--rule: unknown transform "${name}" (transforms: ${TRANSFORMS.map((t) => t.name).join(', ')}; or an analyze rule with a fix)`);
}

export function registerFix(program: Command): void {
  engineSelection(imageSelection(buildSelection(program.command('fix').description('restructure the Dockerfile (manifest-first installs, late source copy, ...) as a reviewable diff'))))
    .option('--rule <NAME>', 'run only this transform, or the transforms that fix this analyze rule (repeatable)', collectList)
    .option('--unsafe', 'also run transforms that may change the image')
    .option('--write', 'replace FILE with the result (atomically); without it nothing is written')
    .option('--verify', 'build the result and FILE on the engine, drop transforms that change the image, and measure a source edit and a cold build before and after')
    .option('--profile <FILE>', `${PROFILE_OPTION_HELP}, for the predicted effect`)
    .option('--time-scale <N>', 'one measured or estimated second stands for N seconds')
    .option('--format <FORMAT>', 'text, json or html (one self-contained page)', 'text')
    .option('--output <FILE>', 'write the report to FILE (replaced atomically, created if missing) instead of standard output')
    .action(async (context: string, opts: ImageFlags & {
      file?: string; target?: string; buildArg?: Record<string, string>; buildkitVersion?: string; rule?: string[]; unsafe?: boolean; write?: boolean;
      profile?: string; timeScale?: string; format: string; verify?: boolean; output?: string;
    }) => {
      const format = checkFormat(opts.format, ['text', 'json', 'html'] as const);
      const only = opts.rule ? opts.rule.flatMap((r) => transformsFor(r)) : undefined;
      const scale = opts.timeScale === undefined ? 1 : Number(opts.timeScale);
      if (!(scale > 0)) throw new UsageError(`--time-scale expects a positive number, got "${opts.timeScale}"`);
      const image = await selectOneImage(imageOptions(context, opts));
      const t = image.target;
      const df = await loadDockerfile(t.dockerfilePath, t.displayName);
      const ctx = existsSync(t.contextDir) ? await openContext(t.contextDir, t.dockerfilePath) : undefined;
      const graphOpts = { target: image.stage, buildArgs: image.buildArgs, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}) };
      const fixOpts = { ...graphOpts, only, unsafe: opts.unsafe };
      const profile = await readProfile(opts.profile, t);
      const before = predictEffect(df.source, t.displayName, ctx, { ...graphOpts, profile, timeScale: scale });
      let result = runFix(df.source, t.displayName, ctx, fixOpts);
      let verified: VerifiedFix | undefined;
      if (opts.verify) {
        const interrupt = onInterrupt('the images it built');
        try {
          verified = await fixAndVerify(t, df.source, ctx, { ...fixOpts, editPath: before.sourceEdit?.path ?? null, signal: interrupt.signal });
        } catch (e) {
          // Stopped by Ctrl-C: what was built is removed; nothing is written.
          if (e instanceof VerifyAbortedError || e instanceof BenchAbortedError) {
            process.exitCode = 130;
            return;
          }
          throw e;
        } finally {
          interrupt.dispose();
        }
        result = verified.result;
      }
      const after = predictEffect(result.fixed, t.displayName, ctx, { ...graphOpts, profile, timeScale: scale });
      const changed = result.fixed !== result.original;
      const ok = !verified?.verify || verified.verify.status === 'equivalent';
      // The file must still hold what was read: an edit made meanwhile is never overwritten.
      // Bytes that are not UTF-8 go back as they were (encodeDockerfile).
      if (opts.write && changed && ok) await writeFileAtomic(t.dockerfilePath, encodeDockerfile(result.fixed), { displayName: t.displayName, expected: encodeDockerfile(df.source) });
      // Diff headers name FILE relative to the working directory, so `git apply` takes the diff there.
      const diffPath = path.relative(process.cwd(), t.dockerfilePath).split(path.sep).join('/');
      const report = { file: t.displayName, diffPath, result, before, after, written: !!opts.write && changed && ok, verified, graph: buildGraph(df, graphOpts) };
      const out = format === 'json' ? JSON.stringify(fixJson(report), null, 2) + '\n' : format === 'html' ? fixHtml(report, { version: VERSION }) : fixText(report);
      const kind = format === 'json' ? 'json' : 'text';
      if (opts.output) await writeReport(opts.output, out, kind);
      else print(out, kind);
      if (!ok) process.exitCode = EXIT_FINDINGS;
    });
}
