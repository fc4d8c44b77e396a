/**
 * What the image a Dockerfile builds is for, as an expert reads it before giving advice: a
 * service that runs a program, a base or toolchain image meant to be extended, or a stage
 * that is never run (artifacts exported with `--output`, a CI or test stage); on Windows or
 * not; and whether it leaves root when it runs (gosu in its entrypoint, nginx workers). The
 * security and size rules ask it, so that "runs as root" is not said of a base image or of
 * postgres, and no `USER 65532` is offered to a Windows image. Analyze prints the role it
 * assumed, with the evidence, so a wrong guess is visible and can be argued with.
 */
import path from 'node:path';
import type { BuildContext } from '../context/index.js';
import type { CommandForm, Instruction } from '../dockerfile/model.js';
import type { BuildGraph, Stage, Step } from '../graph/graph.js';
import { baseChain } from './shared.js';

export type RoleKind = 'service' | 'base' | 'export';

export interface ImageRole {
  /**
   * `service`: runs a program; `base`: a base or toolchain image meant to be extended (ONBUILD,
   * no program of its own, an interpreter or shell as its command, a language toolchain it
   * installs); `export`: never run (a `FROM scratch` stage of copies with no command, exported
   * with `--output`, or a CI/test stage).
   */
  kind: RoleKind;
  windows: boolean;
  /** How the running image leaves root, in a few words ("gosu in docker-entrypoint.sh"), or null. */
  dropsPrivileges: string | null;
  /** The evidence, one phrase each, in the order it was weighed. */
  why: string[];
}

/** A base image that is a toolchain or SDK: what it builds, and for a JDK the runtime image to ship instead. */
export interface ToolchainImage {
  /** Matches the reference without its registry's `docker.io/` and `library/`, tag included. */
  readonly image: RegExp;
  readonly builds: string;
  /**
   * A Java image holding a full JDK (javac, jlink, jshell, jmods): the JRE image to run a jar
   * on instead, `{{version}}` the tag's Java version; with `extraBytes` what the JDK adds.
   */
  readonly jdk?: { readonly runtime: string; readonly extraBytes: number };
}

const MB = 1e6;
/** A JDK image's tag that is a JRE or a headless runtime after all (`17-jre`, `21-al2023-headless`). */
const RUNTIME_TAG = String.raw`(?!.*\b(?:jre|headless)\b)`;
const jdk = (runtime = 'eclipse-temurin:{{version}}-jre') => ({ runtime, extraBytes: 150 * MB });

/**
 * Base images that are toolchains or SDKs (the official toolchain images start from
 * buildpack-deps; CUDA `-devel`, .NET `sdk`; the JDK images): an image built on one is for
 * building, unless it is a service that only runs what was built (see jdk-in-runtime-image).
 */
export const TOOLCHAIN_IMAGES: readonly ToolchainImage[] = [
  { image: /^(?:buildpack-deps|gcc)(?::|@|$)/, builds: 'C and C++' },
  { image: /^golang(?::|@|$)/, builds: 'Go' },
  { image: /^rust(?::|@|$)/, builds: 'Rust' },
  { image: /^(?:maven|gradle)(?::|@|$)/, builds: 'Java (a JDK and its build tool)', jdk: jdk() },
  { image: new RegExp(String.raw`^amazoncorretto(?:$|@|:${RUNTIME_TAG})`), builds: 'Java (a JDK)', jdk: jdk('amazoncorretto:{{version}}-al2023-headless') },
  { image: new RegExp(String.raw`^azul\/zulu-openjdk(?:-alpine|-debian)?(?:$|@|:${RUNTIME_TAG})`), builds: 'Java (a JDK)', jdk: jdk('azul/zulu-openjdk:{{version}}-jre') },
  { image: new RegExp(String.raw`^(?:openjdk|eclipse-temurin|adoptopenjdk|sapmachine|bellsoft\/liberica-openjdk-\w+|ibm-semeru-runtimes|mcr\.microsoft\.com\/openjdk\/jdk)(?:$|@|:${RUNTIME_TAG})`), builds: 'Java (a JDK)', jdk: jdk() },
  { image: /^adoptopenjdk\/openjdk\d+(?::(?!.*\bjre\b)|@|$)/, builds: 'Java (a JDK)', jdk: jdk() },
  { image: /(?:[-:]devel\b|\/dotnet\/sdk\b|-sdk\b)/, builds: 'native code or .NET' },
];

