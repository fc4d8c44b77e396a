/**
 * What a command in a RUN script does, as data: a table of command patterns and the activity
 * each stands for (a package install, a compile, a download, a sleep, a file operation). The
 * matching is code, in classify.ts; what an activity costs is in src/timing/estimate.ts.
 *
 * A rule matches a command by its name (the last path segment of argv[0]), then the
 * positional words that must follow (`apt-get install`, `go mod download`), flags in between
 * skipped. Its operands are what it counts: packages, URLs, source files, durations.
 */

export type ActivityKind =
  /** Packages installed by a package manager. */
  | 'install'
  /** A compiler or build tool at work. */
  | 'compile'
  /** Files fetched from the network. */
  | 'download'
  /** `sleep N`: exactly N seconds. */
  | 'sleep'
  /** File and text utilities, shell builtins, package-cache clean-ups: cheap. */
  | 'file'
  /** `sh -c '...'`, `bash <<EOF`: its script's commands are analysed in their own right. */
  | 'shell'
  /** Anything not recognised. */
  | 'other';

export interface ActivityRule {
  /** Names the rule in estimate bases and in the cost table: `apt-get install`. */
  readonly id: string;
  readonly kind: ActivityKind;
  /** Command names (last path segment of argv[0]); a RegExp for versioned ones (`pip3.12`). */
  readonly commands: readonly (string | RegExp)[];
  /** Positional words that must follow the name, each a set of alternatives. */
  readonly sub?: readonly (readonly string[])[];
  /** The rule also matches when no positional word follows at all (`yarn` alone installs). */
  readonly subOptional?: boolean;
  /** A flag that must be present (`cmake --build`). */
  readonly flag?: string;
  /** Flags whose value is the next word, so that it is not taken for an operand. */
  readonly valueFlags?: readonly string[];
  /** Flags whose value is a file listing more items (`pip install -r requirements.txt`). */
  readonly listFlags?: readonly string[];
  /**
   * What the operands are: `items` are counted (packages, URLs, source files), `lists` are
   * files listing items (`uv pip sync requirements.txt`). Absent: operands are not counted
   * (`make install`).
   */
  readonly operands?: 'items' | 'lists';
  /** Operands that count as items; others are ignored (curl's output names, gcc's objects). */
  readonly itemPattern?: RegExp;
  /** Only the first N matching operands are items (`git clone URL DIR`). */
  readonly maxItems?: number;
  /** Operands that are local paths name a project whose dependencies cannot be counted. */
  readonly localProjects?: boolean;
  /** With no operand, what the items come from (`npm ci` reads package-lock.json). */
  readonly manifest?: string;
}

const PYTHON = /^python(\d+(\.\d+)?)?$/;
const PIP = /^pip(\d+(\.\d+)?)?$/;

/**
 * Where `layerwise fix` (split-install) freezes what a requirements install resolved, for the
 * project install after the source copy to keep to (`-c`): the cost model knows such an
 * install finds its dependencies installed.
 */
export const FROZEN_CONSTRAINTS = '/tmp/layerwise-constraints.txt';

/**
 * Where `layerwise fix` (split-install) puts a project's pyproject.toml alone, to install the
 * dependencies it lists before the source arrives; the step removes the folder when done.
 */
export const PYPROJECT_DEPS_DIR = '/tmp/layerwise-deps';

/**
 * The program split-install runs (`python3 -c PROGRAM PYPROJECT EXTRAS`) to print the
 * dependencies a pyproject.toml lists, one requirement a line: `[project].dependencies`, then
 * those of each extra asked for (comma-separated), with the project's references to its own
 * extras (`app[gpu]`) followed, as pip resolves them. It reads that one file (tomllib, or the
 * tomli pip vendors before Python 3.11) and writes only standard output: effects.ts knows it
 * by this exact text. One line without single quotes, so that it sits in a shell word.
 */
