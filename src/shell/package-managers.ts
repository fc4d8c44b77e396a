/**
 * Package managers as data, in one place: which commands are theirs, which activity rules
 * (activities.ts) are their installs, which words remove packages, which words only ask for
 * the version, where they keep their download caches and indexes, which commands empty them,
 * and which flags keep the cache out; for the managers whose compiles fetch their own
 * dependencies, which compiles, which flags keep them offline and what does that part alone;
 * and which lockfiles a plain install rewrites in place.
 * The package-cache rule, the cache-mounts transform, the effects model (what a clean-up
 * touches, which lockfile an install rewrites) and compile-without-dependency-cache all read
 * this table; nothing else says it.
 */

/** A download cache or index of a manager, at its default place. */
export interface CacheDir {
  /** Names it in the table's clean-ups. */
  id: string;
  /** Where it is kept by default; `~` is the home of the step's user. */
  path: string;
  /** For people: `the apt package lists`. */
  what: string;
}

/** A command that empties caches: the manager's name, then these positional words (flags skipped). */
export interface Cleanup {
  sub: readonly string[];
  /** A flag that must be present too (`go clean -modcache`). */
  flags?: readonly string[];
  /** The cache ids it empties. */
  empties: readonly string[];
}

export interface PackageManager {
  name: string;
  /** Command names (last path segment of argv[0], `sudo` dropped). */
  commands: readonly (string | RegExp)[];
  /** Its activity rules (activities.ts): installs, and index updates that fill its caches. */
  rules: readonly string[];
  /** Positional words that remove packages: `purge`, `del`, `uninstall`. */
  removes?: readonly string[];
  /**
   * The operating system's manager (apt, apk, yum): its installs and removals read and write
   * the system and no file of the build but the package files it is given (effects.ts).
   */
  os?: true;
  /**
   * Words that, first after the name, make a command a version or help check (`yarn
   * --version` is no `yarn install`). Per manager: pip's `-v` is verbose.
   */
  versionChecks: readonly string[];
  caches: readonly CacheDir[];
  cleanups: readonly Cleanup[];
  /**
   * Flags that turn its download cache off (`--no-cache-dir`): nothing is left in the layer,
   * and a cache mount on it is never used.
   */
  noCacheFlags?: readonly string[];
  /**
   * Its compiles that resolve, fetch and build the dependencies themselves when no step did it
   * first (`cargo build`, `mvn package`, `dotnet publish`, whose activity is `dotnet build`): after a copy of the whole source they
   * redo all of it on every edit. Activity ids (activities.ts); the manager's `rules` are the
   * steps that do the dependency part alone (`cargo fetch`, `cargo chef cook`, `dotnet restore`).
   */
  resolvingBuilds?: readonly string[];
  /** Flags of those compiles that keep them off the dependency part (`dotnet publish --no-restore`, `mvn -o`). */
  offlineFlags?: readonly string[];
  /** For people: the step that does the dependency part alone, before the source copy. */
  dependencyStep?: string;
  /**
   * For people: where a cache mount keeps what those compiles fetch and build, so that a re-run
   * reuses it. The transform that adds such mounts (fix/transforms/cache-mounts.ts) works the
   * exact folders out from the step's variables; this is only what a message names.
   */
  dependencyCache?: string;
  /**
   * The lockfiles a plain install of the project (no package named) may rewrite in place, in
   * its folder: `npm install` brings package-lock.json (or npm-shrinkwrap.json, which wins
   * when both are there) up to date with package.json, and writes it when the project has
   * none. What it installs is what the manifests and the lockfile given ask for; only the
   * lockfile's text may change (see Effects.lockfiles).
   */
  rewritesLockfiles?: readonly string[];
}

const VERSION = ['--version', '--help', '-h'];

