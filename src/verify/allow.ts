/**
 * The allow-list of `layerwise verify`: differences a user has looked at and accepted (caches an
 * `--unsafe` fix removed, a build-date label). A YAML or JSON file, validated with located errors
 * (exit 2), never guessed at:
 *
 *   paths:                                  # globs over image paths: * ? and ** (any depth)
 *     - /var/lib/apt/lists/**
 *     - { path: /root/.cache/**, change: removed, reason: "pip cache, fix --unsafe" }
 *   config:                                 # FIELD, or FIELD KEY for ENV, LABEL, EXPOSE, VOLUME
 *     - LABEL org.opencontainers.image.*
 *     - { field: ENV BUILD_DATE, reason: set by CI }
 *   stages:                                 # stage names of OTHER that may be gone from FILE
 *     - old-builder
 *
 * An allowed difference is still reported, apart from the others; it only stops counting.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap, type YAMLSeq } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Change, Difference } from './compare.js';
import { CONFIG_FIELDS, KEYED_FIELDS, type ConfigField } from './compare.js';

interface EntryBase {
  /** As written in the file: `/root/.cache/**`, `LABEL build-date`, `old-builder`. */
  pattern: string;
  reason?: string;
  /** Where the entry is, for people: `allow.yaml:3`. */
  source?: string;
}

export interface PathEntry extends EntryBase {
  kind: 'path';
  /** Only these kinds of change are allowed (default: all three). */
  changes?: Change[];
  /** Compiled from `pattern`. */
  regex: RegExp;
}

export interface ConfigEntry extends EntryBase {
  kind: 'config';
  field: ConfigField;
  /** For ENV, LABEL, EXPOSE, VOLUME: the name, `*` and `?` allowed; absent = every key. */
  key?: RegExp;
}

export interface StageEntry extends EntryBase {
  kind: 'stage';
  /** Lower-cased, as BuildKit compares stage names. */
  stage: string;
}

export type AllowEntry = PathEntry | ConfigEntry | StageEntry;

export interface AllowList {
  entries: AllowEntry[];
}

/** Why a difference does not count. */
export interface Allowance {
  /** The entry that allowed it; absent for the built-in allowance. */
  entry?: AllowEntry;
  /** Built into layerwise (mount points the runtime makes), not from the user's list. */
  builtin: boolean;
  reason: string;
}

const CHANGES: readonly Change[] = ['added', 'removed', 'changed'];

const escapeRe = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/**
 * A path glob as a regular expression over absolute image paths. `*` and `?` stay within one
 * path segment; `**` as a whole segment is any number of segments, so `/a/**` is `/a` and
 * everything under it, and `/**\/x` is `/x` at any depth.
 */
export function globToRegex(glob: string): RegExp {
  let re = '';
  let i = 0;
  while (i < glob.length) {
    if (glob.startsWith('/**/', i)) {
      re += '/(?:.*/)?';
      i += 4;
    } else if (glob.startsWith('/**', i) && i + 3 === glob.length) {
      re += '(?:/.*)?';
      i += 3;
    } else if (i === 0 && glob.startsWith('**/')) {
      re += '(?:.*/)?';
      i += 3;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 2;
    } else if (glob[i] === '*') {
      re += '[^/]*';
      i++;
    } else if (glob[i] === '?') {
      re += '[^/]';
      i++;
    } else {
      re += escapeRe(glob[i]!);
      i++;
    }
  }
  return new RegExp(`^${re}$`);
}

