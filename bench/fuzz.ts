/**
 * Mutation fuzzing on real Dockerfiles: each case takes a file of the corpus, mutates it
 * (bytes and lines deleted, duplicated or swapped, truncation, inserted `\`, quotes, heredoc
 * markers, unicode, JSON-form brackets, flags, huge numbers, NUL, directives...) and runs it
 * through parse → graph → analyze → fix → explain in-process, and in a sample of cases through
 * the CLI. A case passes when every stage either works or rejects the input with a located
 * error (an InputError with file, line and column; for the CLI exit 2 and `file:line:col:` on
 * standard error). Anything else (an uncaught exception, a stack trace, exit 70, a CLI that
 * does not end) is a failure, saved as a reproducer in the failures folder.
 *
 *   node dist/bench/fuzz.js [--corpus DIR] [--minutes N] [--seed S] [--cli-every N] [--failures DIR]
 *
 * Defaults: the Dockerfiles under test/fixtures, 1 minute, a seed from the clock (printed),
 * the CLI on 1 case in 40, failures under $TMPDIR/layerwise-fuzz-failures.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { analyze } from '../src/analyze/analyze.js';
import { defaultConfig } from '../src/analyze/config.js';
import { InputError } from '../src/core/errors.js';
import { resolveTarget } from '../src/core/target.js';
import { decodeBytes } from '../src/dockerfile/load.js';
import { parseDockerfile } from '../src/dockerfile/parse.js';
import { explain } from '../src/explain/explain.js';
import { predictEffect } from '../src/fix/effect.js';
import { fixText } from '../src/fix/fix.js';
import { buildGraph } from '../src/graph/graph.js';
import { loadModel } from '../src/model.js';
import { analyzeJson, analyzeText } from '../src/report/analyze.js';
import { explainJson, explainText } from '../src/report/explain.js';
import { graphJson, graphText } from '../src/report/graph.js';
import { durations, predictCold } from '../src/timing/predict.js';
import { emptyProfile } from '../src/timing/profile.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = path.resolve(option('--corpus') ?? path.join(repo, 'test/fixtures'));
const minutes = Number(option('--minutes') ?? 1);
const seed = Number(option('--seed') ?? (Date.now() % 2 ** 31));
const cliEvery = Number(option('--cli-every') ?? 40);
const failuresDir = path.resolve(option('--failures') ?? path.join(os.tmpdir(), 'layerwise-fuzz-failures'));
const cliMain = path.join(repo, 'dist/src/cli/main.js');

/** mulberry32: a small seeded generator, so a seed replays the same cases. */
function rng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(seed);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

function isDockerfileName(name: string): boolean {
  if (/\.dockerignore$/i.test(name)) return false;
  return /(^|_)(dockerfile|containerfile)([.-].*)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

function findDockerfiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st?.isDirectory()) findDockerfiles(abs, out);
    else if (st?.isFile() && st.size < 4 * 1024 * 1024 && isDockerfileName(name)) out.push(abs);
  }
  return out;
}

/** Text that, put in the right place, takes a lexer, parser or expander off its usual path. */
const INSERTS = [
  '\\', '\\\n', '\\\r\n', '"', "'", '`', '<<EOF\n', '<<-"EOF"\n', '<<EOF\nEOF\n', 'EOF\n', '<<\'X\' <<Y\n',
  '[', ']', '["', '"]', '["sh", "-c",', '[]', '{', '}', '$', '${', '${A:-', '${A:+${B', '$(', '$((1+', '#', '# escape=`\n', '# syntax=docker/dockerfile:1\n',
  '# escape=\\\n', '\0', '\t', '\r', '\r\n', '\n\n', ' ', '\u00e9', '\u{1d518}', '\u200b', '\u202e', '\ufeff', '\ud800', '\uffff',
  '99999999999999999999', '-1', '0', '1e309', ':', '=', '==', ',', ';', '&&', '||', '|', '>', '<',
  ' --mount=type=cache,target=', ' --mount=type=bind,source=..,target=/x', ' --mount=type=secret,id=', ' --mount=', ' --from=', ' --from=0',
  ' --from=99999999999999', ' --chmod=999999999', ' --chown=', ' --link', ' --platform=$X', ' --network=', ' --security=', ' --exclude=',
  ' --parents', ' --keep-git-dir', ' --checksum=sha256:', ' --interval=', ' --retries=-5', ' --start-period=1e9s', ' --', ' -',
  '\nFROM scratch\n', '\nFROM a AS a\n', '\nFROM $UNSET\n', '\nARG\n', '\nENV\n', '\nENV A\n', '\nCOPY\n', '\nCOPY --from=x / /\n', '\nONBUILD ONBUILD RUN x\n',
  '\nONBUILD\n', '\nHEALTHCHECK NONE extra\n', '\nHEALTHCHECK CMD\n', '\nSHELL\n', '\nSHELL sh\n', '\nWORKDIR\n', '\nUSER\n', '\nEXPOSE 99999/tcp\n',
  '\nSTOPSIGNAL\n', '\nMAINTAINER\n', '\nVOLUME []\n', '\nADD http://x /\n', '\nRUN <<EOF\n', '\nCMD [\n', '\nLABEL "a\n', '\nARG A=${A}\n',
];

