/**
 * Questions several rules ask of the model: which COPY brings in (most of) the source, and
 * what a RUN reads from the files copied into the image.
 */
import path from 'node:path';
import { isManifestPath } from '../context/source-classes.js';
import { contextPath } from '../cache/changes.js';
import type { BuildContext } from '../context/index.js';
import type { BuildGraph, Stage, Step } from '../graph/graph.js';
import { sourceFlow, type Landing } from '../cache/source-flow.js';
import { ACTIVITY_RULES, resolveWord, type RunAnalysis, type ShellWord, type SimpleCommand } from '../shell/index.js';
import { managerArgv, managerOf } from '../shell/package-managers.js';
import { runAnalysis } from '../shell/run-analysis.js';
import { blindEffects, stepEffects } from '../shell/effects.js';
import { LineIndex, type Range } from '../core/ranges.js';
import type { Dockerfile, Mount, RunInstruction } from '../dockerfile/model.js';
import { Lexer } from '../dockerfile/lexer.js';
import type { Span } from '../shell/index.js';
import { isPerCommitArg, variableReference } from '../shell/variables.js';

/**
 * The steps that bring the whole context, or most of it, into a stage: a COPY/ADD of `.` (or
 * `/`), or of a selection holding at least half of the context's files (when there is a
 * context to look at), and a COPY --from of a stage such a copy reached (`FROM scratch AS
 * src` + `COPY . /src`, then `COPY --from=src /src /app`): the source flow says where the
 * copy lands, and a copy of it is treated like a copy made there.
 */
export function broadCopies(graph: BuildGraph, context?: BuildContext): Step[] {
  return sourceCopies(graph, context).map((c) => c.step);
}

/** A step that brings (most of) the context into its stage, with where its files land. */
export interface SourceCopy {
  step: Step;
  /** The landings it brings (one per source); the broad one first. */
  landings: Landing[];
  /** It brings the whole context, not only most of it. */
  whole: boolean;
}

const sourceCopiesOf = new WeakMap<BuildGraph, Map<BuildContext | undefined, SourceCopy[]>>();

/** {@link broadCopies} with their landings (worked out once per graph and context). */
export function sourceCopies(graph: BuildGraph, context?: BuildContext): SourceCopy[] {
  let byContext = sourceCopiesOf.get(graph);
  if (!byContext) sourceCopiesOf.set(graph, (byContext = new Map()));
  const known = byContext.get(context);
  if (known) return known;
  const total = context?.entries.filter((e) => e.type === 'file').length ?? 0;
  const flow = sourceFlow(graph, context);
  const out: SourceCopy[] = [];
  for (const stage of graph.stages) {
    if (!stage.needed) continue;
    for (const step of stage.steps) {
      if (step.keyword !== 'COPY' && step.keyword !== 'ADD') continue;
      const landings = flow.brought(step);
      if (!landings.length) continue;
      const whole = landings.some((l) => l.root === '.' && !l.source.exclude.length && l.source.paths.some((p) => contextPath(p) === '.'));
      let most = false;
      if (!whole && context && total >= 4) {
        const files = new Set<string>();
        for (const l of landings) {
          const sel = context.select(l.source.paths, { exclude: l.source.exclude }).files.map((f) => f.path);
          for (const f of flow.carries(l, sel)) files.add(f);
        }
        // A copy of manifests alone (`COPY package.json yarn.lock ./`) is the manifest-first
        // layout itself, however small the rest of the context is.
        most = files.size * 2 >= total && ![...files].every(isManifestPath);
      }
      if (whole || most) out.push({ step, landings: [...landings].sort((a, b) => a.root.length - b.root.length), whole });
    }
  }
  byContext.set(context, out);
  return out;
}

/** Executing steps after `step` in its stage. */
export function stepsAfter(graph: BuildGraph, step: Step): Step[] {
  return graph.stages[step.stage].steps.filter((s) => s.executes && s.position > step.position);
}

export { runAnalysis };

/** A RUN's cache mount, with its target made absolute. */
export interface CacheMount {
  /** `~` and a relative target read as BuildKit does: against the working directory. */
  target: string;
  mount: Mount;
}

