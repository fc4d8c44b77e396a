import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'split-package-installs';

test('a second apt-get install RUN in a stage is found at its install, costed at the fixed cost and the repeated update', async () => {
  const df = [
    'FROM debian',
    'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
    'ENV LANG=C.UTF-8',
    'RUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['4:23-4:45']);
  assert.match(f[0].message, /^apt-get install runs again after the one in the RUN at line 2, .* pay its fixed cost and the apt-get update once \(~7 s\)$/);
  assert.deepEqual(f[0].cost, { cold_s: 7, basis: 'estimated' });
  assert.deepEqual(related(f[0]), ['2:23-2:46 the earlier apt-get install']);
});

test('a chain of three installs is found twice; without an index refresh only the fixed cost counts', async () => {
  const f = await findings(rule, 'FROM alpine\nRUN apk add --no-cache curl\nRUN apk add --no-cache git\nRUN apk add --no-cache jq\n');
  assert.deepEqual(ranges(f), ['3:5-3:27', '4:5-4:26']);
  assert.deepEqual(f.map((x) => x.cost?.cold_s), [1, 1]);
});

test('stays clean when something between may need the first install, or the installs differ in kind', async () => {
  // A repository set up with the first install's tools.
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nRUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -\nRUN apt-get install -y nodejs\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl && curl -fsSL https://x/key | gpg --dearmor -o /k.gpg\nRUN apt-get install -y nodejs\n'), []);
  // A file brought in between, a user switch, different flags, lists and local projects.
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nCOPY sources.list /etc/apt/\nRUN apt-get install -y x\n', { 'sources.list': 'deb x' }), []);
  assert.deepEqual(await findings(rule, 'FROM python\nRUN pip install a\nUSER app\nRUN pip install b\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nRUN apt-get install -y --no-install-recommends git\n'), []);
  assert.deepEqual(await findings(rule, 'FROM python\nRUN pip install -r requirements.txt\nRUN pip install -e .\n', { 'requirements.txt': 'a' }), []);
  // Separate stages, one RUN, and words that are not installs.
  assert.deepEqual(await findings(rule, 'FROM debian AS a\nRUN apt-get install -y curl\nFROM a\nRUN apt-get install -y git\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl && apt-get install -y git\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nRUN echo apt-get install -y git\n'), []);
});

test('several installs of one RUN after an earlier install RUN are one finding, naming each, with the fixed costs summed', async () => {
  const f = await findings(rule, 'FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update && apt-get install -y git && cd /x && apt-get install -y jq\n');
  assert.deepEqual(ranges(f), ['3:23-3:45']);
  assert.match(f[0].message, /^apt-get install runs 2 more times in this RUN \(line 3\) after the one in the RUN at line 2/);
  assert.deepEqual(related(f[0]), ['2:23-2:46 the earlier apt-get install', '3:58-3:79 apt-get install again']);
  // Two fixed costs and one index refresh, more than one install alone.
  const one = await findings(rule, 'FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update && apt-get install -y git\n');
  assert.ok(f[0].cost!.cold_s! > one[0].cost!.cold_s!, `${f[0].cost!.cold_s} vs ${one[0].cost!.cold_s}`);
});
