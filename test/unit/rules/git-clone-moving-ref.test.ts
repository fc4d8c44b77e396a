import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const RULE = 'git-clone-moving-ref';
const SHA = '3f2c1a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c';

test('a clone of a branch from an ARG defaulting to main is found at the clone, naming the branch, its ARG and both fixes', async () => {
  const fs = await findings(RULE, 'FROM alpine:3.20\nARG APP_BRANCH=main\nRUN git clone --depth 1 --branch $APP_BRANCH https://github.com/example/app.git /srv/app\n');
  assert.deepEqual(ranges(fs), ['3:5-3:89']);
  assert.match(fs[0].message, /^git clone --depth 1 --branch \$APP_BRANCH .* takes 'main' \(from \$APP_BRANCH\), which moves, and BuildKit caches this RUN by its text/);
  assert.match(fs[0].message, /pin a commit \(ARG APP_COMMIT=<sha>, then git checkout "\$APP_COMMIT" in the same RUN\)/);
  assert.match(fs[0].message, /ADD https:\/\/github\.com\/example\/app\.git#main, which BuildKit re-resolves on every build/);
});

test('a clone of the default branch, of a named branch and of a version branch is found', async () => {
  const df = [
    'FROM alpine:3.20',
    'RUN git clone https://github.com/example/a.git',
    'RUN git clone -b develop https://github.com/example/b.git /b',
    'RUN git clone --branch=release-2.3 https://github.com/example/c.git',
    'RUN git clone --branch 1.x https://github.com/example/d.git',
    '',
  ].join('\n');
  const fs = await findings(RULE, df);
  assert.deepEqual(fs.map((f) => f.range.start.line), [2, 3, 4, 5]);
  assert.match(fs[0].message, /takes the default branch/);
  assert.match(fs[1].message, /takes 'develop', which moves/);
});

test('a ref from a build arg with no value is a branch unless its name says commit, tag or version', async () => {
  const fs = await findings(RULE, 'FROM alpine:3.20\nARG LIB_BRANCH\nRUN git clone -b "$LIB_BRANCH" https://github.com/example/lib.git\n');
  assert.deepEqual(ranges(fs), ['3:5-3:66']);
  assert.match(fs[0].message, /takes \$LIB_BRANCH \(a build arg with no value here, a branch by its name\)/);
  assert.deepEqual(await findings(RULE, 'FROM alpine:3.20\nARG SGL_VERSION\nRUN git clone --depth=1 --branch v${SGL_VERSION} https://github.com/example/sglang.git\n'), []);
  assert.deepEqual(await findings(RULE, 'FROM alpine:3.20\nARG LIB_COMMIT\nRUN git clone https://github.com/example/lib.git && cd lib && git checkout $LIB_COMMIT\n'), []);
});

test('a checkout of a branch after the clone is found; a checkout in another if arm does not pin the clone', async () => {
  const fs = await findings(RULE, 'FROM alpine:3.20\nRUN git clone https://github.com/example/lib.git && cd lib && git checkout dev\n');
  assert.deepEqual(ranges(fs), ['2:5-2:49']);
  assert.match(fs[0].message, /takes a checkout of 'dev'/);
  const arms = `FROM alpine:3.20\nRUN if [ "$X" = 1 ]; then git clone https://github.com/example/a.git; else git clone https://github.com/example/b.git && git -C b checkout ${SHA}; fi\n`;
  assert.deepEqual((await findings(RULE, arms)).map((f) => f.message.slice(0, 48)), ['git clone https://github.com/example/a.git takes']);
});

test('git pull, and a fetch of a branch then a reset to it, are found', async () => {
  const df = 'FROM alpine:3.20\nWORKDIR /src\nRUN git pull\nRUN git fetch origin main && git reset --hard origin/main\n';
  const fs = await findings(RULE, df);
  assert.deepEqual(ranges(fs), ['3:5-3:13', '4:5-4:26']);
  assert.match(fs[0].message, /takes the current branch/);
});

test('each clone of a RUN is judged on its own: a checkout pins only the clone before it', async () => {
  const df = `FROM alpine:3.20\nRUN git clone https://github.com/example/a.git && git clone https://github.com/example/b.git && cd b && git checkout ${SHA}\n`;
  assert.deepEqual(ranges(await findings(RULE, df)), ['2:5-2:47']);
});

test('stays clean when a commit is checked out or reset to after the clone, in the same RUN or a later one', async () => {
  for (const run of [
    `RUN git clone https://github.com/example/lib.git /srv/lib && git -C /srv/lib checkout ${SHA}`,
    'RUN git clone https://github.com/example/lib.git && cd lib && git reset --hard 3f2c1a9',
    'RUN git clone --no-checkout https://github.com/example/lib.git && cd lib && git checkout -q -b build v2.1.0',
    `RUN git clone https://github.com/example/lib.git\nWORKDIR /lib\nRUN git checkout ${SHA} && make`,
    `RUN git init && git remote add origin https://github.com/example/lib.git && git fetch --depth 1 origin ${SHA} && git checkout FETCH_HEAD`,
  ]) {
    assert.deepEqual(await findings(RULE, `FROM alpine:3.20\n${run}\n`), [], run);
  }
});

test('stays clean for a release tag, directly or from an ARG, and for an ARG of a commit', async () => {
  for (const df of [
    'RUN git clone --depth 1 --branch v1.2.3 https://github.com/example/a.git',
    'RUN git clone -b 1.2.3 https://github.com/example/a.git',
    'RUN git clone --depth 1 -b llvmorg-17.0.6 https://github.com/llvm/llvm-project.git',
    'ARG MOONCAKE_VERSION=0.3.9\nRUN git clone --branch v${MOONCAKE_VERSION} --depth 1 https://github.com/kvcache-ai/Mooncake.git',
    `ARG LIB_COMMIT=${SHA}\nRUN git clone https://github.com/example/lib.git && git -C lib checkout "$LIB_COMMIT"`,
  ]) {
    assert.deepEqual(await findings(RULE, `FROM alpine:3.20\n${df}\n`), [], df);
  }
});

test('stays clean for ADD of a git URL (BuildKit resolves it each build), a local clone, a bare fetch, a cache-bust ARG, an unused stage', async () => {
  for (const df of [
    'FROM alpine:3.20\nADD https://github.com/example/lib.git#main /srv/lib',
    'FROM alpine:3.20\nCOPY repo /src/repo\nRUN git clone /src/repo /srv/app',
    'FROM alpine:3.20\nWORKDIR /src\nRUN git fetch --tags',
    'FROM alpine:3.20\nARG CACHEBUST=1\nRUN git clone https://github.com/example/lib.git',
    'FROM alpine:3.20 AS unused\nRUN git clone https://github.com/example/lib.git\nFROM alpine:3.20\nRUN echo ok',
  ]) {
    assert.deepEqual(await findings(RULE, `${df}\n`, { 'repo/README': 'x\n' }), [], df);
  }
});
