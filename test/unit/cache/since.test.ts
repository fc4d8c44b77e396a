import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { explain } from '../../../src/explain/explain.js';
import { changedSince } from '../../../src/cache/git.js';
import { InputError } from '../../../src/core/errors.js';
import { tempDir } from '../../helpers.js';

/** A repository whose build context is its `app/` folder, with one commit. */
function repo() {
  const dir = tempDir('layerwise-since-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('config', 'user.email', 't@example.invalid');
  git('config', 'user.name', 't');
  const files: Record<string, string> = {
    '.gitignore': 'app/build/\n',
    'app/Dockerfile': 'FROM bb\nCOPY src/ /src/\nRUN echo built\nCOPY build/ /build/\n',
    'app/.dockerignore': 'src/*.log\n',
    'app/src/a.py': 'a\n',
    'app/src/b.py': 'b\n',
    'app/build/out.bin': 'old\n',
    'other/x.txt': 'x\n',
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  git('add', '-A');
  git('commit', '-qm', 'init');
  return { dir, git, ctx: path.join(dir, 'app') };
}

test('--since lists staged, unstaged and untracked paths under the context, relative to it', async () => {
  const { dir, git, ctx } = repo();
  writeFileSync(path.join(ctx, 'src/a.py'), 'a2\n'); // unstaged
  writeFileSync(path.join(ctx, 'src/b.py'), 'b2\n');
  git('add', 'app/src/b.py'); // staged
  writeFileSync(path.join(ctx, 'src/new.py'), 'n\n'); // untracked
  writeFileSync(path.join(dir, 'other/x.txt'), 'y\n'); // outside the context
  // build/out.bin is git-ignored: git cannot say whether it changed, so it counts (see the third test).
  assert.deepEqual(await changedSince(ctx, 'HEAD'), ['build/out.bin', 'src/a.py', 'src/b.py', 'src/new.py']);
});

test('--since counts committed changes after the ref too', async () => {
  const { git, ctx } = repo();
  writeFileSync(path.join(ctx, 'src/a.py'), 'a2\n');
  git('commit', '-qam', 'second');
  assert.deepEqual(await changedSince(ctx, 'HEAD~1'), ['build/out.bin', 'src/a.py']);
  assert.deepEqual(await changedSince(ctx, 'HEAD'), ['build/out.bin']);
});

test('git-ignored files count, and only .dockerignore decides what a build sees', async () => {
  const { ctx } = repo();
  writeFileSync(path.join(ctx, 'build/out.bin'), 'new\n'); // git-ignored, not docker-ignored
  writeFileSync(path.join(ctx, 'src/debug.log'), 'log\n'); // docker-ignored
  assert.deepEqual(await changedSince(ctx, 'HEAD'), ['build/out.bin', 'src/debug.log']);
  const r = await explain({ contextDir: ctx, dockerfilePath: path.join(ctx, 'Dockerfile'), displayName: 'Dockerfile' }, { since: 'HEAD' });
  const status = Object.fromEntries(r.verdicts.map((v) => [v.step.line, v.status]));
  assert.deepEqual(status, { 1: 'cached', 2: 'cached', 3: 'cached', 4: 'rebuilt' });
});

test('an unknown ref is an input error, not a crash', async () => {
  const { ctx } = repo();
  await assert.rejects(changedSince(ctx, 'no-such-ref'), (e: unknown) => e instanceof InputError && /--since/.test(e.message));
});

test('--since compares with the Dockerfile as it was at the ref: an edited RUN is rebuilt, the steps before it are not', async () => {
  const { dir, git, ctx } = repo();
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM bb\nCOPY src/ /src/\nRUN echo built again\nCOPY build/ /build/\n');
  git('commit', '-qam', 'edit the RUN');
  const t = { contextDir: ctx, dockerfilePath: path.join(ctx, 'Dockerfile'), displayName: 'app/Dockerfile' };
  const r = await explain(t, { since: 'HEAD~1' });
  const status = Object.fromEntries(r.verdicts.map((v) => [v.step.line, v.status]));
  // COPY build/ re-runs because build/out.bin is git-ignored (git cannot tell it is unchanged).
  assert.deepEqual(status, { 1: 'cached', 2: 'cached', 3: 'rebuilt', 4: 'rebuilt' });
  assert.match(r.verdicts.find((v) => v.step.line === 3)!.reason, /instruction|changed|edit/i);
  assert.match(r.change, /the Dockerfile edit/);
  // Against the ref itself nothing of the file changed.
  const same = await explain(t, { since: 'HEAD' });
  assert.equal(same.verdicts.find((v) => v.step.line === 3)!.status, 'cached');
  // --prev-file still names the previous file.
  writeFileSync(path.join(dir, 'prev.Dockerfile'), 'FROM bb\nCOPY src/ /src/\nRUN echo built again\nCOPY build/ /build/\n');
  const prev = await explain(t, { since: 'HEAD~1', prevFile: path.join(dir, 'prev.Dockerfile') });
  assert.equal(prev.verdicts.find((v) => v.step.line === 3)!.status, 'cached');
});

test('--since with a Dockerfile the ref did not have is an input error that says the build is a cold one', async () => {
  const { git, ctx } = repo();
  writeFileSync(path.join(ctx, 'new.Dockerfile'), 'FROM bb\nRUN echo new\n');
  git('add', '-A');
  git('commit', '-qm', 'a new image');
  const t = { contextDir: ctx, dockerfilePath: path.join(ctx, 'new.Dockerfile'), displayName: 'app/new.Dockerfile' };
  await assert.rejects(explain(t, { since: 'HEAD~1' }), (e: unknown) => e instanceof InputError
    && e.format() === 'app/new.Dockerfile: --since: the Dockerfile did not exist at HEAD~1: every step is new (a cold build); give --prev-file to compare with another file');
});
