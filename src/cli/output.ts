/**
 * Where the CLI's text leaves the program: standard output, standard error and report files.
 * Every secret value and token shape is redacted on the way (core/secrets.ts); JSON keeps its
 * shape. Commands print through these, never with process.stdout.write.
 */
import { redactOutput, type OutputKind } from '../core/secrets.js';
import { writeFileAtomic } from '../core/write-file.js';

/** Prints a report or a message on standard output. */
export function print(text: string, kind: OutputKind = 'text'): void {
  process.stdout.write(redactOutput(text, kind));
}

/** Prints a message (a warning, an error, progress) on standard error. */
export function printErr(text: string): void {
  process.stderr.write(redactOutput(text, 'text'));
}

/** Writes a report to FILE (`--output`), replaced atomically, created if missing. */
export async function writeReport(file: string, text: string, kind: OutputKind = 'text'): Promise<void> {
  await writeFileAtomic(file, redactOutput(text, kind), { create: true });
}

/** A value as pretty JSON on its own lines: what every `--format json` prints. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