const KEYWORDS = ['FROM', 'RUN', 'COPY', 'ADD', 'ARG', 'ENV', 'WORKDIR', 'USER', 'LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK', 'ONBUILD', 'VOLUME', 'STOPSIGNAL', 'MAINTAINER'];

/** One mutation of the text; returns its name for the reproducer. */
function mutate(bytes: Buffer): { bytes: Buffer; what: string } {
  const lines = bytes.toString('latin1').split('\n');
  const at = int(bytes.length + 1);
  const line = int(lines.length);
  const join = (ls: string[]) => Buffer.from(ls.join('\n'), 'latin1');
  const insert = (s: string, pos: number) => Buffer.concat([bytes.subarray(0, pos), Buffer.from(s, 'utf8'), bytes.subarray(pos)]);
  switch (int(14)) {
    case 0: {
      const n = 1 + int(16);
      return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + n)]), what: `delete ${n} bytes at ${at}` };
    }
    case 1:
      return { bytes: join(lines.filter((_, i) => i !== line)), what: `delete line ${line + 1}` };
    case 2:
      return { bytes: join([...lines.slice(0, line + 1), ...lines.slice(line)]), what: `duplicate line ${line + 1}` };
    case 3: {
      const other = int(lines.length);
      const ls = [...lines];
      [ls[line], ls[other]] = [ls[other]!, ls[line]!];
      return { bytes: join(ls), what: `swap lines ${line + 1} and ${other + 1}` };
    }
    case 4:
      return { bytes: bytes.subarray(0, at), what: `truncate at ${at}` };
    case 5:
    case 6:
    case 7: {
      const s = pick(INSERTS);
      return { bytes: insert(s, at), what: `insert ${JSON.stringify(s)} at ${at}` };
    }
    case 8: {
      // At the end of a line: where continuations, heredocs and JSON forms end.
      const s = pick(INSERTS);
      const ls = [...lines];
      ls[line] = ls[line] + s;
      return { bytes: join(ls), what: `append ${JSON.stringify(s)} to line ${line + 1}` };
    }
    case 9: {
      const b = Buffer.from(bytes);
      if (b.length) b[int(b.length)] = int(256);
      return { bytes: b, what: 'flip a byte' };
    }
    case 10: {
      const ls = [...lines];
      ls[line] = ls[line]!.replace(/^\s*\S+/, (w) => (random() < 0.5 ? pick(KEYWORDS) : w.toLowerCase()));
      return { bytes: join(ls), what: `keyword of line ${line + 1}` };
    }
    case 11: {
      const n = 1 + int(8);
      const from = int(Math.max(1, bytes.length - 64));
      const chunk = bytes.subarray(from, from + 1 + int(64));
      return { bytes: Buffer.concat([bytes.subarray(0, at), ...Array(n).fill(chunk), bytes.subarray(at)]), what: `repeat ${chunk.length} bytes ${n} times at ${at}` };
    }
    case 12:
      return { bytes: Buffer.from(bytes.toString('latin1').replace(/\n/g, random() < 0.5 ? '\r\n' : '\r'), 'latin1'), what: 'line endings' };
    default: {
      // A number made huge: ports, stage indexes, modes, durations.
      const s = bytes.toString('latin1');
      const nums = [...s.matchAll(/\d+/g)];
      if (!nums.length) return { bytes: insert('99999999999999999999', at), what: 'insert a huge number' };
      const m = pick(nums);
      const big = pick(['99999999999999999999', '4294967296', '-1', '00', '1e400', '9'.repeat(400)]);
      return { bytes: Buffer.from(s.slice(0, m.index) + big + s.slice(m.index! + m[0].length), 'latin1'), what: `number at ${m.index} → ${big.slice(0, 24)}` };
    }
  }
}

type Stage = 'decode' | 'parse' | 'graph' | 'report-graph' | 'analyze' | 'fix' | 'effect' | 'explain' | 'cli';
const STAGES: Stage[] = ['decode', 'parse', 'graph', 'report-graph', 'analyze', 'fix', 'effect', 'explain', 'cli'];

