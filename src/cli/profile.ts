import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openContext } from '../context/index.js';
import { build } from '../engine/driver.js';
import { removeImages } from '../engine/cleanup.js';
import { detectEngineOnce } from '../engine/engine.js';
import { failedVertex } from '../engine/driver.js';
import { InputError } from '../core/errors.js';
import { displayPath } from '../core/display-path.js';
import { loadDockerfile } from '../dockerfile/load.js';
import { buildGraph, type BuildGraph } from '../graph/graph.js';
import { readBuildLog } from '../timing/logs.js';
import { chooseProfile, profileCopiedBy } from '../timing/profile-path.js';
import { importRecord, loadProfile, measuredSteps, saveProfile } from '../timing/profile.js';
import { EXIT_FINDINGS } from './exit.js';
import { buildSelection, cacheOptions, cacheSelection, engineSelection, collectList, resolveTarget, type Target } from './common.js';
import { print, printErr } from './output.js';

interface SelectionOpts {
  file?: string;
  target?: string;
  buildArg?: Record<string, string>; buildkitVersion?: string;
  profile?: string;
}

async function graphFor(context: string, opts: SelectionOpts) {
  const t = resolveTarget(context, opts.file);
  const df = await loadDockerfile(t.dockerfilePath, t.displayName);
  return { t, graph: buildGraph(df, { target: opts.target, buildArgs: opts.buildArg, ...(opts.buildkitVersion ? { buildkitVersion: opts.buildkitVersion } : {}) }) };
}


/**
 * The profile file a recording writes, with a warning when the build would copy it: each
 * record would then change a file the build reads and re-run the steps from that copy on.
 */
async function profileToWrite(option: string | undefined, t: Target, graph: BuildGraph): Promise<string> {
  const { file } = chooseProfile(option, t.contextDir, false);
  const rel = path.relative(t.contextDir, path.resolve(file));
  // Only a path inside the context can be copied: the walk is skipped otherwise.
  if (rel.startsWith('..') || path.isAbsolute(rel) || !existsSync(t.contextDir)) return file;
  const step = profileCopiedBy(file, await openContext(t.contextDir, t.dockerfilePath), graph);
  if (step) {
    printErr(`layerwise: warning: ${displayPath(file)} is inside the build context and ${step.keyword} at ${t.displayName}:${step.line} copies it: every record changes it, so that step and all after it re-run on the next build. Add it to .dockerignore, or leave out --profile (the default place is outside the context).\n`);
  }
  return file;
}

/** The steps BuildKit runs for the target (FROM pulls, it is not timed as a step). */
function runnableSteps(graph: BuildGraph): number {
  return graph.stages.filter((s) => s.needed).flatMap((s) => s.steps).filter((s) => s.executes && s.keyword !== 'FROM').length;
}

export function registerProfile(program: Command): void {
  const profile = program.command('profile').description('measured step durations: record a build or import its log');

  buildSelection(profile.command('import').description('add the step durations of saved build logs (--progress=plain or rawjson) to the profile'))
    .requiredOption('--log <LOG>', 'a saved `docker build --progress=plain|rawjson` log (repeatable)', collectList)
    .option('--profile <FILE>', 'profile file (default: the context\'s, under $XDG_CACHE_HOME/layerwise)')
    .action(async (context: string, opts: SelectionOpts & { log: string[] }) => {
      const { t, graph } = await graphFor(context, opts);
      const file = await profileToWrite(opts.profile, t, graph);
      let p = await loadProfile(file);
      let total = 0;
      for (const log of opts.log) {
        const record = await readBuildLog(log);
        const n = measuredSteps(record, graph).size;
        total += n;
        if (n === 0) printErr(`layerwise: ${log}: no step of this Dockerfile ran in that build (all cached, or another file)\n`);
        p = importRecord(p, record, graph);
        print(`${log}: ${n} step duration${n === 1 ? '' : 's'} imported\n`);
      }
      if (total === 0) {
        print(`nothing imported; ${displayPath(file)} is unchanged\n`);
        return;
      }
      await saveProfile(file, p);
      print(`profile: ${displayPath(file)}\n`);
    });

  cacheSelection(engineSelection(buildSelection(profile.command('record').description('build on the engine and add the measured step durations to the profile'))))
    .option('--profile <FILE>', 'profile file (default: the context\'s, under $XDG_CACHE_HOME/layerwise)')
    .option('--no-cache', 'run every step (a cold build), without pruning any cache')
    .action(async (context: string, opts: SelectionOpts & { cache: boolean; cacheFrom?: string[]; cacheTo?: string[] }) => {
      const { t, graph } = await graphFor(context, opts);
      const file = await profileToWrite(opts.profile, t, graph);
      const { engine, reasons } = await detectEngineOnce();
      if (!engine) throw new InputError(`no container engine to build with: ${reasons.join('; ')}`);
      const record = await build({
        context: t.contextDir, dockerfile: t.dockerfilePath, target: opts.target, buildArgs: opts.buildArg,
        noCache: !opts.cache, engine, quiet: !process.stderr.isTTY, ...cacheOptions(opts),
      });
      try {
        if (!record.ok) {
          const v = failedVertex(record);
          printErr(`layerwise: the build failed${v ? ` at ${v.name}` : ''}: ${record.error ?? ''}\n${v?.output.slice(-20).join('\n') ?? ''}\n`);
          process.exitCode = EXIT_FINDINGS;
          return;
        }
        const n = measuredSteps(record, graph).size;
        if (n === 0 && runnableSteps(graph) === 0) {
          printErr(`layerwise: the target has no step to time (only FROM lines); ${displayPath(file)} is unchanged\n`);
          return;
        }
        // The same command again, with --no-cache: what the user can paste.
        const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
        const again = ['layerwise', 'profile', 'record', ...process.argv.slice(4).map(quote), '--no-cache'].join(' ');
        if (n === 0) {
          // A warm cache: BuildKit ran nothing, so there is nothing to time. Say so, write nothing.
          printErr(`layerwise: every step was cached, so no step ran and nothing was measured; ${displayPath(file)} is unchanged. To time every step, build without the cache: ${again}\n`);
          return;
        }
        await saveProfile(file, importRecord(await loadProfile(file), record, graph));
        const cached = Math.max(0, runnableSteps(graph) - n);
        print(`built in ${record.wallSeconds.toFixed(1)} s on ${engine.description}; ${n} step duration${n === 1 ? '' : 's'} added to ${displayPath(file)}${cached ? ` (${cached} step${cached === 1 ? ' was' : 's were'} cached and not measured: --no-cache runs every step)` : ''}\n`);
      } finally {
        if (record.tag) await removeImages(engine, [record.tag]).catch(() => undefined);
      }
    });
}