/** A key glob (ENV or LABEL names): `*` is any run of characters, `?` one. */
function keyRegex(glob: string): RegExp {
  return new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRe(c))).join('')}$`);
}

/** A path of the image for the allow-list: directories without a trailing slash. */
function normalisePattern(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function checkPathPattern(p: string): string | undefined {
  if (p === '') return 'an empty path pattern';
  if (!p.startsWith('/') && !p.startsWith('**')) return `path patterns are absolute: start "${p}" with / (or **/ for any depth)`;
  return undefined;
}

/** Parses `FIELD` or `FIELD KEY` (`LABEL org.opencontainers.*`); undefined with a message when bad. */
export function parseConfigPattern(text: string): { field: ConfigField; key?: string } | { error: string } {
  const m = /^\s*([A-Za-z]+)(?:\s+(\S+))?\s*$/.exec(text);
  const field = m?.[1]!.toUpperCase() as ConfigField | undefined;
  if (!m || !field || !CONFIG_FIELDS.includes(field)) {
    return { error: `unknown config field "${text.trim().split(/\s+/)[0] ?? ''}" (known: ${CONFIG_FIELDS.join(', ')})` };
  }
  if (m[2] !== undefined && !KEYED_FIELDS.includes(field)) return { error: `${field} takes no key (keys go with ${KEYED_FIELDS.join(', ')})` };
  return m[2] !== undefined ? { field, key: m[2] } : { field };
}

/** An allow-list made in code (fix --verify, tests): the same shapes as the file, without locations. */
export function allowList(spec: {
  paths?: (string | { path: string; change?: Change | Change[]; reason?: string })[];
  config?: (string | { field: string; reason?: string })[];
  stages?: (string | { stage: string; reason?: string })[];
}): AllowList {
  const entries: AllowEntry[] = [];
  for (const p of spec.paths ?? []) {
    const o = typeof p === 'string' ? { path: p } : p;
    const bad = checkPathPattern(o.path);
    if (bad) throw new InputError(bad);
    const changes = o.change === undefined ? undefined : ([] as Change[]).concat(o.change);
    entries.push({ kind: 'path', pattern: o.path, regex: globToRegex(normalisePattern(o.path)), ...(changes ? { changes } : {}), ...(o.reason ? { reason: o.reason } : {}) });
  }
  for (const c of spec.config ?? []) {
    const o = typeof c === 'string' ? { field: c } : c;
    const parsed = parseConfigPattern(o.field);
    if ('error' in parsed) throw new InputError(parsed.error);
    entries.push({ kind: 'config', pattern: o.field.trim(), field: parsed.field, ...(parsed.key ? { key: keyRegex(parsed.key) } : {}), ...(o.reason ? { reason: o.reason } : {}) });
  }
  for (const s of spec.stages ?? []) {
    const o = typeof s === 'string' ? { stage: s } : s;
    entries.push({ kind: 'stage', pattern: o.stage, stage: o.stage.toLowerCase(), ...(o.reason ? { reason: o.reason } : {}) });
  }
  return { entries };
}

/** Parses an allow-list file (YAML; JSON is YAML too). Throws InputError with `file:line:col`. */
export function parseAllowList(text: string, file: string): AllowList {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (node: YamlNode | null | undefined) => {
    const p = lc.linePos(node?.range?.[0] ?? 0);
    return { line: p.line, column: p.col };
  };
  const fail = (message: string, node?: YamlNode | null): never => {
    throw new InputError(message, file, at(node));
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new InputError(`invalid YAML: ${e.message.split('\n')[0]}`, file, { line: p.line, column: p.col });
  }
  const entries: AllowEntry[] = [];
  const root = doc.contents;
  if (root === null || root === undefined) return { entries };
  if (!isMap(root)) fail('the allow-list must be a mapping with paths, config and stages', root as YamlNode);

  /** An item: a string, or a mapping with `main` (the pattern), `reason` and the keys in `extra`. */
  const item = (node: YamlNode, section: string, main: string, extra: string[]) => {
    const source = `${file}:${at(node).line}`;
    if (isScalar(node)) {
      if (typeof node.value !== 'string' && typeof node.value !== 'number') fail(`${section}: expected a string`, node);
      return { pattern: String(node.value), source, values: {} as Record<string, YamlNode> };
    }
    if (!isMap(node)) fail(`${section}: expected a string or a mapping with ${main}`, node);
    const values: Record<string, YamlNode> = {};
    for (const pair of (node as YAMLMap).items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      if (k !== main && k !== 'reason' && !extra.includes(k)) fail(`${section}: unknown key "${k}" (known: ${[main, ...extra, 'reason'].join(', ')})`, pair.key as YamlNode);
      values[k] = pair.value as YamlNode;
    }
    const p = values[main];
    if (!isScalar(p) || typeof p.value !== 'string') fail(`${section}: "${main}" must be a string`, p ?? node);
    const r = values['reason'];
    if (r !== undefined && (!isScalar(r) || typeof r.value !== 'string')) fail(`${section}: "reason" must be a string`, r ?? node);
    return { pattern: String((p as { value: string }).value), reason: r ? String((r as { value: string }).value) : undefined, source, values, node: p as YamlNode };
  };

  for (const pair of (root as YAMLMap).items) {
    const keyNode = pair.key as YamlNode;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const value = pair.value as YamlNode | null;
    if (!['paths', 'config', 'stages'].includes(key)) fail(`unknown key "${key}" (known: paths, config, stages)`, keyNode);
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isSeq(value)) fail(`${key}: expected a list`, value ?? keyNode);
    for (const node of (value as YAMLSeq).items as YamlNode[]) {
      if (key === 'paths') {
        const it = item(node, 'paths', 'path', ['change']);
        const pat = it.pattern.trim();
        const bad = checkPathPattern(pat);
        if (bad) fail(`paths: ${bad}`, it.node ?? node);
        let changes: Change[] | undefined;
        const c = it.values['change'];
        if (c !== undefined) {
          const list = isSeq(c) ? (c.items as YamlNode[]) : [c];
          changes = list.map((n) => {
            const v = isScalar(n) ? String(n.value) : '';
            if (!CHANGES.includes(v as Change)) fail(`paths: change must be added, removed or changed, got "${v}"`, n);
            return v as Change;
          });
        }
        entries.push({
          kind: 'path', pattern: pat, regex: globToRegex(normalisePattern(pat)), source: it.source,
          ...(changes ? { changes } : {}), ...(it.reason ? { reason: it.reason } : {}),
        });
      } else if (key === 'config') {
        const it = item(node, 'config', 'field', []);
        const parsed = parseConfigPattern(it.pattern);
        if ('error' in parsed) fail(`config: ${parsed.error}`, it.node ?? node);
        const ok = parsed as { field: ConfigField; key?: string };
        entries.push({
          kind: 'config', pattern: it.pattern.trim(), field: ok.field, source: it.source,
          ...(ok.key ? { key: keyRegex(ok.key) } : {}), ...(it.reason ? { reason: it.reason } : {}),
        });
      } else {
        const it = item(node, 'stages', 'stage', []);
        const name = it.pattern.trim();
        if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) fail(`stages: "${name}" is not a stage name`, it.node ?? node);
        entries.push({ kind: 'stage', pattern: name, stage: name.toLowerCase(), source: it.source, ...(it.reason ? { reason: it.reason } : {}) });
      }
    }
  }
  return { entries };
}

/** Reads and parses an allow-list file; a missing or unreadable file is an input error. */
export async function loadAllowList(file: string, displayName = file): Promise<AllowList> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot read the allow-list: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, displayName);
  }
  return parseAllowList(text, displayName);
}

/**
 * Paths the runtime creates as mount points when a RUN step runs on a base image without them
 * (measured on BuildKit v0.8: empty `/dev`, `/proc`, `/sys`, 0755 root). Every container mounts
 * over them, so whether the image holds them empty changes nothing a container can see; an image
 * made with RUN in its final stage has them and one assembled with COPY --from has not.
 */
export const MOUNT_POINTS: readonly string[] = ['/dev', '/proc', '/sys'];

const BUILTIN_REASON = 'mount point the runtime makes for RUN; every container mounts over it';

function builtinAllowance(d: Difference): Allowance | undefined {
  if (d.kind !== 'file' || d.change === 'changed' || !MOUNT_POINTS.includes(d.path)) return undefined;
  const facts = d.before ?? d.after;
  return facts?.type === 'dir' ? { builtin: true, reason: BUILTIN_REASON } : undefined;
}

function entryMatches(e: AllowEntry, d: Difference): boolean {
  switch (e.kind) {
    case 'path':
      return d.kind === 'file' && e.regex.test(d.path) && (!e.changes || e.changes.includes(d.change));
    case 'config':
      return d.kind === 'config' && d.field === e.field && (!e.key || (d.key !== undefined && e.key.test(d.key)));
    case 'stage':
      return d.kind === 'stage' && d.stage === e.stage;
  }
}

/** The allowance for a difference: the built-in one, or the first entry that matches, or none. */
export function allowanceFor(d: Difference, list: AllowList | undefined): Allowance | undefined {
  const builtin = builtinAllowance(d);
  if (builtin) return builtin;
  const entry = list?.entries.find((e) => entryMatches(e, d));
  if (!entry) return undefined;
  return { entry, builtin: false, reason: entry.reason ?? `allowed by ${entry.source ? `${entry.source}: ` : ''}${entry.pattern}` };
}

export interface Split {
  differences: Difference[];
  allowed: (Difference & { allowance: Allowance })[];
}

/**
 * Splits differences into those that count and those allowed; `used` collects the entries that
 * allowed something. Each path is matched on its own: an allowed directory does not allow what
 * is under it unless the pattern matches that too (`/a/**` does, `/a` does not).
 */
export function applyAllowList(diffs: readonly Difference[], list: AllowList | undefined, used?: Set<AllowEntry>): Split {
  const out: Split = { differences: [], allowed: [] };
  for (const d of diffs) {
    const a = allowanceFor(d, list);
    if (a) {
      if (a.entry) used?.add(a.entry);
      out.allowed.push({ ...d, allowance: a });
    } else out.differences.push(d);
  }
  return out;
}
