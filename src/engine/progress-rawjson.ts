import { newVertex, type ParsedProgress, type Vertex } from './progress.js';

/**
 * `--progress=rawjson` (buildx 0.13+, buildctl 0.13+): BuildKit's client.SolveStatus objects, one
 * JSON document after another. Unlike plain text it has absolute timestamps, so start and end are
 * exact. Not available on BuildKit v0.8; the tests feed it a hand-made stream that follows the
 * field names of moby/buildkit client/graph.go.
 */
interface RawVertex {
  digest: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}
interface RawStatus {
  id: string;
  vertex: string;
  completed?: string;
}
interface RawLog {
  vertex: string;
  data?: string;
  timestamp?: string;
}
interface SolveStatus {
  vertexes?: RawVertex[];
  statuses?: RawStatus[];
  logs?: RawLog[];
}

/** Reads a rawjson stream a chunk at a time; `startedAtMs` is when the build command started. */
export class RawJsonParser {
  private readonly byDigest = new Map<string, Vertex>();
  private readonly partial = new Map<string, string>();
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private docStart = -1;
  private imageId: string | undefined;
  private readonly trailer: string[] = [];

  constructor(private readonly startedAtMs: number) {}

  /** Feed raw text; complete JSON documents are applied as they close. Returns changed vertices. */
  push(chunk: string): Vertex[] {
    const changed = new Set<Vertex>();
    const start = this.buffer.length;
    this.buffer += chunk;
    for (let i = start; i < this.buffer.length; i++) {
      const c = this.buffer[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"' && this.depth > 0) this.inString = true;
      else if (c === '{') {
        if (this.depth === 0) {
          this.flushText(this.buffer.slice(0, i));
          this.docStart = i;
        }
        this.depth++;
      } else if (c === '}' && this.depth > 0) {
        this.depth--;
        if (this.depth === 0) {
          const doc = this.buffer.slice(this.docStart, i + 1);
          let parsed: SolveStatus | undefined;
          try {
            parsed = JSON.parse(doc) as SolveStatus;
          } catch {
            this.flushText(doc); // braces in the client's own text, not a status
          }
          if (parsed) for (const v of this.apply(parsed)) changed.add(v);
          this.buffer = this.buffer.slice(i + 1);
          i = -1;
          this.docStart = -1;
        }
      }
    }
    if (this.depth === 0) {
      // Text between documents (the client's `ERROR: ...`) is kept once a line is complete.
      const nl = this.buffer.lastIndexOf('\n');
      if (nl >= 0) {
        this.flushText(this.buffer.slice(0, nl + 1));
        this.buffer = this.buffer.slice(nl + 1);
      }
    }
    return [...changed];
  }

  private flushText(text: string): void {
    for (const line of text.split('\n')) if (line.trim() !== '') this.trailer.push(line);
  }

  private seconds(ts: string | undefined): number | undefined {
    if (!ts || ts.startsWith('0001-')) return undefined;
    const ms = Date.parse(ts);
    if (Number.isNaN(ms)) return undefined;
    return Math.round((ms - this.startedAtMs)) / 1000;
  }

  private vertex(digest: string, name?: string): Vertex {
    let v = this.byDigest.get(digest);
    if (!v) {
      v = newVertex(this.byDigest.size + 1, name ?? digest, digest);
      this.byDigest.set(digest, v);
    }
    return v;
  }

  private apply(status: SolveStatus): Vertex[] {
    const changed: Vertex[] = [];
    for (const r of status.vertexes ?? []) {
      const v = this.vertex(r.digest, r.name);
      const started = this.seconds(r.started);
      const completed = this.seconds(r.completed);
      // A vertex may run in several intervals: keep the first start and the last end.
      if (started !== undefined && (v.started === undefined || started < v.started)) v.started = started;
      if (completed !== undefined) {
        v.completed = completed;
        if (r.error) {
          const canceled = /context canceled$/.test(r.error);
          v.state = canceled ? 'canceled' : 'error';
          if (canceled) v.canceled = true;
          else {
            v.error = r.error;
            const code = /exit code: (\d+)/.exec(r.error);
            if (code) v.exitCode = Number(code[1]);
          }
        } else if (r.cached) {
          v.state = 'cached';
          v.cached = true;
        } else {
          v.state = 'done';
        }
        if (v.started !== undefined) v.durationSeconds = Math.round((v.completed - v.started) * 1000) / 1000;
        else if (v.cached) v.durationSeconds = 0;
      }
      changed.push(v);
    }
    for (const s of status.statuses ?? []) {
      const v = this.vertex(s.vertex);
      if (s.completed) {
        v.statuses.push(`${s.id} done`);
        const img = /^writing image (sha256:[0-9a-f]{64})/.exec(s.id);
        if (img) this.imageId = img[1];
      }
    }
    for (const l of status.logs ?? []) {
      const v = this.vertex(l.vertex);
      const text = (this.partial.get(l.vertex) ?? '') + Buffer.from(l.data ?? '', 'base64').toString('utf8');
      const lines = text.split('\n');
      this.partial.set(l.vertex, lines.pop()!);
      v.output.push(...lines);
      changed.push(v);
    }
    return changed;
  }

  result(): ParsedProgress {
    for (const [digest, rest] of this.partial) if (rest !== '') this.byDigest.get(digest)?.output.push(rest);
    this.partial.clear();
    if (this.buffer.trim() !== '' && this.depth === 0) this.flushText(this.buffer);
    this.buffer = '';
    const vertices = [...this.byDigest.values()].filter((v) => v.name !== v.digest);
    const last = [...this.trailer].reverse().find((l) => l.trim() !== '');
    return {
      vertices,
      ...(this.imageId ? { imageId: this.imageId } : {}),
      ...(last ? { error: last.trim().replace(/^ERROR: /, '') } : {}),
      trailer: [...this.trailer],
    };
  }
}

export function parseRawJsonProgress(text: string, startedAtMs: number): ParsedProgress {
  const p = new RawJsonParser(startedAtMs);
  p.push(text);
  return p.result();
}
