import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The command could not be started at all (ENOENT, EACCES). */
  spawnError?: Error;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Run a command to completion and collect its output. Never throws: callers read `code`. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(command, args, {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
      });
    } catch (err) {
      resolve({ code: null, signal: null, stdout, stderr, spawnError: err as Error });
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ...(spawnError ? { spawnError } : {}) }),
    );
  });
}

/** The first line of a command's complaint, for messages. */
export function firstLine(text: string): string {
  return text.trim().split('\n', 1)[0] ?? '';
}
