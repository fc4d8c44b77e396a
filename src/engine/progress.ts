/**
 * BuildKit's `--progress=plain` output, read back into vertices.
 *
 * The format is the text printer of BuildKit's progressui (util/progress/progressui/printer.go;
 * docker 20.10 vendors the v0.8 one). What the parser relies on, checked against BuildKit v0.8:
 *
 * - Every line of a vertex starts with `#N ` (N = the vertex's number in this build).
 * - When the printer switches to a vertex it prints a blank line and the header `#N <name>`;
 *   v0.8 then prints `#N sha256:<digest>`. When it leaves a vertex that is still running it prints
 *   `#N ...`. So any `#N` line whose N is not the vertex being printed is a header, however
 *   vertices interleave.
 * - A log line is `#N <seconds since the vertex started> <text>` (v0.8: `%#.4g` cut to 5 chars).
 * - A vertex ends with `#N DONE 1.2s`, `#N CACHED`, `#N ERROR: <message>` or `#N CANCELED`.
 * - Other `#N` lines are statuses (`#1 transferring dockerfile: 478B done`).
 * - Vertices that never start are never printed.
 * - After a failure the client prints a box per failed vertex (`------`, ` > <name>:`, its last
 *   logs, `------`) and then the error message; newer clients add a Dockerfile excerpt.
 *
 * Times: the text only has durations relative to each vertex. When each line carries the time
 * it arrived (`TimedLine.at`, seconds since the build command started), start and end are
 * reconstructed; see {@link ProgressParser} for how and how precisely.
 */

/** A line of progress output and, when read live, when it arrived (seconds since the build started). */
export interface TimedLine {
  text: string;
  at?: number;
}

/** What BuildKit's Dockerfile frontend puts in front of a step's name: `[platform stage i/n]`. */
export interface StepLabel {
  platform?: string;
  /** Stage name (lower-cased by BuildKit) or `stage-<index>`; absent in a one-stage build. */
  stage?: string;
  stepIndex: number;
  stepCount: number;
  onbuild: boolean;
  /** The instruction as BuildKit names it: variables expanded, continuation lines joined. */
  instruction: string;
}

export type VertexState = 'done' | 'cached' | 'error' | 'canceled' | 'running';

/** One BuildKit vertex (one LLB operation) as seen in the progress output. */
export interface Vertex {
  /** The `#N` number: the order in which the client first saw the vertex. */
  id: number;
  digest?: string;
  name: string;
  /** `[internal] ...` vertices (load build definition, load metadata, load build context). */
  internal: boolean;
  platform?: string;
  stage?: string;
  stepIndex?: number;
  stepCount?: number;
  /** The instruction text after the label (`RUN echo hi`), when the name is a Dockerfile step. */
  instruction?: string;
  /** Upper-case first word of `instruction`: FROM, RUN, COPY, ADD, WORKDIR. */
  keyword?: string;
  state: VertexState;
  cached: boolean;
  /** Seconds since the build started (only with timed lines). */
  started?: number;
  completed?: number;
  durationSeconds?: number;
  error?: string;
  /** From `exit code: N` in the error of a failed RUN. */
  exitCode?: number;
  canceled?: boolean;
  /** Log lines, without the `#N <seconds> ` prefix. */
  output: string[];
  /** Status lines (`transferring context: 2B done`). */
  statuses: string[];
}

export interface ParsedProgress {
  vertices: Vertex[];
  /** From `writing image sha256:...`. */
  imageId?: string;
  /** The client's error message after a failure (the last line that is not decoration). */
  error?: string;
  /** Lines outside any vertex: the failure boxes and messages, client warnings. */
  trailer: string[];
}

const LABEL =
  /^\[(?:([^\s\]]+\/[^\s\]]+) )?(?:([^\s\]/]+) )?\s*(\d+)\/(\d+)\] (?:(ONBUILD) )?([\s\S]*)$/;
const INTERNAL = /^\[(?:[^\s\]]+ )?internal\] /;

/** Parse `[base 2/3] RUN ...` (or `[ 2/11] RUN ...`, `[linux/amd64 base 2/3] ...`). */
/** A vertex as first seen, with what its name says: internal or not, its `[stage i/n]` label. */
export function newVertex(id: number, name: string, digest?: string): Vertex {
  const v: Vertex = { id, ...(digest ? { digest } : {}), name, internal: INTERNAL.test(name), state: 'running', cached: false, output: [], statuses: [] };
  const label = parseStepLabel(name);
  if (label) {
    if (label.platform) v.platform = label.platform;
    if (label.stage) v.stage = label.stage;
    v.stepIndex = label.stepIndex;
    v.stepCount = label.stepCount;
    v.instruction = label.instruction;
  } else if (!v.internal && /^[A-Z]+ /.test(name)) {
    // A FROM shared with a stage that has no label (COPY --from=<image>) keeps no label.
    v.instruction = name;
  }
  if (v.instruction) v.keyword = v.instruction.split(/\s/, 1)[0]!.toUpperCase();
  return v;
}

