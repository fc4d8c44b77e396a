/**
 * Cache mounts: a RUN that runs a package manager gets `--mount=type=cache` on the manager's
 * download cache, so a re-run after a manifest change downloads only what changed, and the
 * cache stays out of the image. Commands that turn the cache off or empty it (`--no-cache-dir`,
 * `rm -rf /var/lib/apt/lists/*`, `npm cache clean --force`) go in the same edit: they would
 * defeat the mount or empty it. A RUN that runs Python code on the copied source also removes
 * the `__pycache__` folders it wrote there.
 *
 * Unsafe: the image no longer holds the caches (the plan's `accepts` names each path), and a
 * cache some later step needs (Go modules, the cargo registry, the Maven and Gradle caches, the
 * apt lists) is shared through the mount instead of the layers. So such a cache is mounted on
 * every RUN of its stage chain that runs the tool, or on none: a later step whose effects are
 * not known, that reads the directory without running the tool, or that could not fill the
 * cache again if it were pruned (an install without its own `apt-get update`, `mvn -o`)
 * declines it. Every cache is for a root user; another user's home is not known here.
 *
 * Debian and Ubuntu images ship /etc/apt/apt.conf.d/docker-clean, which deletes downloaded
 * packages after every install: a mount on /var/cache/apt would keep nothing. The first apt
 * RUN of a stage chain removes that file and keeps downloaded packages, so the image's apt
 * configuration changes too (accepted by name).
 */
import { hasBehaviour } from '../../core/buildkit.js';
import path from 'node:path';
import { contextPath } from '../../cache/changes.js';
import type { BuildGraph, Stage, Step } from '../../graph/graph.js';
import { baseChain, nextCommand, previousCommand, runAnalysis, runRange } from '../../rules/shared.js';
import { stepEffects } from '../../shell/effects.js';
import { cleanedCaches, managerOf, PACKAGE_MANAGERS } from '../../shell/package-managers.js';
import type { RunAnalysis, ShellWord, SimpleCommand } from '../../shell/index.js';
import { under } from '../copies.js';
import { defineTransform, type Accepted, type Plan } from '../define.js';
import type { TextEdit } from '../edits.js';

/** A cache directory of a tool. */
interface CacheDir {
  target: string;
  /** For people: `pip's download cache`. */
  what: string;
  /** apt takes a lock on its directories: concurrent builds wait instead of failing. */
  locked?: boolean;
  /** Later steps need what it holds (modules, sources, package lists), not only a speed-up. */
  needed: boolean;
  /**
   * Mounted on every RUN of the stage chain that runs the tool, or on none, though nothing
   * later reads it: apt's, once docker-clean is gone, would otherwise fill the layers.
   */
  together?: boolean;
  /** Only commands of these activity rules use it (`go mod download` builds nothing). */
  rules?: readonly string[];
}

/** The variables a RUN sees, as far as they are known. */
interface Vars {
  get(name: string): string | undefined;
  /** Set, but to a value this cannot read (it refers to other variables). */
  opaque(name: string): boolean;
  home: string;
  cache: string;
}

interface Tool {
  name: string;
  /** Activity rules (src/shell/activities.ts) whose commands use the cache. */
  rules: readonly string[];
  /** Variables that move or turn off the cache: when a command sets one itself, it declines. */
  vars: readonly string[];
  /** The caches, or why they are not known or are turned off. */
  dirs(v: Vars): CacheDir[] | string;
  /** Flags of the tool's commands that turn the cache off: removed with the mount. */
  offFlags?: readonly string[];
  /** Flags that put the cache somewhere else: declined. */
  elsewhere?: readonly string[];
  /** A command (basename first, sudo dropped) that empties the cache: removed with the mount. */
  cleans?(argv: string[]): boolean;
  /**
   * Whether the command relies on what the cache already holds and cannot fetch it again (an
   * install from lists an earlier RUN fetched, an offline build): with the cache pruned, or a
   * mount hiding what the image holds there, it would fail.
   */
  relies?(a: RunAnalysis, i: number, v: Vars): boolean;
}

/** A command that empties one of the manager's caches, by the package-manager table. */
const cleansOf = (manager: string) => (argv: string[]) => managerOf(argv)?.name === manager && cleanedCaches(argv).length > 0;
const noCacheFlags = (manager: string) => PACKAGE_MANAGERS.find((m) => m.name === manager)?.noCacheFlags ?? [];
const hasFlag = (cmd: SimpleCommand, ...flags: string[]) => cmd.args.some((w) => flags.some((f) => w.value === f || w.value.startsWith(`${f}=`)));
/** Either a variable's value (absolute) or the default; a reason when the value cannot be read. */
function dirOf(v: Vars, names: readonly string[], fallback: () => string): string {
  for (const n of names) {
    const x = v.get(n);
    if (x !== undefined) return x;
  }
  return fallback();
}

