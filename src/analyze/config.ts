/**
 * `.layerwise.yaml`: which rules run and how loud, when `analyze` fails, how to scale time,
 * and extra change classes. Validated with located errors (exit 2), never guessed at.
 *
 *   rules:
 *     broad-copy-before-expensive-steps: off          # or error | warning | info
 *     manifest-first-install: { severity: error }
 *   fail-on: warning                                    # lowest severity that makes exit 1 (default: error; none: never)
 *   max-rebuild-minutes: 5                              # exit 1 when a source edit rebuilds longer
 *   time-scale: 60                                      # one measured second stands for this many
 *   changes:                                            # change classes beyond the detected ones
 *     - { name: "model code", paths: ["python/models/x.py"] }
 *   docs-url: https://docs.example.com/layerwise/rules/ # where reports link each rule's page
 */
import { PAID_ON, type PaidOn } from '../rules/define.js';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { configHome } from '../core/xdg.js';
import { displayPath } from '../core/display-path.js';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Severity } from '../rules/define.js';

export const CONFIG_FILE = '.layerwise.yaml';

/** The lowest severity whose findings make analyze exit 1; `none`: findings never do (hadolint's `--failure-threshold none`). */
export type FailOn = Severity | 'none';
export const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'none'];

export interface Config {
  rules: Record<string, { enabled: boolean; severity?: Severity; options: Record<string, unknown> }>;
  failOn: FailOn;
  maxRebuildMinutes: number | null;
  timeScale: number;
  changes: { name: string; paths: string[] }[];
  /** How many times a day each kind of event happens: findings rank by seconds × this (docs/analyze.md). */
  frequency: Record<PaidOn, number>;
  /** The folder URL of the rule pages: a rule's page is `<docsUrl><rule>.md` (SARIF helpUri, codeclimate, checkstyle). */
  docsUrl: string;
}

/** The rule pages of the released project (docs/rules/ on GitHub); `docs-url` or `--docs-url` points elsewhere (a mirror, an internal wiki). */
export const DEFAULT_DOCS_URL = 'https://github.com/layerwise/layerwise/blob/main/docs/rules/';

/**
 * A docs base URL as given by a user: absolute (http, https or file), ending in `/` so that a
 * rule's page resolves inside it. `undefined` when it is not an absolute URL.
 */
export function normalizeDocsUrl(text: string): string | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:', 'file:'].includes(u.protocol)) return undefined;
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.href;
}

/**
 * Times a day, by default: a developer edits source many times a day and builds on each; a
 * manifest changes about daily, a cold build (a new CI runner, a pruned cache) about as
 * often; a build arg or base image changes every week or so; the one ENV line a finding is
 * about is edited almost never. Every build (a per-commit arg) is as often as a source edit.
 */
export const DEFAULT_FREQUENCY: Record<PaidOn, number> = {
  build: 20, 'source-edit': 20, 'cold-build': 1, 'manifest-change': 1, 'arg-change': 0.2, 'base-change': 0.2, 'line-edit': 0.02,
};

export function defaultConfig(): Config {
  return { rules: {}, failOn: 'error', maxRebuildMinutes: null, timeScale: 1, changes: [], frequency: { ...DEFAULT_FREQUENCY }, docsUrl: DEFAULT_DOCS_URL };
}

const SEVERITIES = ['error', 'warning', 'info'];

/**
 * Parses a config. `ruleOptions` gives, per rule, the option names it takes (its metadata's
 * `options`): a key a rule does not take is an error at that key, as a misspelled top-level key
 * is. Without it, option names are not checked.
 */
