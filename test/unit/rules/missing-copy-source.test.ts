import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findings, ranges } from './harness.js';

const rule = 'missing-copy-source';

test('a COPY of a file the context does not hold is found at the source word', async () => {
  const f = await findings(rule, 'FROM bb\nWORKDIR /app\nCOPY requirements.txt setup.cfg ./\nRUN true\n', { 'requirements.txt': 'x\n' });
  assert.deepEqual(ranges(f), ['3:23-3:32']);
  assert.match(f[0].message, /^setup\.cfg is not in the build context \S+, so BuildKit fails here \("\/setup\.cfg" not found\)/);
  assert.equal(f[0].severity, 'error');
});

test('a source .dockerignore excludes is found, naming the ignore file; so is a bind mount of one', async () => {
  const files = { 'app/main.py': 'print(1)\n', 'config/local.env': 'A=1\n', '.dockerignore': 'config\n' };
  const f = await findings(rule, 'FROM bb\nCOPY app /app\nCOPY config/local.env /etc/app.env\nRUN --mount=type=bind,source=config,target=/cfg cat /cfg/local.env\n', files);
  assert.deepEqual(ranges(f), ['3:6-3:22', '4:5-4:48']);
  assert.match(f[0].message, /^config\/local\.env is excluded by \.dockerignore, so the build context does not hold it/);
  assert.match(f[1].message, /^config is excluded by \.dockerignore/);
});

test('a glob whose folder is absent fails the build and is found; a source through an ARG default is read expanded', async () => {
  const f = await findings(rule, 'FROM bb\nARG SRC=src\nCOPY ${SRC}/ /app/\nCOPY docs/*.md /docs/\n', { 'lib/a.go': 'package a\n' });
  assert.deepEqual(ranges(f), ['3:6-3:13', '4:6-4:15']);
  assert.match(f[0].message, /^src\/ \(\$\{SRC\}\/\) is not in the build context/);
  assert.match(f[1].message, /^the folder docs\/ of the pattern docs\/\*\.md is not in the build context, so BuildKit fails here/);
});

test('stays clean for sources the context holds, globs that match nothing, re-included files, build outputs, unset args, other stages and unneeded stages', async () => {
  const files = { 'package.json': '{}\n', 'src/a.ts': 'x\n', '.dockerignore': '*.md\n!README.md\n', 'README.md': '# x\n' };
  // `yarn.lock*` matching nothing copies nothing: BuildKit goes on.
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY package.json yarn.lock* ./\nCOPY src/ /src/\nCOPY README.md /\n', files), []);
  // target/ is what `mvn package` makes before docker build: an input of the build, not a mistake.
  assert.deepEqual(await findings(rule, 'FROM bb\nCOPY target/app.jar /app.jar\nCOPY dist/ /www/\nCOPY .build/linux-amd64/app /bin/app\n', files), []);
  // A build arg with no value is the user's to supply.
  assert.deepEqual(await findings(rule, 'FROM bb\nARG APP_DIR\nCOPY ${APP_DIR}/bin /bin/app\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS b\nRUN mkdir /out\nFROM bb\nCOPY --from=b /nowhere /x\nADD https://example.com/x.tgz /x.tgz\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb AS dev\nCOPY nothere /x\nFROM bb\nCOPY package.json /\n', files), []);
  assert.deepEqual(await findings(rule, 'FROM bb\nRUN --mount=type=bind,target=/ctx ls /ctx\nRUN --mount=type=bind,source=src,target=/s ls /s\n', files), []);
});