const TOOLS: readonly Tool[] = [
  {
    name: 'apt',
    rules: ['apt-get update', 'apt-get install', 'apt-get upgrade'],
    vars: [],
    dirs: () => [
      { target: '/var/cache/apt', what: "apt's downloaded packages", locked: true, needed: false, together: true },
      { target: '/var/lib/apt/lists', what: 'the apt package lists', locked: true, needed: true },
    ],
    cleans: cleansOf('apt'),
    relies: (a, i) => a.activities[i].rule !== 'apt-get update' && !a.activities.slice(0, i).some((x) => x.rule === 'apt-get update'),
  },
  {
    name: 'pip',
    rules: ['pip install', 'pip download', 'pip wheel'],
    vars: ['PIP_NO_CACHE_DIR', 'PIP_CACHE_DIR', 'XDG_CACHE_HOME', 'HOME'],
    dirs: (v) => (v.get('PIP_NO_CACHE_DIR') !== undefined ? 'PIP_NO_CACHE_DIR turns it off' : [{ target: dirOf(v, ['PIP_CACHE_DIR'], () => `${v.cache}/pip`), what: "pip's download cache", needed: false }]),
    offFlags: noCacheFlags('pip'),
    elsewhere: ['--cache-dir'],
    cleans: cleansOf('pip'),
  },
  {
    name: 'uv',
    rules: ['uv pip install', 'uv pip sync', 'uv sync'],
    vars: ['UV_NO_CACHE', 'UV_CACHE_DIR', 'XDG_CACHE_HOME', 'HOME'],
    dirs: (v) => (v.get('UV_NO_CACHE') !== undefined ? 'UV_NO_CACHE turns it off' : [{ target: dirOf(v, ['UV_CACHE_DIR'], () => `${v.cache}/uv`), what: "uv's cache", needed: false }]),
    offFlags: noCacheFlags('uv'),
    elsewhere: ['--cache-dir'],
    cleans: cleansOf('uv'),
  },
  {
    name: 'npm',
    rules: ['npm ci', 'npm install'],
    vars: ['npm_config_cache', 'NPM_CONFIG_CACHE', 'HOME'],
    dirs: (v) => [{ target: dirOf(v, ['npm_config_cache', 'NPM_CONFIG_CACHE'], () => `${v.home}/.npm`), what: "npm's cache", needed: false }],
    elsewhere: ['--cache'],
    cleans: cleansOf('npm'),
  },
  {
    name: 'yarn',
    rules: ['yarn install'],
    vars: ['YARN_CACHE_FOLDER'],
    // Yarn 1 keeps root's cache under /usr/local/share, not in the home.
    dirs: (v) => [{ target: dirOf(v, ['YARN_CACHE_FOLDER'], () => '/usr/local/share/.cache/yarn'), what: "yarn's cache", needed: false }],
    elsewhere: ['--cache-folder'],
    cleans: cleansOf('yarn'),
  },
  {
    name: 'go',
    rules: ['go mod download', 'go build', 'go get'],
    vars: ['GOCACHE', 'GOMODCACHE', 'GOPATH', 'XDG_CACHE_HOME', 'HOME', 'GOPROXY', 'GOFLAGS'],
    dirs: (v) => [
      { target: dirOf(v, ['GOCACHE'], () => `${v.cache}/go-build`), what: "Go's build cache", needed: false, rules: ['go build'] },
      { target: dirOf(v, ['GOMODCACHE'], () => (v.get('GOPATH') !== undefined ? `${v.get('GOPATH')!.split(':')[0]}/pkg/mod` : `${v.home}/go/pkg/mod`)), what: 'the Go module cache', needed: true },
    ],
    cleans: cleansOf('go'),
    relies: (_a, _i, v) => v.get('GOPROXY') === 'off',
  },
  {
    name: 'cargo',
    rules: ['cargo fetch', 'cargo build', 'cargo install'],
    vars: ['CARGO_HOME', 'HOME', 'CARGO_NET_OFFLINE'],
    dirs: (v) => {
      const home = dirOf(v, ['CARGO_HOME'], () => `${v.home}/.cargo`);
      return [
        { target: `${home}/registry`, what: "cargo's registry", needed: true },
        { target: `${home}/git`, what: "cargo's git checkouts", needed: true },
      ];
    },
    relies: (a, i, v) => v.get('CARGO_NET_OFFLINE') === 'true' || hasFlag(a.commands[i], '--offline', '--frozen'),
  },
  {
    name: 'maven',
    rules: ['mvn dependency:go-offline', 'mvn'],
    vars: ['HOME', 'MAVEN_OPTS', 'MAVEN_ARGS'],
    // The repository only: ~/.m2 also holds settings.xml, which a mount would hide.
    dirs: (v) => (/maven\.repo\.local/.test(`${v.get('MAVEN_OPTS') ?? ''} ${v.get('MAVEN_ARGS') ?? ''}`) ? 'MAVEN_OPTS or MAVEN_ARGS moves the repository' : [{ target: `${v.home}/.m2/repository`, what: "Maven's local repository", needed: true }]),
    relies: (a, i) => hasFlag(a.commands[i], '-o', '--offline'),
  },
  {
    name: 'gradle',
    rules: ['gradle'],
    vars: ['GRADLE_USER_HOME', 'HOME'],
    // Caches and wrapper downloads only: ~/.gradle also holds gradle.properties and init scripts.
    dirs: (v) => {
      const home = dirOf(v, ['GRADLE_USER_HOME'], () => `${v.home}/.gradle`);
      return [
        { target: `${home}/caches`, what: "Gradle's caches", needed: true },
        { target: `${home}/wrapper`, what: "the Gradle wrapper's downloads", needed: true },
      ];
    },
    relies: (a, i) => hasFlag(a.commands[i], '--offline'),
  },
];

