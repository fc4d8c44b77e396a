import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'apt-update-alone';

test('apt-get update in its own RUN before an install is found, at the update', async () => {
  const f = await findings(rule, 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n');
  assert.deepEqual(ranges(f), ['2:5-2:19']);
  assert.match(f[0].message, /^apt-get update is cached apart from the apt-get install at line 3/);
});

test('an update next to other commands, and an install in a stage built FROM this one, are found', async () => {
  const df = 'FROM debian:12 AS base\nRUN mkdir /x && apt-get -qq update\nFROM base\nRUN apt-get install -y git\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['2:17-2:35']);
  assert.match(f[0].message, /^apt-get -qq update is cached apart from the apt-get install at line 4/);
});

test('apk update and dnf makecache alone are found; an update with no install anywhere is found as alone', async () => {
  const f = await findings(rule, 'FROM alpine\nRUN apk update\nRUN apk add curl\nFROM fedora\nRUN dnf makecache\n');
  assert.deepEqual(ranges(f), ['2:5-2:15', '5:5-5:18']);
  assert.match(f[1].message, /^dnf makecache runs in a RUN without an install/);
});

test('an update after the install in the same RUN does not serve it', async () => {
  const f = await findings(rule, 'FROM debian:12\nRUN apt-get install -y curl; apt-get update\n');
  assert.deepEqual(ranges(f), ['2:30-2:44']);
});

test('stays clean when update and install share a RUN (or a here-document), for apk --no-cache and for words that only look like an update', async () => {
  for (const df of [
    'FROM debian:12\nRUN apt-get update && apt-get install -y curl\n',
    'FROM debian:12\nRUN apt-get update \\\n && apt-get upgrade -y\n',
    'FROM alpine\nRUN apk add --no-cache curl\n',
    'FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n',
    'FROM debian:12\nRUN echo apt-get update\nRUN apt-get install -y curl\n',
  ]) {
    assert.deepEqual(await findings(rule, df), [], df);
  }
});
