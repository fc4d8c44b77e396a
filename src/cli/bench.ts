import type { Command } from 'commander';
import { BenchAbortedError, BenchBuildError, bench, DEFAULT_RUNS, type BenchProgress } from '../bench/bench.js';
import { UsageError } from '../core/errors.js';
import { benchFailureText, benchJson, benchText } from '../report/bench.js';
import { benchHtml } from '../report/html.js';
import { loadDockerfile } from '../dockerfile/load.js';
import { buildGraph } from '../graph/graph.js';
import { VERSION } from '../version.js';
import { parseTimeScale } from './simulate.js';
import { PROFILE_OPTION_HELP, readProfile, buildSelection, cacheOptions, cacheSelection, engineSelection, checkFormat, collectList, resolveTarget, onInterrupt } from './common.js';
import { print, printErr, writeReport } from './output.js';

function parseRuns(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new UsageError(`--runs must be a whole number of at least 1, got "${value}"`);
  return n;
}

function phaseText(p: BenchProgress): string {
  const what = p.phase === 'noop' ? 'no-op' : p.phase === 'warm' ? `warm-up before ${p.spec}` : p.phase === 'change' ? p.spec! : 'cold';
  return `bench [${p.build}/${p.builds}] ${p.file}: ${what}, run ${p.run}/${p.runs}`;
}

export function registerBench(program: Command): void {
  cacheSelection(engineSelection(buildSelection(program.command('bench').description('measure cold, no-op and change rebuilds on the real engine, beside what layerwise predicts'))))
    .option('--compare <OTHER_FILE>', 'a second Dockerfile, built on the same context and set beside FILE')
    .option('--change <SPEC>', 'a change to measure: touch:PATH, edit:PATH or arg:NAME=VALUE (repeatable)', collectList)
    .option('--runs <N>', `builds per figure (default ${DEFAULT_RUNS})`, parseRuns)
    .option('--prune', 'make cold builds cold by pruning the whole build cache first (default: --no-cache builds)')
    .option('--simulate', 'build stand-ins of the files instead (same cache structure, no work, offline; see layerwise simulate); with no --change, measures an edit of the main source folder')
    .option('--profile <FILE>', `with --simulate: ${PROFILE_OPTION_HELP}`)
    .option('--time-scale <N>', 'with --simulate: stand-ins take 1/N of the measured or estimated time')
    .option('--format <FORMAT>', 'text, json or html (one self-contained page)', 'text')
    .option('--output <FILE>', 'write the report to FILE (replaced atomically, created if missing) instead of standard output')
    .action(async (context: string, opts: {
      file?: string; target?: string; buildArg?: Record<string, string>; compare?: string; change?: string[];
      runs?: number; prune?: boolean; format: string; simulate?: boolean; profile?: string; timeScale?: string; cacheFrom?: string[]; cacheTo?: string[]; output?: string;
    }) => {
      const format = checkFormat(opts.format, ['text', 'json', 'html'] as const);
      const t = resolveTarget(context, opts.file);
      const timeScale = parseTimeScale(opts.timeScale);
      if (!opts.simulate && opts.timeScale !== undefined) throw new UsageError('--time-scale needs --simulate (a real build takes the time it takes)');
      const simulate = opts.simulate ? { profile: await readProfile(opts.profile, t), ...(timeScale ? { timeScale } : {}) } : undefined;
      // The HTML report draws each file's stage graph: read as they are benched, before the builds.
      const files = [{ path: t.dockerfilePath, name: t.displayName }, ...(opts.compare ? [{ path: opts.compare, name: opts.compare }] : [])];
      const graphs = format === 'html' ? await Promise.all(files.map(async (f) => buildGraph(await loadDockerfile(f.path, f.name), { target: opts.target, buildArgs: opts.buildArg }))) : [];
      const tty = process.stderr.isTTY === true;
      const interrupt = onInterrupt('the bench copy and images');
      const started = Date.now();
      let shown = false;
      try {
        const result = await bench({
          context: t.contextDir,
          file: t.dockerfilePath,
          ...(opts.compare ? { compare: opts.compare } : {}),
          changes: opts.change ?? [],
          runs: opts.runs ?? DEFAULT_RUNS,
          prune: opts.prune ?? false,
          target: opts.target,
          buildArgs: opts.buildArg,
          ...cacheOptions(opts),
          ...(simulate ? { simulate } : {}),
          signal: interrupt.signal,
          onProgress: tty
            ? (p) => {
                shown = true;
                const s = Math.round((Date.now() - started) / 1000);
                printErr(`\r\x1b[K${phaseText(p)} (${s} s so far)`);
              }
            : undefined,
        });
        if (shown) printErr('\r\x1b[K');
        let out: string;
        if (format === 'html') {
          out = benchHtml(result, graphs, { version: VERSION });
        } else out = format === 'json' ? JSON.stringify(benchJson(result), null, 2) + '\n' : benchText(result);
        const kind = format === 'json' ? 'json' : 'text';
        if (opts.output) await writeReport(opts.output, out, kind);
        else print(out, kind);
      } catch (e) {
        if (shown) printErr('\r\x1b[K');
        if (e instanceof BenchBuildError) {
          printErr(`layerwise: ${benchFailureText(e)}`);
          process.exitCode = 1;
          return;
        }
        if (e instanceof BenchAbortedError) {
          process.exitCode = 130;
          return;
        }
        throw e;
      } finally {
        interrupt.dispose();
      }
    });
}
