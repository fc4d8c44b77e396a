/**
 * `docker-bake.hcl` / `docker-bake.json`: the targets (context, dockerfile, args, target,
 * inherits) and groups buildx bake builds. HCL is parsed by @cdktf/hcl2json, HashiCorp's own
 * Go HCL parser compiled to WebAssembly, so what buildx accepts parses the same and a syntax
 * error comes back with HCL's own file:line,column. Evaluation is ours and deliberately small:
 * `variable` blocks with defaults overridden by the environment (as bake does), `${NAME}`
 * references in strings, `inherits`, and groups of targets and groups. An expression beyond a
 * variable reference (a function call, a conditional) is left as written, with a warning,
 * since the model only needs the values that reach FROM lines and cache keys.
 */
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { resolveTarget } from '../core/target.js';
import { isRemoteContext, lineOf, readImagesFile, type ImageOrigin, type ImageSet, type ImageSpec } from './spec.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Block = Record<string, Json>;

/** A bake file read and evaluated: targets by name (inherits applied) and groups by name. */
export interface BakeFile {
  file: string;
  display: string;
  text: string;
  targets: Map<string, Block>;
  groups: Map<string, string[]>;
  warnings: string[];
}

/** Blocks of one kind, by name: hcl2json gives each name a list of blocks (later ones override), bake JSON an object. */
function blocks(doc: Record<string, Json> | undefined, kind: string): Map<string, Block> {
  const out = new Map<string, Block>();
  const all = doc?.[kind];
  if (!all || typeof all !== 'object' || Array.isArray(all)) return out;
  for (const [name, v] of Object.entries(all)) {
    const list = Array.isArray(v) ? v : [v];
    const merged: Block = {};
    for (const b of list) if (b && typeof b === 'object' && !Array.isArray(b)) Object.assign(merged, b);
    out.set(name, merged);
  }
  return out;
}

/** HCL's own error text is `parse config: [FILE:LINE,COL-…: Summary; Detail.]`: keep its location. */
function hclError(e: unknown, display: string): InputError {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /:(\d+),(\d+)(?:-[\d,]+)?: ([^\]]*)\]?$/.exec(msg);
  if (m) return new InputError(`bake file: ${m[3]!.trim()}`, display, { line: Number(m[1]), column: Number(m[2]) });
  return new InputError(`bake file: ${msg.replace(/^parse config: \[?/, '').replace(/\]$/, '')}`, display);
}

async function parseDocument(file: string, display: string, text: string): Promise<Record<string, Json>> {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as Record<string, Json>;
    } catch (e) {
      throw new InputError(`bake file is not valid JSON: ${(e as Error).message}`, display);
    }
  }
  // Loaded on first use: the WebAssembly parser costs ~0.2 s to start, which only bake users pay.
  const { parse } = await import('@cdktf/hcl2json');
  try {
    return (await parse(path.basename(file), text)) as Record<string, Json>;
  } catch (e) {
    throw hclError(e, display);
  }
}

/** `${NAME}` references, `$${` for a literal `${`; anything else inside `${…}` is left as written. */
function evaluator(variables: Map<string, Block>, env: NodeJS.ProcessEnv, display: string, text: string, warnings: string[]) {
  const values = new Map<string, string>();
  const resolving = new Set<string>();
  const warned = new Set<string>();
  const builtins: Record<string, string> = { BAKE_CMD_CONTEXT: '.', BAKE_LOCAL_PLATFORM: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` };

  function variable(name: string): string {
    const known = values.get(name);
    if (known !== undefined) return known;
    if (!variables.has(name)) {
      if (name in builtins) return builtins[name]!;
      throw new InputError(`unknown variable "${name}" (declare it with variable "${name}" {})`, display, { line: lineOf(text, new RegExp(`\\$\\{[^}]*\\b${name}\\b`)) ?? 1, column: 1 });
    }
    if (resolving.has(name)) throw new InputError(`variable "${name}" refers to itself`, display, { line: lineOf(text, new RegExp(`variable\\s+"${name}"`)) ?? 1, column: 1 });
    resolving.add(name);
    // As in bake: an environment variable of the same name overrides the default.
    const def = variables.get(name)!.default;
    const v = env[name] ?? (def === undefined || def === null ? '' : typeof def === 'string' ? str(def) : String(def));
    resolving.delete(name);
    values.set(name, v);
    return v;
  }

  function str(s: string): string {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '$' && s[i + 1] === '$' && s[i + 2] === '{') {
        out += '${';
        i += 2;
      } else if (s[i] === '$' && s[i + 1] === '{') {
        const end = s.indexOf('}', i + 2);
        const expr = end < 0 ? '' : s.slice(i + 2, end).trim();
        if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(expr)) {
          out += variable(expr);
          i = end;
        } else {
          if (!warned.has(expr)) {
            warned.add(expr);
            warnings.push(`${display}: \${${expr}} is an expression layerwise does not evaluate (it evaluates variable references); it is read as written`);
          }
          out += end < 0 ? s.slice(i) : s.slice(i, end + 1);
          i = end < 0 ? s.length : end;
        }
      } else {
        out += s[i];
      }
    }
    return out;
  }

  return (v: Json): Json => {
    const walk = (x: Json): Json =>
      typeof x === 'string' ? str(x) : Array.isArray(x) ? x.map(walk) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)])) : x;
    return walk(v);
  };
}

/** Reads and evaluates a bake file. `env` stands for the environment (variables override defaults). */
export async function readBake(file: string, env: NodeJS.ProcessEnv = process.env): Promise<BakeFile> {
  const { abs, display, text } = await readImagesFile(file, 'bake');
  const doc = await parseDocument(abs, display, text);
  const warnings: string[] = [];
  const evaluate = evaluator(blocks(doc, 'variable'), env, display, text, warnings);
  const raw = blocks(doc, 'target');
  const targets = new Map<string, Block>();
  const inheriting = new Set<string>();
  const resolve = (name: string): Block => {
    const done = targets.get(name);
    if (done) return done;
    const own = raw.get(name);
    if (!own) throw new InputError(`no target "${name}" in the bake file`, display);
    if (inheriting.has(name)) throw new InputError(`target "${name}" inherits from itself`, display, { line: lineOf(text, targetPattern(name)) ?? 1, column: 1 });
    inheriting.add(name);
    const merged: Block = {};
    const parents = own.inherits;
    for (const p of Array.isArray(parents) ? parents : []) {
      if (typeof p !== 'string') continue;
      const parent = resolve(p);
      for (const [k, v] of Object.entries(parent)) merged[k] = k === 'args' ? { ...(merged.args as Block | undefined), ...(v as Block) } : v;
    }
    for (const [k, v] of Object.entries(evaluate(own) as Block)) {
      if (k === 'inherits') continue;
      merged[k] = k === 'args' && v && typeof v === 'object' ? { ...(merged.args as Block | undefined), ...(v as Block) } : v;
    }
    inheriting.delete(name);
    targets.set(name, merged);
    return merged;
  };
  for (const name of raw.keys()) resolve(name);
  const groups = new Map<string, string[]>();
  for (const [name, g] of blocks(doc, 'group')) {
    const list = evaluate(g.targets ?? []) as Json[];
    groups.set(name, Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string') : []);
  }
  return { file: abs, display, text, targets, groups, warnings };
}

function targetPattern(name: string): RegExp {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[ \\t]*target[ \\t]+"${n}"|"${n}"\\s*:`, 'm');
}

