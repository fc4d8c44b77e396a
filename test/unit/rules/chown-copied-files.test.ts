import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'chown-copied-files';
const program = { 'program/scanner.pl': 'print "scan\\n";\n', 'program/plugins/ssl.plugin': 'ssl\n' };

test('a chown -R of a copied folder is found at the chown, with the copied bytes and the order to use', async () => {
  const df = 'FROM alpine\nCOPY program/ /opt/scanner\nRUN apk add --no-cache perl \\\n  && adduser -S scanner \\\n  && chown -R scanner /opt/scanner\n';
  const f = await findings(rule, df, program);
  assert.deepEqual(ranges(f), ['5:6-5:35']);
  assert.equal(
    f[0].message,
    'chown -R scanner rewrites the 2 files (20 B) that COPY program/ /opt/scanner (line 2) brought, so the image stores them twice: copy them with COPY --chown=scanner instead, after the RUN that creates the user (install and create users first, copy the files last)',
  );
  assert.deepEqual(f[0].cost, { bytes: 20, basis: 'measured' });
  assert.equal(f[0].related?.[0].range.start.line, 2);
});

test('a chown of a folder above the copy, a chmod -R, and a copy through another stage count', async () => {
  assert.equal((await findings(rule, 'FROM alpine\nCOPY program /srv/app/program\nRUN chown -R 1000:1000 /srv\n', program)).length, 1);
  const [chmod] = await findings(rule, 'FROM alpine\nCOPY program /app\nRUN chmod -R a+rX /app\n', program);
  assert.match(chmod.message, /copy them with COPY --chmod=a\+rX instead$/);
  const staged = 'FROM scratch AS src\nCOPY program /src\nFROM alpine\nCOPY --from=src /src /app\nRUN chown -R app /app\n';
  assert.equal((await findings(rule, staged, program)).length, 1);
});

test('stays clean with COPY --chown, for files the same RUN made, for a non-recursive chown, and outside the image', async () => {
  assert.deepEqual(await findings(rule, 'FROM alpine\nRUN adduser -S scanner\nCOPY --chown=scanner program/ /opt/scanner\n', program), []);
  assert.deepEqual(await findings(rule, 'FROM alpine\nRUN mkdir -p /usr/src/app && tar -xzf /tmp/a.tgz -C /usr/src/app && chown -R www-data /usr/src/app\n', program), []);
  assert.deepEqual(await findings(rule, 'FROM alpine\nCOPY program /app\nRUN chown app /app\n', program), []);
  assert.deepEqual(await findings(rule, 'FROM alpine AS build\nCOPY program /app\nRUN chown -R app /app\nFROM alpine\nCOPY --from=build /app /app\n', program), []);
});
