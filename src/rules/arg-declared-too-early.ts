import { defineRule, stepCost } from './define.js';
import { runAnalysis } from './shared.js';
import type { Range } from '../core/ranges.js';
import type { BuildGraph, Stage, Step } from '../graph/graph.js';

/**
 * An ARG with a value, or an ENV, is in the environment of every later RUN of its stage (and of
 * the stages built FROM it), so changing it re-runs every RUN after it, used or not (BuildKit
 * keys a RUN by its environment; see cache/invalidation.ts). Declared just before the first
 * step that reads it, a change re-runs only that step and what follows it.
 */
export default defineRule({
  meta: {
    name: 'arg-declared-too-early',
    category: 'arg-scope',
    severity: 'info',
    description: 'An ARG or ENV is declared well before the first step that reads it, so changing its value re-runs the steps in between for nothing.',
    fix: null,
    messages: {
      early: '{{kind}} {{name}} is first read at line {{useLine}}, but a change to it re-runs {{count}} step{{s}} before that (line{{s}} {{lines}}); {{verb}} it just before line {{useLine}}',
      unused: '{{kind}} {{name}} is read by no later build step, but a change to it re-runs {{count}} step{{s}} (line{{s}} {{lines}}); {{advice}}',
    },
  },
  check(ctx) {
    const minSteps = typeof ctx.options.minSteps === 'number' ? ctx.options.minSteps : 2;
    const minSeconds = typeof ctx.options.minSeconds === 'number' ? ctx.options.minSeconds : 1;
    for (const stage of ctx.graph.stages) {
      if (!stage.needed) continue;
      for (const decl of stage.steps) {
        for (const d of declarations(decl)) {
          const r = waste(ctx.graph, stage, decl, d.name);
          if (!r || !r.steps.length) continue;
          const cost = stepCost(ctx.durations, r.steps);
          if (r.steps.length < minSteps && cost.seconds < minSeconds) continue;
          const n = r.steps.length;
          const common = { kind: decl.keyword, name: d.name, count: n, s: n === 1 ? '' : 's', lines: lineList(r.steps) };
          if (r.user) {
            ctx.report({
              messageId: 'early',
              data: { ...common, useLine: r.user.line, verb: decl.keyword === 'ARG' ? 'declare' : 'set' },
              range: d.range,
              cost: { rebuild_s: cost.seconds, basis: cost.basis },
            });
          } else {
            ctx.report({
              messageId: 'unused',
              data: {
                ...common,
                advice: decl.keyword === 'ARG'
                  ? 'remove it, or declare it where a step reads it'
                  : 'if only the running container needs it, set it after the last build step of the image',
              },
              range: d.range,
              cost: { rebuild_s: cost.seconds, basis: cost.basis },
            });
          }
        }
      }
    }
  },
});

