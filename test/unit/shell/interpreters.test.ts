import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeRun, codeSource } from '../../../src/shell/index.js';

/** Where the first command of a script takes its code from: `stdin`, `word <the word>`, `none`, or `-` (no interpreter). */
function source(script: string): string {
  const s = codeSource(analyzeRun(script).commands[0]);
  if (!s) return '-';
  return s.from === 'word' ? `${s.name} word ${s.word.value}` : `${s.name} ${s.from}`;
}

function table(cases: [string, string][]): void {
  for (const [script, expected] of cases) assert.equal(source(script), expected, script);
}

test('shells read stdin with no operand, with -s (options after it are the script\'s), and after a lone - or --', () => {
  table([
    ['sh', 'sh stdin'],
    ['bash -s -- --yes --prefix=/opt', 'bash stdin'],
    ['bash -euxo pipefail', 'bash stdin'],
    ['sh -', 'sh stdin'],
    ['bash -- ', 'bash stdin'],
    ['bash /dev/stdin', 'bash stdin'],
    ['sh -c "echo hi"', 'sh word echo hi'],
    ['bash -ec "make all"', 'bash word make all'],
    ['bash -o pipefail -c "x"', 'bash word x'],
    ['bash ./install.sh --yes', 'bash word ./install.sh'],
    ['bash - ./install.sh', 'bash word ./install.sh'],
  ]);
});

test('interpreters read stdin with -, with no script, and php after --', () => {
  table([
    ['python3 -', 'python3 stdin'],
    ['POETRY_HOME=/opt/poetry POETRY_VERSION=1.8.4 python3 -', 'python3 stdin'],
    ['python3.11 - --version 1.2', 'python3.11 stdin'],
    ['python -u -W ignore -', 'python stdin'],
    ['python3', 'python3 stdin'],
    ['php -- --install-dir=/usr/bin/ --filename=composer', 'php stdin'],
    ['php', 'php stdin'],
    ['php8.2 -d memory_limit=-1 -- --quiet', 'php8.2 stdin'],
    ['perl -', 'perl stdin'],
    ['perl -- ', 'perl stdin'],
    ['ruby', 'ruby stdin'],
    ['node -', 'node stdin'],
    ['nodejs --require ts-node/register', 'nodejs stdin'],
  ]);
});

test('code in an argument, a script file, or a module is not stdin', () => {
  table([
    ['python3 -c "import sys, json; print(json.load(sys.stdin))"', 'python3 word import sys, json; print(json.load(sys.stdin))'],
    ['python3 -m json.tool', 'python3 none'],
    ['python3 get-pip.py', 'python3 word get-pip.py'],
    ['php -r "copy(1, 2);"', 'php word copy(1, 2);'],
    ['php -c /etc/php.ini composer-setup.php', 'php word composer-setup.php'],
    ['php -R "echo strtoupper(\\$argn);"', 'php word echo strtoupper($argn);'],
    ['perl -ne "print if /x/"', 'perl word print if /x/'],
    ['perl -pi -e "s/a/b/" f', 'perl word s/a/b/'],
    ['ruby -e "puts STDIN.read"', 'ruby word puts STDIN.read'],
    ['node -e "process.stdin.pipe(process.stdout)"', 'node word process.stdin.pipe(process.stdout)'],
    ['node --eval=1', 'node word --eval=1'],
    ['node -p "JSON.parse(require(\'fs\').readFileSync(0)).version"', 'node word JSON.parse(require(\'fs\').readFileSync(0)).version'],
    ['node server.js', 'node word server.js'],
    ['eval "$SETUP"', 'eval word $SETUP'],
    ['eval', 'eval none'],
    ['source ./env.sh', 'source word ./env.sh'],
  ]);
});

test('sudo, env and nice run the interpreter with their stdin; xargs and other commands do not', () => {
  table([
    ['sudo -E bash', 'bash stdin'],
    ['sudo -u app -H sh -s -- -y', 'sh stdin'],
    ['env PATH=/opt/bin:$PATH python3 -', 'python3 stdin'],
    ['sudo env A=1 php -- --install-dir=/usr/local/bin', 'php stdin'],
    ['nice -n 10 perl', 'perl stdin'],
    ['xargs sh', '-'],
    ['tar -xz -C /opt', '-'],
    ['gpg --dearmor -o /usr/share/keyrings/k.gpg', '-'],
    ['sudo tee /etc/apt/sources.list.d/x.list', '-'],
  ]);
});