/**
 * Variables official images set that move a cache (their Dockerfiles say so): the graph knows
 * only the ENV of this Dockerfile, and a mount on the wrong directory would cache nothing.
 */
const IMAGE_ENV: Record<string, Record<string, string>> = {
  golang: { GOPATH: '/go' },
  rust: { CARGO_HOME: '/usr/local/cargo' },
};

function imageRepository(ref: string): string {
  const noDigest = ref.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const name = colon > slash ? noDigest.slice(0, colon) : noDigest;
  return name.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

const isRoot = (u: string | null) => u === null || u === '' || u === 'root' || u === '0' || u.startsWith('root:') || u.startsWith('0:');

function varsOf(graph: BuildGraph, step: Step): Vars | string {
  if (!isRoot(step.scope.user)) return `it runs as user ${step.scope.user}, whose cache directories are not known`;
  const chain = baseChain(graph, step.stage);
  const root = chain[chain.length - 1].base;
  const all = new Map<string, string>(Object.entries(root.kind === 'image' ? IMAGE_ENV[imageRepository(root.ref)] ?? {} : {}));
  // ENV wins over an ARG of the same name in a RUN's environment.
  for (const [k, x] of [...step.scope.args, ...step.scope.env]) all.set(k, x);
  const opaque = new Set([...all].filter(([, x]) => /[$`]/.test(x) || !x.startsWith('/')).map(([k]) => k));
  const get = (n: string) => (opaque.has(n) ? undefined : all.get(n));
  // Flags and switches are not paths; only directory variables must be absolute.
  const raw = (n: string) => all.get(n);
  const home = get('HOME') ?? '/root';
  const v: Vars = {
    get: (n) => (/^(PIP_NO_CACHE_DIR|UV_NO_CACHE|GOPROXY|GOFLAGS|CARGO_NET_OFFLINE|MAVEN_OPTS|MAVEN_ARGS)$/.test(n) ? raw(n) : get(n)),
    opaque: (n) => opaque.has(n) && !/^(PIP_NO_CACHE_DIR|UV_NO_CACHE|GOPROXY|GOFLAGS|CARGO_NET_OFFLINE|MAVEN_OPTS|MAVEN_ARGS)$/.test(n),
    home,
    cache: get('XDG_CACHE_HOME') ?? `${home}/.cache`,
  };
  return v;
}

const overlaps = (a: string, b: string) => under(a, b) || under(b, a);

/** Targets of the RUN's own mounts, absolute. */
function mountTargets(step: Step): string[] {
  const mounts = Array.isArray(step.expanded.mounts) ? step.expanded.mounts : [];
  return mounts.map((m) => /(?:^|,)target=([^,]+)/.exec(m)?.[1]).filter((t): t is string => !!t).map((t) => path.posix.resolve(step.scope.workdir, t));
}

/** A path operand as an absolute path: `~`, `$HOME` and other known variables read, a glob cut to the folder it starts in. */
function operandPath(value: string, v: Vars, cwd: string): string | undefined {
  let p = value.replace(/^~(?=\/|$)/, v.home).replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (m, a: string | undefined, b: string | undefined) => {
    const n = (a ?? b)!;
    return n === 'HOME' ? v.home : v.get(n) ?? m;
  });
  if (/[$`]/.test(p)) return undefined;
  const glob = p.search(/[*?[]/);
  if (glob >= 0) p = p.slice(0, glob).replace(/[^/]*$/, '') || '.';
  return path.posix.resolve(cwd, p);
}

/** The command's argv as values, basename first, `sudo` dropped. */
function argvOf(cmd: SimpleCommand): string[] {
  const argv = [cmd.name, ...cmd.args].map((w) => w.value);
  if (argv[0] === 'sudo') argv.shift();
  if (argv.length) argv[0] = path.posix.basename(argv[0]);
  return argv;
}

/** Whether command `i` runs inside `sh -c '...'` or a shell's here-document: its text is another word's. */
function nested(a: RunAnalysis, i: number): boolean {
  const c = a.commands[i].range;
  return a.activities.some((x, j) => j !== i && x.kind === 'shell' && a.commands[j].range.start <= c.start && a.commands[j].range.end >= c.end);
}

/** The operator that joins two commands in the script's text: `&&`, `;` (a newline counts as one), or something else. */
function operator(between: string): '&&' | ';' | 'other' {
  const t = between.trim();
  if (t === '&&') return '&&';
  if (t === ';' || (t === '' && between.includes('\n'))) return ';';
  return 'other';
}

/**
 * The script span that removes commands `first`..`last` (adjacent in the text) and one operator
 * next to them, so that the rest of the list runs as before; null when that cannot be said.
 * `a; x && b` loses `x && ` (b still runs whatever a did); `a && x && b` loses `&& x`.
 */
function removalSpan(a: RunAnalysis, first: number, last: number): { start: number; end: number } | null {
  const prev = previousCommand(a, first);
  const next = nextCommand(a, last);
  const op1 = prev ? operator(prev.between) : null;
  const op2 = next ? operator(next.between) : null;
  if (op1 !== null && op1 !== 'other' && (op2 === null || op2 === ';' || op2 === op1)) return { start: a.commands[prev!.index].range.end, end: a.commands[last].range.end };
  if (op2 !== null && op2 !== 'other' && (op1 === null || op1 === ';')) return { start: a.commands[first].range.start, end: a.commands[next!.index].range.start };
  return null;
}

/** Edits of one RUN's script, in script offsets, and why one could not be made. */
interface ScriptEdits {
  /** Commands to remove, by index. */
  commands: Set<number>;
  /** Words to remove (an operand or a flag), with the word before them. */
  words: { cmd: number; word: ShellWord }[];
  /** What each removal was, for the notes. */
  removed: string[];
}

const commandText = (a: RunAnalysis, i: number) => a.script.slice(a.commands[i].range.start, a.commands[i].range.end);

/**
 * What must go with mounts on `targets` for `tools`: flags that turn a cache off, commands that
 * empty one, `rm` operands inside a mounted directory. A reason per target when a command
 * cannot be edited cleanly (a removal over a mount point would fail on it).
 */
function cleanups(step: Step, a: RunAnalysis, tools: Tool[], targets: string[], v: Vars): { edits: ScriptEdits; blocked: Map<string, string> } {
  const edits: ScriptEdits = { commands: new Set(), words: [], removed: [] };
  const blocked = new Map<string, string>();
  const exec = step.instruction.keyword === 'RUN' && step.instruction.command.form === 'exec';
  const block = (ts: string[], why: string) => ts.forEach((t) => blocked.has(t) || blocked.set(t, why));
  a.commands.forEach((cmd, i) => {
    const argv = argvOf(cmd);
    const act = a.activities[i];
    const cant = exec ? 'the RUN is in exec form' : nested(a, i) ? 'it runs inside another shell' : null;
    for (const tool of tools) {
      const mine = tool.dirs(v);
      if (typeof mine === 'string') continue;
      const ts = mine.map((d) => d.target).filter((t) => targets.includes(t));
      if (!ts.length) continue;
      if (tool.cleans?.(argv)) {
        if (cant) block(ts, `${commandText(a, i)} empties it and cannot be removed: ${cant}`);
        else edits.commands.add(i), edits.removed.push(commandText(a, i));
      }
      if (tool.rules.includes(act.rule)) {
        for (const w of cmd.args) {
          if (!tool.offFlags?.includes(w.value)) continue;
          if (cant) block(ts, `${w.value} turns it off and cannot be removed: ${cant}`);
          else edits.words.push({ cmd: i, word: w }), edits.removed.push(w.value);
        }
      }
    }
    if (argv[0] !== 'rm') return;
    const ops = cmd.args.filter((w) => !w.value.startsWith('-'));
    const inside = ops.filter((w) => {
      const p = operandPath(w.value, v, step.scope.workdir);
      return p !== undefined && targets.some((t) => under(p, t));
    });
    for (const w of ops) {
      const p = operandPath(w.value, v, step.scope.workdir);
      const over = p === undefined ? [] : targets.filter((t) => under(t, p) && t !== p);
      if (over.length) block(over, `${commandText(a, i)} would empty the mount and fail on its mount point`);
    }
    if (!inside.length) return;
    const ts = targets.filter((t) => inside.some((w) => under(operandPath(w.value, v, step.scope.workdir)!, t)));
    if (cant) return block(ts, `${commandText(a, i)} empties it and cannot be removed: ${cant}`);
    if (inside.length === ops.length) edits.commands.add(i), edits.removed.push(commandText(a, i));
    else for (const w of inside) edits.words.push({ cmd: i, word: w }), edits.removed.push(w.value);
  });
  // Commands to remove, in runs of neighbours, each run with one operator.
  const order = [...edits.commands].sort((x, y) => a.commands[x].range.start - a.commands[y].range.start);
  for (let k = 0; k < order.length; k++) {
    let last = k;
    while (last + 1 < order.length && nextCommand(a, order[last])?.index === order[last + 1]) last++;
    if (!removalSpan(a, order[k], order[last])) {
      const why = `${commandText(a, order[k])} empties it and is not in a plain && or ; list`;
      block(targetsOf(a, order[k], tools, targets, v, step), why);
    }
    k = last;
  }
  return { edits, blocked };
}

/** The targets a removed command is about (for a reason). */
function targetsOf(a: RunAnalysis, i: number, tools: Tool[], targets: string[], v: Vars, step: Step): string[] {
  const argv = argvOf(a.commands[i]);
  if (argv[0] === 'rm') return targets.filter((t) => a.commands[i].args.some((w) => { const p = operandPath(w.value, v, step.scope.workdir); return p !== undefined && under(p, t); }));
  return tools.flatMap((tool) => (tool.cleans?.(argv) ? (tool.dirs(v) as CacheDir[]).map((d) => d.target) : [])).filter((t) => targets.includes(t));
}

/** The text edits for a RUN's script edits, in Dockerfile offsets. */
function scriptTextEdits(graph: BuildGraph, step: Step, a: RunAnalysis, e: ScriptEdits): TextEdit[] {
  const df = graph.dockerfile;
  const at = (start: number, end: number) => {
    const r = runRange(df, step, { start, end });
    return { start: r.start.offset, end: r.end.offset };
  };
  const out: TextEdit[] = [];
  const order = [...e.commands].sort((x, y) => a.commands[x].range.start - a.commands[y].range.start);
  for (let k = 0; k < order.length; k++) {
    let last = k;
    while (last + 1 < order.length && nextCommand(a, order[last])?.index === order[last + 1]) last++;
    const span = removalSpan(a, order[k], order[last])!;
    out.push({ ...at(span.start, span.end), text: '' });
    k = last;
  }
  for (const { cmd, word } of e.words) {
    if (e.commands.has(cmd)) continue;
    const c = a.commands[cmd];
    const before = [c.name, ...c.args].filter((w) => w.range.end <= word.range.start).pop()!;
    out.push({ ...at(before.range.end, word.range.end), text: '' });
  }
  return out;
}

/** Where an ancestor stage or an earlier step of the same stage comes before `b`. */
function before(graph: BuildGraph, a: Step, b: Step): boolean {
  if (a.stage === b.stage) return a.position < b.position;
  return baseChain(graph, b.stage).some((s) => s.index === a.stage);
}

/** Stages connected through FROM: the ones that share layers. */
function families(graph: BuildGraph): Map<number, number> {
  const root = new Map<number, number>();
  for (const s of graph.stages) {
    const chain = baseChain(graph, s.index);
    root.set(s.index, chain[chain.length - 1].index);
  }
  return root;
}

interface Use {
  step: Step;
  a: RunAnalysis;
  tool: Tool;
  vars: Vars;
  dirs: CacheDir[];
  /** Commands of the tool in the RUN, by index. */
  commands: number[];
}

const mountFlag = (d: CacheDir) => `--mount=type=cache,target=${d.target}${d.locked ? ',sharing=locked' : ''}`;

const DOCKER_CLEAN = '/etc/apt/apt.conf.d/docker-clean';
const KEEP_PACKAGES = '/etc/apt/apt.conf.d/keep-downloaded-packages';
/** Removes Debian's docker-clean hook and tells `apt` (the front end) to keep what it downloads; apt-get keeps it by default. */
const KEEP_DOWNLOADS = `rm -f ${DOCKER_CLEAN} && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > ${KEEP_PACKAGES} && `;

/**
 * Whether this apt RUN is the first of its stage chain (no earlier apt RUN in its stages, and no
 * earlier RUN that removes docker-clean itself): it removes docker-clean.
 */
function needsKeepDownloads(graph: BuildGraph, steps: Step[], uses: Use[], step: Step): boolean {
  return !steps.some((s) => (s === step || before(graph, s, step)) && removesDockerClean(s))
    && !uses.some((u) => u.tool.name === 'apt' && before(graph, u.step, step));
}

/** Whether a RUN removes docker-clean itself (`rm -f /etc/apt/apt.conf.d/docker-clean`). */
function removesDockerClean(step: Step): boolean {
  const a = runAnalysis(step);
  return !!a && a.commands.some((c) => argvOf(c)[0] === 'rm' && c.args.some((w) => w.value.endsWith('/docker-clean')));
}

/** Whether the docker-clean removal can go just before the RUN's first apt command. */
function keepDownloadsFits(u: Use): boolean {
  const inst = u.step.instruction;
  const i = u.commands[0];
  const prev = previousCommand(u.a, i);
  return inst.keyword === 'RUN' && inst.command.form === 'shell' && !nested(u.a, i) && (!prev || operator(prev.between) !== 'other');
}

/** Ancestors of a mount target that BuildKit makes as directories when the image has none (below the top level, or all of them). */
function madeParents(target: string, withTop = false): string[] {
  const out: string[] = [];
  for (let p = path.posix.dirname(target); p.split('/').length > (withTop ? 1 : 2) && p !== '/'; p = path.posix.dirname(p)) out.push(p);
  return out;
}

const PYTHON = /^python(\d+(\.\d+)?)?$/;
/** Modules that do not run the project's code, or write bytecode on purpose. */
const NOT_SOURCE_MODULES = new Set(['pip', 'ensurepip', 'venv', 'virtualenv', 'compileall', 'py_compile']);

/** The python command of a RUN that runs a script or module of the project, or -1. */
function pythonOnSource(a: RunAnalysis): number {
  return a.commands.findIndex((c) => {
    const argv = argvOf(c);
    if (!PYTHON.test(argv[0] ?? '')) return false;
    const first = argv.slice(1).find((w) => !/^-[BuEIOqsSvWX]*$/.test(w) || w === '-m');
    if (first === '-m') {
      const mod = argv[argv.indexOf('-m') + 1];
      return !!mod && !NOT_SOURCE_MODULES.has(mod.split('.')[0]);
    }
    return !!first && !first.startsWith('-') && first.endsWith('.py');
  });
}

/** The destination folder of a COPY/ADD from the context. */
function copyDest(copy: Step): string {
  const dest = String(copy.expanded.dest ?? '');
  return dest.startsWith('/') ? path.posix.normalize(dest).replace(/(.)\/$/, '$1') : path.posix.join(copy.scope.workdir, dest).replace(/(.)\/$/, '$1');
}

export default defineTransform({
  name: 'cache-mounts',
  safety: 'unsafe',
  description: 'Mounts package-manager caches (apt, pip, uv, npm, yarn, Go, cargo, Maven, Gradle) with RUN --mount=type=cache, removes what would defeat or empty them, and removes __pycache__ a RUN wrote into the copied source.',
  plan({ graph, context }) {
    const plan: Plan = { edits: [], notes: [], declined: [], accepts: [] };
    const accept = (x: Accepted) => {
      if (!plan.accepts!.some((y) => y.path === x.path && y.change === x.change)) plan.accepts!.push(x);
    };
    const family = families(graph);
    const steps = graph.stages.flatMap((s: Stage) => s.steps);

    // 1. Which RUNs run which tool, and where its caches are for them.
    const uses: Use[] = [];
    for (const step of steps) {
      const a = runAnalysis(step);
      if (!a || a.error) continue;
      for (const tool of TOOLS) {
        const commands = a.activities.map((x, i) => (tool.rules.includes(x.rule) ? i : -1)).filter((i) => i >= 0);
        if (!commands.length) continue;
        const v = varsOf(graph, step);
        const dirs = typeof v === 'string' ? v : tool.dirs(v);
        const sets = commands.flatMap((i) => a.commands[i].assignments.map((w) => w.value.split('=')[0])).find((n) => tool.vars.includes(n));
        const elsewhere = commands.flatMap((i) => a.commands[i].args).find((w) => tool.elsewhere?.some((f) => w.value === f || w.value.startsWith(`${f}=`)));
        const opaque = typeof v === 'string' ? undefined : tool.vars.find((n) => v.opaque(n));
        const why = typeof dirs === 'string' ? dirs
          : sets ? `the command sets ${sets} itself`
            : elsewhere ? `${elsewhere.value} puts the cache elsewhere`
              : opaque ? `${opaque} has a value that is not known here`
                : dirs.find((d) => !/^\/[\w.+@/-]*$/.test(d.target)) ? 'its directory is not a plain absolute path'
                  : null;
        if (why) {
          plan.declined.push(`line ${step.line}: no cache mount for ${tool.name}: ${why}`);
          // A tool whose caches are needed later is all or nothing in its family: an empty entry says so.
          uses.push({ step, a, tool, vars: v as Vars, dirs: [], commands });
          continue;
        }
        uses.push({ step, a, tool, vars: v as Vars, dirs: dirs as CacheDir[], commands });
      }
    }

    // 2. Per RUN and target: already mounted, or what stops it.
    const present = (u: Use, t: string) => mountTargets(u.step).some((m) => overlaps(m, t));
    const blocked = new Map<Use, Map<string, string>>();
    const blockedOf = (u: Use) => blocked.get(u) ?? (blocked.set(u, new Map()), blocked.get(u)!);
    const byStep = new Map<Step, Use[]>();
    for (const u of uses) byStep.set(u.step, [...(byStep.get(u.step) ?? []), u]);
    for (const [step, us] of byStep) {
      const live = us.filter((u) => u.dirs.length);
      if (!live.length) continue;
      const targets = live.flatMap((u) => u.dirs.map((d) => d.target)).filter((t) => !live.some((u) => present(u, t)));
      const c = cleanups(step, live[0].a, live.map((u) => u.tool), targets, live[0].vars);
      for (const u of live) {
        for (const d of u.dirs) {
          const why = c.blocked.get(d.target);
          if (why) blockedOf(u).set(d.target, why);
          // A mount hides what an earlier step put there (a settings file, a lockfile).
          const hider = steps.find((s) => before(graph, s, step) && !uses.some((x) => x.step === s && x.tool === u.tool) && s.executes && s.position > 0 && (() => {
            const e = stepEffects(s);
            return !e.unknown && e.writes.some((w) => under(w, d.target));
          })());
          if (hider && !blockedOf(u).has(d.target)) blockedOf(u).set(d.target, `line ${hider.line} puts files there, which a mount would hide`);
          if (d.target === '/var/cache/apt' && u.tool.name === 'apt' && needsKeepDownloads(graph, steps, uses, step) && !keepDownloadsFits(u)) {
            blockedOf(u).set(d.target, `${DOCKER_CLEAN} must go first, and the RUN's text does not allow it`);
          }
          if (u.tool.relies && d.needed && u.commands.some((i) => u.tool.relies!(u.a, i, u.vars))) {
            const i = u.commands.find((k) => u.tool.relies!(u.a, k, u.vars))!;
            if (!blockedOf(u).has(d.target)) blockedOf(u).set(d.target, `${commandText(u.a, i)} needs what is already there and could not fetch it again if the cache were empty`);
          }
        }
      }
    }

    // 3. Caches later steps need: on every RUN of the family that runs the tool, or on none.
    for (const tool of TOOLS) {
      const groups = new Map<number, Use[]>();
      for (const u of uses.filter((x) => x.tool === tool)) groups.set(family.get(u.step.stage)!, [...(groups.get(family.get(u.step.stage)!) ?? []), u]);
      for (const [fam, group] of groups) {
        const sample = group.find((u) => u.dirs.length);
        const needed = (sample?.dirs ?? []).map((d, k) => ({ d, k })).filter((x) => x.d.needed || x.d.together);
        for (const { d, k } of needed) {
          const wanted = group.filter((u) => u.dirs.length && !present(u, u.dirs[k].target));
          if (!wanted.length) continue;
          const why = ((): string | null => {
            const off = group.find((u) => !u.dirs.length);
            if (off) return `line ${off.step.line} runs ${tool.name} without a mount`;
            const other = group.find((u) => u.dirs[k].target !== d.target);
            if (other) return `line ${other.step.line} uses ${other.dirs[k].target} instead`;
            const stopped = group.find((u) => blocked.get(u)?.has(u.dirs[k].target));
            if (stopped) return `${stopped.step === wanted[0].step ? '' : `line ${stopped.step.line}: `}${blocked.get(stopped)!.get(stopped.dirs[k].target)}`;
            if (!d.needed) return null;
            for (const s of steps) {
              if (family.get(s.stage) !== fam || !s.executes || s.position === 0 || !group.some((u) => before(graph, u.step, s)) || group.some((u) => u.step === s)) continue;
              const e = stepEffects(s);
              if (e.unknown && s.keyword === 'RUN') return `line ${s.line} runs commands whose reads and writes are not known, and may need what the cache holds`;
              if (!e.unknown && e.reads.some((r) => overlaps(r, d.target))) return `line ${s.line} reads ${d.target} without a mount`;
            }
            for (const s of steps) {
              for (const src of s.sources) {
                if (src.kind === 'stage' && family.get(src.stage) === fam && src.paths.some((p) => overlaps(path.posix.resolve('/', p), d.target))) return `line ${s.line} copies ${d.target} from the stage`;
              }
            }
            return null;
          })();
          if (!why) continue;
          for (const u of wanted) {
            blockedOf(u).set(u.dirs[k].target, why);
          }
          plan.declined.push(`line ${wanted[0].step.line}: no cache mount for ${d.what} (${d.target}): ${why}; it is mounted on every RUN of the stage chain that runs ${tool.name} or on none`);
        }
      }
    }

    // 4. The edits, RUN by RUN.
    for (const step of steps) {
      const us = (byStep.get(step) ?? []).filter((u) => u.dirs.length);
      if (!us.length) continue;
      const add: CacheDir[] = [];
      for (const u of us) {
        for (const d of u.dirs) {
          if (present(u, d.target) || add.some((x) => x.target === d.target)) continue;
          if (d.rules && !u.commands.some((i) => d.rules!.includes(u.a.activities[i].rule))) continue;
          const why = blocked.get(u)?.get(d.target);
          if (why) {
            if (!d.needed && !d.together) plan.declined.push(`line ${step.line}: no cache mount for ${d.what} (${d.target}): ${why}`);
            continue;
          }
          add.push(d);
        }
      }
      const a = us[0].a;
      const inst = step.instruction;
      // Debian's docker-clean would delete every downloaded package from the mount.
      const aptArchives = add.some((d) => d.target === '/var/cache/apt');
      const aptUse = us.find((u) => u.tool.name === 'apt');
      let keepDownloads: TextEdit | null = null;
      if (aptArchives && aptUse && needsKeepDownloads(graph, steps, uses, step)) {
        const r = runRange(graph.dockerfile, step, a.commands[aptUse.commands[0]].range);
        keepDownloads = { start: r.start.offset, end: r.start.offset, text: KEEP_DOWNLOADS };
      }
      if (!add.length) continue;
      const c = cleanups(step, a, us.map((u) => u.tool), add.map((d) => d.target), us[0].vars);
      // Whether a cleanup can be removed depends on its neighbours going too: one that went with
      // a command of a declined mount may not go alone (`…; rm -rf X; else apt-get dist-clean`).
      if (c.blocked.size) {
        const why = [...c.blocked.values()][0];
        for (const d of add) plan.declined.push(`line ${step.line}: no cache mount for ${d.what} (${d.target}): ${c.blocked.get(d.target) ?? why}`);
        continue;
      }
      const edits = scriptTextEdits(graph, step, a, c.edits);
      if (keepDownloads) edits.push(keepDownloads);
      // The flags go first after RUN; two or more go one to a line, indented as the RUN's own lines are.
      const where = Math.min(...inst.flags.map((f) => f.range.start.offset), inst.args.range.start.offset);
      const second = /\n([ \t]+)\S/.exec(graph.dockerfile.source.slice(inst.range.start.offset, inst.range.end.offset));
      const indent = second?.[1] ?? '    ';
      const flags = add.map(mountFlag);
      const esc = graph.dockerfile.escape;
      plan.edits.push({ start: where, end: where, text: flags.length === 1 ? `${flags[0]} ` : flags.map((f) => `${f} ${esc}\n${indent}`).join('') }, ...edits);
      const tools = [...new Set(us.filter((u) => u.dirs.some((d) => add.includes(d))).map((u) => u.tool.name))].join(', ');
      plan.notes.push(`line ${step.line}: cache mount${add.length > 1 ? 's' : ''} on ${add.map((d) => d.target).join(', ')} for ${tools}${c.edits.removed.length ? `; removes ${c.edits.removed.join(', ')}, which would defeat or empty the cache` : ''}`);
      if (keepDownloads) plan.notes.push(`line ${step.line}: removes ${DOCKER_CLEAN} before apt runs (it deletes downloaded packages, which would leave the cache empty) and keeps downloaded packages; images built FROM this one keep them too unless they clean up`);
      for (const d of add) {
        accept({ path: `${d.target}/**`, reason: `${d.what}: kept in a cache mount, not in the image` });
        // BuildKit v0.8 leaves the directories it made for the mount point in the image (added);
        // current BuildKit removes them after the step, also where the original's cache had
        // filled them (removed). Both engine-tested (test/engine/cache-mounts.test.ts); a
        // version not known either way gets both.
        const stubsRemoved = hasBehaviour('mount-stubs-removed', graph.options.buildkitVersion);
        if (stubsRemoved !== true) for (const p of madeParents(d.target)) accept({ path: p, change: 'added', reason: `made by BuildKit for the mount point ${d.target}` });
        if (stubsRemoved !== false) for (const p of madeParents(d.target, true)) accept({ path: p, change: 'removed', reason: `BuildKit removes what it made for the mount point ${d.target} after the step` });
      }
      if (keepDownloads) {
        accept({ path: DOCKER_CLEAN, change: 'removed', reason: 'it deletes downloaded packages, which would leave the apt cache empty' });
        accept({ path: KEEP_PACKAGES, change: 'added', reason: 'apt keeps downloaded packages for the cache' });
      }
    }

    // 5. __pycache__ a RUN wrote into the copied source.
    const finalChain = new Set(baseChain(graph, graph.target).map((s) => s.index));
    for (const step of steps) {
      if (!finalChain.has(step.stage) || step.keyword !== 'RUN') continue;
      const a = runAnalysis(step);
      const inst = step.instruction;
      if (!a || a.error || inst.keyword !== 'RUN' || inst.command.form !== 'shell' || inst.heredocs.length) continue;
      const py = pythonOnSource(a);
      if (py < 0) continue;
      const env = new Map([...step.scope.args, ...step.scope.env]);
      // Nothing is written there, or it was removed already.
      if (env.get('PYTHONDONTWRITEBYTECODE') || env.has('PYTHONPYCACHEPREFIX') || a.script.includes('__pycache__')) continue;
      const dir = step.scope.workdir;
      const copies = steps.filter((s) => (s.keyword === 'COPY' || s.keyword === 'ADD') && before(graph, s, step) && s.sources.some((x) => x.kind === 'context'));
      if (dir === '/' || !copies.some((s) => under(dir, copyDest(s)))) continue;
      const why = ((): string | null => {
        if (a.activities.some((x) => x.kind === 'install')) return 'it also installs packages, which may write bytecode there';
        const writer = steps.find((s) => s.keyword === 'RUN' && before(graph, s, step) && (() => {
          const e = stepEffects(s);
          return e.unknown || e.writes.some((w) => overlaps(w, dir));
        })());
        if (writer) return `line ${writer.line} may have written files there`;
        if (context?.entries.some((e) => contextPath(e.path).split('/').includes('__pycache__'))) return 'the context holds __pycache__ folders the copy brings in';
        const last = a.commands.reduce((k, c, i) => (c.range.end > a.commands[k].range.end ? i : k), 0);
        if (a.script.slice(a.commands[last].range.end).trim() !== '' || nested(a, last)) return 'the RUN does not end in a plain command to append to';
        return null;
      })();
      if (why) {
        plan.declined.push(`line ${step.line}: __pycache__ under ${dir} is left: ${why}`);
        continue;
      }
      const last = a.commands.reduce((k, c, i) => (c.range.end > a.commands[k].range.end ? i : k), 0);
      const end = runRange(graph.dockerfile, step, a.commands[last].range).end.offset;
      plan.edits.push({ start: end, end, text: ` && find ${dir} -name __pycache__ -type d -prune -exec rm -rf {} +` });
      plan.notes.push(`line ${step.line}: removes the __pycache__ folders ${commandText(a, py)} writes under ${dir}`);
      accept({ path: `${dir}/**/__pycache__/**`, reason: 'bytecode a build step wrote into the source; Python writes it again when it needs it' });
    }
    return plan;
  },
});