/** The variables an ARG (with a value in force) or an ENV puts into later RUN steps' environment. */
function declarations(step: Step): { name: string; range: Range }[] {
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
const TOOL_VARIABLES = new RegExp(
  '^(' + [
    'PATH', 'HOME', 'USER', 'SHELL', 'TERM', 'TZ', 'TMPDIR', 'LANG', 'LANGUAGE', 'LC_\\w+', 'LD_\\w+', '\\w+_PROXY', '\\w+_proxy',
    'DEBIAN_FRONTEND', 'DEBCONF_\\w+', 'APT_\\w+', 'PIP_\\w+', 'UV_\\w+', 'PYTHON[A-Z]+', 'VIRTUAL_ENV', 'CONDA_\\w+',
    'NPM_CONFIG_\\w+', 'npm_config_\\w+', 'NODE_ENV', 'NODE_OPTIONS', 'NODE_PATH', 'YARN_\\w+', 'GO[A-Z0-9]+', 'CGO_\\w+',
    'CARGO_\\w+', 'RUSTUP_\\w+', 'RUSTFLAGS', 'RUSTC_\\w+', 'JAVA_\\w+', 'MAVEN_\\w+', 'GRADLE_\\w+', 'CC', 'CXX', 'CPP',
    'CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS', 'MAKEFLAGS', 'PKG_CONFIG_\\w+', 'SSL_CERT_\\w+', 'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE', 'GIT_\\w+', 'SOURCE_DATE_EPOCH',
  ].join('|') + ')$',
);

/** Package managers of the system: they read their own settings, not a build's variables. */
const SYSTEM_INSTALLS = new Set(['apt-get install', 'apt-get upgrade', 'dpkg -i', 'apk add', 'yum install']);
/** Known file commands that do read the environment or run other code: `env > f`, `awk 'ENVIRON[...]'`, `. ./env.sh`. */
const READS_ENVIRONMENT = new Set(['env', 'printenv', 'awk', 'gawk', 'mawk', 'source', '.', 'eval']);

/**
 * Whether a step may read the variable: its words name it (`$NAME`, `${NAME...}`; for a RUN
 * the script itself, here-documents included), it sets the same variable again, or it runs a
 * program that may read its environment unseen: a script, a build tool, a language package
 * install (setup.py reads `MAX_JOBS`), anything the shell analysis does not know.
 */
function reads(step: Step, name: string): boolean {
  if (step.uses.includes(name)) return true;
  const inst = step.instruction;
  if (inst.keyword === 'ARG' && inst.decls.some((d) => d.key.raw === name)) return true;
  if (inst.keyword === 'ENV' && inst.pairs.some((p) => p.key.raw === name)) return true;
  if (inst.keyword !== 'RUN') return false;
  const text = [inst.text, ...inst.heredocs.map((h) => h.content)].join('\n');
  if (new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])`).test(text)) return true;
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
function inScope(step: Step, name: string): boolean {
  return step.scope.args.has(name) || step.scope.env.has(name);
}

/**
 * A declaration that overrides one already in force is not reported (the first one is); an
 * `ENV NAME=$NAME` over an ARG is, since the ENV is what later steps see.
 */
function redeclares(decl: Step, name: string): boolean {
  return decl.scope.env.has(name) || (decl.keyword === 'ARG' && decl.scope.args.has(name));
}

/**
 * The steps a change of the variable re-runs before the first step that may read it, in the
 * declaring stage after the declaration and then in the stages built FROM it (in file order),
 * and that first reader (null when no later step reads it).
 */
function waste(graph: BuildGraph, stage: Stage, decl: Step, name: string): { steps: Step[]; user: Step | null } | null {
  if (TOOL_VARIABLES.test(name) || redeclares(decl, name)) return null;
  // Built on a stage whose FROM reads it (a global ARG re-declared): the whole stage re-runs anyway.
  for (let s: Stage | undefined = stage; s; s = s.base.kind === 'stage' ? graph.stages[s.base.stage] : undefined) {
    if (s.steps[0].uses.includes(name)) return null;
  }
  const inherits = new Set([stage.index]);
  const endsRebuilt = new Map<number, boolean>();
  const steps: Step[] = [];
  for (const s of graph.stages) {
    if (s.index < stage.index || !s.needed) continue;
    let rebuilt = false;
    let body = s.steps.slice(1);
    if (s.index === stage.index) body = s.steps.filter((x) => x.position > decl.position);
    else if (s.base.kind === 'stage' && inherits.has(s.base.stage)) {
      inherits.add(s.index);
      rebuilt = endsRebuilt.get(s.base.stage) ?? false;
    } else continue;
    for (const step of body) {
      if (reads(step, name)) return { steps, user: step };
      if (!step.executes) continue;
      // The first RUN that has it in its environment re-runs; every step after it follows.
      if (!rebuilt && step.keyword === 'RUN' && inScope(step, name)) rebuilt = true;
      if (rebuilt) steps.push(step);
    }
    endsRebuilt.set(s.index, rebuilt);
  }
  return { steps, user: null };
}

/** `36, 42` or `19–62` for a long list. */
function lineList(steps: Step[]): string {
  const lines = steps.map((s) => s.line);
  return lines.length > 4 ? `${lines[0]}–${lines[lines.length - 1]}` : lines.join(', ');
}
