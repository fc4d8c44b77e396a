/**
 * Which build steps may read a build variable (an ARG or ENV): the question behind both the
 * arg-declared-too-early rule (where a declaration costs rebuilds) and the arg-scope transform
 * (where it can move without changing what any step sees). Conservative by design: a step that
 * runs a program the shell analysis cannot see into counts as a reader.
 */
import type { Range } from '../core/ranges.js';
import type { Step } from '../graph/graph.js';
import { runAnalysis } from './run-analysis.js';

/** The variables an ARG (with a value in force) or an ENV puts into later RUN steps' environment. */
export function declarations(step: Step): { name: string; range: Range }[] {
  const inst = step.instruction;
  if (inst.keyword === 'ARG') {
    // An ARG without a value (none given, no global default) is not in the environment.
    return inst.decls
      .filter((d) => typeof step.expanded[d.key.raw] === 'string')
      .map((d) => ({ name: d.key.raw, range: { start: d.key.range.start, end: (d.value ?? d.key).range.end } }));
  }
  if (inst.keyword === 'ENV') return inst.pairs.map((p) => ({ name: p.key.raw, range: { start: p.key.range.start, end: (p.value ?? p.key).range.end } }));
  return [];
}

/**
 * Variables that programs read by themselves (PATH, proxies, compiler flags, package-manager
 * settings): every step may read them, so no placement of theirs is too early.
 */
export const TOOL_VARIABLES = new RegExp(
  '^(' + [
    'PATH', 'HOME', 'USER', 'SHELL', 'TERM', 'TZ', 'TMPDIR', 'LANG', 'LANGUAGE', 'LC_\\w+', 'LD_\\w+', '\\w+_PROXY', '\\w+_proxy',
    'DEBIAN_FRONTEND', 'DEBCONF_\\w+', 'APT_\\w+', 'PIP_\\w+', 'UV_\\w+', 'PYTHON[A-Z]+', 'VIRTUAL_ENV', 'CONDA_\\w+',
    'NPM_CONFIG_\\w+', 'npm_config_\\w+', 'NODE_ENV', 'NODE_OPTIONS', 'NODE_PATH', 'YARN_\\w+', 'GO[A-Z0-9]+', 'CGO_\\w+',
    'CARGO_\\w+', 'RUSTUP_\\w+', 'RUSTFLAGS', 'RUSTC_\\w+', 'JAVA_\\w+', 'MAVEN_\\w+', 'GRADLE_\\w+', 'CC', 'CXX', 'CPP',
    'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS', 'MAKEFLAGS', 'PKG_CONFIG_\\w+', 'SSL_CERT_\\w+', 'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE', 'GIT_\\w+', 'SOURCE_DATE_EPOCH',
  ].join('|') + ')$',
);

/**
 * Build args that CI passes anew for every commit or build (`--build-arg GIT_SHA=$(git
 * rev-parse HEAD)`): commit ids, build dates and numbers, versions given from outside. Only
 * names with no default (or a placeholder one) count: `VERSION=1.2.3` is the file's own.
 */
const PER_COMMIT_NAMES = new RegExp(
  '^(' + [
    '(GIT|VCS|SOURCE|BUILD|CI|CI_COMMIT|GITHUB|BUILD_COMMIT|APP|IMAGE)?_?(COMMIT|SHA|COMMIT_SHA|COMMIT_HASH|COMMIT_ID|COMMIT_REF|GIT_SHA|REVISION|REV|HASH|REF|DESCRIBE)',
    '(BUILD|CI)_?(DATE|TIME|TIMESTAMP|NUMBER|ID|VERSION)', 'BUILDTIME', '(APP|IMAGE|RELEASE|PACKAGE|BUILD)?_?VERSION',
  ].join('|') + ')$',
  'i',
);
const PLACEHOLDER = /^(|unknown|unset|none|null|dev|devel|development|local|HEAD|latest|main|master|0|0\.0\.0|snapshot|undefined|n\/a|-)$/i;

/** Whether an ARG is one that CI sets per commit: named so, with no default or a placeholder one. */
export function isPerCommitArg(name: string, defaultValue: string | undefined): boolean {
  return PER_COMMIT_NAMES.test(name) && (defaultValue === undefined || PLACEHOLDER.test(defaultValue));
}

/** Package managers of the system: they read their own settings, not a build's variables. */
const SYSTEM_INSTALLS = new Set(['apt-get install', 'apt-get upgrade', 'dpkg -i', 'apk add', 'yum install']);
/** Known file commands that do read the environment or run other code: `env > f`, `awk 'ENVIRON[...]'`, `. ./env.sh`. */
const READS_ENVIRONMENT = new Set(['env', 'printenv', 'awk', 'gawk', 'mawk', 'source', '.', 'eval']);

/**
 * `$NAME` or `${NAME…` in a text, NAME taken literally: an ARG's name can hold any character
 * (`ARG [X`), and such a name is never read by `$`, but it must not break the pattern.
 */
export function variableReference(name: string): RegExp {
  return new RegExp(`\\$\\{?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
}

/**
 * Whether a step may read the variable: its words name it (`$NAME`, `${NAME...}`; for a RUN
 * the script itself, here-documents included), it sets the same variable again, or it runs a
 * program that may read its environment unseen: a script, a build tool, a language package
 * install (setup.py reads `MAX_JOBS`), anything the shell analysis does not know.
 */
export function reads(step: Step, name: string): boolean {
  if (step.uses.includes(name)) return true;
  const inst = step.instruction;
  if (inst.keyword === 'ARG' && inst.decls.some((d) => d.key.raw === name)) return true;
  if (inst.keyword === 'ENV' && inst.pairs.some((p) => p.key.raw === name)) return true;
  if (inst.keyword !== 'RUN') return false;
  const text = [inst.text, ...inst.heredocs.map((h) => h.content)].join('\n');
  if (variableReference(name).test(text)) return true;
  return mayReadEnvironment(step);
}

/**
 * Whether a RUN runs a program that may read its environment unseen: a script, a build tool,
 * a language package install, anything the shell analysis does not know.
 */
export function mayReadEnvironment(step: Step): boolean {
  if (step.instruction.keyword !== 'RUN') return false;
  const a = runAnalysis(step);
  if (!a || a.error) return true;
  return a.activities.some((x) => {
    if (x.kind === 'other' || x.kind === 'compile') return true;
    if (x.kind === 'install') return !SYSTEM_INSTALLS.has(x.rule);
    if (x.kind === 'file') return READS_ENVIRONMENT.has(x.rule) || (['set', 'export', 'declare', 'typeset'].includes(x.rule) && a.commands[x.command].args.every((w) => w.value === '-p'));
    return false;
  });
}

/** Whether the variable is in the step's environment (an ENV of the same name hides an ARG). */
export function inScope(step: Step, name: string): boolean {
  return step.scope.args.has(name) || step.scope.env.has(name);
}

/**
 * A declaration that overrides one already in force is not reported (the first one is); an
 * `ENV NAME=$NAME` over an ARG is, since the ENV is what later steps see.
 */
export function redeclares(decl: Step, name: string): boolean {
  return decl.scope.env.has(name) || (decl.keyword === 'ARG' && decl.scope.args.has(name));
}

/** Every variable an ARG or ENV line declares, with a value or without. */
export function declaredNames(step: Step): string[] {
  const inst = step.instruction;
  if (inst.keyword === 'ARG') return inst.decls.map((d) => d.key.raw);
  if (inst.keyword === 'ENV') return inst.pairs.map((p) => p.key.raw);
  return [];
}