interface Failure { stage: Stage; message: string; detail: string }

/** A rejection is fine when it says where: file, line and column. */
function check(e: unknown, stage: Stage): Failure | 'rejected' {
  if (e instanceof InputError) {
    if (e.file && e.position && e.position.line >= 1 && e.position.column >= 1) return 'rejected';
    return { stage, message: `unlocated input error: ${e.format()}`, detail: e.stack ?? '' };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { stage, message: `${err.name}: ${err.message}`, detail: err.stack ?? String(e) };
}

const work = mkdtempSync(path.join(os.tmpdir(), 'layerwise-fuzz-'));
const ctxDir = path.join(work, 'ctx');
mkdirSync(path.join(ctxDir, 'src'), { recursive: true });
writeFileSync(path.join(ctxDir, 'package.json'), '{"name":"x","version":"1.0.0"}\n');
writeFileSync(path.join(ctxDir, 'requirements.txt'), 'flask\n');
writeFileSync(path.join(ctxDir, 'src', 'main.py'), 'print(1)\n');
writeFileSync(path.join(ctxDir, 'go.mod'), 'module x\n');
const dockerfile = path.join(ctxDir, 'Dockerfile');
const prevFile = path.join(work, 'prev.Dockerfile');
const config = defaultConfig();

/** Runs one case in-process; the stage it stopped at, and how. */
async function runCase(bytes: Buffer, original: Buffer, stages: Record<Stage, { ok: number; rejected: number; failed: number }>): Promise<'ok' | 'rejected' | Failure> {
  const name = 'Dockerfile';
  let stage: Stage = 'decode';
  try {
    const text = decodeBytes(bytes);
    stages.decode.ok++;
    stage = 'parse';
    const df = parseDockerfile(text, name);
    stages.parse.ok++;
    stage = 'graph';
    const graph = buildGraph(df);
    stages.graph.ok++;
    stage = 'report-graph';
    writeFileSync(dockerfile, bytes);
    writeFileSync(prevFile, original);
    const t = { ...resolveTarget(ctxDir, dockerfile), displayName: name };
    const model = await loadModel(t, { source: text });
    const d = durations(model.graph, emptyProfile(), () => ({ seconds: 1, basis: 'estimated' }));
    const input = { graph: model.graph, contextFiles: model.contextFiles, cold: { prediction: predictCold(model.graph, d), durations: d } };
    JSON.stringify(graphJson(input));
    graphText(input);
    stages['report-graph'].ok++;
    stage = 'analyze';
    const result = await analyze(t, { config, model });
    JSON.stringify(analyzeJson(result));
    analyzeText(result);
    stages.analyze.ok++;
    stage = 'fix';
    const fixed = fixText(text, name, model.context, { unsafe: random() < 0.5 });
    if (fixed.fixed !== text) parseDockerfile(fixed.fixed, name);
    stages.fix.ok++;
    stage = 'effect';
    predictEffect(text, name, model.context, {});
    stages.effect.ok++;
    stage = 'explain';
    const ex = await explain(t, { changed: [pick(['src/main.py', 'package.json', 'Dockerfile', 'missing/file'])], prevFile, buildArgs: random() < 0.3 ? { A: '1' } : {} });
    JSON.stringify(explainJson(ex));
    explainText(ex);
    stages.explain.ok++;
    return 'ok';
  } catch (e) {
    const r = check(e, stage);
    if (r === 'rejected') stages[stage].rejected++;
    else stages[stage].failed++;
    return r;
  }
}

/** The CLI on the same case: exit 0 or 1, or exit 2 with a located message; never a stack or exit 70. */
function runCli(): Failure | 'ok' | 'rejected' {
  const cmd = pick([
    ['analyze', ctxDir, '--format', 'json'],
    ['analyze', ctxDir],
    ['fix', ctxDir, '--unsafe'],
    ['explain', ctxDir, '--changed', 'src/main.py', '--prev-file', prevFile],
    ['graph', ctxDir, '--format', 'json'],
  ]);
  const r = spawnSync(process.execPath, [cliMain, ...cmd], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: path.join(work, 'cache') } });
  const what = `layerwise ${cmd.join(' ')}`;
  if (r.error || r.status === null) return { stage: 'cli', message: `${what}: did not end (${r.error?.message ?? r.signal})`, detail: r.stderr ?? '' };
  if (r.status === 0 || r.status === 1) {
    if (/\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr)) return { stage: 'cli', message: `${what}: a stack trace on exit ${r.status}`, detail: r.stderr };
    return 'ok';
  }
  if (r.status === 2 && /^layerwise: .+:\d+:\d+: /m.test(r.stderr) && !/\n\s+at /.test(r.stderr)) return 'rejected';
  return { stage: 'cli', message: `${what}: exit ${r.status}: ${r.stderr.split('\n')[0]}`, detail: r.stderr };
}

