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

test('after the apt-mark auto … purge --auto-remove idiom, a later install of what that RUN used to build is no repeat', async () => {
  const df = [
    'FROM debian:bookworm-slim',
    'RUN set -eux; savedAptMark="$(apt-mark showmanual)"; apt-get update; apt-get install -y --no-install-recommends wget gnupg; \\',
    '    wget -O /tmp/x https://example.com/x; apt-mark auto \'.*\' > /dev/null; apt-mark manual $savedAptMark; \\',
    '    apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; rm -rf /var/lib/apt/lists/*',
    'RUN apt-get update && apt-get install -y --no-install-recommends wget && rm -rf /var/lib/apt/lists/*',
    '',
  ].join('\n');
  assert.deepEqual(await findings(rule, df), []);
  // Without the purge, wget is still there: the second install is a repeat.
  assert.equal((await findings(rule, df.replace('apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false', 'true'))).length, 1);
});

test('apk del of a --virtual group forgets its packages; without the del the repeat is found', async () => {
  const df = 'FROM alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && make && apk del .build-deps\nRUN apk add --no-cache gcc\n';
  assert.deepEqual(await findings(rule, df), []);
  assert.equal((await findings(rule, df.replace(' && apk del .build-deps', ''))).length, 1);
});

test('installs in different arms of one case or if are alternatives; in the same arm, a repeat', async () => {
  const arms = 'FROM debian\nRUN case "$(uname -m)" in \\\n  x86_64) apt-get install -y curl ;; \\\n  *) apt-get install -y curl wget ;; \\\n esac\n';
  assert.deepEqual(await findings(rule, arms), []);
  const ifs = 'FROM debian\nRUN if [ -f /etc/x ]; then apt-get install -y curl; elif [ -f /y ]; then apt-get install -y curl; else apt-get install -y curl; fi\n';
  assert.deepEqual(await findings(rule, ifs), []);
  assert.equal((await findings(rule, 'FROM debian\nRUN if true; then apt-get install -y curl && apt-get install -y curl; fi\n')).length, 1);
  // After the construct, an install of the same package is a repeat of either arm.
  assert.equal((await findings(rule, `${arms}RUN apt-get install -y curl\n`)).length, 1);
});

test('wheel files and globs are not package names: two folders of wheels are two installs', async () => {
  assert.deepEqual(await findings(rule, 'FROM python\nRUN pip install /wheels/*.whl\nRUN cd /other && pip install ./*.whl /deps/x-1.0-py3-none-any.whl\n'), []);
});

test('several repeats in one RUN are one finding that names each package and where each was first installed', async () => {
  const f = await findings(rule, 'FROM debian\nRUN apt-get install -y curl wget git\nRUN apt-get install -y curl wget jq\n');
  assert.deepEqual(ranges(f), ['3:24-3:28']);
  assert.match(f[0].message, /^2 packages are installed again by apt-get install in this RUN \(curl, wget\): earlier steps already installed them; drop them here/);
  assert.deepEqual(related(f[0]), ['2:24-2:28 curl installed first here', '2:29-2:33 wget installed first here', '3:29-3:33 wget installed again']);
  // One repeat keeps the one-package message.
  const one = await findings(rule, 'FROM debian\nRUN apt-get install -y curl wget git\nRUN apt-get install -y curl jq\n');
  assert.match(one[0].message, /^curl is installed again by apt-get install: line 2 already installed it; drop it here/);
});