export const PACKAGE_MANAGERS: readonly PackageManager[] = [
  {
    name: 'apt',
    os: true,
    commands: ['apt-get', 'apt', 'aptitude'],
    rules: ['apt-get install', 'apt-get upgrade', 'apt-get update'],
    removes: ['remove', 'purge', 'autoremove', 'autopurge'],
    versionChecks: [...VERSION, '-v'],
    caches: [
      { id: 'apt-archives', path: '/var/cache/apt', what: "apt's downloaded packages" },
      { id: 'apt-lists', path: '/var/lib/apt/lists', what: 'the apt package lists' },
    ],
    // `apt-get clean` keeps the lists; `dist-clean` (apt 2.7) removes them too.
    cleanups: [
      { sub: ['clean'], empties: ['apt-archives'] },
      { sub: ['autoclean'], empties: ['apt-archives'] },
      { sub: ['dist-clean'], empties: ['apt-archives', 'apt-lists'] },
      { sub: ['distclean'], empties: ['apt-archives', 'apt-lists'] },
    ],
  },
  {
    name: 'apk',
    os: true,
    commands: ['apk'],
    rules: ['apk add', 'apk update'],
    removes: ['del'],
    versionChecks: [...VERSION, '-V'],
    caches: [{ id: 'apk', path: '/var/cache/apk', what: 'the apk index' }, { id: 'apk-etc', path: '/etc/apk/cache', what: 'the apk package cache' }],
    cleanups: [
      { sub: ['cache', 'clean'], empties: ['apk', 'apk-etc'] },
      { sub: ['cache', 'purge'], empties: ['apk', 'apk-etc'] },
    ],
    noCacheFlags: ['--no-cache'],
  },
  {
    name: 'yum',
    os: true,
    commands: ['yum', 'dnf', 'microdnf', 'tdnf', 'zypper'],
    rules: ['yum install', 'yum makecache'],
    removes: ['remove', 'erase', 'rm', 'autoremove'],
    versionChecks: [...VERSION],
    caches: [
      { id: 'yum', path: '/var/cache/yum', what: 'the yum metadata and package cache' },
      { id: 'dnf', path: '/var/cache/dnf', what: 'the dnf metadata and package cache' },
      { id: 'libdnf5', path: '/var/cache/libdnf5', what: 'the dnf5 metadata and package cache' },
      { id: 'zypp', path: '/var/cache/zypp', what: 'the zypper metadata and package cache' },
    ],
    cleanups: [{ sub: ['clean'], empties: ['yum', 'dnf', 'libdnf5', 'zypp'] }],
  },
  {
    name: 'conda',
    commands: ['conda', 'mamba', 'micromamba'],
    rules: ['conda install'],
    removes: ['remove', 'uninstall'],
    versionChecks: [...VERSION, '-V'],
    caches: [{ id: 'conda', path: '/opt/conda/pkgs', what: "conda's package cache" }],
    cleanups: [{ sub: ['clean'], empties: ['conda'] }],
  },
  {
    name: 'pip',
    commands: [/^pip(\d+(\.\d+)?)?$/],
    rules: ['pip install', 'pip download', 'pip wheel'],
    removes: ['uninstall'],
    versionChecks: [...VERSION, '-V'],
    caches: [{ id: 'pip', path: '~/.cache/pip', what: "pip's download and wheel cache" }],
    cleanups: [
      { sub: ['cache', 'purge'], empties: ['pip'] },
      { sub: ['cache', 'remove'], empties: ['pip'] },
    ],
    noCacheFlags: ['--no-cache-dir'],
  },
  {
    name: 'uv',
    commands: ['uv'],
    rules: ['uv pip install', 'uv pip sync', 'uv sync'],
    versionChecks: [...VERSION, '-V', 'version'],
    caches: [{ id: 'uv', path: '~/.cache/uv', what: "uv's cache" }],
    cleanups: [
      { sub: ['cache', 'clean'], empties: ['uv'] },
      { sub: ['cache', 'prune'], empties: ['uv'] },
    ],
    noCacheFlags: ['--no-cache', '-n'],
  },
  {
    name: 'npm',
    commands: ['npm'],
    rules: ['npm ci', 'npm install'],
    removes: ['uninstall', 'remove', 'rm', 'un'],
    versionChecks: [...VERSION, '-v'],
    caches: [{ id: 'npm', path: '~/.npm', what: "npm's cache" }],
    cleanups: [
      { sub: ['cache', 'clean'], empties: ['npm'] },
      { sub: ['cache', 'prune'], empties: ['npm'] },
    ],
    rewritesLockfiles: ['package-lock.json', 'npm-shrinkwrap.json'],
  },
  {
    name: 'yarn',
    commands: ['yarn'],
    rules: ['yarn install'],
    removes: ['remove'],
    // `yarn version` bumps the project's version: not a check.
    versionChecks: [...VERSION, '-v'],
    // Yarn 1 keeps root's cache under /usr/local/share, not in the home.
    caches: [{ id: 'yarn', path: '/usr/local/share/.cache/yarn', what: "yarn's cache" }, { id: 'yarn-home', path: '~/.cache/yarn', what: "yarn's cache" }],
    cleanups: [{ sub: ['cache', 'clean'], empties: ['yarn', 'yarn-home'] }],
  },
  {
    name: 'pnpm',
    commands: ['pnpm'],
    rules: ['pnpm install'],
    removes: ['remove', 'rm', 'uninstall'],
    versionChecks: [...VERSION, '-v'],
    caches: [{ id: 'pnpm', path: '~/.local/share/pnpm/store', what: "pnpm's store" }],
    cleanups: [{ sub: ['store', 'prune'], empties: ['pnpm'] }],
  },
  {
    name: 'go',
    commands: ['go'],
    rules: ['go mod download', 'go get'],
    versionChecks: [...VERSION, 'version'],
    caches: [{ id: 'go-build', path: '~/.cache/go-build', what: "Go's build cache" }, { id: 'go-mod', path: '~/go/pkg/mod', what: 'the Go module cache' }],
    cleanups: [
      { sub: ['clean'], flags: ['-cache'], empties: ['go-build'] },
      { sub: ['clean'], flags: ['-modcache'], empties: ['go-mod'] },
    ],
  },
  {
    name: 'cargo',
    commands: ['cargo'],
    rules: ['cargo fetch', 'cargo chef cook'],
    versionChecks: [...VERSION, '-V', 'version'],
    caches: [],
    cleanups: [],
    resolvingBuilds: ['cargo build'],
    offlineFlags: ['--offline', '--frozen'],
    dependencyStep: 'cargo chef cook of cargo-chef, or a build of a skeleton project from Cargo.toml and Cargo.lock alone',
    dependencyCache: '$CARGO_HOME/registry and target/ (the binary then copied out of target/ in the same RUN)',
  },
  {
    name: 'maven',
    commands: ['mvn', 'mvnw'],
    rules: ['mvn dependency:go-offline'],
    versionChecks: [...VERSION, '-v'],
    caches: [],
    cleanups: [],
    resolvingBuilds: ['mvn'],
    offlineFlags: ['-o', '--offline'],
    dependencyStep: 'mvn dependency:go-offline after a copy of pom.xml alone',
    dependencyCache: '~/.m2/repository',
  },
  {
    name: 'gradle',
    commands: ['gradle', 'gradlew'],
    rules: ['gradle dependencies'],
    versionChecks: [...VERSION, '-v'],
    caches: [],
    cleanups: [],
    resolvingBuilds: ['gradle'],
    offlineFlags: ['--offline'],
    dependencyStep: 'gradle dependencies after a copy of the build scripts alone',
    dependencyCache: '~/.gradle/caches',
  },
  {
    name: 'dotnet',
    commands: ['dotnet'],
    rules: ['dotnet restore'],
    versionChecks: [...VERSION, '--info', '--list-sdks'],
    caches: [],
    cleanups: [],
    resolvingBuilds: ['dotnet build'],
    offlineFlags: ['--no-restore'],
    dependencyStep: 'dotnet restore after a copy of the project files alone (then --no-restore on the compile)',
    dependencyCache: '~/.nuget/packages',
  },
  {
    name: 'bundler',
    commands: ['bundle', 'bundler'],
    rules: ['bundle install'],
    versionChecks: [...VERSION, '-v', 'version'],
    caches: [],
    cleanups: [],
  },
  {
    name: 'gem',
    commands: ['gem'],
    rules: ['gem install'],
    removes: ['uninstall'],
    versionChecks: [...VERSION, '-v'],
    caches: [],
    cleanups: [],
  },
  {
    name: 'composer',
    commands: ['composer', 'composer.phar'],
    rules: ['composer install'],
    removes: ['remove'],
    versionChecks: [...VERSION, '-V'],
    caches: [{ id: 'composer', path: '~/.cache/composer', what: "composer's cache" }],
    cleanups: [
      { sub: ['clear-cache'], empties: ['composer'] },
      { sub: ['clearcache'], empties: ['composer'] },
    ],
  },
];

