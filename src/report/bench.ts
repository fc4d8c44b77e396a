/**
 * Reporters for `layerwise bench`: the JSON contract (docs/timing.md) and a Markdown table a
 * person can paste into a pull request. Pure functions of a BenchResult.
 */
import { engineInfoJson } from './engine.js';
import type { BenchBuildError, BenchResult, Figure, FileResult, StepFigure } from '../bench/bench.js';
import { surprises } from '../bench/bench.js';
import { ms, speedup } from '../bench/stats.js';

interface Row {
  label: string;
  /** One figure per file (undefined when a file has no such row). */
  figures: (Figure | undefined)[];
}

function rows(r: BenchResult): Row[] {
  const out: Row[] = [
    { label: 'cold', figures: r.results.map((f) => f.cold) },
    { label: 'no-op', figures: r.results.map((f) => f.noop) },
  ];
  const specs = r.results[0]?.changes.map((c) => c.spec) ?? [];
  for (const spec of specs) out.push({ label: spec, figures: r.results.map((f) => f.changes.find((c) => c.spec === spec)) });
  return out;
}

function stepJson(s: StepFigure) {
  return {
    line: s.line,
    stage: s.stage,
    instruction: s.instruction,
    ran: s.ran,
    seconds: s.seconds === null ? null : ms(s.seconds),
    predicted: s.predicted,
    predicted_s: ms(s.predictedSeconds),
  };
}

function figureJson(f: Figure) {
  return {
    runs_s: f.runs.map(ms),
    min_s: ms(f.summary.min),
    median_s: ms(f.summary.median),
    max_s: ms(f.summary.max),
    median_run: f.summary.medianRun + 1,
    predicted_s: f.predicted === null ? null : ms(f.predicted),
    predicted_high_s: f.predictedHigh === null ? null : ms(f.predictedHigh),
    overhead_s: f.overhead === null ? null : ms(f.overhead),
    steps: f.steps.map(stepJson),
    surprises: surprises(f.steps).map((s) => s.line),
  };
}

function fileJson(f: FileResult, cache: BenchResult['cache']) {
  return {
    file: f.file,
    image: f.image ? { size_bytes: f.image.sizeBytes, layers: f.image.layers } : null,
    cold: { ...figureJson(f.cold), cache },
    noop: figureJson(f.noop),
    changes: f.changes.map((c) => ({ spec: c.spec, ...figureJson(c) })),
  };
}

/** The JSON contract of `bench --format json` (see docs/timing.md). */
export function benchJson(r: BenchResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    mode: r.mode,
    context: r.context,
    ...(r.target ? { target: r.target } : {}),
    engine: r.engine,
    engine_info: engineInfoJson(r.engineInfo),
    timing: r.timing,
    runs: r.runs,
    cache: r.cache,
    results: r.results.map((f) => fileJson(f, r.cache)),
  };
  if (r.results.length === 2) {
    out.speedup = Object.fromEntries(
      rows(r).map((row) => {
        const x = speedup(row.figures[1]?.summary.median, row.figures[0]?.summary.median);
        return [row.label, x === null ? null : Math.round(x * 100) / 100];
      }),
    );
  }
  return out;
}

/** A number of seconds without its unit: two decimals below 1 s, one below 100 s, then minutes. */
function num(s: number): string {
  return s >= 100 ? (s / 60).toFixed(1) : s < 1 ? s.toFixed(2) : s.toFixed(1);
}

/** Seconds the way the table shows them: `0.06 s`, `20.4 s`, `17.2 min`. */
export function seconds(s: number): string {
  return `${num(s)} ${s >= 100 ? 'min' : 's'}`;
}

function measuredCell(f: Figure | undefined, runs: number): string {
  if (!f) return '–';
  if (runs === 1) return seconds(f.summary.median);
  return `${seconds(f.summary.median)} (${num(f.summary.min)}–${seconds(f.summary.max)})`;
}

function predictedCell(f: Figure | undefined): string {
  if (!f || f.predicted === null) return '–';
  const low = f.predicted;
  const high = f.predictedHigh ?? low;
  const diff = ((f.summary.median - low) / Math.max(low, 1e-9)) * 100;
  const range = Math.abs(high - low) >= 0.05 ? `${num(low)}–${seconds(high)}` : seconds(low);
  return `${range} (${diff >= 0 ? '+' : ''}${diff.toFixed(0)}%)`;
}

function sizeText(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/**
 * The Markdown table: a row per figure (cold, no-op, each change); per file its measured median
 * (min–max) and the prediction (with how far the median is from it); with two files, the speedup
 * (OTHER's median ÷ FILE's: above 1, FILE builds faster). Then image sizes and how it was measured.
 */
export function benchText(r: BenchResult): string {
  const two = r.results.length === 2;
  const [a, b] = r.results;
  const head = ['build', `\`${a!.file}\``, 'predicted', ...(two ? [`\`${b!.file}\``, 'predicted', 'speedup'] : [])];
  const lines: string[] = [];
  lines.push(`| ${head.map(cell).join(' | ')} |`);
  lines.push(`|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const row of rows(r)) {
    const cells = [row.label === 'cold' || row.label === 'no-op' ? row.label : `\`${row.label}\``];
    row.figures.forEach((f) => cells.push(measuredCell(f, r.runs), predictedCell(f)));
    if (two) {
      const x = speedup(row.figures[1]?.summary.median, row.figures[0]?.summary.median);
      cells.push(x === null ? '–' : `×${x.toFixed(2)}`);
    }
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  lines.push('');
  for (const f of r.results) {
    lines.push(f.image ? `Image \`${f.file}\`: ${sizeText(f.image.sizeBytes)}, ${f.image.layers} layer${f.image.layers === 1 ? '' : 's'}.` : `Image \`${f.file}\`: size unknown (no docker image store).`);
  }
  lines.push('');
  const cold = r.cache === 'pruned' ? 'cold builds after pruning the build cache' : 'cold builds with `--no-cache` (the build cache was not pruned)';
  lines.push(
    `${r.runs} run${r.runs === 1 ? '' : 's'} per figure${r.runs > 1 ? ', median (min–max)' : ''}; ${cold}; ` +
      `predictions from a profile of the first cold build (in parentheses: the measured median against it). ${r.engine}.` +
      (r.mode === 'simulated' ? ' Simulated: stand-ins of the Dockerfiles were built (same cache structure, no work; see docs/simulate.md).' : ''),
  );
  for (const f of r.results) {
    for (const [label, fig] of [['cold', f.cold], ['no-op', f.noop], ...f.changes.map((c) => [c.spec, c] as const)] as const) {
      const odd = surprises(fig.steps);
      if (!odd.length) continue;
      const what = odd.map((s) => `line ${s.line} ${s.ran ? 'ran (predicted cached)' : 'came from the cache (predicted rebuilt)'}`).join('; ');
      lines.push(`Note: \`${f.file}\` ${label}: ${what}.`);
    }
  }
  return lines.join('\n') + '\n';
}

/** What the CLI prints when a build fails: the failing step's line and its last output. */
export function benchFailureText(e: BenchBuildError, maxLines = 30): string {
  const out = [e.message];
  const v = e.vertex;
  if (v) {
    out.push(`  step: ${v.name}`);
    const tail = v.output.slice(-maxLines);
    if (tail.length) out.push(...tail.map((l) => `  | ${l}`));
  } else {
    const tail = e.record.transcript.slice(-maxLines).map((l) => `  | ${l.text}`);
    out.push(...tail);
  }
  return out.join('\n') + '\n';
}
