import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIVITY_RULES, analyzeRun } from '../../../src/shell/index.js';

/** Each command's activity as `kind rule [items] (unknown)`. */
function acts(script: string, env?: Record<string, string>): string[] {
  const a = analyzeRun(script, { env: env && new Map(Object.entries(env)) });
  return a.activities.map((x) => {
    const items = x.items.length ? ` [${x.items.join(' ')}]` : '';
    const unknown = x.unknown.length ? ` (${x.unknown.join(' ')})` : '';
    return `${x.kind} ${x.rule}${items}${unknown}`;
  });
}

/** `[script, expected activities]`: a case that matches beside one that must stay clean. */
type Cases = [string, string[]][];

function table(cases: Cases): void {
  for (const [script, expected] of cases) assert.deepEqual(acts(script), expected, script);
}

test('system package installs are recognised and their packages counted, flags and flag values skipped', () => {
  table([
    ['apt-get install -y --no-install-recommends a b c', ['install apt-get install [a b c]']],
    ['apt-get -o Dpkg::Options::=--force-confnew -t bookworm-backports install -y curl=8.* ca-certificates', ['install apt-get install [curl=8.* ca-certificates]']],
    ['apt update && apt upgrade -y', ['download apt-get update', 'install apt-get upgrade (the upgradable packages)']],
    ['apk add --no-cache --virtual .build-deps gcc musl-dev', ['install apk add [gcc musl-dev]']],
    ['dnf install -y --setopt=tsflags=nodocs httpd && yum -y install git', ['install yum install [httpd]', 'install yum install [git]']],
    ['dpkg -i /tmp/a.deb', ['install dpkg -i [/tmp/a.deb]']],
    ['apt-get clean && rm -rf /var/lib/apt/lists/*', ['file apt-get clean', 'file rm']],
    // Clean: the words of an install as arguments of another command.
    ['echo apt-get install foo', ['file echo']],
    ['apt-cache search foo', ['other apt-cache']],
  ]);
});

test('pip installs count named packages; a requirements file, an editable or local project is an unknown count with its source', () => {
  table([
    ['pip install -r requirements.txt', ['install pip install (requirements.txt)']],
    ['pip3 install --no-cache-dir -i https://pypi.example/simple numpy==1.26 "scipy>=1"', ['install pip install [numpy==1.26 scipy>=1]']],
    ['pip install --requirement=a.txt -rb.txt torch', ['install pip install [torch] (a.txt b.txt)']],
    ['python3 -m pip install -e . ./dist/app-1.0-py3-none-any.whl', ['install pip install [./dist/app-1.0-py3-none-any.whl] (.)']],
    ['pip3.12 install x && uv pip install -r req.txt y && uv sync --frozen', ['install pip install [x]', 'install uv pip install [y] (req.txt)', 'install uv sync (uv.lock)']],
    ['pip wheel --no-deps -w /wheels . && pip download -d /d six', ['compile pip wheel (.)', 'download pip download [six]']],
    ['poetry install --no-root && pipenv install --deploy', ['install poetry install (poetry.lock)', 'install pipenv install (Pipfile)']],
    ['uv pip sync requirements.txt dev.txt', ['install uv pip sync (requirements.txt dev.txt)']],
    // The project with extras is still the local project, not a package named `.[gpu]`.
    ['pip install ".[gpu]" && pip install -e ".[dev,test]"', ['install pip install (.[gpu])', 'install pip install (.[dev,test])']],
    ['pip --version && pip freeze', ['file pip --version', 'other pip']],
  ]);
});

test('JavaScript, Go, Rust, Ruby, PHP and Java package managers are recognised', () => {
  table([
    ['npm ci && npm install --omit=dev && npm i -g typescript@5 tsx', ['install npm ci (package-lock.json)', 'install npm install (package.json)', 'install npm install [typescript@5 tsx]']],
    ['yarn --frozen-lockfile && yarn add left-pad && pnpm install && pnpm add -D vitest', ['install yarn install (package.json)', 'install yarn install [left-pad]', 'install pnpm install (package.json)', 'install pnpm install [vitest]']],
    ['npm run build && yarn build && npm test', ['compile npm run build', 'compile yarn build', 'other npm']],
    ['go mod download && go get example.com/m@v1 && go build -o /app ./cmd/app', ['install go mod download (go.mod)', 'install go get [example.com/m@v1]', 'compile go build']],
    ['cargo fetch && cargo build --release && cargo install ripgrep', ['install cargo fetch (Cargo.lock)', 'compile cargo build', 'compile cargo install [ripgrep]']],
    ['bundle install --jobs 4 && gem install bundler:2.5 && composer install --no-dev', ['install bundle install (Gemfile)', 'install gem install [bundler:2.5]', 'install composer install (composer.json)']],
    ['mvn -B dependency:go-offline && mvn -B package && ./gradlew build', ['install mvn dependency:go-offline (pom.xml)', 'compile mvn', 'compile gradle']],
    // cargo, Maven, Gradle and .NET are in the package-manager table too: their checks build nothing.
    ['go version && cargo --version && mvn -v && ./gradlew --version && dotnet --info', ['file go version', 'file cargo --version', 'file mvn -v', 'file gradlew --version', 'file dotnet --info']],
    // A version check is no install, however the manager's install is spelled.
    ['yarn --version && yarn -v && npm --version && bundle -v', ['file yarn --version', 'file yarn -v', 'file npm --version', 'file bundle -v']],
    ['gem install rails -v 7.1', ['install gem install [rails]']],
  ]);
});