const base = (v: string) => v.slice(v.lastIndexOf('/') + 1);
const named = (m: PackageManager, name: string) => m.commands.some((c) => (typeof c === 'string' ? c === name : c.test(name)));

/** The command's argv with `sudo` dropped and the name as its last path segment. */
export function managerArgv(words: readonly string[]): string[] {
  const argv = [...words];
  while (argv.length && (argv[0] === 'sudo' || argv[0] === 'doas')) argv.shift();
  if (argv.length) argv[0] = base(argv[0]);
  // `python -m pip ...` is pip.
  if (argv.length > 2 && /^python(\d+(\.\d+)?)?$/.test(argv[0]) && argv[1] === '-m') argv.splice(0, 3, base(argv[2]));
  return argv;
}

/** The manager a command belongs to, by its argv (see {@link managerArgv}). */
export function managerOf(argv: readonly string[]): PackageManager | undefined {
  return argv.length ? PACKAGE_MANAGERS.find((m) => named(m, argv[0])) : undefined;
}

/** The manager of this name in the table (`npm`). */
export function managerNamed(name: string): PackageManager | undefined {
  return PACKAGE_MANAGERS.find((m) => m.name === name);
}

/** The manager an activity rule belongs to (`apt-get install` → apt). */
export function managerOfRule(rule: string): PackageManager | undefined {
  return PACKAGE_MANAGERS.find((m) => m.rules.includes(rule));
}