/** The same failure twice is one: its stage, its message without numbers, its first frame. */
function failureKey(f: Failure): string {
  const frame = f.detail.split('\n').find((l) => /^\s+at /.test(l))?.trim() ?? '';
  return `${f.stage} ${f.message.replace(/\d+/g, 'N').slice(0, 160)} ${frame.replace(/:\d+:\d+/g, '')}`;
}

async function main(): Promise<void> {
  const files = findDockerfiles(corpusDir).map((f) => ({ file: f, bytes: readFileSync(f) }));
  if (!files.length) throw new Error(`no Dockerfile under ${corpusDir}`);
  console.log(`fuzz: ${files.length} Dockerfiles from ${corpusDir}, ${minutes} min, seed ${seed}, the CLI on 1 case in ${cliEvery}; failures go to ${failuresDir}`);
  const stages = Object.fromEntries(STAGES.map((s) => [s, { ok: 0, rejected: 0, failed: 0 }])) as Record<Stage, { ok: number; rejected: number; failed: number }>;
  const outcomes = { ok: 0, rejected: 0, failed: 0 };
  const unique = new Map<string, { failure: Failure; count: number; saved: string }>();
  let cases = 0;
  let cliRuns = 0;
  let bytesDone = 0;
  const start = performance.now();
  const end = start + minutes * 60_000;
  let nextReport = start + 60_000;
  const record = (r: 'ok' | 'rejected' | Failure, bytes: Buffer, source: string, what: string[]) => {
    if (r === 'ok' || r === 'rejected') return;
    const key = failureKey(r);
    const seen = unique.get(key);
    if (seen) {
      seen.count++;
      return;
    }
    const dir = path.join(failuresDir, `${r.stage}-${unique.size + 1}-${seed}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), bytes);
    writeFileSync(path.join(dir, 'failure.txt'), `${r.message}\n\nfrom: ${source}\nmutations: ${what.join('; ')}\nseed: ${seed}, case ${cases}\n\n${r.detail}\n`);
    unique.set(key, { failure: r, count: 1, saved: dir });
    console.log(`FAILURE [${r.stage}] ${r.message.split('\n')[0]!.slice(0, 200)} (${dir})`);
  };
  while (performance.now() < end) {
    const src = pick(files);
    let bytes: Buffer = src.bytes;
    const what: string[] = [];
    for (let n = random() < 0.7 ? 1 : 2 + int(3); n > 0; n--) {
      const m = mutate(bytes);
      bytes = m.bytes;
      what.push(m.what);
    }
    cases++;
    bytesDone += bytes.length;
    const r = await runCase(bytes, src.bytes, stages);
    if (r === 'ok' || r === 'rejected') outcomes[r]++;
    else outcomes.failed++;
    record(r, bytes, src.file, what);
    if (cliEvery > 0 && cases % cliEvery === 0) {
      // runCase left this case's file in the context.
      writeFileSync(dockerfile, bytes);
      cliRuns++;
      const c = runCli();
      if (c === 'ok' || c === 'rejected') stages.cli[c === 'ok' ? 'ok' : 'rejected']++;
      else stages.cli.failed++;
      record(c, bytes, src.file, what);
    }
    if (performance.now() > nextReport) {
      nextReport += 60_000;
      console.log(`  ${Math.round((performance.now() - start) / 1000)} s: ${cases} cases, ${outcomes.failed} failed (${unique.size} distinct)`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`\ncases: ${cases} in ${seconds.toFixed(0)} s (${(cases / seconds).toFixed(1)} files/s, ${(bytesDone / seconds / 1e6).toFixed(2)} MB/s), CLI runs: ${cliRuns}`);
  console.log(`outcomes: ok ${outcomes.ok}, rejected with a located error ${outcomes.rejected}, failed ${outcomes.failed}`);
  console.log('per stage (ok / rejected / failed):');
  for (const s of STAGES) console.log(`  ${s.padEnd(13)} ${stages[s].ok} / ${stages[s].rejected} / ${stages[s].failed}`);
  console.log(`failures: ${unique.size} distinct`);
  for (const { failure, count, saved } of unique.values()) console.log(`  [${failure.stage}] x${count} ${failure.message.split('\n')[0]!.slice(0, 200)}\n      ${saved}`);
  rmSync(work, { recursive: true, force: true });
  process.exitCode = unique.size ? 1 : 0;
}

await main();
