import type { Command } from 'commander';
import path from 'node:path';
import { build } from '../engine/driver.js';
import { removeImages } from '../engine/cleanup.js';
import { detectEngineOnce } from '../engine/engine.js';
import { failedVertex } from '../engine/driver.js';
import { InputError } from '../core/errors.js';
import { loadDockerfile } from '../dockerfile/load.js';
import { buildGraph } from '../graph/graph.js';
import { readBuildLog } from '../timing/logs.js';
import { DEFAULT_PROFILE, importRecord, loadProfile, measuredSteps, saveProfile } from '../timing/profile.js';
import { EXIT_FINDINGS } from './exit.js';
import { buildSelection, collectList, resolveTarget } from './common.js';

interface SelectionOpts {
  file?: string;
  target?: string;
  buildArg?: Record<string, string>;
  profile: string;
}

async function graphFor(context: string, opts: SelectionOpts) {
  const t = resolveTarget(context, opts.file);
  const df = await loadDockerfile(t.dockerfilePath, t.displayName);
  return { t, graph: buildGraph(df, { target: opts.target, buildArgs: opts.buildArg }) };
}

export function registerProfile(program: Command): void {
  const profile = program.command('profile').description('measured step durations: record a build or import its log');

  buildSelection(profile.command('import').description('add the step durations of saved build logs (--progress=plain or rawjson) to the profile'))
    .requiredOption('--log <LOG>', 'a saved `docker build --progress=plain|rawjson` log (repeatable)', collectList)
    .option('--profile <FILE>', 'profile file', DEFAULT_PROFILE)
    .action(async (context: string, opts: SelectionOpts & { log: string[] }) => {
      const { graph } = await graphFor(context, opts);
      let p = await loadProfile(opts.profile);
      for (const log of opts.log) {
        const record = await readBuildLog(log);
        const n = measuredSteps(record, graph).size;
        if (n === 0) process.stderr.write(`layerwise: ${log}: no step of this Dockerfile ran in that build (all cached, or another file)\n`);
        p = importRecord(p, record, graph);
        process.stdout.write(`${log}: ${n} step duration${n === 1 ? '' : 's'} imported\n`);
      }
      await saveProfile(opts.profile, p);
      process.stdout.write(`profile: ${path.relative(process.cwd(), path.resolve(opts.profile))}\n`);
    });

  buildSelection(profile.command('record').description('build on the local engine and add the measured step durations to the profile'))
    .option('--profile <FILE>', 'profile file', DEFAULT_PROFILE)
    .option('--no-cache', 'run every step (a cold build), without pruning any cache')
    .action(async (context: string, opts: SelectionOpts & { cache: boolean }) => {
      const { t, graph } = await graphFor(context, opts);
      const { engine, reasons } = await detectEngineOnce();
      if (!engine) throw new InputError(`no container engine to build with: ${reasons.join('; ')}`);
      const record = await build({
        context: t.contextDir, dockerfile: t.dockerfilePath, target: opts.target, buildArgs: opts.buildArg,
        noCache: !opts.cache, engine, quiet: !process.stderr.isTTY,
      });
      try {
        if (!record.ok) {
          const v = failedVertex(record);
          process.stderr.write(`layerwise: the build failed${v ? ` at ${v.name}` : ''}: ${record.error ?? ''}\n${v?.output.slice(-20).join('\n') ?? ''}\n`);
          process.exitCode = EXIT_FINDINGS;
          return;
        }
        const p = importRecord(await loadProfile(opts.profile), record, graph);
        await saveProfile(opts.profile, p);
        const n = measuredSteps(record, graph).size;
        process.stdout.write(`built in ${record.wallSeconds.toFixed(1)} s on ${engine.description}; ${n} step duration${n === 1 ? '' : 's'} added to ${opts.profile}\n`);
      } finally {
        if (record.tag) await removeImages(engine, [record.tag]).catch(() => undefined);
      }
    });
}