/** The cache mounts of a RUN, targets expanded (in the graph) and absolute. */
export function cacheMounts(step: Step): CacheMount[] {
  if (step.instruction.keyword !== 'RUN') return [];
  const inst = step.instruction;
  // The graph's expanded mounts are in the instruction's order.
  const expanded = Array.isArray(step.expanded.mounts) ? step.expanded.mounts : [];
  const out: CacheMount[] = [];
  expanded.forEach((m, i) => {
    if (!/(?:^|,)type=cache(?:,|$)/.test(m)) return;
    const t = /(?:^|,)(?:target|dst|destination)=([^,]+)/.exec(m)?.[1];
    if (t) out.push({ target: path.posix.resolve(step.scope.workdir, t), mount: inst.mounts[i] });
  });
  return out;
}

/**
 * Where the files a copy brought are when `step` runs: the copy's landings still present
 * there, and those a RUN since moved elsewhere (`cp -r /tmp/src /app`), as context root and
 * image path. Falls back to the copy's destination as the context's root.
 */
export function copyRoots(graph: BuildGraph, step: Step, copy: Step, context?: BuildContext): { root: string; at: string }[] {
  const flow = sourceFlow(graph, context);
  const out = flow.reaching(step).filter((l) => l.hops.some((h) => h.step === copy)).map((l) => ({ root: l.root, at: l.at }));
  if (out.length) return out;
  const dest = String(copy.expanded.dest ?? '');
  return [{ root: '.', at: dest.startsWith('/') ? path.posix.normalize(dest) : path.posix.join(copy.scope.workdir, dest) }];
}

/**
 * Context-relative paths a RUN names in its words that the copy brought in: an operand like
 * `python/pyproject.toml` or `gateway/src/main.rs` run from where the copy's files are
 * (followed through `cd DIR` at the top level of the script).
 */