export function parseConfig(text: string, file: string, knownRules: ReadonlySet<string>, ruleOptions?: ReadonlyMap<string, readonly string[]>): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (node: YamlNode | null | undefined) => {
    const offset = node?.range?.[0] ?? 0;
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const fail = (message: string, node?: YamlNode | null): never => {
    throw new InputError(message, file, at(node));
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const p = lc.linePos(e.pos[0]);
    throw new InputError(`invalid YAML: ${e.message.split('\n')[0]}`, file, { line: p.line, column: p.col });
  }
  const cfg = defaultConfig();
  const root = doc.contents;
  if (root === null || root === undefined) return cfg;
  if (!isMap(root)) fail('the config must be a mapping of keys to values', root as YamlNode);
  for (const pair of (root as import('yaml').YAMLMap).items) {
    const keyNode = pair.key as YamlNode;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const value = pair.value as YamlNode | null;
    switch (key) {
      case 'rules': {
        if (!isMap(value)) fail('rules: expected a mapping of rule names', value ?? keyNode);
        for (const r of (value as import('yaml').YAMLMap).items) {
          const nameNode = r.key as YamlNode;
          const name = isScalar(nameNode) ? String(nameNode.value) : '';
          if (!knownRules.has(name)) fail(`unknown rule "${name}" (see layerwise analyze --list-rules)`, nameNode);
          const v = r.value as YamlNode | null;
          if (isScalar(v)) {
            const s = String(v.value);
            if (s === 'off') cfg.rules[name] = { enabled: false, options: {} };
            else if (SEVERITIES.includes(s)) cfg.rules[name] = { enabled: true, severity: s as Severity, options: {} };
            else fail(`rules.${name}: expected off, error, warning or info, got "${s}"`, v);
          } else if (isMap(v)) {
            const takes = ruleOptions?.get(name) ?? [];
            for (const o of (v as import('yaml').YAMLMap).items) {
              const k = isScalar(o.key) ? String((o.key as import('yaml').Scalar).value) : '';
              if (ruleOptions && k !== 'severity' && k !== 'enabled' && !takes.includes(k)) {
                fail(`rules.${name}: unknown key "${k}" (known: ${['severity', 'enabled', ...takes].join(', ')})`, o.key as YamlNode);
              }
            }
            const obj = v.toJSON() as Record<string, unknown>;
            const { severity, enabled, ...options } = obj;
            if (severity !== undefined && !SEVERITIES.includes(String(severity))) fail(`rules.${name}.severity: expected error, warning or info`, v);
            cfg.rules[name] = { enabled: enabled !== false, severity: severity as Severity | undefined, options };
          } else fail(`rules.${name}: expected off, a severity, or a mapping`, v ?? nameNode);
        }
        break;
      }
      case 'fail-on': {
        const s = isScalar(value) ? String(value.value) : '';
        if (!(FAIL_ON as readonly string[]).includes(s)) fail(`fail-on: expected ${FAIL_ON.join(', ')}`, value ?? keyNode);
        cfg.failOn = s as FailOn;
        break;
      }
      case 'max-rebuild-minutes':
      case 'time-scale': {
        const n = isScalar(value) ? Number(value.value) : NaN;
        if (!(n > 0)) fail(`${key}: expected a positive number`, value ?? keyNode);
        if (key === 'time-scale') cfg.timeScale = n;
        else cfg.maxRebuildMinutes = n;
        break;
      }
      case 'changes': {
        if (!isSeq(value)) fail('changes: expected a list of { name, paths }', value ?? keyNode);
        for (const item of (value as import('yaml').YAMLSeq).items as YamlNode[]) {
          const obj = isMap(item) ? (item.toJSON() as { name?: unknown; paths?: unknown }) : null;
          if (!obj || typeof obj.name !== 'string' || !Array.isArray(obj.paths) || !obj.paths.every((p) => typeof p === 'string') || obj.paths.length === 0) {
            fail('changes: each item needs a name and a non-empty list of paths', item);
          }
          cfg.changes.push({ name: obj!.name as string, paths: obj!.paths as string[] });
        }
        break;
      }
      case 'frequency': {
        if (!isMap(value)) fail(`frequency: expected a mapping of ${PAID_ON.join(', ')} to times a day`, value ?? keyNode);
        for (const r of (value as import('yaml').YAMLMap).items) {
          const k = isScalar(r.key) ? String((r.key as { value: unknown }).value) : '';
          if (!(PAID_ON as readonly string[]).includes(k)) fail(`frequency: unknown event "${k}" (known: ${PAID_ON.join(', ')})`, r.key as YamlNode);
          const n = isScalar(r.value) ? Number((r.value as { value: unknown }).value) : NaN;
          if (!(n >= 0)) fail(`frequency.${k}: expected a number of times a day (0 or more)`, (r.value as YamlNode) ?? (r.key as YamlNode));
          cfg.frequency[k as PaidOn] = n;
        }
        break;
      }
      case 'docs-url': {
        const url = isScalar(value) && typeof value.value === 'string' ? normalizeDocsUrl(value.value) : undefined;
        if (!url) fail('docs-url: expected an absolute http(s) or file URL', value ?? keyNode);
        cfg.docsUrl = url!;
        break;
      }
      default:
        fail(`unknown key "${key}" (known: rules, fail-on, max-rebuild-minutes, time-scale, changes, frequency, docs-url)`, keyNode);
    }
  }
  return cfg;
}

/**
 * Where a config is looked for when none is named, first found wins, as hadolint looks: the
 * working directory's `.layerwise.yaml` (the project's, kept in the repository), then the
 * user's `$XDG_CONFIG_HOME/layerwise/config.yaml` (`~/.config/...`: one person's defaults
 * for every project). They are not merged: a project config says all it means.
 */
export function configCandidates(projectDirs: string | readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = typeof projectDirs === 'string' ? [projectDirs] : projectDirs;
  return [...dirs.map((d) => path.join(d, CONFIG_FILE)), path.join(configHome(env), 'layerwise', 'config.yaml')];
}

/** The config file to read: `explicit` (--config, LAYERWISE_CONFIG) when given, else the first of {@link configCandidates} that is a file. */
export async function findConfig(explicit: string | undefined, projectDirs: string | readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (explicit !== undefined) return explicit;
  for (const file of configCandidates(projectDirs, env)) {
    try {
      // Shown as the user sees it: relative to the working directory when it is inside it.
      if ((await stat(file)).isFile()) return displayPath(file);
    } catch {
      // Not there: the next place.
    }
  }
  return undefined;
}

/** Reads the config file when there is one; a missing file is the defaults. */
export async function loadConfig(file: string, knownRules: ReadonlySet<string>, required = false, ruleOptions?: ReadonlyMap<string, readonly string[]>): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !required) return defaultConfig();
    throw new InputError(`cannot read config: ${(e as Error).message}`, file);
  }
  return parseConfig(text, file, knownRules, ruleOptions);
}
