/**
 * BuildKit is the judge of missing-copy-source: each case is built on the real engine, and the
 * build fails exactly where the rule finds a source the context does not hold.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/analyze/analyze.js';
import { defaultConfig } from '../../src/analyze/config.js';
import { BASE_IMAGE, makeContext, requireEngine } from './build-helpers.js';

const cases: { name: string; files: Record<string, string>; dockerfile: string; fails: boolean }[] = [
  { name: 'an absent file', files: { 'a.txt': 'a\n' }, dockerfile: 'COPY a.txt b.txt /x/\n', fails: true },
  { name: 'a file .dockerignore excludes', files: { 'a.txt': 'a\n', 'secret.env': 'A=1\n', '.dockerignore': '*.env\n' }, dockerfile: 'COPY secret.env /x\n', fails: true },
  { name: 'a bind mount of an excluded folder', files: { 'cfg/x': '1\n', '.dockerignore': 'cfg\n' }, dockerfile: 'RUN --mount=type=bind,source=cfg,target=/cfg cat /cfg/x\n', fails: true },
  { name: 'a glob in an absent folder', files: { 'a.txt': 'a\n' }, dockerfile: 'COPY docs/*.md /docs/\n', fails: true },
  { name: 'a glob that matches nothing (clean)', files: { 'package.json': '{}\n' }, dockerfile: 'COPY package.json yarn.lock* /app/\n', fails: false },
  { name: 'a file re-included after a pattern (clean)', files: { 'README.md': '# r\n', 'x.md': 'x\n', '.dockerignore': '*.md\n!README.md\n' }, dockerfile: 'COPY README.md /\n', fails: false },
];

for (const c of cases) {
  test(`missing-copy-source agrees with BuildKit: ${c.name}`, async (t) => {
    const engine = await requireEngine(t);
    if (!engine) return;
    const dockerfile = `FROM ${BASE_IMAGE}\n${c.dockerfile}`;
    const ctx = makeContext(t, engine, { ...c.files, Dockerfile: dockerfile });
    const r = await analyze({ contextDir: ctx.dir, dockerfilePath: path.join(ctx.dir, 'Dockerfile'), displayName: 'Dockerfile' }, { config: defaultConfig(), only: ['missing-copy-source'] });
    const b = await ctx.build();
    assert.equal(!b.ok, c.fails, `BuildKit ${b.ok ? 'built it' : `failed: ${b.error}`}`);
    assert.deepEqual(r.findings.map((f) => f.range.start.line), c.fails ? [2] : [], r.findings.map((f) => f.message).join('\n'));
  });
}
