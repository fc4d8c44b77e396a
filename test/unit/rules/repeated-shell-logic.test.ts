import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../../src/analyze/analyze.js';
import { projectRoot } from '../../helpers.js';
import { findings, ranges, related } from './harness.js';

const rule = 'repeated-shell-logic';

test('a value derived again in a later RUN is found, at the second derivation', async () => {
  const df = [
    'FROM bb',
    'ARG CUDA_VERSION=13.0.1',
    'RUN mkdir -p /opt/wheels \\',
    '    && CU_MAJOR="${CUDA_VERSION%%.*}" \\',
    '    && echo "cuda${CU_MAJOR}" > /opt/wheels/w',
    'RUN mkdir -p /opt/kernels \\',
    '    && CU_MAJOR="${CUDA_VERSION%%.*}" \\',
    '    && echo "cubins ${CU_MAJOR}" > /opt/kernels/index',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['7:8-7:38']);
  assert.match(f[0].message, /^CU_MAJOR="\$\{CUDA_VERSION%%\.\*\}" derives CU_MAJOR again, as line 4 \(the RUN at line 3\) does/);
  assert.deepEqual(related(f[0]), ['4:8-4:38 the same logic, first here']);
});

test('a derivation by command substitution counts with the commands inside it', async () => {
  const df = 'FROM bb\nRUN V=$(cat /etc/version | cut -d. -f1) && echo a > /a\nRUN V=$(cat /etc/version | cut -d. -f1) && echo b > /b\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['3:5-3:40']);
  assert.match(f[0].message, /^these 3 commands repeat the RUN at line 2/);
});

test('the same command sequence in two stages is found, and so is one long command', async () => {
  const df = [
    'FROM bb AS a',
    'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
    'RUN pip install --no-cache-dir torch==2.3.0 torchvision==0.18.0 numpy',
    'FROM bb AS b',
    'RUN set -e; apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
    'RUN pip install --no-cache-dir torch==2.3.0 torchvision==0.18.0 numpy',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['5:13-5:85', '6:5-6:70']);
  assert.match(f[0].message, /^these 3 commands repeat the RUN at line 2 \(apt-get update ; apt-get install -y curl ; rm -rf/);
  assert.match(f[1].message, /^this command repeats the RUN at line 3/);
});

test('stays clean for short, cheap or plain repeats, for different logic, and within one RUN', async () => {
  // A short command, a copy of a value, a cheap pair, noise around a short command.
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN echo a > /a && sleep 2\nRUN echo b > /b && sleep 2\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nARG V=1\nRUN A="$V" && echo $A > /a\nRUN A="$V" && echo $A > /b\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN mkdir -p /x && chmod 755 /x\nRUN mkdir -p /x && chmod 755 /x\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN set -e && make\nRUN set -e && make\n'), []);
  // The same derivation from another variable, or quoted as text, is not the same logic.
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN M="${A%%.*}" && echo $M > /a\nRUN M="${B%%.*}" && echo $M > /b\n'), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN echo \'M="${A%%.*}"\' > /a\nRUN echo \'M="${A%%.*}"\' > /b\n'), []);
  // Repeated inside one RUN: not across steps.
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN M="${A%%.*}" && echo $M > /a && M="${A%%.*}" && echo $M > /b\n'), []);
});

test('on ml-serving, the CU_MAJOR derivation repeated at line 49 is found', async () => {
  const ex = path.join(projectRoot, 'examples', 'ml-serving');
  const r = await analyze({ contextDir: ex, dockerfilePath: path.join(ex, 'docker', 'Dockerfile'), displayName: 'docker/Dockerfile' }, { only: [rule] });
  assert.deepEqual(ranges(r.findings), ['49:8-49:38']);
  assert.match(r.findings[0].message, /derives CU_MAJOR again, as line 43 \(the RUN at line 42\) does/);
});

test("the official images' apt-mark bracket in two RUNs is not repeated logic; what it wraps still is", async () => {
  const bracket = (install: string, body: string) => [
    'RUN set -eux; \\',
    '    savedAptMark="$(apt-mark showmanual)"; \\',
    `    apt-get update; apt-get install -y --no-install-recommends ${install}; \\`,
    `    ${body}; \\`,
    "    apt-mark auto '.*' > /dev/null; \\",
    '    [ -z "$savedAptMark" ] || apt-mark manual $savedAptMark > /dev/null; \\',
    '    apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false',
  ];
  const clean = ['FROM debian:bookworm-slim', ...bracket('wget gnupg', 'wget -O /usr/local/bin/gosu https://example.org/gosu'), ...bracket('gcc make', 'make -C /usr/src/svc install'), ''].join('\n');
  assert.deepEqual(ranges(await findings(rule, clean)), []);
  const fetch = 'wget -O /tmp/a.tgz https://example.org/a.tgz && tar -xzf /tmp/a.tgz -C /opt && rm /tmp/a.tgz';
  const dirty = ['FROM debian:bookworm-slim', ...bracket('wget', fetch), ...bracket('wget gcc', fetch), ''].join('\n');
  const f = await findings(rule, dirty);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /^these \d commands repeat line 5 \(the RUN at line 2\) \(wget -O \/tmp\/a.tgz/);
});