export function pathsNamed(graph: BuildGraph, step: Step, copy: Step, context?: BuildContext): string[] {
  const a = runAnalysis(step);
  if (!a) return [];
  const roots = copyRoots(graph, step, copy, context);
  const out = new Set<string>();
  let cwd: string | null = step.scope.workdir;
  for (const c of a.commands) {
    for (const w of [c.name, ...c.args]) {
      const v = w.value;
      if (!v || v.startsWith('-') || v.includes('$')) continue;
      for (const base of new Set([step.scope.workdir, cwd])) {
        if (base === null && !v.startsWith('/')) continue;
        const abs = v.startsWith('/') ? path.posix.normalize(v) : path.posix.join(base!, v);
        for (const r of roots) {
          const rel = path.posix.relative(r.at, abs);
          if (!rel || rel.startsWith('..') || path.posix.isAbsolute(rel)) continue;
          const p = r.root === '.' ? rel : `${r.root}/${rel}`;
          // Words that are not files of the context (grep patterns, messages) are not paths it reads.
          const exists = context ? !!context.get(p) : /[/.]/.test(rel);
          if (exists) out.add(p);
        }
      }
    }
    if (c.name.value === 'cd') {
      const to = c.args.find((w) => !w.value.startsWith('-'));
      cwd = to && !/[$`]/.test(to.value) && cwd !== null ? path.posix.resolve(cwd, to.value) : null;
    }
  }
  return [...out];
}

/** Whether a path names a dependency manifest or lockfile. */
export function isManifest(p: string): boolean {
  return isManifestPath(p);
}

const lineIndexes = new WeakMap<Dockerfile, LineIndex>();
function lineIndex(file: Dockerfile): LineIndex {
  let x = lineIndexes.get(file);
  if (!x) lineIndexes.set(file, (x = new LineIndex(file.source)));
  return x;
}

/**
 * Maps offsets of a shell-form RUN's script (BuildKit's joined line: continuations and
 * comment lines removed) back to offsets of the Dockerfile, by joining the instruction's
 * lines again with the parser's own lexer, which keeps a source map.
 */
function scriptOffsets(file: Dockerfile, inst: RunInstruction): ((o: number, end: boolean) => number) | undefined {
  if (inst.command.form !== 'shell') return undefined;
  const raw = inst.command.script.raw;
  // The lexer learns a backtick escape only from the directive, so it is given one.
  const prefix = file.escape === '`' ? '# escape=`\n' : '';
  const start = inst.range.start.offset;
  const line = new Lexer(prefix + file.source.slice(start, inst.range.end.offset), file.file).next();
  if (!line) return undefined;
  const at = prefix.length + inst.command.script.range.start.offset - start;
  let j0 = -1;
  for (let j = line.text.indexOf(raw); j >= 0; j = line.text.indexOf(raw, j + 1)) {
    if (line.map.start(j) === at) {
      j0 = j;
      break;
    }
  }
  if (j0 < 0) return undefined;
  return (o, end) => (end ? line.map.end(j0 + o) : line.map.start(j0 + o)) - prefix.length + start;
}

/**
 * Where a span of a RUN's analysed script ({@link runAnalysis}) is in the Dockerfile: on the
 * instruction's lines, or in a here-document body. Falls back to the whole instruction (or,
 * for the exec form, its JSON array) when the span cannot be placed.
 */
export function runRange(file: Dockerfile, step: Step, span: Span): Range {
  const inst = step.instruction;
  const a = runAnalysis(step);
  if (inst.keyword !== 'RUN' || !a) return inst.range;
  if (inst.command.form === 'exec') return inst.command.token.range;
  const index = lineIndex(file);
  const body = (h: RunInstruction['heredocs'][number], o: number) => Math.min(h.bodyRange.start.offset + o, h.bodyRange.end.offset);
  // A RUN that is one here-document runs the body as its script.
  const only = inst.heredocs.length === 1 ? inst.heredocs[0] : undefined;
  if (only && a.script === only.content) return index.range(body(only, span.start), body(only, span.end));
  const raw = inst.command.script.raw;
  const map = scriptOffsets(file, inst);
  if (!map || !a.script.startsWith(raw)) return inst.range;
  const place = (o: number, end: boolean): number => {
    if (o <= raw.length) return map(o, end);
    // Past the line: the here-document bodies, each after a newline and before its delimiter.
    let pos = raw.length;
    for (const h of inst.heredocs) {
      pos += 1;
      if (o <= pos + h.content.length) return body(h, Math.max(0, o - pos));
      pos += h.content.length + h.name.length;
    }
    return inst.range.end.offset;
  };
  return index.range(place(span.start, false), place(span.end, true));
}

/**
 * The command that follows command `i` in the script's text (the first to start at or after
 * its end) and the text between them: the operator that joins them (`&&`, `||`, `|`, `;`).
 */
export function nextCommand(a: RunAnalysis, i: number): { index: number; between: string } | undefined {
  const end = a.commands[i].range.end;
  let best = -1;
  a.commands.forEach((c, k) => {
    if (c.range.start >= end && (best < 0 || c.range.start < a.commands[best].range.start)) best = k;
  });
  return best < 0 ? undefined : { index: best, between: a.script.slice(end, a.commands[best].range.start) };
}

/** The command that precedes command `i` in the script's text, and the text between them. */
export function previousCommand(a: RunAnalysis, i: number): { index: number; between: string } | undefined {
  const start = a.commands[i].range.start;
  let best = -1;
  a.commands.forEach((c, k) => {
    if (c.range.end <= start && (best < 0 || c.range.end > a.commands[best].range.end)) best = k;
  });
  return best < 0 ? undefined : { index: best, between: a.script.slice(a.commands[best].range.end, start) };
}

/** `apk add -t .build-deps gcc` / `--virtual=.build-deps`: the group name the packages can be removed by. */
export function virtualName(cmd: SimpleCommand): string | undefined {
  const args = cmd.args.map((w) => w.value);
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '-t' || args[k] === '--virtual') return args[k + 1];
    if (args[k].startsWith('--virtual=')) return args[k].slice('--virtual='.length);
  }
  return undefined;
}

/** `12.3 MB`: a byte count for messages (decimal units, as `docker images` prints them). */
export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  let v = n;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** A stage and the stages it is built FROM, nearest first: the stages whose layers its image holds. */
export function baseChain(graph: BuildGraph, index: number): Stage[] {
  const out: Stage[] = [];
  for (let s: Stage | undefined = graph.stages[index]; s && !out.includes(s); s = s.base.kind === 'stage' ? graph.stages[s.base.stage] : undefined) out.push(s);
  return out;
}

/**
 * A package operand as its manager names the package, without version, release or extras, so
 * that `curl=8.5*` and `curl`, or `Torch[cuda]==2.3` and `torch`, are one package. Keyed by
 * the install's activity rule (src/shell/activities.ts); other managers keep the word whole.
 */
export function packageName(rule: string, item: string): string {
  switch (rule) {
    case 'apt-get install':
      return item.replace(/[=/].*$/, '').toLowerCase();
    case 'apk add':
      return item.replace(/[=<>~].*$/, '').toLowerCase();
    case 'conda install':
      return item.replace(/^.*::/, '').replace(/[=<>!~ ].*$/, '').toLowerCase();
    case 'pip install':
    case 'uv pip install':
    case 'pipenv install':
      // PEP 503 normalisation, after the extras and the version specifier are cut.
      return item.replace(/[[<>=!~;@ ].*$/, '').toLowerCase().replace(/[-_.]+/g, '-');
    case 'npm install':
    case 'yarn install':
    case 'pnpm install':
      return item.replace(/^(@?[^@]+)@.*$/, '$1');
    case 'go get':
      return item.replace(/@.*$/, '');
    case 'composer install':
      return item.replace(/:.*$/, '').toLowerCase();
    default:
      return item;
  }
}

/**
 * The word of an install command that names `item` (a package as the activity counted it):
 * the operand itself, or the `$VAR` it came from.
 */
export function itemWord(step: Step, cmd: SimpleCommand, item: string): ShellWord | undefined {
  const env = new Map([...step.scope.args, ...step.scope.env]);
  return (
    cmd.args.find((w) => !w.value.startsWith('-') && w.value === item) ??
    cmd.args.find((w) => /[$`]/.test(w.value) && (resolveWord(w, { env }) ?? []).includes(item))
  );
}

/**
 * What a command removes (`apt-get purge -y gcc`, `apk del .build-deps`, `pip uninstall -y x`):
 * its manager and install rule (by the package-manager table) and the operands, read
 * through the step's variables where given (`apt-get purge $BUILD_DEPS`), or undefined.
 * `autoRemove`: it also removes what is marked automatically installed (`--auto-remove`,
 * `autoremove`), which is everything after `apt-mark auto '.*'`.
 */
export function removedPackages(cmd: SimpleCommand, env?: ReadonlyMap<string, string>): { manager: string; install: string; names: string[]; autoRemove: boolean } | undefined {
  // The words as managerArgv reads them (`sudo` and `python -m` dropped), to keep their variables.
  let words = [cmd.name, ...cmd.args];
  while (words.length && ['sudo', 'doas'].includes(words[0].value)) words = words.slice(1);
  if (words.length > 2 && /^python(\d+(\.\d+)?)?$/.test(path.posix.basename(words[0].value)) && words[1].value === '-m') words = words.slice(2);
  const argv = managerArgv(words.map((w) => w.value));
  const m = managerOf(argv);
  if (!m?.removes) return undefined;
  const at = argv.findIndex((v, i) => i > 0 && !v.startsWith('-'));
  if (at < 0 || !m.removes.includes(argv[at])) return undefined;
  const install = m.rules.find((r) => ACTIVITY_RULES.some((x) => x.id === r && x.kind === 'install'))!;
  const names = words.slice(at + 1).filter((w) => !w.value.startsWith('-')).flatMap((w) => resolveWord(w, { env }) ?? [w.value]);
  const autoRemove = /^auto(remove|purge)$/.test(argv[at]) || argv.includes('--auto-remove') || argv.includes('--autoremove');
  return { manager: m.name, install, names, autoRemove };
}

/**
 * The installs of a RUN that an `apt-mark auto '.*'` … `apt-get purge --auto-remove` idiom of
 * official images takes out again: every apt install after the saved mark (`apt-mark
 * showmanual`) and before the `apt-mark auto`, once a later command auto-removes. Packages
 * marked manual again by name (`apt-mark manual curl`) stay. Null when the RUN has no such idiom.
 */
export function aptMarkPurged(a: RunAnalysis): { commands: Set<number>; kept: Set<string>; at: number } | null {
  const argv = (i: number) => managerArgv([a.commands[i].name, ...a.commands[i].args].map((w) => w.value));
  const mark = a.commands.findIndex((_, i) => {
    const v = argv(i);
    return v[0] === 'apt-mark' && v[1] === 'auto' && v.slice(2).some((x) => /^\^?\.\*\$?$/.test(x));
  });
  if (mark < 0) return null;
  const purge = a.commands.findIndex((c, i) => i > mark && !!removedPackages(c)?.autoRemove && removedPackages(c)!.install === 'apt-get install');
  if (purge < 0) return null;
  // The saved mark is read first (`savedAptMark="$(apt-mark showmanual)"`): installs before it are the image's own.
  let from = 0;
  a.commands.forEach((_, i) => {
    const v = argv(i);
    if (i < mark && v[0] === 'apt-mark' && v[1] === 'showmanual') from = i;
  });
  const kept = new Set<string>();
  a.commands.forEach((_, i) => {
    const v = argv(i);
    if (i > mark && i < purge && v[0] === 'apt-mark' && v[1] === 'manual') v.slice(2).filter((x) => !x.startsWith('-') && !x.includes('$')).forEach((x) => kept.add(packageName('apt-get install', x)));
  });
  const commands = new Set<number>();
  a.activities.forEach((act, i) => {
    if (i >= from && i < mark && act.rule === 'apt-get install') commands.add(i);
  });
  return { commands, kept, at: purge };
}

function overlapsPath(a: string, b: string): boolean {
  return a === b || a === '/' || b === '/' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * Whether a step after a broad copy needs the copied source, so that it could not run before
 * the copy: it reads or writes where the copy's files are (by its effects), or, when its
 * effects are not known, it works or names paths there. A dependency install that reads only
 * manifests does not need the source (it can run after a copy of the manifests), and neither
 * does a project install that also resolves dependencies (its dependency half can move);
 * a `--no-deps` install of the project does. COPY, ADD and WORKDIR never need it.
 */
export function needsSource(graph: BuildGraph, step: Step, copy: Step, context?: BuildContext): boolean {
  if (step.keyword !== 'RUN') return false;
  const a = runAnalysis(step);
  if (!a) return true;
  const roots = copyRoots(graph, step, copy, context);
  const named = pathsNamed(graph, step, copy, context);
  const installs = a.activities.filter((x) => x.kind === 'install');
  if (installs.length) {
    const depsToo = installs.some((x) => !a.commands[x.command].args.some((w) => /^--no-deps$|^--no-install-project$|^--only-project$/.test(w.value)));
    const others = a.activities.filter((x) => x.kind !== 'install' && x.kind !== 'file' && x.kind !== 'shell' && x.kind !== 'download');
    if (depsToo && named.every(isManifest) && !others.some((x) => x.kind === 'compile')) return false;
    if (depsToo && installs.some((x) => x.unknown.some((u) => isManifest(u) || /^\.|^\//.test(u)))) return false;
  }
  // A step blind to the source (it names none of it and runs outside it: shell/effects.ts)
  // needs only what it names; fix's late-source-copy moves it on the same judgement.
  // Not where a file of the copy lies in the WORKDIR (`COPY package.json ./`): a tool run there
  // reads it without naming it (`yarn build`).
  const fileHere = roots.some((r) => r.root !== '.' && context?.get(r.root)?.type !== 'dir' && path.posix.dirname(r.at) === step.scope.workdir);
  const blind = fileHere ? null : blindEffects(step, roots.map((r) => r.at));
  if (blind) return [...blind.reads, ...blind.writes].some((p) => p !== '/' && roots.some((r) => overlapsPath(p, r.at)));
  const e = stepEffects(step);
  if (!e.unknown) return [...e.reads, ...e.writes].some((p) => p !== '/' && roots.some((r) => overlapsPath(p, r.at)));
  if (named.some((p) => !isManifest(p))) return true;
  // Unknown commands: where they run decides. A `cd` out of the copy before them says they work elsewhere.
  let cwd: string | null = step.scope.workdir;
  for (const [i, c] of a.commands.entries()) {
    if (c.name.value === 'cd') {
      cwd = afterCd(cwd, c);
      continue;
    }
    // A word naming the copy or a path in it (`cp -r /tmp/src /app`): it reads the source.
    for (const w of c.args) {
      if (w.value.startsWith('-') || /[$`]/.test(w.value) || (!w.value.startsWith('/') && cwd === null)) continue;
      const abs = path.posix.resolve(cwd ?? '/', w.value);
      if (roots.some((r) => abs === r.at || abs.startsWith(`${r.at}/`))) return true;
    }
    const kind = a.activities[i].kind;
    if (kind === 'file' || kind === 'sleep' || kind === 'download' || kind === 'install') continue;
    if (cwd === null || roots.some((r) => overlapsPath(cwd!, r.at))) return true;
  }
  return false;
}

/**
 * The working directory after a `cd` command, or null once it is not known (a variable or a
 * command substitution in the target, or a directory that was not known before).
 */
export function afterCd(cwd: string | null, cd: SimpleCommand): string | null {
  const to = cd.args.find((w) => !w.value.startsWith('-'));
  return to && !/[$`]/.test(to.value) && cwd !== null ? path.posix.resolve(cwd, to.value) : null;
}

/** Files that make a folder a project an install reads (besides requirements lists it names). */
const PROJECT_FILES = ['pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', 'poetry.lock', 'uv.lock', 'Pipfile', 'Pipfile.lock',
  'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.toml', 'Cargo.lock', 'go.mod', 'go.sum',
  'Gemfile', 'Gemfile.lock', 'composer.json', 'composer.lock', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];
const DOTNET_PROJECT = /\.(cs|fs|vb)proj$|\.sln$/;
/** What an install that names one manifest reads beside it (`uv sync` names uv.lock and reads pyproject.toml). */
const COMPANIONS: Record<string, string[]> = {
  'uv.lock': ['pyproject.toml'], 'poetry.lock': ['pyproject.toml'], 'package-lock.json': ['package.json'], 'package.json': ['package-lock.json', 'npm-shrinkwrap.json'],
  'yarn.lock': ['package.json'], 'pnpm-lock.yaml': ['package.json'], Gemfile: ['Gemfile.lock'], 'composer.lock': ['composer.json'], 'composer.json': ['composer.lock'],
};

export interface InstallReads {
  /** Context paths of the manifests the step's installs read from the copy. */
  manifests: string[];
  /** Extras written on a project operand (`python[${BUILD_TYPE}]`: `[${BUILD_TYPE}]`). */
  extras: string[];
  /** Folders of the copy that an install builds as a project (it reads their source too). */
  projects: string[];
  /** The step runs a package manager at all. */
  installs: boolean;
  /** An install keeps to the project alone (`--no-deps`, `--no-install-project` inverse): it needs the source. */
  projectOnly: boolean;
}

/**
 * What the package-manager installs of a RUN read from where a copy's files are: the
 * manifests they name (`-r requirements.txt`, a project folder `python[extra]` and its
 * pyproject.toml or setup.py) or read implicitly in their working directory (`uv sync` reads
 * uv.lock and pyproject.toml), as context paths, with `cd` followed.
 */
export function installReads(graph: BuildGraph, step: Step, copy: Step, context?: BuildContext): InstallReads {
  const out: InstallReads = { manifests: [], extras: [], projects: [], installs: false, projectOnly: false };
  const a = runAnalysis(step);
  if (!a) return out;
  const roots = copyRoots(graph, step, copy, context);
  const exists = (p: string) => (context ? !!context.get(p) : true);
  const isDir = (p: string) => p === '.' || (context ? context.get(p)?.type === 'dir' : !/\.[^/]+$/.test(p));
  const manifests = new Set<string>();
  let cwd: string | null = step.scope.workdir;
  for (const [i, c] of a.commands.entries()) {
    if (c.name.value === 'cd') {
      cwd = afterCd(cwd, c);
      continue;
    }
    const act = a.activities[i];
    if (act.kind !== 'install') continue;
    out.installs = true;
    // `--no-deps` keeps to the project only on a command that installs one from the copy (not
    // on a wheel fetched by URL beside it).
    const onlyProject = c.args.some((w) => /^--no-deps$|^--only-project$/.test(w.value));
    const before = manifests.size + out.projects.length;
    for (const u of act.unknown) {
      const extra = /\[[^\]]*\]$/.exec(u)?.[0];
      const bare = extra ? u.slice(0, -extra.length) : u;
      if (/[$`]/.test(bare) || (!bare.startsWith('/') && cwd === null)) continue;
      const abs = path.posix.resolve(cwd ?? '/', bare || '.');
      for (const r of roots) {
        const rel = path.posix.relative(r.at, abs);
        if (rel.startsWith('..') || path.posix.isAbsolute(rel)) continue;
        const p = r.root === '.' ? rel || '.' : rel ? `${r.root}/${rel}` : r.root;
        if (isDir(p)) {
          const inDir = (f: string) => (p === '.' ? f : `${p}/${f}`);
          const found = PROJECT_FILES.map(inDir).filter((f) => context?.get(f));
          // .NET project files have the project's name: those directly in the folder.
          if (context) for (const e of context.entries) if (e.type === 'file' && path.posix.dirname(e.path) === p && DOTNET_PROJECT.test(e.path)) found.push(e.path);
          if (!found.length) continue;
          found.forEach((f) => manifests.add(f));
          out.projects.push(p);
          if (extra) out.extras.push(extra);
        } else if (isManifest(p)) {
          // `npm ci` names package-lock.json and reads package.json beside it, whichever the context has.
          if (exists(p)) manifests.add(p);
          const dir = path.posix.dirname(p);
          for (const f of COMPANIONS[path.posix.basename(p)] ?? []) {
            const q = dir === '.' ? f : `${dir}/${f}`;
            if (context?.get(q)) manifests.add(q);
          }
        }
      }
    }
    if (onlyProject && (manifests.size + out.projects.length > before || (!act.unknown.length && !act.items.length))) out.projectOnly = true;
  }
  out.manifests = [...manifests].sort();
  return out;
}

