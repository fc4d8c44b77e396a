import type { Command } from 'commander';
import { loadModel } from '../model.js';
import { durations, predictCold } from '../timing/predict.js';
import { estimatorFor } from './estimator.js';
import { graphDot, graphJson, graphText } from '../report/graph.js';
import { buildSelection, checkFormat, PROFILE_OPTION_HELP, readProfile, resolveTarget } from './common.js';

export function registerGraph(program: Command): void {
  buildSelection(
    program.command('graph').description('print the stages, their edges, what the target needs, and each step\'s cache inputs'),
  )
    .option('--profile <FILE>', `${PROFILE_OPTION_HELP}, for the cold-build schedule`)
    .option('--format <FORMAT>', 'text, json or dot', 'text')
    .action(async (context: string, opts: { file?: string; target?: string; buildArg?: Record<string, string>; buildkitVersion?: string; format: string; profile?: string }) => {
      const format = checkFormat(opts.format, ['text', 'json', 'dot'] as const);
      const t = resolveTarget(context, opts.file);
      const model = await loadModel(t, { target: opts.target, buildArgs: opts.buildArg, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}) });
      const d = durations(model.graph, await readProfile(opts.profile, t), estimatorFor(model.context));
      const input = { graph: model.graph, contextFiles: model.contextFiles, cold: { prediction: predictCold(model.graph, d), durations: d } };
      const out = format === 'json' ? JSON.stringify(graphJson(input), null, 2) + '\n' : format === 'dot' ? graphDot(input) : graphText(input);
      process.stdout.write(out);
    });
}
