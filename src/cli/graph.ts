import type { Command } from 'commander';
import { loadModel } from '../model.js';
import { durations, predictCold } from '../timing/predict.js';
import { estimatorFor } from './estimator.js';
import { graphDot, graphJson, graphText } from '../report/graph.js';
import { buildSelection, checkFormat, PROFILE_OPTION_HELP, readProfile, imageOptions, imageSelection, type ImageFlags } from './common.js';
import { selectOneImage } from '../images/select.js';
import { print } from './output.js';

export function registerGraph(program: Command): void {
  imageSelection(buildSelection(
    program.command('graph').description('print the stages, their edges, what the target needs, and each step\'s cache inputs'),
  ))
    .option('--profile <FILE>', `${PROFILE_OPTION_HELP}, for the cold-build schedule`)
    .option('--format <FORMAT>', 'text, json or dot', 'text')
    .action(async (context: string, opts: ImageFlags & { file?: string; target?: string; buildArg?: Record<string, string>; buildkitVersion?: string; format: string; profile?: string }) => {
      const format = checkFormat(opts.format, ['text', 'json', 'dot'] as const);
      const image = await selectOneImage(imageOptions(context, opts));
      const t = image.target;
      const model = await loadModel(t, { target: image.stage, buildArgs: image.buildArgs, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}) });
      const d = durations(model.graph, await readProfile(opts.profile, t), estimatorFor(model.context));
      const input = { graph: model.graph, contextFiles: model.contextFiles, cold: { prediction: predictCold(model.graph, d), durations: d } };
      const out = format === 'json' ? JSON.stringify(graphJson(input), null, 2) + '\n' : format === 'dot' ? graphDot(input) : graphText(input);
      print(out, format === 'json' ? 'json' : 'text');
    });
}