/**
 * COPY/ADD steps from the context of one folder that holds a project: a manifest and source
 * beside it (`COPY server /app/server`), where an install of the manifests after the copy
 * re-runs on every edit of the folder's code.
 */
export function folderCopies(graph: BuildGraph, context?: BuildContext): Step[] {
  if (!context) return [];
  const flow = sourceFlow(graph, context);
  const broad = new Set(broadCopies(graph, context));
  const out: Step[] = [];
  for (const stage of graph.stages) {
    if (!stage.needed) continue;
    for (const step of stage.steps) {
      if ((step.keyword !== 'COPY' && step.keyword !== 'ADD') || broad.has(step)) continue;
      const files = flow.brought(step).flatMap((l) => (l.root !== '.' && context.get(l.root)?.type !== 'dir' ? [] : flow.carries(l, context.select(l.source.paths, { exclude: l.source.exclude }).files.map((f) => f.path))));
      if (files.some(isManifest) && files.some((f) => !isManifest(f))) out.push(step);
    }
  }
  return out;
}

/** A per-commit variable a step declares, and for an ENV set from one, the declaration it takes the value from. */
export interface PerCommitDeclaration {
  name: string;
  range: Range;
  from?: { name: string; range: Range };
}

/**
 * The per-commit variables each step declares, in file order: an ARG named so with no default
 * (or a placeholder one), or an ENV set from one (`ENV GIT_SHA=$GIT_SHA`). One judgement for
 * per-commit-arg-early, which reports them, and arg-declared-too-early, which leaves them to it.
 */
