/**
 * late-source-copy on its fixtures (test/fixtures/fix/late-source-copy/cases.json); what a
 * moved `npm install` may change in the image (its lockfile), as the report and `fix
 * --verify`'s allow-list carry it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openContext } from '../../../src/context/index.js';
import { fixText } from '../../../src/fix/fix.js';
import { tempDir } from '../../helpers.js';
import { fixtureCases } from './fixture-cases.js';

fixtureCases('late-source-copy');

async function run(files: Record<string, string>, dockerfile: string) {
  const dir = tempDir('layerwise-lsc-');
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return fixText(dockerfile, 'Dockerfile', await openContext(dir, path.join(dir, 'Dockerfile')), { only: ['late-source-copy'] });
}

const PKG = '{"name":"app","dependencies":{"left-pad":"1.3.0"}}\n';

test('late-source-copy: an npm install moved with the lockfile it may rewrite names that lockfile as changed on purpose, and says why', async () => {
  const r = await run({ 'package.json': PKG, 'package-lock.json': '{}\n', 'server.js': '1\n' }, 'FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm install\n');
  assert.equal(r.applied.length, 1);
  assert.deepEqual(r.applied[0].accepts.map((a) => `${a.path} ${a.change}`), ['/srv/package-lock.json changed']);
  assert.match(r.applied[0].accepts[0].reason, /out of date/);
  assert.match(r.applied[0].notes[0], /may rewrite package-lock\.json/);
});

test('late-source-copy: without a lockfile in the context, or with a copy cut in two (npm\'s rewrite stays last), nothing is changed on purpose', async () => {
  const none = await run({ 'package.json': PKG, 'server.js': '1\n' }, 'FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm install\n');
  assert.deepEqual(none.applied[0].accepts, []);
  const cut = await run(
    { 'package.json': PKG, 'package-lock.json': '{}\n', 'src/a.js': '1\n', 'README.md': '#\n' },
    'FROM node:20\nWORKDIR /app\nCOPY src/ src/\nCOPY package*.json README.md ./\nRUN npm install\n',
  );
  assert.equal(cut.fixed, 'FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm install\nCOPY src/ src/\nCOPY README.md ./\n');
  assert.deepEqual(cut.applied[0].accepts, []);
  assert.match(cut.applied[0].notes[0], /with line 4's copy of package\*\.json \(the rest of line 4 stays\)/);
});
