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
