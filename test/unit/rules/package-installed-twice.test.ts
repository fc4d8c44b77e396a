import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges, related } from './harness.js';

const rule = 'package-installed-twice';

test('a package installed again later in the same stage is found, at the second package word', async () => {
  const f = await findings(rule, 'FROM debian\nRUN apt-get update && apt-get install -y curl git\nRUN apt-get update && apt-get install -y jq curl\n');
  assert.deepEqual(ranges(f), ['3:45-3:49']);
  assert.equal(f[0].message, 'curl is installed again by apt-get install: line 2 already installed it; drop it here');
  assert.deepEqual(related(f[0]), ['2:42-2:46 curl installed first here']);
});

test('a package the base stage installed, installed again in a stage built FROM it, is found across version pins', async () => {
  const df = 'FROM debian AS base\nRUN apt-get install -y curl\nFROM base AS app\nRUN apt-get install -y curl=8.5.0-1\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['4:24-4:36']);
  assert.match(f[0].message, /^curl=8\.5\.0-1 is installed again by apt-get install: line 2, in stage base that this stage is built FROM, already installed it \(as curl\)/);
});

test('pip names are compared as pip compares them (case, separators, extras, versions)', async () => {
  const f = await findings(rule, 'FROM python\nRUN pip install Torch_Audio[cuda]==2.3 && pip install torch-audio\n');
  assert.deepEqual(ranges(f), ['2:55-2:66']);
});

test('stays clean for other managers, sibling stages, a removal in between, and words that are not installs', async () => {
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y jq\nRUN pip install jq\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian AS a\nRUN apt-get install -y curl\nFROM debian AS b\nRUN apt-get install -y curl\nCOPY --from=a /etc/hostname /x\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nRUN apt-get purge -y curl && apt-get install -y curl\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y curl\nRUN echo apt-get install -y curl\n'), []);
  // A stage the target does not need is not built.
  assert.deepEqual(await findings(rule, 'FROM debian AS base\nRUN apt-get install -y curl\nFROM base AS unused\nRUN apt-get install -y curl\nFROM base\nRUN true\n'), []);
});
