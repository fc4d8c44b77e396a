/**
 * Which .dockerignore applies and what its lines mean, as BuildKit's Dockerfile frontend reads
 * them (frontend/dockerui/config.go, moby/patternmatcher/ignorefile).
 *
 * Why not @balena/dockerignore: it ports Docker 19.03's matcher, not the one BuildKit walks
 * with today. Checked against it: it is case-insensitive by default (Docker is not), it does
 * not escape `+ ( ) | { }` (`a+b` fails to match itself, `c++` throws), it silently drops a
 * lone `!` (BuildKit fails the build), it checks only one parent level instead of carrying
 * per-pattern parent results down the walk, and it keeps no line numbers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { goClean, goTrimSpace } from './gopath.js';
import { PatternError, PatternMatcher } from './patternmatcher.js';

/** One pattern of a .dockerignore file, with where it was written. */
export interface IgnorePattern {
  /** The pattern as ReadAll hands it to the matcher: trimmed, cleaned, `/` prefix dropped. */
  readonly pattern: string;
  /** 1-based line in the ignore file. */
  readonly line: number;
  /** 1-based column of the pattern's first character. */
  readonly column: number;
}

/** The ignore rules in force for a build context. */
export interface DockerIgnore {
  /** Absolute path of the file read, or undefined when there is none. */
  readonly file: string | undefined;
  readonly patterns: readonly IgnorePattern[];
  /** The compiled matcher; undefined when there are no patterns (nothing is excluded). */
  readonly matcher: PatternMatcher | undefined;
}

// bufio.Scanner's default limit: a longer line makes BuildKit fail "token too long".
const MAX_LINE_BYTES = 64 * 1024;

/**
 * `ignorefile.ReadAll` with line numbers: BOM stripped from the first line, lines starting
 * with `#` skipped before trimming (so ` #x` is a pattern), a `\r` before `\n` dropped,
 * whitespace trimmed, `filepath.Clean` applied and a leading `/` removed (`!` kept in front).
 * Throws InputError (located) for what makes BuildKit fail: a lone `!`, a malformed glob, an
 * over-long line.
 */
export function parseDockerignore(text: string, file?: string): Omit<DockerIgnore, 'file'> {
  const patterns: IgnorePattern[] = [];
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start an empty one.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (Buffer.byteLength(raw) >= MAX_LINE_BYTES) {
      throw new InputError('line too long for BuildKit to read (64 KiB limit)', file, { line, column: 1 });
    }
    let content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && content.startsWith('\ufeff')) content = content.slice(1);
    if (content.startsWith('#')) return;
    let pattern = goTrimSpace(content);
    if (pattern === '') return;
    const column = content.indexOf(pattern) + 1;
    const invert = pattern[0] === '!';
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern[0] === '/') pattern = pattern.slice(1);
    }
    patterns.push({ pattern: invert ? '!' + pattern : pattern, line, column });
  });
  return { patterns, matcher: compileIgnore(patterns, file) };
}

/** Compiles patterns, turning a matcher error into an InputError at the pattern's line. */
export function compileIgnore(patterns: readonly IgnorePattern[], file?: string): PatternMatcher | undefined {
  if (patterns.length === 0) return undefined;
  try {
    return new PatternMatcher(patterns.map((p) => p.pattern));
  } catch (err) {
    if (err instanceof PatternError) {
      const at = patterns[err.index];
      throw new InputError(err.message, file, { line: at.line, column: at.column });
    }
    throw err;
  }
}

/**
 * Finds and reads the ignore file BuildKit would use for `dockerfilePath` and `contextDir`:
 * `<Dockerfile name>.dockerignore` beside the Dockerfile wins when it exists (BuildKit reads
 * it from the Dockerfile's own directory, by the Dockerfile's name as given, so the fallback to
 * a lowercase `dockerfile` still looks for `Dockerfile.dockerignore`); otherwise
 * `.dockerignore` at the context root.
 *
 * The Dockerfile and the ignore file get no special treatment: if the patterns exclude them
 * they are not in the context and `COPY Dockerfile` fails, as Docker's docs say ("ADD and COPY
 * instructions do not copy them to the image"). The legacy builder's CLI re-adds them with
 * `!Dockerfile`/`!.dockerignore` only to send them, then removes them on the daemon.
 */
export async function loadDockerignore(contextDir: string, dockerfilePath: string): Promise<DockerIgnore> {
  const candidates = [
    path.join(path.dirname(dockerfilePath), path.basename(dockerfilePath) + '.dockerignore'),
    path.join(contextDir, '.dockerignore'),
  ];
  for (const file of candidates) {
    const text = await readIgnoreFile(file);
    if (text === undefined) continue;
    return { file, ...parseDockerignore(text, file) };
  }
  return { file: undefined, patterns: [], matcher: undefined };
}

async function readIgnoreFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // BuildKit treats a missing (or non-file) ignore file as no ignore file.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw new InputError(`cannot read ignore file: ${(err as Error).message}`, file);
  }
}
