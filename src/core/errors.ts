import type { Position } from './ranges.js';

/**
 * An error in the user's input (a Dockerfile, a context, a flag), with where it is. The CLI
 * prints it as `file:line:col: message` and exits 2; anything that is not a LayerwiseError is
 * a bug and is rethrown with its stack.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly position?: Pick<Position, 'line' | 'column'>,
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** `file:line:col: message`, or as much of it as is known. */
  format(): string {
    if (!this.file) return this.message;
    if (!this.position) return `${this.file}: ${this.message}`;
    return `${this.file}:${this.position.line}:${this.position.column}: ${this.message}`;
  }
}

/** A usage error (bad flag, missing argument): exit 2, no location. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