export function parseStepLabel(name: string): StepLabel | undefined {
  const m = LABEL.exec(name);
  if (!m) return undefined;
  return {
    ...(m[1] ? { platform: m[1] } : {}),
    ...(m[2] ? { stage: m[2] } : {}),
    stepIndex: Number(m[3]),
    stepCount: Number(m[4]),
    onbuild: m[5] === 'ONBUILD',
    instruction: m[6]!,
  };
}

const LINE = /^#(\d+) ([\s\S]*)$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// v0.8 prints `%#.4g` cut to 5 characters (0.048, 12.34, 1234.); newer ones %.3f/%.2f/%.1f.
const LOG = /^(\d+(?:\.\d*)?)(?: ([\s\S]*))?$/;
const DONE = /^DONE(?: (\d+(?:\.\d+)?)s)?$/;
const EXIT_CODE = /exit code: (\d+)/;
const IMAGE = /^writing image (sha256:[0-9a-f]{64})/;
const BOX = /^-{6,}$/;

interface Timing {
  /** Upper bounds of the true start time, one per clue. */
  startBounds: number[];
  end?: number;
  lastLogOffset?: string;
  /** The printer left this vertex right after a log line, which may have been partial. */
  leftAfterLog?: boolean;
  lastWasLog?: boolean;
}

/**
 * Reads plain progress a line at a time, so a live build can show progress as it goes.
 *
 * Times (only when lines carry `at`): every clue gives an upper bound of when the vertex really
 * started, because a line is printed after what it reports: the header's arrival, each log
 * line's arrival minus its offset, and `DONE`'s arrival minus the duration. The smallest bound is
 * taken. The end is the arrival of the vertex's last line (DONE, CACHED, ERROR, CANCELED), or the
 * start plus the printed duration when that is earlier.
 *
 * Precision: the client prints in batches (every 100-150 ms) and rounds durations to 0.1 s.
 * Measured on BuildKit v0.8 (2 cores, steps in parallel stages) against /proc/uptime read by the
 * RUN's own first and last command: start and end within ±0.15 s. A header may be printed
 * seconds after its vertex started (the printer keeps showing one busy vertex for up to 10 s),
 * which is why the header is only the weakest of the clues. Exact times need rawjson.
 */
export class ProgressParser {
  private readonly byId = new Map<number, Vertex>();
  private readonly timing = new Map<number, Timing>();
  private current: number | undefined;
  private afterHeader = false;
  private inBox = false;
  private imageId: string | undefined;
  private readonly trailer: string[] = [];

  /** Feed one line (without its newline). Returns the vertex it changed, if any. */
  push(text: string, at?: number): Vertex | undefined {
    const line = text.replace(/\r$/, '');
    if (this.inBox) {
      if (BOX.test(line)) this.inBox = false;
      this.trailer.push(line);
      return undefined;
    }
    const m = LINE.exec(line);
    if (!m) {
      if (line.trim() === '') return undefined;
      if (BOX.test(line)) {
        this.inBox = true;
        this.current = undefined;
      }
      // Anything else (a client warning) is kept aside and does not end the current vertex.
      this.trailer.push(line);
      return undefined;
    }
    const id = Number(m[1]);
    const rest = m[2]!;
    if (id === this.current && rest === '...') {
      this.current = undefined;
      const t = this.timing.get(id)!;
      t.leftAfterLog = t.lastWasLog === true;
      return this.byId.get(id);
    }
    if (id !== this.current) return this.header(id, rest, at);

    const v = this.byId.get(id)!;
    const t = this.timing.get(id)!;
    const wasAfterHeader = this.afterHeader;
    this.afterHeader = false;
    if (wasAfterHeader && DIGEST.test(rest)) {
      v.digest = rest;
      return v;
    }
    const resumedAfterLog = t.leftAfterLog === true;
    t.leftAfterLog = false;
    t.lastWasLog = false;
    let done: RegExpExecArray | null;
    if ((done = DONE.exec(rest))) {
      v.state = 'done';
      if (done[1] !== undefined) {
        v.durationSeconds = Number(done[1]);
        if (at !== undefined) t.startBounds.push(at - v.durationSeconds);
      }
      this.finish(v, t, at);
      return v;
    }
    if (rest === 'CACHED') {
      v.state = 'cached';
      v.cached = true;
      this.finish(v, t, at);
      return v;
    }
    if (rest === 'CANCELED') {
      v.state = 'canceled';
      v.canceled = true;
      this.finish(v, t, at);
      return v;
    }
    if (rest.startsWith('ERROR')) {
      v.state = 'error';
      v.error = rest.replace(/^ERROR:? ?/, '');
      const code = EXIT_CODE.exec(v.error);
      if (code) v.exitCode = Number(code[1]);
      this.finish(v, t, at);
      return v;
    }
    const log = LOG.exec(rest);
    if (log) {
      const offset = log[1]!;
      const body = log[2] ?? '';
      // A partial line cut by a switch to another vertex is printed again, whole, with the same
      // offset when the printer comes back (printer.go resets logsOffset on a switch).
      const prev = v.output[v.output.length - 1];
      if (resumedAfterLog && t.lastLogOffset === offset && prev !== undefined && body.startsWith(prev)) {
        v.output[v.output.length - 1] = body;
      } else {
        v.output.push(body);
      }
      t.lastLogOffset = offset;
      t.lastWasLog = true;
      if (at !== undefined) t.startBounds.push(at - Number(offset));
      return v;
    }
    v.statuses.push(rest);
    const img = IMAGE.exec(rest);
    if (img) this.imageId = img[1];
    return v;
  }