/** The toolchain entry of a base image reference, if it is one. */
export function toolchainImage(ref: string): ToolchainImage | undefined {
  const name = ref.replace(/^docker\.io\//, '').replace(/^library\//, '');
  return TOOLCHAIN_IMAGES.find((t) => t.image.test(name));
}

/**
 * Official images whose entrypoint or server gives up root when it runs: the entrypoint
 * re-executes as the service user (postgres, redis, mysql, mongo, rabbitmq: gosu or su-exec),
 * or a master process keeps root only to bind ports and runs its workers as an unprivileged
 * user (nginx, httpd, php-fpm, apache in php and the PHP apps built on it).
 */
const DROPPING_IMAGES = /^(?:(?:docker\.io\/)?(?:library\/)?)(nginx|httpd|php|postgres|redis|mysql|mariadb|mongo|rabbitmq|memcached|cassandra|elasticsearch|ghost|wordpress|nextcloud|drupal|joomla|matomo|solr|zookeeper|percona|couchdb|influxdb|neo4j|kong|nginxinc\/nginx-unprivileged)(?::|@|$)/;

/** Programs that run another as another user, or supervisors that run services as their users. */
const DROPPERS = /\b(gosu|su-exec|setpriv|s6-setuidgid|s6-applyuidgid|runuser|chpst|setuidgid|chroot\s+--userspec|su\s+-c|su\s+-s|su\s+-l|exec\s+su\b|supervisord|runsvdir|tini\s+(?:-s\s+)?--\s+gosu)\b/;

/** Servers whose master process runs its workers as an unprivileged user. */
const WORKER_SERVERS = /^(nginx|httpd|httpd-foreground|apache2|apache2-foreground|apache2ctl|php-fpm[\d.]*|haproxy|lighttpd|unitd|openresty)$/;

/** A command that is an interpreter or a shell: the image is for running what you give it. */
const INTERPRETERS = /^(python[\d.]*|node|nodejs|bash|sh|ash|zsh|irb|ruby|php|ghci|jshell|iex|erl|R|julia|perl|pwsh|powershell|cmd|dotnet|bun|deno|lua|tclsh|gradle|mvn|go)$/i;

/** ENV names that the official language images set when they install their toolchain. */
const TOOLCHAIN_ENV = /^(PYTHON|NODE|GOLANG|GO|RUBY|PHP|RUST|RUSTUP|JAVA|JDK|GRADLE|MAVEN|DOTNET|DOTNET_SDK|PERL|OTP|ERLANG|ELIXIR|JULIA|HASKELL|GHC|SWIFT|BUN|DENO|YARN)_VERSION$/;

/** Bare OS images, on which the official language images install their toolchain. */
const OS_IMAGES = /^(?:(?:docker\.io\/)?(?:library\/)?)(debian|ubuntu|alpine|buildpack-deps|oraclelinux|fedora|centos|rockylinux|almalinux|amazonlinux)(?::|@|$)/;

/** Stage names of stages that are exported or run by CI, not run as an image. */
export const EXPORT_NAMES = /^(export|exports?-.*|.*-export|artifacts?|.*-artifacts?|binar(y|ies)|publish|publish-.*|dist|output|release-.*|test|tests|testing|.*-test|ci|lint|check|unit-test|integration-test|upload.*)$/;

/**
 * Stage names of images built on purpose with `--target` beside the last stage: a variant of
 * the image (dev, prod, debug, slim) or a part of the build run on its own.
 */
export const TARGET_NAMES = /(?:^|[-_.])(dev|develop|development|devel|devcontainer|local|prod|production|release|debug|runtime|run|final|image|slim|full|minimal|app|server|service|web|api|worker|cli|test|tests|testing|e2e|integration|unit|lint|check|ci|docs?|bench|deploy|staging|stage|nightly|gpu|cpu|cuda|rocm)(?:[-_.\d]|$)/;

const roles = new WeakMap<BuildGraph, ImageRole>();

/** The role of the image the graph's target builds (worked out once per graph). */
export function imageRole(graph: BuildGraph, context?: BuildContext): ImageRole {
  let r = roles.get(graph);
  if (!r) roles.set(graph, (r = detect(graph, context)));
  return r;
}

function detect(graph: BuildGraph, context?: BuildContext): ImageRole {
  const chain = baseChain(graph, graph.target);
  const target = chain[0];
  const root = chain[chain.length - 1].base;
  const rootRef = root.kind === 'image' && !root.unset ? root.ref : null;
  const steps = [...chain].reverse().flatMap((s) => s.steps);
  const last = (k: 'CMD' | 'ENTRYPOINT') => [...steps].reverse().find((s) => s.keyword === k);
  const entrypoint = last('ENTRYPOINT');
  const cmd = last('CMD');
  const why: string[] = [];
  const windows = target.windows;
  if (windows) why.push(windowsWhy(target, chain));
  const dropsPrivileges = dropping(chain, rootRef, entrypoint, cmd, context);

  let kind: RoleKind = 'service';
  const onbuild = steps.find((s) => s.keyword === 'ONBUILD');
  const argv = effectiveArgv(entrypoint, cmd);
  const program = argv[0] ? path.posix.basename(argv[0].replace(/\\/g, '/')) : null;
  // `python3`, `node`, `bash -l`: an interpreter or shell with nothing to run.
  const bare = !!program && INTERPRETERS.test(program.replace(/\.exe$/i, '')) && argv.slice(1).every((w) => w.startsWith('-'));
  const toolchain = steps.flatMap((s) => (s.keyword === 'ENV' ? Object.keys(s.expanded) : [])).find((k) => TOOLCHAIN_ENV.test(k));
  const language = toolchain?.replace(/_VERSION$/, '').replace(/^GOLANG$/, 'GO').toLowerCase();
  const copiesOnly = target.steps.slice(1).every((s) => s.keyword !== 'RUN');
  if (!entrypoint && !cmd && ((target.base.kind === 'scratch' && copiesOnly) || (target.name !== null && EXPORT_NAMES.test(target.name)))) {
    kind = 'export';
    why.push(target.base.kind === 'scratch' && copiesOnly ? `the target ${label(target)} is FROM scratch with copies and no command: its files are exported (--output), never run` : `the target ${label(target)} has no command and is named as a stage CI runs or exports`);
  } else if (onbuild) {
    kind = 'base';
    why.push(`ONBUILD at line ${onbuild.line}: meant to be built FROM`);
  } else if (!entrypoint && !cmd && !(rootRef && DROPPING_IMAGES.test(rootRef))) {
    kind = 'base';
    why.push(rootRef && toolchainImage(rootRef) ? `no CMD or ENTRYPOINT, on the toolchain image ${rootRef}` : 'no CMD or ENTRYPOINT: no program of its own to run');
  } else if (bare) {
    kind = 'base';
    why.push(`its command is ${argv.join(' ')}, an interpreter or shell with nothing to run${toolchain ? ` (it installs a toolchain: ENV ${toolchain})` : ''}`);
  } else if (toolchain && program && language && program.toLowerCase().startsWith(language)) {
    kind = 'base';
    why.push(`it installs a toolchain (ENV ${toolchain}) and runs that toolchain's ${program}`);
  } else if (toolchain && rootRef && OS_IMAGES.test(rootRef)) {
    // The official language images: a toolchain installed on a bare OS image (php:apache runs apache2-foreground).
    kind = 'base';
    why.push(`it installs a toolchain (ENV ${toolchain}) on the OS image ${rootRef}`);
  } else {
    why.push(program ? `runs ${program}` : rootRef ? `runs what ${rootRef} runs` : 'runs a program');
  }
  if (dropsPrivileges) why.push(`leaves root when it runs: ${dropsPrivileges}`);
  return { kind, windows, dropsPrivileges, why };
}

function label(s: Stage): string {
  return s.name ?? String(s.index);
}

function windowsWhy(target: Stage, chain: Stage[]): string {
  const root = chain[chain.length - 1].base;
  if (root.kind === 'image') return `a Windows image (${root.ref})`;
  return `a Windows image (FROM --platform=${target.platform ?? 'windows'})`;
}

function words(c: CommandForm | null | undefined): string[] {
  if (!c) return [];
  return c.form === 'exec' ? c.argv : c.script.raw.trim().split(/\s+/);
}

function commandOf(step: Step | undefined): CommandForm | null {
  const inst = step?.instruction as Instruction | undefined;
  return inst && (inst.keyword === 'CMD' || inst.keyword === 'ENTRYPOINT') ? inst.command : null;
}

/**
 * What the container runs: ENTRYPOINT then CMD, init shims (tini, dumb-init) looked through;
 * when the ENTRYPOINT is a script (`docker-entrypoint.sh`), the CMD it runs in the end.
 */
function effectiveArgv(entrypoint: Step | undefined, cmd: Step | undefined): string[] {
  const shim = /^(\/(usr\/)?(s?bin\/)?)?(tini|dumb-init)$|^(--|-s|-g|exec)$/;
  const ep = words(commandOf(entrypoint)).filter((w, i, all) => !all.slice(0, i + 1).every((x) => shim.test(x)));
  const c = words(commandOf(cmd));
  const argv = ep.length && entrypointScript(ep[0]) && c.length ? c : [...ep, ...c];
  // `sh -c "exec gunicorn app"`: the program is the script's first command.
  if (/^(\/bin\/)?(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2]) return argv[2].trim().split(/\s+/).filter((w) => w !== 'exec');
  return argv;
}

/** The command line the target image starts with (see effectiveArgv): its last ENTRYPOINT and CMD in the file. */
export function startedArgv(graph: BuildGraph): string[] {
  const steps = [...baseChain(graph, graph.target)].reverse().flatMap((s) => s.steps);
  const last = (k: 'CMD' | 'ENTRYPOINT') => [...steps].reverse().find((s) => s.keyword === k);
  return effectiveArgv(last('ENTRYPOINT'), last('CMD'));
}

/** The program the container starts (see effectiveArgv), by its file name. */
function firstProgram(entrypoint: Step | undefined, cmd: Step | undefined): string | null {
  const p = effectiveArgv(entrypoint, cmd)[0];
  return p ? path.posix.basename(p.replace(/\\/g, '/')) : null;
}

/** An entrypoint script (`docker-entrypoint.sh`, `start-container`): it runs the CMD in the end. */
function entrypointScript(word: string): boolean {
  return /\.(sh|bash)$|entrypoint|start/.test(path.posix.basename(word));
}

/** How the image leaves root when it runs, or null. */
function dropping(chain: Stage[], rootRef: string | null, entrypoint: Step | undefined, cmd: Step | undefined, context?: BuildContext): string | null {
  const argv = [...words(commandOf(entrypoint)), ...words(commandOf(cmd))];
  const line = argv.join(' ');
  const m = DROPPERS.exec(line);
  if (m) return `${m[1]} in its ${entrypoint ? 'ENTRYPOINT' : 'CMD'}`;
  if (argv.some((w) => w === '/init' || w === '/init.sh')) {
    const s6 = chain.some((s) => s.steps.some((x) => /s6-overlay/.test(x.instruction.text)));
    if (s6 || argv[0] === '/init') return 's6-overlay (/init) runs its services as their users';
  }
  const program = firstProgram(entrypoint, cmd);
  if (program && WORKER_SERVERS.test(program)) return `${program} runs its workers as an unprivileged user`;
  // The entrypoint script the image copies in from the context.
  for (const w of argv.slice(0, 3)) {
    const name = path.posix.basename(w);
    if (!/\.(sh|bash)$|entrypoint|start|run/.test(name)) continue;
    const text = scriptText(chain, name, context);
    const d = text && DROPPERS.exec(text);
    if (d) return `${d[1].replace(/\s+/g, ' ')} in ${name}`;
  }
  // Not overridden: the base image's own entrypoint or server.
  if (rootRef && DROPPING_IMAGES.test(rootRef) && (!program || !entrypoint)) {
    return `${DROPPING_IMAGES.exec(rootRef)![1]}'s entrypoint or server does`;
  }
  return null;
}

/** The content of the context file a COPY/ADD of the chain brings in under `name`. */
function scriptText(chain: Stage[], name: string, context?: BuildContext): string | undefined {
  if (!context) return undefined;
  for (const stage of chain) {
    for (const step of stage.steps) {
      const src = step.sources.find((x) => x.kind === 'context');
      if (!src || src.kind !== 'context') continue;
      const dest = String(step.expanded.dest ?? '');
      for (const p of src.paths) {
        const rel = path.posix.join('/', p).slice(1);
        if (path.posix.basename(rel) === name || path.posix.basename(dest) === name) {
          const text = context.readText(rel);
          if (text !== undefined) return text;
        }
        // A folder copied whole: the script inside it.
        const inside = context.readText(path.posix.join(rel, name));
        if (inside !== undefined) return inside;
      }
    }
  }
  return undefined;
}

/** One line for people: `service (runs gunicorn; leaves root when it runs: gosu in docker-entrypoint.sh)`. */
export function describeRole(r: ImageRole): string {
  const kind = r.kind === 'base' ? 'a base or toolchain image, meant to be extended' : r.kind === 'export' ? 'never run (exported or run by CI)' : 'a service';
  return `${kind}${r.windows ? ', Windows' : ''}: ${r.why.join('; ')}`;
}
