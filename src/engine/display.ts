import type { Vertex } from './progress.js';

export interface ProgressDisplay {
  /** A vertex changed (started, logged, finished). */
  update(v: Vertex): void;
  /** The build is over: draw the final list and stop the clock. */
  finish(): void;
}

interface TtyLike {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

const NOOP: ProgressDisplay = { update() {}, finish() {} };

/**
 * A compact step list on a terminal, redrawn in place: one line per vertex with its state and
 * time. Nothing at all when the stream is not a TTY or `quiet` is set, so logs and CI output stay
 * clean (the BuildRecord has everything).
 */
export function createDisplay(stream: TtyLike | undefined, options: { quiet?: boolean } = {}): ProgressDisplay {
  if (options.quiet || !stream || !stream.isTTY) return NOOP;
  const out = stream;
  const vertices = new Map<number, Vertex>();
  const seenAt = new Map<number, number>();
  const t0 = Date.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const line = (v: Vertex): string => {
    const now = (Date.now() - t0) / 1000;
    let mark: string;
    let time = '';
    switch (v.state) {
      case 'done':
        mark = '✓';
        time = `${(v.durationSeconds ?? 0).toFixed(1)}s`;
        break;
      case 'cached':
        mark = '=';
        time = 'cached';
        break;
      case 'error':
        mark = '✗';
        time = v.exitCode !== undefined ? `exit ${v.exitCode}` : 'error';
        break;
      case 'canceled':
        mark = '-';
        time = 'canceled';
        break;
      default:
        mark = '▸';
        time = `${Math.max(0, now - (v.started ?? seenAt.get(v.id) ?? now)).toFixed(1)}s`;
    }
    const width = Math.max(40, (out.columns ?? 100) - 1);
    const head = `${mark} ${v.name.replace(/\s+/g, ' ')}`;
    const room = width - time.length - 1;
    const shown = head.length > room ? head.slice(0, Math.max(0, room - 1)) + '…' : head.padEnd(room);
    return `${shown} ${time}`;
  };

  const draw = () => {
    const shown = [...vertices.values()].filter((v) => !v.internal);
    let s = drawn > 0 ? `\x1b[${drawn}A\x1b[J` : '';
    for (const v of shown) s += line(v) + '\n';
    drawn = shown.length;
    out.write(s);
  };

  return {
    update(v) {
      if (!seenAt.has(v.id)) seenAt.set(v.id, (Date.now() - t0) / 1000);
      vertices.set(v.id, v);
      if (!timer) {
        timer = setInterval(draw, 200);
        timer.unref();
      }
    },
    finish() {
      if (timer) clearInterval(timer);
      timer = undefined;
      draw();
    },
  };
}
