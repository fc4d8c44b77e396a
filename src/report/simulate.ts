/** Reporters of `layerwise simulate`: pure functions of a simulation. */
import type { Simulation } from '../simulate/standin.js';

/** What a simulation approximated or left out, one `file:line:col: message` per note. */
export function simulationNotesText(file: string, sim: Simulation): string {
  return sim.notes.map((n) => `${file}:${n.line}:${n.column}: ${n.kind}: ${n.message}\n`).join('');
}

/** The JSON written beside the stand-in with --out (documented in docs/simulate.md). */
export function simulationJson(file: string, sim: Simulation, made: string[]) {
  return {
    file,
    lines: sim.lines,
    images: sim.images.map((i) => ({ tag: i.tag, kind: i.kind, ref: i.ref, ...(i.paths.length ? { paths: i.paths } : {}), ...(i.version ? { version: i.version } : {}), made: made.includes(i.tag) })),
    seconds: Object.fromEntries([...sim.seconds].map(([line, s]) => [String(line), s])),
    notes: sim.notes,
  };
}
