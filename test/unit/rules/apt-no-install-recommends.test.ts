import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'apt-no-install-recommends';

test('an apt-get install in the final image without --no-install-recommends is found at the install', async () => {
  const f = await findings(rule, 'FROM debian\nRUN apt-get update && apt-get install -y curl\nCMD ["app"]\n');
  assert.deepEqual(ranges(f), ['2:23-2:46']);
  assert.equal(f[0].message, 'apt-get install installs recommended packages too (the final image ships them): add --no-install-recommends');
});

test('a stage the target is built FROM ships too', async () => {
  assert.equal((await findings(rule, 'FROM debian AS base\nRUN apt-get install -y curl\nFROM base\nCMD ["app"]\n')).length, 1);
});

test('stays clean with the flag, the apt option, an apt.conf.d setting, and in build stages', async () => {
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y --no-install-recommends curl\n'), []);
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get install -y -o APT::Install-Recommends=false curl\n'), []);
  assert.deepEqual(await findings(rule, "FROM debian\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/00norecommends\nRUN apt-get install -y curl\n"), []);
  assert.deepEqual(await findings(rule, 'FROM debian AS build\nRUN apt-get install -y gcc\nRUN make\nFROM debian\nCOPY --from=build /out /out\n'), []);
});
