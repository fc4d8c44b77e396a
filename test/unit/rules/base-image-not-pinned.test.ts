import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'base-image-not-pinned';

test('a tag, latest and no tag are found, each at the image word', async () => {
  const f = await findings(rule, 'FROM python:3.12-slim AS a\nFROM bb:latest AS b\nFROM alpine\n');
  assert.deepEqual(ranges(f), ['1:6-1:22', '2:6-2:15', '3:6-3:12']);
  assert.match(f[0].message, /^FROM python:3\.12-slim is pinned by tag only/);
  assert.match(f[1].message, /^FROM bb:latest uses the latest tag/);
  assert.match(f[2].message, /^FROM alpine has no tag, so BuildKit pulls latest/);
});

test('an image from an ARG is read as expanded; a registry port is not a tag', async () => {
  const f = await findings(rule, 'ARG BASE=bb:latest\nFROM ${BASE}\nFROM localhost:5000/tools\n');
  assert.deepEqual(ranges(f), ['2:6-2:13', '3:6-3:26']);
  assert.match(f[0].message, /^FROM bb:latest \(\$\{BASE\}\) uses the latest tag/);
  assert.match(f[1].message, /has no tag/);
});

test('stays clean for digests, scratch and stages', async () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  for (const df of [
    `FROM python:3.12@${digest}\n`,
    `FROM python@${digest}\n`,
    'FROM scratch\n',
    `FROM bb@${digest} AS base\nFROM base\nRUN true\n`,
  ]) {
    assert.deepEqual(await findings(rule, df), [], df);
  }
});
