import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'pipe-to-shell';

test('curl piped into sh is found, from the download to the shell', async () => {
  const f = await findings(rule, 'FROM bb\nRUN curl -fsSL https://get.example.com | sh\n');
  assert.deepEqual(ranges(f), ['2:5-2:44']);
  assert.match(f[0].message, /^curl is piped into sh: the fetched script runs unverified/);
});

test('wget -qO- into sudo bash, curl into bash -s and into python3 - are found', async () => {
  const df = [
    'FROM bb',
    'RUN wget -qO- https://example.com/i.sh | sudo -E bash',
    'RUN apt-get update && curl -sSL https://example.com/i.sh \\',
    '    | bash -s -- --yes',
    'RUN curl -sSL https://install.example.com/get.py | python3 -',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f).sort(), ['2:5-2:54', '3:23-4:23', '5:5-5:61']);
});

test('a download run through a substitution is found, at the command that runs it', async () => {
  const df = 'FROM bb\nRUN sh -c "$(curl -fsSL https://example.com/i.sh)"\nRUN bash <(curl -s https://example.com/i.sh)\nRUN eval "$(wget -O- https://example.com/env)"\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['2:5-2:51', '3:5-3:45', '4:5-4:47']);
  assert.match(f[0].message, /^sh runs the output of curl/);
});

test('stays clean when the download is saved and checked, or its output is data', async () => {
  for (const run of [
    'RUN curl -fsSLo /tmp/i.sh https://example.com/i.sh && echo "abc  /tmp/i.sh" | sha256sum -c && sh /tmp/i.sh',
    'RUN curl -fsSL https://example.com/a.tgz | tar xz -C /opt',
    'RUN curl -s https://api.example.com/v | python3 -c "import sys, json; print(json.load(sys.stdin))"',
    'RUN wget https://example.com/i.sh | sh',
    'RUN curl -O https://example.com/i.sh | sh',
    'RUN bash /tmp/install.sh "$(curl -s https://example.com/version)"',
    'RUN echo curl https://example.com | sh',
  ]) {
    assert.deepEqual(await findings(rule, `FROM bb\n${run}\n`), [], run);
  }
});

test('a download piped into an interpreter reading stdin is found in each form: -, --, -s, no script, assignments or sudo/env in front', async () => {
  for (const [run, shell] of [
    ['curl -sSL https://install.python-poetry.org | POETRY_HOME=/opt/poetry POETRY_VERSION=1.8.4 python3 -', 'python3'],
    ['curl -sLS https://getcomposer.org/installer | php -- --install-dir=/usr/bin/ --filename=composer', 'php'],
    ['curl -sS https://getcomposer.org/installer | sudo php -- --install-dir=/usr/local/bin', 'php'],
    ['curl -sS https://getcomposer.org/installer | php', 'php'],
    ['wget -qO- https://get.example.com | env FORCE=1 sh -s -- -y', 'sh'],
    ['curl -fsSL https://cpanmin.us | perl - App::cpanminus', 'perl'],
    ['curl -fsSL https://example.com/install.rb | ruby', 'ruby'],
    ['curl -fsSL https://example.com/setup.js | node -', 'node'],
    ['curl -fsSL https://example.com/i.sh | bash /dev/stdin --yes', 'bash'],
  ]) {
    const f = await findings(rule, `FROM bb\nRUN ${run}\n`);
    assert.deepEqual(ranges(f), [`2:5-2:${run.length + 5}`], run);
    assert.match(f[0].message, new RegExp(`^(curl|wget) is piped into ${shell}:`), run);
  }
});

test('stays clean when the piped download is code or data the interpreter does not run from stdin', async () => {
  for (const run of [
    'RUN curl -fsSL https://example.com/a.tgz | tar -x -C /opt',
    'RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/k.gpg',
    'RUN curl -fsSL https://example.com/v.json | php -r "echo json_decode(stream_get_contents(STDIN))->v;"',
    'RUN curl -fsSL https://example.com/v.json | python3 -c "import sys, json; print(json.load(sys.stdin))"',
    'RUN curl -fsSL https://example.com/v.json | python3 -m json.tool',
    'RUN curl -fsSL https://example.com/list.txt | perl -ne "print if /x/"',
    'RUN curl -fsSL https://example.com/v.json | node -p "JSON.parse(require(\'fs\').readFileSync(0)).v"',
    'RUN curl -fsSL https://example.com/list.txt | xargs sh -c "echo $0"',
    'RUN curl -fsSL https://example.com/urls.txt | sudo tee /etc/apt/sources.list.d/x.list',
  ]) {
    assert.deepEqual(await findings(rule, `FROM bb\n${run}\n`), [], run);
  }
});
