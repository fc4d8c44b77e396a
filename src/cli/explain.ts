import type { Command } from 'commander';
import { explain } from '../explain/explain.js';
import { UsageError } from '../core/errors.js';
import { parseCacheSpec } from '../core/cache-spec.js';
import { explainJson, explainText } from '../report/explain.js';
import { estimatorFor } from './estimator.js';
import { buildSelection, checkFormat, collectList, PROFILE_OPTION_HELP, readProfile, imageOptions, imageSelection, type ImageFlags } from './common.js';
import { selectOneImage } from '../images/select.js';
import { jsonText, print } from './output.js';
import { noteVariable } from '../core/secrets.js';

function collectPrevArg(value: string, previous: Record<string, string | null> = {}): Record<string, string | null> {
  const eq = value.indexOf('=');
  if (eq === 0) throw new UsageError(`--prev-build-arg expects NAME[=VALUE], got "${value}"`);
  if (eq > 0) noteVariable(value.slice(0, eq), value.slice(eq + 1));
  return eq < 0 ? { ...previous, [value]: null } : { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerExplain(program: Command): void {
  imageSelection(buildSelection(
    program.command('explain').description('say which steps a change will rebuild, step by step, and why'),
    'build argument of the build being explained (repeatable)',
  ))
    .option('--changed <PATH>', 'context path whose content, mode or existence changed (repeatable)', collectList)
    .option('--since <GITREF>', 'take the changed paths from git (working tree against GITREF), and the previous Dockerfile as it was at GITREF')
    .option('--prev-file <FILE>', 'Dockerfile used by the previous build (default: FILE, or FILE at --since GITREF)')
    .option('--prev-build-arg <NAME[=VALUE]>', 'build argument of the previous build; NAME alone = was not set (repeatable; none = same as now)', collectPrevArg)
    .option('--cache-from <CACHE>', 'explain a build on an empty builder (a CI runner) that imports this cache of the previous build: IMAGE, or type=registry,ref=IMAGE / type=local,src=DIR, with mode=max if it was exported so (default min, BuildKit\'s) (repeatable)', collectList)
    .option('--profile <FILE>', PROFILE_OPTION_HELP)
    .option('--format <FORMAT>', 'text or json', 'text')
    .action(async (context: string, opts: ImageFlags & {
      file?: string; target?: string; buildArg?: Record<string, string>; buildkitVersion?: string; changed?: string[]; since?: string;
      prevFile?: string; prevBuildArg?: Record<string, string | null>; format: string; profile?: string; cacheFrom?: string[];
    }) => {
      const format = checkFormat(opts.format, ['text', 'json'] as const);
      const cacheFrom = (opts.cacheFrom ?? []).map((c) => parseCacheSpec(c, '--cache-from'));
      const image = await selectOneImage(imageOptions(context, opts));
      const t = image.target;
      const result = await explain(t, {
        target: image.stage, buildArgs: image.buildArgs, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}), changed: opts.changed, since: opts.since,
        prevFile: opts.prevFile, prevBuildArgs: opts.prevBuildArg, profile: await readProfile(opts.profile, t), estimate: estimatorFor(),
        ...(cacheFrom.length ? { cacheFrom } : {}),
      });
      const color = process.stdout.isTTY && !process.env.NO_COLOR;
      print(format === 'json' ? jsonText(explainJson(result)) : explainText(result, { color }), format === 'json' ? 'json' : 'text');
    });
}
