/**
 * The changes `layerwise bench --change SPEC` measures: how a SPEC is read, checked against the
 * context, and applied to (and undone in) the bench's private copy of it.
 *
 * BuildKit keys a COPY on the content it copies, so a change must give bytes BuildKit has never
 * seen: the same bytes twice would be a cache hit the second time (in a later run, or in a later
 * bench on the same builder). Every application therefore writes a fresh nonce.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../core/errors.js';
import { noteVariable } from '../core/secrets.js';

export type ChangeSpec =
  | { kind: 'touch'; path: string; spec: string }
  | { kind: 'edit'; path: string; spec: string }
  | { kind: 'arg'; name: string; value: string; spec: string };

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A context path as given, made POSIX and relative (`./a/b` → `a/b`); rejects paths that leave the context. */
function contextRelative(raw: string, spec: string): string {
  const p = path.posix.normalize(raw.replace(/\\/g, '/'));
  if (raw === '' || p === '.' || p === '') throw new UsageError(`--change ${spec}: the path is empty`);
  if (path.posix.isAbsolute(p) || p === '..' || p.startsWith('../')) {
    throw new UsageError(`--change ${spec}: the path must be inside the context (relative to CONTEXT)`);
  }
  return p.replace(/\/$/, '');
}

/** Reads a `--change` SPEC: `touch:PATH`, `edit:PATH` or `arg:NAME=VALUE`. Throws UsageError otherwise. */
export function parseChangeSpec(spec: string): ChangeSpec {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'touch':
    case 'edit':
      return { kind, path: contextRelative(rest, spec), spec };
    case 'arg': {
      const eq = rest.indexOf('=');
      const name = eq < 0 ? rest : rest.slice(0, eq);
      if (eq < 0 || !ARG_NAME.test(name)) throw new UsageError(`--change ${spec}: expected arg:NAME=VALUE`);
      noteVariable(name, rest.slice(eq + 1));
      return { kind: 'arg', name, value: rest.slice(eq + 1), spec };
    }
    default:
      throw new UsageError(`--change "${spec}": unknown change (expected touch:PATH, edit:PATH or arg:NAME=VALUE)`);
  }
}

/** Resolves a change's path in `dir` and requires a regular file that really lives there (no symlink out). */
async function fileIn(dir: string, change: Extract<ChangeSpec, { path: string }>): Promise<string> {
  const file = path.join(dir, ...change.path.split('/'));
  let st;
  try {
    st = await lstat(file);
  } catch {
    throw new InputError(`--change ${change.spec}: no such file in the context`);
  }
  if (!st.isFile()) throw new InputError(`--change ${change.spec}: not a regular file (${st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'a special file'})`);
  const [realDir, realFile] = await Promise.all([realpath(dir), realpath(file)]);
  if (path.relative(realDir, realFile).startsWith('..')) throw new InputError(`--change ${change.spec}: the path leads outside the context`);
  return file;
}

/** Checks a change against a context before anything is built: its file exists and is a regular file. */
export async function checkChange(contextDir: string, change: ChangeSpec): Promise<void> {
  if (change.kind !== 'arg') await fileIn(contextDir, change);
}

/** A nonce of spaces and tabs: trailing whitespace is inert in nearly every text format. */
function whitespaceNonce(bits = 48): string {
  const bytes = randomBytes(Math.ceil(bits / 8));
  let out = '';
  for (let i = 0; i < bits; i++) out += (bytes[i >> 3]! >> (i & 7)) & 1 ? '\t' : ' ';
  return out;
}

/** The bytes `touch:PATH` leaves in a file: the original, a newline, and a line of spaces and tabs. */
export function touchedContent(original: Buffer, nonce = whitespaceNonce()): Buffer {
  return Buffer.concat([original, Buffer.from(`\n${nonce}\n`)]);
}

/** The text `edit:PATH` writes in place of the file's content: one marked line. */
export function editedContent(nonce = randomBytes(8).toString('hex')): Buffer {
  return Buffer.from(`layerwise bench edit ${nonce}\n`);
}

export interface AppliedChange {
  /** Build args of the changed build (the base args with the change's arg set). */
  buildArgs: Record<string, string>;
  /** Puts the context back as it was. */
  undo(): Promise<void>;
}

/**
 * Applies a change to the bench's copy of the context (never to the user's): `touch` appends a
 * newline and a line of spaces and tabs, new on every call; `edit` replaces the content with
 * `layerwise bench edit <nonce>`; `arg` changes only the build args.
 */
export async function applyChange(dir: string, change: ChangeSpec, buildArgs: Record<string, string> = {}): Promise<AppliedChange> {
  if (change.kind === 'arg') {
    return { buildArgs: { ...buildArgs, [change.name]: change.value }, undo: async () => {} };
  }
  const file = await fileIn(dir, change);
  const original = await readFile(file);
  await writeFile(file, change.kind === 'touch' ? touchedContent(original) : editedContent());
  return { buildArgs: { ...buildArgs }, undo: () => writeFile(file, original) };
}

/** The context paths a change touches, as `explain --changed` takes them. */
export function changedPaths(change: ChangeSpec): string[] {
  return change.kind === 'arg' ? [] : [change.path];
}
