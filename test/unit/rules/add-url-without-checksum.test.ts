import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'add-url-without-checksum';

test('ADD of an https URL without --checksum is found, at the URL', async () => {
  const f = await findings(rule, 'FROM bb\nADD https://example.com/tool.tar.gz /opt/\n');
  assert.deepEqual(ranges(f), ['2:5-2:36']);
  assert.match(f[0].message, /^ADD https:\/\/example\.com\/tool\.tar\.gz has no --checksum/);
});

test('a URL from an ARG, one URL among local files, and a git branch are found', async () => {
  const df = [
    'FROM bb',
    'ARG V=1.2',
    'ADD https://example.com/tool-${V}.tgz /opt/',
    'ADD a.txt http://example.com/b.txt /x/',
    'ADD https://github.com/moby/buildkit.git#v0.13.0 /src',
    'ADD git@github.com:moby/buildkit.git /src2',
    '',
  ].join('\n');
  const f = await findings(rule, df, { 'a.txt': 'a' });
  assert.deepEqual(ranges(f), ['3:5-3:38', '4:11-4:35', '5:5-5:49', '6:5-6:37']);
  assert.match(f[0].message, /tool-1\.2\.tgz/);
  assert.match(f[2].message, /takes a git ref that can move/);
});

test('stays clean with --checksum, with a git commit, for local files and for COPY', async () => {
  for (const line of [
    'ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tgz /opt/',
    'ADD https://github.com/moby/buildkit.git#d9b0d1ab6eaf5bd7c66ad9ae1d9ec4c1c1fb9f14 /src',
    'ADD --checksum=d9b0d1ab6eaf5bd7c66ad9ae1d9ec4c1c1fb9f14 https://github.com/moby/buildkit.git#master /src',
    'ADD a.txt /x/',
    'COPY a.txt /x/',
  ]) {
    assert.deepEqual(await findings(rule, `FROM bb\n${line}\n`, { 'a.txt': 'a' }), [], line);
  }
});
