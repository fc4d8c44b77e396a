/**
 * What a command builds: the build context folder and the Dockerfile, resolved the way
 * `docker build CONTEXT -f FILE` resolves them. Every layer takes a Target; only the CLI makes
 * one from its arguments, and API users with {@link resolveTarget}.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from './display-path.js';
import { InputError } from './errors.js';

/** The build context and Dockerfile of one build. */
export interface Target {
  /** Absolute path of the build context folder. */
  contextDir: string;
  /** Absolute path of the Dockerfile. */
  dockerfilePath: string;
  /** FILE as the user should see it in messages (relative to the working directory). */
  displayName: string;
}

/**
 * CONTEXT defaults to `.`, FILE to CONTEXT/Dockerfile; a relative FILE is relative to the
 * working directory. CONTEXT must be a folder, as `docker build` requires ("unable to prepare
 * context: path not found"): a missing one is an input error, not an empty context.
 */
export function resolveTarget(context: string | undefined, file: string | undefined): Target {
  const contextDir = path.resolve(context ?? '.');
  let st;
  try {
    st = statSync(contextDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such build context folder' : `cannot read the build context: ${(e as Error).message}`, context ?? '.');
  }
  if (!st.isDirectory()) throw new InputError('the build context must be a folder, not a file (give the Dockerfile with -f)', context ?? '.');
  const dockerfilePath = file ? path.resolve(file) : path.join(contextDir, 'Dockerfile');
  return { contextDir, dockerfilePath, displayName: displayPath(dockerfilePath) };
}
