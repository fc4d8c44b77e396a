/**
 * A second opinion from mvdan/sh (the parser behind shfmt), through the npm package sh-syntax
 * (Go compiled to wasm).
 *
 * Why it is not the parser behind analyzeRun (checked on sh-syntax 0.5.8):
 * - Its JSON keeps statements (`Stmt`: position, end, redirections, comments) but not their
 *   commands: a statement's `Cmd` comes back as a bare `{Pos, End}`, with no CallExpr words,
 *   no BinaryCmd sides, no Subshell or IfClause bodies. Names and arguments cannot be read.
 *   (Its typings also say `Stmts` where the JSON has `Stmt`.)
 * - It is async only (`WebAssembly.instantiate`), and every call starts a fresh Go runtime
 *   (10-20 ms), while estimates are computed synchronously, step by step.
 * What it does well: it tells a valid script from an invalid one, with the place, and it
 * splits a script into its top-level statements. Tests use both as an oracle for lex.ts.
 *
 * It is imported on first use only: loading it defines globals (`Go`, `fs`).
 */
import type { Span } from './lex.js';

export interface ShellSyntaxError {
  message: string;
  /** UTF-16 offset in the script. */
  offset: number;
  line: number;
  column: number;
}

export interface SyntaxOptions {
  /** `bash` for `SHELL ["/bin/bash", "-c"]`; default `posix`, BuildKit's `/bin/sh -c`. */
  variant?: 'posix' | 'bash';
}

interface ShPos {
  Offset: number;
  Line: number;
  Col: number;
}
interface ShNode {
  Pos: ShPos;
  End: ShPos;
}

async function shParse(script: string, opts: SyntaxOptions): Promise<{ Stmt?: ShNode[] }> {
  const sh = await import('sh-syntax');
  const file = await sh.parse(script, { variant: opts.variant === 'bash' ? sh.LangVariant.LangBash : sh.LangVariant.LangPOSIX });
  return file as unknown as { Stmt?: ShNode[] };
}

/** mvdan/sh counts bytes of UTF-8; ranges here count UTF-16 units. */
function fromBytes(script: string, byteOffset: number): number {
  return Buffer.from(script, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

/** Null when mvdan/sh parses the script; else its message and where. */
export async function checkShellSyntax(script: string, opts: SyntaxOptions = {}): Promise<ShellSyntaxError | null> {
  try {
    await shParse(script, opts);
    return null;
  } catch (e) {
    const err = e as { Text?: string; message?: string; Pos?: ShPos };
    if (err.Text === undefined && !(e instanceof SyntaxError)) throw e;
    const pos = err.Pos ?? { Offset: script.length, Line: 0, Col: 0 };
    return { message: err.Text ?? err.message ?? String(e), offset: fromBytes(script, pos.Offset), line: pos.Line, column: pos.Col };
  }
}

/** The top-level statements of a valid script (`a && b; c` is two), as spans. Throws on invalid input. */
export async function topLevelStatements(script: string, opts: SyntaxOptions = {}): Promise<Span[]> {
  const file = await shParse(script, opts);
  return (file.Stmt ?? []).map((s) => ({ start: fromBytes(script, s.Pos.Offset), end: fromBytes(script, s.End.Offset) }));
}
