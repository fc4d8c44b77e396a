/**
 * `analyze` on a generated 1,000-line Dockerfile (several stages, ARGs, installs, copies,
 * long RUNs) with a small context: the issue asks for well under a second. With `--context DIR
 * -f FILE`, on a real context instead (the editor goal: a 620-line file with a 4,451-file context
 * in under 300 ms warm), printing each run's wall and CPU time: the first run is cold (the
 * context walked, the JIT warming up), the later ones warm, in one process.
 *
 *   node dist/bench/analyze.js [lines] [runs]
 *   node dist/bench/analyze.js --context DIR -f FILE [--runs N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { analyze } from '../src/analyze/analyze.js';
import { defaultConfig } from '../src/analyze/config.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const CONTEXT = option('--context');
const LINES = Number(CONTEXT ? 0 : process.argv[2] ?? 1000);
const RUNS = Number(CONTEXT ? option('--runs') ?? 6 : process.argv[3] ?? 5);

/** Analyze on a real context, run after run in one process. */
async function real(contextDir: string, file: string): Promise<void> {
  const target = { contextDir: path.resolve(contextDir), dockerfilePath: path.resolve(file), displayName: path.relative(contextDir, file) };
  const runs: string[] = [];
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await analyze(target, { config: defaultConfig() });
    const c = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    if (i > 0) warm.push(wall), warmCpu.push((c.user + c.system) / 1000);
    runs.push(`${wall.toFixed(0)} ms (CPU ${((c.user + c.system) / 1000).toFixed(0)} ms)`);
  }
  const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(0) : '-');
  console.log(`analyze ${target.displayName} in ${target.contextDir} (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}): ${runs.join(', ')}; warm median ${median(warm)} ms wall, ${median(warmCpu)} ms CPU`);
}

/** A Dockerfile of about `lines` lines: stages of ARGs, installs, copies and multi-line RUNs. */
export function generateDockerfile(lines: number): string {
  const out: string[] = ['ARG BASE=bb:latest'];
  let stage = 0;
  while (out.length < lines) {
    out.push(`FROM \${BASE} AS s${stage}`, `ARG V${stage}=1.${stage}`, `ENV HOME_${stage}=/opt/s${stage}`, 'WORKDIR /app');
    out.push(stage % 2 ? 'COPY . .' : `COPY pkg${stage % 5}/ /app/pkg/`);
    for (let i = 0; i < 12 && out.length < lines; i++) {
      out.push(`RUN apt-get update && apt-get install -y gcc make libssl-dev curl \\`, `    && mkdir -p /opt/s${stage}/p${i} \\`, `    && curl -fsSL https://example.invalid/x${i}.tgz -o /tmp/x${i}.tgz \\`, `    && echo "\${V${stage}}" > /opt/s${stage}/p${i}/version`);
      if (i % 4 === 0) out.push(`RUN pip install --no-cache-dir -r pkg/requirements.txt && python -m compileall /app`);
      if (i % 5 === 0 && stage > 0) out.push(`COPY --from=s${stage - 1} /opt/s${stage - 1} /opt/prev`);
    }
    out.push(`LABEL stage=s${stage}`, '');
    stage++;
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  if (CONTEXT) return real(CONTEXT, option('-f') ?? path.join(CONTEXT, 'Dockerfile'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-analyze-'));
  try {
    const text = generateDockerfile(LINES);
    writeFileSync(path.join(dir, 'Dockerfile'), text);
    for (let p = 0; p < 5; p++) {
      mkdirSync(path.join(dir, `pkg${p}`), { recursive: true });
      writeFileSync(path.join(dir, `pkg${p}`, 'requirements.txt'), 'flask\n');
      writeFileSync(path.join(dir, `pkg${p}`, 'main.py'), 'print(1)\n');
    }
    const target = { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' };
    const times: number[] = [];
    let findings = 0;
    let impact = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await analyze(target, { config: defaultConfig() });
      times.push((performance.now() - t0) / 1000);
      findings = r.findings.length;
      impact = r.impact.length;
    }
    times.sort((a, b) => a - b);
    const lines = text.split('\n').length - 1;
    console.log(`analyze on a ${lines}-line Dockerfile (${findings} findings, ${impact} change classes): median ${times[times.length >> 1].toFixed(3)} s, min ${times[0].toFixed(3)} s, max ${times[times.length - 1].toFixed(3)} s over ${RUNS} runs (in-process; the first run includes warm-up)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as a script, not when another bench imports generateDockerfile.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
