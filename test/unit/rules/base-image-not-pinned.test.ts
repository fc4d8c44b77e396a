import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyze } from '../../../src/analyze/analyze.js';
import { defaultConfig } from '../../../src/analyze/config.js';
import { tagKind } from '../../../src/rules/base-image-not-pinned.js';
import { tempDir } from '../../helpers.js';
import { findings, ranges, related } from './harness.js';

const rule = 'base-image-not-pinned';

test('the base images of a file named by tag are one finding at the first, with every FROM as a related location saying how its tag moves', async () => {
  const f = await findings(rule, 'FROM python:3.12-slim AS a\nFROM bb:latest AS b\nFROM alpine\nFROM nginx:1.27.4-alpine-slim\n');
  assert.deepEqual(ranges(f), ['1:6-1:22']);
  assert.match(f[0].message, /^4 base images are named by tag, not digest \(python:3\.12-slim, bb:latest, alpine, nginx:1\.27\.4-alpine-slim\): builds start from whatever latest points to that day/);
  assert.deepEqual(related(f[0]), [
    '2:6-2:15 bb:latest: latest, which moves with every release',
    '3:6-3:12 alpine: no tag, so latest, which moves with every release',
    '4:6-4:30 nginx:1.27.4-alpine-slim: an exact release tag, moved only if its publisher republishes it (a rebuild with security fixes)',
  ]);
});

test('exact, dated and release tags are never said to be re-pointed every patch release', async () => {
  const f = await findings(rule, 'FROM debian:trixie-20260803-slim\nFROM ghcr.io/astral-sh/uv:0.5.31\nFROM caddy:2.11.2-windowsservercore-ltsc2022\n');
  assert.equal(f.length, 1);
  assert.doesNotMatch([f[0].message, ...related(f[0])].join('\n'), /patch release/);
  assert.match(f[0].message, /exact release tags move only if republished/);
  for (const t of ['1.27.4-alpine-slim', '3.23.3', '26.3.0-slim', 'trixie-20260803-slim', '2.11.2-windowsservercore-ltsc2022', '0.5.31']) assert.equal(tagKind(t), 'exact', t);
  for (const t of ['3.12-slim', '22-alpine', '1-alpine', 'bookworm', '17', 'stable-alpine-slim']) assert.equal(tagKind(t), 'moving', t);
  for (const t of [null, 'latest', 'latest-rust-1.85.1', 'nightly', 'edge']) assert.equal(tagKind(t), 'latest', String(t));
});

test('an image from an ARG is read as expanded; a registry port is not a tag', async () => {
  const f = await findings(rule, 'ARG BASE=bb:latest\nFROM ${BASE}\nFROM localhost:5000/tools\n');
  assert.deepEqual(ranges(f), ['2:6-2:13']);
  assert.match(f[0].message, /\(bb:latest \(\$\{BASE\}\), localhost:5000\/tools\)/);
  assert.deepEqual(related(f[0]), ['3:6-3:26 localhost:5000/tools: no tag, so latest, which moves with every release']);
});

test('stays clean for digests, scratch, stages and a base passed as a build arg with no default', async () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  for (const df of [
    `FROM python:3.12@${digest}\n`,
    `FROM python@${digest}\n`,
    'FROM scratch\n',
    `FROM bb@${digest} AS base\nFROM base\nRUN true\n`,
    'ARG BUILDER_IMAGE\nFROM ${BUILDER_IMAGE}\nRUN true\n',
  ]) {
    assert.deepEqual(await findings(rule, df), [], df);
  }
});

test('off by default: analyze says nothing of it until .layerwise.yaml turns it on', async () => {
  const dir = tempDir('layerwise-pin-');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.12-slim\nCMD ["python"]\n');
  const target = { contextDir: dir, dockerfilePath: path.join(dir, 'Dockerfile'), displayName: 'Dockerfile' };
  assert.deepEqual((await analyze(target, { config: defaultConfig() })).findings.filter((f) => f.rule === rule), []);
  const on = { ...defaultConfig(), rules: { [rule]: { enabled: true, severity: 'info' as const, options: {} } } };
  assert.equal((await analyze(target, { config: on })).findings.filter((f) => f.rule === rule).length, 1);
});
