import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'package-cache-left-in-layer';

test('apt-get update without removing the lists is found at the update, with the estimated size', async () => {
  const f = await findings(rule, 'FROM debian\nRUN apt-get update \\\n && apt-get install -y curl \\\n && apt-get clean\n');
  assert.deepEqual(ranges(f), ['2:5-2:19']);
  assert.match(f[0].message, /^apt-get update leaves the apt package lists \(\/var\/lib\/apt\/lists\) in this layer \(~30 MB, an estimate\)/);
  assert.deepEqual(f[0].cost, { bytes: 30e6, basis: 'estimated' });
});

test('pip, npm, yarn, apk and dnf caches are found at the command that writes them', async () => {
  const df = [
    'FROM bb',
    'RUN pip install flask',
    'RUN npm ci',
    'RUN yarn install',
    'RUN apk add curl',
    'RUN dnf install -y gcc',
    '',
  ].join('\n');
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f).sort(), ['2:5-2:22', '3:5-3:11', '4:5-4:17', '5:5-5:17', '6:5-6:23']);
});

test('a clean-up before the install does not help', async () => {
  const f = await findings(rule, 'FROM debian\nRUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl\n');
  assert.deepEqual(ranges(f), ['2:36-2:50']);
});

test('stays clean with the clean-up in the same RUN, a cache or tmpfs mount, the no-cache switches, or outside the final image', async () => {
  const clean = [
    'FROM debian AS builder',
    'RUN pip install flask',
    'FROM debian',
    'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
    'RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y git',
    'RUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update',
    'RUN pip install --no-cache-dir flask',
    'RUN --mount=type=cache,target=/root/.cache pip install flask',
    'RUN pip install flask && pip cache purge',
    'RUN npm ci && npm cache clean --force',
    'RUN --mount=type=cache,target=/root/.npm npm ci',
    'RUN yarn install && yarn cache clean',
    'RUN apk add --no-cache curl',
    'RUN apk add curl && rm -rf /var/cache/apk/*',
    'RUN dnf install -y gcc && dnf clean all',
    'RUN echo apt-get update',
    'COPY --from=builder /etc/hostname /x',
    'ENV PIP_NO_CACHE_DIR=1',
    'RUN pip install flask',
    '',
  ].join('\n');
  assert.deepEqual((await findings(rule, clean)).map((f) => f.message), []);
});

test('apt-get dist-clean empties the lists; apt-get clean does not', async () => {
  assert.deepEqual(await findings(rule, 'FROM debian\nRUN apt-get update && apt-get install -y curl && apt-get dist-clean\n'), []);
  assert.equal((await findings(rule, 'FROM debian\nRUN apt-get update && apt-get install -y curl && apt-get clean\n')).length, 1);
});

test('apk add --no-network fetches no index; a plain apk add still leaves it', async () => {
  assert.deepEqual(await findings(rule, 'FROM alpine\nRUN apk add --no-network /tmp/pkgs/*.apk\n'), []);
  assert.equal((await findings(rule, 'FROM alpine\nRUN apk add curl\n')).length, 1);
});

test('a download cache is sized by what was installed: one small package is not 50 MB, torch is far more', async () => {
  const [small] = await findings(rule, 'FROM python\nRUN pip install six\n');
  assert.deepEqual(small.cost, { bytes: 5e6, basis: 'estimated' });
  assert.match(small.message, /\(~5\.0 MB, an estimate\)/);
  const [heavy] = await findings(rule, 'FROM python\nRUN pip install torch==2.4.0 numpy\n');
  assert.deepEqual(heavy.cost, { bytes: 905e6, basis: 'estimated' });
  const [list] = await findings(rule, 'FROM python\nRUN pip install -r requirements.txt && pip install gunicorn\n');
  assert.deepEqual(list.cost, { bytes: 55e6, basis: 'estimated' });
});