export function perCommitDeclarations(graph: BuildGraph): Map<Step, PerCommitDeclaration[]> {
  const out = new Map<Step, PerCommitDeclaration[]>();
  const known = new Map<string, Range>();
  for (const stage of graph.stages) {
    if (!stage.needed) continue;
    for (const step of stage.steps) {
      const inst = step.instruction;
      const found: PerCommitDeclaration[] = [];
      if (inst.keyword === 'ARG') {
        for (const d of inst.decls) {
          const v = step.expanded[d.key.raw];
          if (!isPerCommitArg(d.key.raw, typeof v === 'string' ? v : undefined) || step.scope.env.has(d.key.raw)) continue;
          found.push({ name: d.key.raw, range: { start: d.key.range.start, end: (d.value ?? d.key).range.end } });
        }
      } else if (inst.keyword === 'ENV') {
        for (const p of inst.pairs) {
          const source = [...known.keys()].find((k) => variableReference(k).test(p.value?.raw ?? ''));
          if (source === undefined) continue;
          found.push({ name: p.key.raw, range: { start: p.key.range.start, end: (p.value ?? p.key).range.end }, from: { name: source, range: known.get(source)! } });
        }
      }
      for (const d of found) if (!known.has(d.name)) known.set(d.name, d.from?.range ?? d.range);
      if (found.length) out.set(step, found);
    }
  }
  return out;
}
