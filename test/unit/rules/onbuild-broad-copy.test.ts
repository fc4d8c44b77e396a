import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'onbuild-broad-copy';

test('ONBUILD COPY . before an ONBUILD RUN install is found at the copy, with the install as related location', async () => {
  const f = await findings(rule, 'FROM node:20-alpine\nWORKDIR /usr/src/app\nONBUILD COPY . /usr/src/app\nONBUILD RUN npm install\nCMD ["npm", "start"]\n');
  assert.deepEqual(ranges(f), ['3:1-3:28']);
  assert.equal(
    f[0].message,
    "ONBUILD COPY . /usr/src/app copies the whole context of every image built FROM this one before ONBUILD RUN npm install (line 4), which runs in the child too: any edit of a child's file re-runs it, and the child cannot reorder triggers; ONBUILD COPY only the manifests and lockfiles it reads (package.json and its lockfile) before it, and the rest after it; or drop the triggers and let each child write its own steps",
  );
  assert.equal(f[0].related?.[0].range.start.line, 4);
});

test('stays clean with the manifests copied first, with no ONBUILD RUN after the copy, and for a COPY --from trigger', async () => {
  assert.deepEqual(await findings(rule, 'FROM node:20-alpine\nONBUILD COPY package.json package-lock.json ./\nONBUILD RUN npm ci\nONBUILD COPY . .\n'), []);
  assert.deepEqual(await findings(rule, 'FROM node:20-alpine\nONBUILD RUN npm ci\nONBUILD COPY . .\n'), []);
  assert.deepEqual(await findings(rule, 'FROM node:20-alpine\nONBUILD COPY --from=builder . /app\nONBUILD RUN npm ci\n'), []);
  assert.deepEqual(await findings(rule, 'FROM node:20-alpine\nCOPY . .\nRUN npm ci\n'), []);
});
