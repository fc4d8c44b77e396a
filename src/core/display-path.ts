import path from 'node:path';

/**
 * A path as the user should see it in a message: relative to the working directory when it
 * is inside it (as they would type it), absolute otherwise (a `../..` chain is harder to read).
 */
export function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  if (rel === '') return '.';
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
}
