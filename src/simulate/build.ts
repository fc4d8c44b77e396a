/**
 * Writing a stand-in where BuildKit can build it: a folder of its own (never inside the
 * context, so it changes nothing the build copies), with the original's Dockerfile-specific
 * ignore file beside it, and the stand-in images in place on the engine.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildContext } from '../context/index.js';
import type { EngineIdentity } from '../engine/engine.js';
import type { BuildGraph } from '../graph/graph.js';
import { ensureImages } from './images.js';
import { simulateGraph, type SimulateModelOptions } from './index.js';
import type { Simulation } from './standin.js';

export interface WrittenStandin {
  /** The stand-in Dockerfile. */
  file: string;
  sim: Simulation;
  /** Stand-in images made now (the others were there already). */
  made: string[];
}

/**
 * Simulates `graph` into `dir/Dockerfile` and makes its images. `originalFile` is the
 * Dockerfile the graph was read from (its `<name>.dockerignore`, if any, is copied beside).
 */
export async function writeStandin(
  engine: EngineIdentity, graph: BuildGraph, context: BuildContext | undefined, originalFile: string, dir: string,
  opts: SimulateModelOptions & { signal?: AbortSignal } = {},
): Promise<WrittenStandin> {
  const sim = simulateGraph(graph, context, opts);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'Dockerfile');
  writeFileSync(file, sim.text);
  const ignore = `${originalFile}.dockerignore`;
  if (existsSync(ignore)) copyFileSync(ignore, path.join(dir, 'Dockerfile.dockerignore'));
  const made = await ensureImages(engine, sim.images, opts.signal ? { signal: opts.signal } : {});
  return { file, sim, made };
}
