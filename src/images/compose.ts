/**
 * `compose.yaml` / `docker-compose.yml`: the services that `docker compose build` builds,
 * with their `build:` (a context string, or context, dockerfile, args, target). YAML is parsed
 * by `yaml` (eemeli/yaml, YAML 1.2 with positions, the parser the project already uses);
 * interpolation follows the compose spec (interpolate.ts). Relative contexts are relative to
 * the compose file's folder and a Dockerfile to its context, as docker compose reads them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../core/errors.js';
import { resolveTarget } from '../core/target.js';
import { locate } from './bake.js';
import { dotenvLookup, interpolate, InterpolationError, type Lookup } from './interpolate.js';
import { isRemoteContext, readImagesFile, type ImageOrigin, type ImageSet } from './spec.js';

export interface ComposeFile {
  file: string;
  display: string;
  /** Services that have a `build:`, in file order, with the line each starts on. */
  services: { name: string; line: number; build: Node }[];
  lookup: Lookup;
  lines: LineCounter;
}

export async function readCompose(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ComposeFile> {
  const { abs, display, text } = await readImagesFile(file, 'compose');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = lines.linePos(err.pos[0]);
    throw new InputError(`compose file: ${err.message.split('\n')[0]}`, display, { line: pos.line, column: pos.col });
  }
  const dotenv = path.join(path.dirname(abs), '.env');
  const lookup = dotenvLookup(existsSync(dotenv) ? readFileSync(dotenv, 'utf8') : undefined, env);
  const services: ComposeFile['services'] = [];
  const root = doc.contents;
  const svc = isMap(root) ? root.get('services', true) : undefined;
  if (isMap(svc)) {
    for (const pair of svc.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      const body = pair.value;
      if (!name || !isMap(body)) continue;
      const build = body.get('build', true);
      if (!build) continue;
      const at = (pair.key as Node).range?.[0] ?? 0;
      services.push({ name, line: lines.linePos(at).line, build: build as Node });
    }
  }
  return { file: abs, display, services, lookup, lines };
}

/** The services a selection names (all services with a `build:` when none is named). */
export function composeSelection(compose: ComposeFile, names: string[] | undefined): string[] {
  if (!names?.length) return compose.services.map((s) => s.name);
  for (const n of names) {
    if (!compose.services.some((s) => s.name === n)) {
      throw new InputError(`no service "${n}" with a build section (services that build: ${compose.services.map((s) => s.name).join(', ') || 'none'})`, compose.display);
    }
  }
  return names;
}

export function composeImages(compose: ComposeFile, names: string[], extraArgs: Record<string, string> = {}): ImageSet {
  const set: ImageSet = { images: [], skipped: [], warnings: [] };
  for (const name of names) {
    const s = compose.services.find((x) => x.name === name)!;
    const origin: ImageOrigin = { kind: 'compose', file: compose.display, line: s.line };
    const value = (node: unknown): string | undefined => {
      if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
      const n = node as Node;
      try {
        return interpolate(String(node.value), compose.lookup);
      } catch (e) {
        if (e instanceof InterpolationError) {
          const pos = compose.lines.linePos(n.range?.[0] ?? 0);
          throw new InputError(e.message, compose.display, { line: pos.line, column: pos.col });
        }
        throw e;
      }
    };
    let context = '.';
    let dockerfile = 'Dockerfile';
    let stage: string | undefined;
    const args: Record<string, string> = {};
    if (isScalar(s.build)) {
      context = value(s.build) ?? '.';
    } else if (isMap(s.build)) {
      context = value(s.build.get('context', true)) ?? '.';
      dockerfile = value(s.build.get('dockerfile', true)) ?? 'Dockerfile';
      stage = value(s.build.get('target', true));
      if (s.build.get('dockerfile_inline', true)) {
        set.skipped.push({ name, origin, reason: 'its Dockerfile is inline (dockerfile_inline)' });
        continue;
      }
      const a = s.build.get('args', true);
      if (isMap(a)) {
        for (const pair of a.items) {
          const k = isScalar(pair.key) ? String(pair.key.value) : '';
          const v = value(pair.value);
          // `KEY:` with no value takes it from the environment; unset there, the arg is not set.
          const got = v ?? compose.lookup(k);
          if (k && got !== undefined) args[k] = got;
        }
      } else if (isSeq(a)) {
        for (const item of a.items) {
          const entry = value(item);
          if (entry === undefined) continue;
          const eq = entry.indexOf('=');
          if (eq > 0) args[entry.slice(0, eq)] = entry.slice(eq + 1);
          else if (compose.lookup(entry) !== undefined) args[entry] = compose.lookup(entry)!;
        }
      }
    }
    if (isRemoteContext(context)) {
      set.skipped.push({ name, origin, reason: `its context ${context} is not a local folder` });
      continue;
    }
    const contextDir = path.resolve(path.dirname(compose.file), context);
    set.images.push({
      name,
      origin,
      target: locate(() => resolveTarget(contextDir, path.resolve(contextDir, dockerfile)), origin, `service "${name}"`),
      ...(stage ? { stage } : {}),
      buildArgs: { ...args, ...extraArgs },
    });
  }
  return set;
}