  private header(id: number, name: string, at: number | undefined): Vertex {
    this.current = id;
    this.afterHeader = true;
    let v = this.byId.get(id);
    if (!v) {
      v = newVertex(id, name);
      this.byId.set(id, v);
      this.timing.set(id, { startBounds: [] });
    }
    if (at !== undefined) this.timing.get(id)!.startBounds.push(at);
    return v;
  }

  private finish(v: Vertex, t: Timing, at: number | undefined): void {
    this.current = undefined;
    if (at !== undefined) t.end = at;
    this.applyTimes(v, t);
  }

  private applyTimes(v: Vertex, t: Timing): void {
    if (t.startBounds.length === 0) return;
    const started = Math.max(0, Math.min(...t.startBounds));
    v.started = round3(started);
    if (t.end !== undefined) {
      let end = t.end;
      if (v.durationSeconds !== undefined) end = Math.min(end, started + v.durationSeconds);
      v.completed = round3(Math.max(end, started));
      if (v.durationSeconds === undefined) {
        v.durationSeconds = v.state === 'cached' ? 0 : round3(v.completed - started);
      }
    }
  }

  /** Vertices in the order they were first printed. */
  vertices(): Vertex[] {
    return [...this.byId.values()];
  }

  result(): ParsedProgress {
    for (const v of this.byId.values()) {
      if (v.state === 'running') this.applyTimes(v, this.timing.get(v.id)!);
    }
    const error = lastMeaningful(this.trailer);
    return {
      vertices: this.vertices(),
      ...(this.imageId ? { imageId: this.imageId } : {}),
      ...(error ? { error } : {}),
      trailer: [...this.trailer],
    };
  }
}

/** The client's own error message: the last trailer line that is not box decoration. */
function lastMeaningful(trailer: readonly string[]): string | undefined {
  for (let i = trailer.length - 1; i >= 0; i--) {
    const line = trailer[i]!.trim();
    // `See 'docker build --help'.` follows a usage error: the line before says what was wrong.
    if (line === '' || /^-+$/.test(line) || /^See '.*--help'\.$/.test(line)) continue;
    return line.replace(/^ERROR: /, '');
  }
  return undefined;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Parse a whole plain-progress transcript: text as printed, or lines with arrival times. */
export function parsePlainProgress(input: string | readonly TimedLine[]): ParsedProgress {
  const parser = new ProgressParser();
  const lines: readonly TimedLine[] =
    typeof input === 'string' ? splitLines(input).map((text) => ({ text })) : input;
  for (const l of lines) parser.push(l.text, l.at);
  return parser.result();
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A timed transcript file: one line per output line, `<seconds>\t<text>`. The driver writes these
 * so that timing reconstruction can be tested on real captures.
 */
export function parseTimedTranscript(text: string): TimedLine[] {
  return splitLines(text).map((line) => {
    const tab = line.indexOf('\t');
    const at = Number(line.slice(0, tab));
    if (tab < 0 || !Number.isFinite(at)) return { text: line };
    return { text: line.slice(tab + 1), at };
  });
}

export function formatTimedTranscript(lines: readonly TimedLine[]): string {
  return lines.map((l) => `${l.at === undefined ? '' : l.at.toFixed(3)}\t${l.text}\n`).join('');
}