/** The words after the name that are not flags. */
const positional = (argv: readonly string[]) => argv.slice(1).filter((w) => !w.startsWith('-'));

/**
 * Whether the command only asks a manager for its version or help: the first word after the
 * name is one of its version checks (`yarn --version`, `go version`). Later in the command the
 * same word may be a value (`gem install rails -v 7.1`).
 */
export function isVersionCheck(argv: readonly string[]): boolean {
  const m = managerOf(argv);
  return !!m && argv.length > 1 && m.versionChecks.includes(argv[1]);
}

/**
 * The cache directories a command empties (default paths, `~` as written), when it is one of
 * the table's clean-ups: `apt-get dist-clean`, `pip cache purge`, `go clean -modcache`.
 */
export function cleanedCaches(argv: readonly string[]): CacheDir[] {
  const m = managerOf(argv);
  if (!m) return [];
  const pos = positional(argv);
  const ids = new Set<string>();
  for (const c of m.cleanups) {
    if (!c.sub.every((w, k) => pos[k] === w)) continue;
    if (c.flags && !c.flags.some((f) => argv.includes(f))) continue;
    c.empties.forEach((id) => ids.add(id));
  }
  return m.caches.filter((d) => ids.has(d.id));
}

/** Folders that hold several managers' caches (the XDG cache home: pip, uv, Go, yarn): removing one is a clean-up too. */
export const CACHE_HOMES: readonly string[] = ['~/.cache', '/usr/local/share/.cache'];

/** Every cache directory of the table, with `~` as root's home: what an `rm` of caches may remove. */
export function rootCacheDirs(): string[] {
  return [...PACKAGE_MANAGERS.flatMap((m) => m.caches.map((d) => d.path)), ...CACHE_HOMES].map((p) => p.replace(/^~(?=\/|$)/, '/root'));
}