/**
 * The targets a name selects, as `docker buildx bake NAME` does: a target, or a group
 * (recursively); no name means the "default" group or target.
 */
export function bakeSelection(bake: BakeFile, name: string | undefined): string[] {
  const wanted = name ?? 'default';
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (n: string, via: string[]) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (bake.groups.has(n)) {
      for (const t of bake.groups.get(n)!) add(t, [...via, n]);
    } else if (bake.targets.has(n)) {
      out.push(n);
    } else {
      const known = [...bake.targets.keys(), ...bake.groups.keys()].join(', ');
      const where = via.length ? ` (in group "${via[via.length - 1]}")` : '';
      throw new InputError(`no target or group "${n}"${where}${name === undefined && !via.length ? '; name one with --target' : ''} (the file has: ${known || 'none'})`, bake.display);
    }
  };
  add(wanted, []);
  return out;
}

/** The images a selection of a bake file builds. Relative contexts are relative to the working directory, as buildx reads them. */
export function bakeImages(bake: BakeFile, names: string[], extraArgs: Record<string, string> = {}): ImageSet {
  const set: ImageSet = { images: [], skipped: [], warnings: [...bake.warnings] };
  for (const name of names) {
    const t = bake.targets.get(name)!;
    const origin: ImageOrigin = { kind: 'bake', file: bake.display, ...(lineOrNothing(lineOf(bake.text, targetPattern(name)))) };
    const context = typeof t.context === 'string' ? t.context : '.';
    if (isRemoteContext(context)) {
      set.skipped.push({ name, origin, reason: `its context ${context} is not a local folder` });
      continue;
    }
    if (typeof t['dockerfile-inline'] === 'string') {
      set.skipped.push({ name, origin, reason: 'its Dockerfile is inline (dockerfile-inline)' });
      continue;
    }
    if (t.contexts && typeof t.contexts === 'object' && Object.keys(t.contexts).length) {
      set.warnings.push(`${bake.display}: target "${name}" has named contexts (${Object.keys(t.contexts).join(', ')}); layerwise reads COPY --from of those names as images`);
    }
    const contextDir = path.resolve(context);
    const dockerfile = typeof t.dockerfile === 'string' ? t.dockerfile : 'Dockerfile';
    set.images.push({
      name,
      origin,
      target: locate(() => resolveTarget(contextDir, path.resolve(contextDir, dockerfile)), origin, `target "${name}"`),
      ...(typeof t.target === 'string' ? { stage: t.target } : {}),
      buildArgs: { ...stringArgs(t.args), ...extraArgs },
    });
  }
  return set;
}

function lineOrNothing(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

function stringArgs(args: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!args || typeof args !== 'object' || Array.isArray(args)) return out;
  for (const [k, v] of Object.entries(args)) if (v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** A missing context folder named by a bake target or compose service is reported at that target. */
export function locate<T>(f: () => T, origin: ImageOrigin, what: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${what}: ${e.message} (${e.file ?? ''})`, origin.file, origin.line === undefined ? undefined : { line: origin.line, column: 1 });
    throw e;
  }
}