export const PYPROJECT_DEPS_PROGRAM = [
  'import sys,re',
  't=__import__("tomllib") if sys.version_info>=(3,11) else __import__("pip._vendor.tomli",fromlist=["loads"])',
  'p=t.loads(open(sys.argv[1],encoding="utf-8").read())["project"]',
  'k=lambda s:re.sub(r"[-_.]+","-",s.strip()).lower()',
  'o={k(a):b for a,b in p.get("optional-dependencies",{}).items()}',
  's=set()',
  'f=lambda r:(lambda m:[g(e) for e in (m.group(2) or "").split(",")] if m and k(m.group(1))==k(p["name"]) else print(r))(re.match(r"\\s*([A-Za-z0-9][A-Za-z0-9._-]*)\\s*(?:\\[([^\\]]*)\\])?\\s*(?:;|$)",r))',
  'g=lambda e:None if not e.strip() or k(e) in s else (s.add(k(e)),[f(r) for r in o.get(k(e),[])])',
  '[f(r) for r in p.get("dependencies",[])]',
  '[g(e) for e in sys.argv[2].split(",")]',
].join(';');
const URL = /:\/\//;
const GIT_REPO = /:\/\/|^[\w.-]+@[\w.-]+:|\.git(#.*)?$/;
const C_SOURCE = /\.(c|cc|cpp|cxx|c\+\+|m|mm|s|S)$/;

const APT_VALUES = ['-o', '--option', '-t', '--target-release', '-c', '--config-file'];
const APK_VALUES = ['-X', '--repository', '-t', '--virtual', '-p', '--root', '--arch', '--cache-dir', '--keys-dir', '--repositories-file'];
const RPM_VALUES = ['--setopt', '-x', '--exclude', '--enablerepo', '--disablerepo', '--releasever', '--installroot', '-c', '--config', '--repo', '--repofrompath', '--forcearch'];
const PIP_VALUES = [
  '-c', '--constraint', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix',
  '--root', '--platform', '--python-version', '--implementation', '--abi', '--only-binary', '--no-binary', '--trusted-host',
  '--cache-dir', '--src', '--upgrade-strategy', '--progress-bar', '--log', '--timeout', '--retries', '--proxy',
  '-C', '--config-settings', '--global-option', '--report', '--python', '-p', '--extra', '--index', '--default-index',
];
const PIP_LISTS = ['-r', '--requirement', '-e', '--editable'];
const NPM_VALUES = ['--prefix', '-w', '--workspace', '--registry', '--cache', '--omit', '--include', '--tag', '--userconfig', '-C', '--cwd', '--dir', '--filter', '--modules-folder', '--network-timeout', '--mutex'];
const CURL_VALUES = [
  '-o', '--output', '-H', '--header', '-d', '--data', '--data-binary', '--data-raw', '--data-urlencode', '-u', '--user',
  '-x', '--proxy', '-A', '--user-agent', '-e', '--referer', '-w', '--write-out', '-m', '--max-time', '--connect-timeout',
  '--retry', '--retry-delay', '--retry-max-time', '-T', '--upload-file', '-X', '--request', '-F', '--form', '-b', '--cookie',
  '-c', '--cookie-jar', '-K', '--config', '-r', '--range', '-C', '--continue-at', '--cacert', '--capath', '--cert', '--key',
  '-E', '--output-dir', '-z', '--time-cond', '--limit-rate', '--resolve', '--proto', '--proto-redir', '--url',
];
const WGET_VALUES = [
  '-O', '--output-document', '-P', '--directory-prefix', '-o', '--output-file', '-a', '--append-output', '-t', '--tries',
  '-T', '--timeout', '-U', '--user-agent', '--header', '-e', '--execute', '--user', '--password', '-w', '--wait', '-Q',
  '--quota', '-l', '--level', '--limit-rate', '--ca-certificate', '--post-data', '--method', '--body-data',
];
const GIT_CLONE_VALUES = ['--depth', '-b', '--branch', '-o', '--origin', '-c', '--config', '--reference', '--filter', '-j', '--jobs', '--separate-git-dir', '--template', '-u', '--upload-pack', '--shallow-since', '--shallow-exclude', '--recurse-submodules'];
const GCC_VALUES = ['-o', '-I', '-L', '-D', '-U', '-l', '-include', '-x', '-MF', '-MT', '-MQ', '-isystem', '-idirafter', '-iquote', '-Xlinker', '-Xassembler', '-Xpreprocessor', '--sysroot', '-target'];
const CONDA_VALUES = ['-c', '--channel', '-n', '--name', '-p', '--prefix', '--override-channels'];

/**
 * The rules, most specific first: the first that matches a command wins. Package-cache
 * clean-ups (`apt-get clean`, `apk del`) are listed as file operations so that they are not
 * taken for unknown commands.
 */
export const ACTIVITY_RULES = [
  // System package managers.
  { id: 'apt-get install', kind: 'install', operands: 'items', commands: ['apt-get', 'apt', 'aptitude'], sub: [['install', 'reinstall']], valueFlags: APT_VALUES },
  { id: 'apt-get upgrade', kind: 'install', commands: ['apt-get', 'apt', 'aptitude'], sub: [['upgrade', 'dist-upgrade', 'full-upgrade']], valueFlags: APT_VALUES, manifest: 'the upgradable packages' },
  { id: 'apt-get update', kind: 'download', commands: ['apt-get', 'apt', 'aptitude'], sub: [['update']], valueFlags: APT_VALUES },
  { id: 'apt-get clean', kind: 'file', commands: ['apt-get', 'apt', 'aptitude'], sub: [['clean', 'autoclean', 'dist-clean', 'distclean', 'autoremove', 'autopurge', 'remove', 'purge']] },
  { id: 'dpkg -i', kind: 'install', operands: 'items', commands: ['dpkg'], flag: '-i' },
  { id: 'apk add', kind: 'install', operands: 'items', commands: ['apk'], sub: [['add']], valueFlags: APK_VALUES },
  { id: 'apk update', kind: 'download', commands: ['apk'], sub: [['update']], valueFlags: APK_VALUES },
  { id: 'apk del', kind: 'file', commands: ['apk'], sub: [['del', 'cache']] },
  { id: 'yum install', kind: 'install', operands: 'items', commands: ['yum', 'dnf', 'microdnf', 'tdnf', 'zypper'], sub: [['install', 'in', 'reinstall', 'groupinstall']], valueFlags: RPM_VALUES },
  { id: 'yum makecache', kind: 'download', commands: ['yum', 'dnf', 'microdnf', 'tdnf', 'zypper'], sub: [['makecache', 'refresh', 'ref']], valueFlags: RPM_VALUES },
  { id: 'yum clean', kind: 'file', commands: ['yum', 'dnf', 'microdnf', 'tdnf', 'zypper'], sub: [['clean', 'remove', 'erase']] },
  { id: 'conda install', kind: 'install', operands: 'items', commands: ['conda', 'mamba', 'micromamba'], sub: [['install', 'create']], valueFlags: CONDA_VALUES, listFlags: ['--file'] },
  { id: 'conda clean', kind: 'file', commands: ['conda', 'mamba', 'micromamba'], sub: [['clean']] },

  // Language package managers.
  { id: 'pip install', kind: 'install', operands: 'items', commands: [PIP], sub: [['install']], valueFlags: PIP_VALUES, listFlags: PIP_LISTS, localProjects: true },
  { id: 'pip download', kind: 'download', operands: 'items', commands: [PIP], sub: [['download']], valueFlags: [...PIP_VALUES, '-d', '--dest'], listFlags: PIP_LISTS, localProjects: true },
  { id: 'pip wheel', kind: 'compile', operands: 'items', commands: [PIP], sub: [['wheel']], valueFlags: [...PIP_VALUES, '-w', '--wheel-dir'], listFlags: PIP_LISTS, localProjects: true },
  { id: 'pip cache purge', kind: 'file', commands: [PIP], sub: [['cache', 'uninstall']] },
  { id: 'uv pip install', kind: 'install', operands: 'items', commands: ['uv'], sub: [['pip'], ['install']], valueFlags: PIP_VALUES, listFlags: PIP_LISTS, localProjects: true },
  { id: 'uv pip sync', kind: 'install', commands: ['uv'], sub: [['pip'], ['sync']], valueFlags: PIP_VALUES, operands: 'lists' },
  { id: 'uv sync', kind: 'install', commands: ['uv'], sub: [['sync']], valueFlags: PIP_VALUES, manifest: 'uv.lock' },
  { id: 'poetry install', kind: 'install', commands: ['poetry'], sub: [['install']], valueFlags: ['--with', '--without', '--only', '-E', '--extras'], manifest: 'poetry.lock' },
  { id: 'pipenv install', kind: 'install', operands: 'items', commands: ['pipenv'], sub: [['install', 'sync']], manifest: 'Pipfile' },
  { id: 'npm ci', kind: 'install', commands: ['npm'], sub: [['ci', 'clean-install']], valueFlags: NPM_VALUES, manifest: 'package-lock.json' },
  { id: 'npm install', kind: 'install', operands: 'items', commands: ['npm'], sub: [['install', 'i', 'add', 'isntall']], valueFlags: NPM_VALUES, manifest: 'package.json' },
  { id: 'yarn install', kind: 'install', operands: 'items', commands: ['yarn'], sub: [['install', 'add']], subOptional: true, valueFlags: NPM_VALUES, manifest: 'package.json' },
  { id: 'pnpm install', kind: 'install', operands: 'items', commands: ['pnpm'], sub: [['install', 'i', 'add']], valueFlags: NPM_VALUES, manifest: 'package.json' },
  { id: 'npm run build', kind: 'compile', commands: ['npm', 'pnpm', 'yarn'], sub: [['run', 'run-script'], ['build']], valueFlags: NPM_VALUES },
  { id: 'yarn build', kind: 'compile', commands: ['yarn', 'pnpm'], sub: [['build']], valueFlags: NPM_VALUES },
  { id: 'npm cache clean', kind: 'file', commands: ['npm', 'yarn', 'pnpm'], sub: [['cache', 'prune']] },
  { id: 'go mod download', kind: 'install', commands: ['go'], sub: [['mod'], ['download']], manifest: 'go.mod' },
  { id: 'go get', kind: 'install', operands: 'items', commands: ['go'], sub: [['get']], valueFlags: ['-C'] },
  { id: 'go build', kind: 'compile', commands: ['go'], sub: [['build', 'install', 'test', 'generate']], valueFlags: ['-C', '-o', '-p', '-tags', '-ldflags', '-gcflags', '-mod', '-modfile', '-pkgdir', '-buildmode', '-compiler', '-trimpath'] },
  { id: 'cargo fetch', kind: 'install', commands: ['cargo'], sub: [['fetch']], manifest: 'Cargo.lock' },
  { id: 'cargo install', kind: 'compile', operands: 'items', commands: ['cargo'], sub: [['install']], valueFlags: ['--version', '--git', '--branch', '--tag', '--rev', '--path', '--root', '--features', '-F', '--target', '-j', '--jobs', '--profile', '--registry', '--index'] },
  // cargo-chef: the dependencies of recipe.json alone (planned from the manifests).
  { id: 'cargo chef cook', kind: 'install', commands: ['cargo'], sub: [['chef'], ['cook']], valueFlags: ['--recipe-path', '--target', '--target-dir', '--features', '--profile', '-p', '--package', '--bin'] },
  { id: 'cargo build', kind: 'compile', commands: ['cargo'], sub: [['build', 'b', 'test', 'bench', 'rustc']] },
  { id: 'bundle install', kind: 'install', commands: ['bundle', 'bundler'], sub: [['install']], subOptional: true, valueFlags: ['--jobs', '-j', '--path', '--without', '--with', '--gemfile', '--retry'], manifest: 'Gemfile' },
  { id: 'gem install', kind: 'install', operands: 'items', commands: ['gem'], sub: [['install']], valueFlags: ['-v', '--version', '-i', '--install-dir', '-n', '--bindir', '--source', '-s', '--platform'] },
  { id: 'composer install', kind: 'install', operands: 'items', commands: ['composer', 'composer.phar'], sub: [['install', 'update', 'require']], valueFlags: ['-d', '--working-dir'], manifest: 'composer.json' },
  { id: 'mvn dependency:go-offline', kind: 'install', commands: ['mvn', 'mvnw'], sub: [['dependency:go-offline', 'dependency:resolve', 'dependency:resolve-plugins']], valueFlags: ['-f', '--file', '-s', '--settings', '-P', '-pl', '--projects', '-T', '--threads'], manifest: 'pom.xml' },
  { id: 'mvn', kind: 'compile', commands: ['mvn', 'mvnw'] },
  { id: 'gradle dependencies', kind: 'install', commands: ['gradle', 'gradlew'], sub: [['dependencies', 'androidDependencies']], valueFlags: ['--configuration', '-p', '--project-dir', '-c', '--settings-file', '-g', '--gradle-user-home', '-I', '--init-script', '-x', '--exclude-task'], manifest: 'build.gradle' },
  { id: 'gradle', kind: 'compile', commands: ['gradle', 'gradlew'] },

  // Compilers and build tools.
  { id: 'cmake --build', kind: 'compile', commands: ['cmake'], flag: '--build' },
  { id: 'cmake', kind: 'compile', commands: ['cmake'] },
  { id: 'configure', kind: 'compile', commands: ['configure'] },
  { id: 'make', kind: 'compile', commands: ['make', 'gmake'] },
  { id: 'ninja', kind: 'compile', commands: ['ninja', 'samu'] },
  { id: 'meson compile', kind: 'compile', commands: ['meson'], sub: [['compile', 'install']] },
  { id: 'gcc', kind: 'compile', operands: 'items', commands: ['gcc', 'g++', 'cc', 'c++', 'clang', 'clang++', /^(gcc|g\+\+|clang|clang\+\+)-\d+$/], valueFlags: GCC_VALUES, itemPattern: C_SOURCE },
  { id: 'python setup.py build', kind: 'compile', commands: [PYTHON], sub: [['setup.py'], ['build', 'build_ext', 'bdist_wheel', 'install', 'develop', 'sdist']] },
  { id: 'tsc', kind: 'compile', commands: ['tsc'] },
  { id: 'rustc', kind: 'compile', commands: ['rustc'] },
  { id: 'javac', kind: 'compile', commands: ['javac'] },
  // `dotnet restore` reads the project files (*.csproj, *.sln) of its folder, or the one named.
  { id: 'dotnet restore', kind: 'install', commands: ['dotnet'], sub: [['restore']], valueFlags: ['-a', '--arch', '-r', '--runtime', '-s', '--source', '--configfile', '--packages', '-v', '--verbosity'], operands: 'lists', manifest: '.' },
  { id: 'dotnet build', kind: 'compile', commands: ['dotnet'], sub: [['build', 'publish', 'test', 'pack']] },

  // Downloads.
  { id: 'curl', kind: 'download', operands: 'items', commands: ['curl'], valueFlags: CURL_VALUES, itemPattern: URL },
  { id: 'wget', kind: 'download', operands: 'items', commands: ['wget'], valueFlags: WGET_VALUES, listFlags: ['-i', '--input-file'], itemPattern: URL },
  { id: 'git clone', kind: 'download', operands: 'items', commands: ['git'], sub: [['clone']], valueFlags: GIT_CLONE_VALUES, itemPattern: GIT_REPO, maxItems: 1 },
  { id: 'git fetch', kind: 'download', commands: ['git'], sub: [['fetch', 'pull', 'submodule']] },

  { id: 'sleep', kind: 'sleep', commands: ['sleep'] },
] as const satisfies readonly ActivityRule[];

export type RuleId = (typeof ACTIVITY_RULES)[number]['id'];
/** Rules whose activity costs something (installs, compiles, downloads). */
export type CostedRuleId = Extract<(typeof ACTIVITY_RULES)[number], { kind: 'install' | 'compile' | 'download' }>['id'];

/** Commands that run another command: `sudo apt-get ...`, `xargs apt-get install`. */
export interface Wrapper {
  readonly commands: readonly (string | RegExp)[];
  /** Flags whose value is the next word. */
  readonly valueFlags?: readonly string[];
  /** Operands before the wrapped command (`timeout 60 cmd`). */
  readonly skipOperands?: number;
  /** `NAME=value` words before the command are the wrapper's (`env A=1 cmd`). */
  readonly assignments?: boolean;
  /** The wrapped command gets more arguments from its input (`xargs`): its count is unknown. */
  readonly stdin?: boolean;
  /** The command is the module after this flag, and only then (`python -m pip`). */
  readonly module?: string;
}

export const WRAPPERS: readonly Wrapper[] = [
  { commands: ['sudo', 'doas'], valueFlags: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '--user', '--group', '--chdir'] },
  { commands: ['env'], valueFlags: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'], assignments: true },
  { commands: ['nice'], valueFlags: ['-n', '--adjustment'] },
  { commands: ['nohup', 'time', 'exec', 'fakeroot', 'eatmydata'] },
  { commands: ['stdbuf'], valueFlags: ['-i', '-o', '-e'] },
  { commands: ['timeout'], valueFlags: ['-s', '--signal', '-k', '--kill-after'], skipOperands: 1 },
  { commands: ['xargs'], valueFlags: ['-a', '--arg-file', '-d', '--delimiter', '-E', '-e', '-I', '-i', '-L', '-l', '-n', '--max-args', '-P', '--max-procs', '-s', '--max-chars', '--process-slot-var'], stdin: true },
  { commands: [PYTHON], module: '-m' },
];

/** Shells: `sh -c 'script'` and `bash <<EOF` run a script whose commands are analysed too. */
export const SHELLS: readonly string[] = ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox-sh'];

/**
 * File and text utilities and shell builtins: what RUN lines do between the expensive parts.
 * Their cost is taken as nothing beside the step's own overhead.
 */
export const FILE_COMMANDS: ReadonlySet<string> = new Set([
  // coreutils, findutils, text tools
  'mkdir', 'rmdir', 'cp', 'mv', 'rm', 'ln', 'chmod', 'chown', 'chgrp', 'touch', 'install', 'mktemp', 'stat', 'readlink',
  'realpath', 'basename', 'dirname', 'ls', 'du', 'df', 'find', 'echo', 'printf', 'cat', 'tee', 'head', 'tail', 'cut',
  'sort', 'uniq', 'wc', 'tr', 'sed', 'awk', 'gawk', 'grep', 'egrep', 'fgrep', 'rev', 'nl', 'od', 'xxd', 'seq', 'yes',
  'base64', 'md5sum', 'sha1sum', 'sha224sum', 'sha256sum', 'sha512sum', 'cksum', 'diff', 'cmp', 'patch', 'jq', 'yq',
  'tar', 'gzip', 'gunzip', 'zcat', 'bzip2', 'xz', 'unxz', 'zstd', 'unzip', 'zip', 'file', 'strip', 'date', 'id',
  'whoami', 'hostname', 'uname', 'nproc', 'which', 'sync', 'env', 'printenv', 'tty', 'ps', 'kill', 'usleep',
  // system administration
  'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'userdel', 'groupdel', 'chsh', 'passwd', 'chpasswd',
  'ldconfig', 'update-alternatives', 'update-ca-certificates', 'locale-gen', 'localedef', 'dpkg-reconfigure',
  'setcap', 'ln', 'mknod', 'mount', 'umount',
  // shell builtins
  ':', 'true', 'false', 'test', '[', '[[', 'cd', 'pwd', 'set', 'unset', 'export', 'readonly', 'declare', 'typeset',
  'local', 'source', '.', 'exit', 'return', 'shift', 'read', 'wait', 'trap', 'umask', 'ulimit', 'shopt', 'hash',
  'type', 'command', 'builtin', 'alias', 'unalias', 'let', 'getopts', 'break', 'continue', 'pushd', 'popd', 'dirs',
]);
