/**
 * An image a repository describes: what `docker buildx bake TARGET`, `docker compose build
 * SERVICE` or a plain `docker build -f FILE CONTEXT` would build. Every command that takes
 * `--bake`/`--compose` turns it into the Target, stage and build args it already takes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../core/display-path.js';
import { InputError } from '../core/errors.js';
import type { Target } from '../core/target.js';

/** Where an image was described: a bake target, a compose service, or a Dockerfile found in the tree. */
export interface ImageOrigin {
  kind: 'bake' | 'compose' | 'dockerfile';
  /** The describing file as the user should see it (relative to the working directory). */
  file: string;
  /** 1-based line of the target / service, where known. */
  line?: number;
}

export interface ImageSpec {
  /** The bake target, compose service, or the Dockerfile's path for a bare Dockerfile. */
  name: string;
  origin: ImageOrigin;
  target: Target;
  /** The Dockerfile stage to build (bake `target`, compose `build.target`); default the last. */
  stage?: string;
  buildArgs: Record<string, string>;
}

/** An image the file describes that layerwise cannot read, and why (a remote context, an inline Dockerfile). */
export interface SkippedImage {
  name: string;
  origin: ImageOrigin;
  reason: string;
}

/** What a bake or compose file describes: the images in the selection, the ones skipped, and warnings. */
export interface ImageSet {
  images: ImageSpec[];
  skipped: SkippedImage[];
  warnings: string[];
}

/** The line (1-based) of the first match of `pattern` in `text`, for locating a target or service. */
export function lineOf(text: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A context that is not a local folder: docker builds it from a URL, layerwise cannot read it. */
export function isRemoteContext(context: string): boolean {
  return /^(https?|git|ssh):\/\//.test(context) || /^git@/.test(context) || /^[a-z0-9-]+-image:\/\//.test(context) || context.startsWith('docker-image://') || context.startsWith('target:');
}

/** A bake or compose file's text, with the path its messages show; a missing or unreadable one is an input error naming it. */
export async function readImagesFile(file: string, kind: 'bake' | 'compose'): Promise<{ abs: string; display: string; text: string }> {
  const abs = path.resolve(file);
  const display = displayPath(abs);
  try {
    return { abs, display, text: await readFile(abs, 'utf8') };
  } catch (e) {
    throw new InputError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such ${kind} file` : `cannot read the ${kind} file: ${(e as Error).message}`, display);
  }
}