test('compilers and build tools are recognised; gcc counts its source files', () => {
  table([
    ['./configure --prefix=/usr && make -j"$(nproc)" && make install', ['compile configure', 'file nproc', 'compile make', 'compile make']],
    ['cmake -S . -B build -G Ninja && cmake --build build -j && ninja -C build', ['compile cmake', 'compile cmake --build', 'compile ninja']],
    ['gcc -O2 -I include -o app a.c b.cpp -lm && clang -c x.c && g++-12 main.o -o m', ['compile gcc [a.c b.cpp]', 'compile gcc [x.c]', 'compile gcc']],
    ['python setup.py build_ext --inplace && python3 setup.py bdist_wheel', ['compile python setup.py build', 'compile python setup.py build']],
    ['tsc -p . && javac Main.java && dotnet publish -c Release', ['compile tsc', 'compile javac', 'compile dotnet build']],
    // dotnet restore fetches the packages of the folder's project files alone: an install, not a compile.
    ['dotnet restore && dotnet restore Api/Api.csproj -r linux-x64', ['install dotnet restore (.)', 'install dotnet restore (Api/Api.csproj)']],
    ['python app.py && python -c "print(1)"', ['other python', 'other python']],
  ]);
});

test('downloads count their URLs and repositories, not output files', () => {
  table([
    ['curl -fsSL -o /tmp/a.tgz https://x.io/a.tgz && wget -q -O- https://x.io/b https://x.io/c', ['download curl [https://x.io/a.tgz]', 'download wget [https://x.io/b https://x.io/c]']],
    ['curl -fsSLo "$TMP" "https://x.io/v${V}/a.tgz"', ['download curl [https://x.io/v${V}/a.tgz]']],
    ['curl -fsSL "$URL"', ['download curl ($URL)']],
    ['git clone --depth 1 -b v1 https://github.com/a/b.git /src && git -C /src fetch', ['download git clone [https://github.com/a/b.git]', 'other git']],
    ['echo https://x.io/a && git status', ['file echo', 'other git']],
  ]);
});

test('sleep reads literal durations, summed, with their units; anything else is an unknown length', () => {
  const seconds = (script: string, env?: Record<string, string>) =>
    analyzeRun(script, { env: env && new Map(Object.entries(env)) }).activities.map((a) => a.seconds);
  assert.deepEqual(seconds('sleep 3 && sleep 1m 30 && sleep .5s && sleep 2h'), [3, 90, 0.5, 7200]);
  assert.deepEqual(seconds('sleep $D && sleep infinity && sleep'), [null, null, null]);
  assert.deepEqual(seconds('sleep $D && sleep "${D}"', { D: '4' }), [4, 4]);
  assert.deepEqual(acts('echo sleep 5'), ['file echo']);
});

test('a lone $NAME operand is read through the ARG and ENV values, unless the script sets it', () => {
  assert.deepEqual(acts('apt-get install -y $PKGS', { PKGS: 'curl git  jq' }), ['install apt-get install [curl git jq]']);
  assert.deepEqual(acts('pip install "$PKG"', { PKG: 'a b' }), ['install pip install [a b]']);
  assert.deepEqual(acts('PKGS=x; apt-get install -y $PKGS', { PKGS: 'curl git' }), ['install apt-get install ($PKGS)']);
  assert.deepEqual(acts('export PKGS=x && apt-get install -y $PKGS ${OTHER}', { PKGS: 'curl' }), ['file export', 'install apt-get install ($PKGS ${OTHER})']);
});

test('wrappers are looked through: sudo, env, nice, timeout, xargs (whose input makes the count unknown)', () => {
  table([
    ['sudo -u root apt-get install -y a && env -i A=1 pip install b && nice -n 5 timeout 60 make', ['install apt-get install [a]', 'install pip install [b]', 'compile make']],
    ['xargs -a list apt-get install -y && cat pkgs | xargs -n1 pip install', ['install apt-get install (xargs input)', 'file cat', 'install pip install (xargs input)']],
    ['sudo && env', ['other sudo', 'file env']],
  ]);
});

test('shells: sh -c and a here-document on a shell are analysed; a script file or a piped script is not', () => {
  table([
    [`sh -c 'apt-get install -y a' && bash -ec "sleep 2"`, ['shell sh', 'install apt-get install [a]', 'shell bash', 'sleep sleep [2]']],
    ['bash <<EOF\nmake\nEOF', ['shell bash', 'compile make']],
    ['curl -fsSL https://get.example | sh && bash install.sh', ['download curl [https://get.example]', 'other sh', 'other bash']],
  ]);
});

test('every rule id is unique and every rule names its commands', () => {
  const ids = ACTIVITY_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of ACTIVITY_RULES) assert.ok(r.commands.length > 0, r.id);
});

test('apt-get dist-clean is a clean-up, not an unknown command', () => {
  table([['apt-get dist-clean && apt distclean', ['file apt-get clean', 'file apt-get clean']]]);
});
