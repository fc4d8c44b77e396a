import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { detectEngineOnce } from '../engine/engine.js';
import { loadModel } from '../model.js';
import { simulationJson, simulationNotesText } from '../report/simulate.js';
import { ensureImages, simulateGraph } from '../simulate/index.js';
import { buildSelection, PROFILE_OPTION_HELP, readProfile, resolveTarget } from './common.js';
import { jsonText, print, printErr } from './output.js';
import { redactOutput } from '../core/secrets.js';

export function parseTimeScale(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--time-scale expects a positive number, got "${value}"`);
  return n;
}

export function registerSimulate(program: Command): void {
  buildSelection(program.command('simulate').description('write a stand-in Dockerfile with the same cache structure that BuildKit builds offline, without the work'))
    .option('--profile <FILE>', `${PROFILE_OPTION_HELP}: each stand-in RUN takes its step's time`)
    .option('--time-scale <N>', 'stand-ins take 1/N of the measured or estimated time (e.g. 60: a minute becomes a second)')
    .option('--out <DIR>', 'write DIR/Dockerfile and DIR/simulation.json instead of printing the stand-in')
    .option('--no-images', 'do not make the stand-in images on the engine')
    .action(async (context: string, opts: {
      file?: string; target?: string; buildArg?: Record<string, string>; profile?: string; timeScale?: string; out?: string; images: boolean;
    }) => {
      const timeScale = parseTimeScale(opts.timeScale);
      const t = resolveTarget(context, opts.file);
      const model = await loadModel(t, { target: opts.target, buildArgs: opts.buildArg });
      const sim = simulateGraph(model.graph, model.context, { profile: await readProfile(opts.profile, t), ...(timeScale ? { timeScale } : {}) });
      printErr(simulationNotesText(t.displayName, sim));
      let made: string[] = [];
      if (opts.images) {
        const engine = (await detectEngineOnce()).engine;
        if (engine?.docker) made = await ensureImages(engine, sim.images);
        else printErr('layerwise: no docker engine answers: the stand-in images are not made (build them later with layerwise simulate on a machine with one)\n');
      }
      if (!opts.out) {
        print(sim.text);
        return;
      }
      const dir = path.resolve(opts.out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'Dockerfile'), redactOutput(sim.text, 'text'));
      writeFileSync(path.join(dir, 'simulation.json'), redactOutput(jsonText(simulationJson(t.displayName, sim, made)), 'json'));
      const rel = path.relative(process.cwd(), dir) || '.';
      print(`wrote ${rel}/Dockerfile (${sim.lines.length} instructions) and ${rel}/simulation.json; ${sim.images.length} stand-in image${sim.images.length === 1 ? '' : 's'}${made.length ? ` (${made.length} made now)` : ''}\n`);
      print(`build it: DOCKER_BUILDKIT=1 docker build --network=host -f ${rel}/Dockerfile ${path.relative(process.cwd(), t.contextDir) || '.'}\n`);
    });
}
