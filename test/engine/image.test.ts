import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { listImageFiles, saveImage } from '../../src/engine/image-files.js';
import { imageConfigFromJson, inspectImageConfig } from '../../src/engine/image-config.js';
import { listTestImages, removeImages } from '../../src/engine/cleanup.js';
import { run } from '../../src/engine/exec.js';
import { makeContext, engineTest, BASE_IMAGE } from './build-helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const dockerfile = [
  'FROM bb:latest',
  "RUN mkdir -p /data/sub && printf 'hello\\n' > /data/hello.txt && chmod 4750 /data/hello.txt \\",
  '    && chown 65534:65534 /data/sub && ln -s hello.txt /data/link && ln /data/hello.txt /data/hard \\',
  '    && rm /etc/group',
  'COPY ctx.txt /data/ctx.txt',
  'WORKDIR /data/sub',
  'ENV A=1',
  'LABEL org.example.kind=test',
  'EXPOSE 8080/udp',
  'VOLUME /vol',
  'HEALTHCHECK --interval=5s CMD true',
  'CMD ["sh", "-c", "echo hi"]',
  '',
].join('\n');

engineTest('the image file listing has every path of the final filesystem with type, mode, owner and content hash', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile, 'ctx.txt': 'from the context\n' });
  const record = await ctx.build();
  assert.equal(record.ok, true, record.error);
  const files = new Map((await listImageFiles(record.tag!, { engine })).map((f) => [f.path, f]));

  const hello = files.get('/data/hello.txt');
  const hard = files.get('/data/hard');
  assert.ok(hello && hard);
  // One of the two names is the hard link, the other the file; both carry the content.
  assert.deepEqual([hello.type, hard.type].sort(), ['file', 'hardlink']);
  for (const f of [hello, hard]) {
    assert.equal(f.mode, 0o4750);
    assert.equal(f.size, 6);
    assert.equal(f.sha256, sha('hello\n'));
  }
  assert.deepEqual(files.get('/data/link'), { path: '/data/link', type: 'symlink', mode: 0o777, size: 0, linkTarget: 'hello.txt', uid: 0, gid: 0 });
  assert.equal(files.get('/data/sub')?.type, 'dir');
  assert.equal(files.get('/data/sub')?.uid, 65534);
  assert.equal(files.get('/data/sub')?.gid, 65534);
  assert.equal(files.get('/data/ctx.txt')?.sha256, sha('from the context\n'));
  // Deleted in a later layer: the whiteout hides the base image's file.
  assert.equal(files.has('/etc/group'), false);
  assert.equal(files.get('/etc/passwd')?.type, 'file');
  assert.equal(files.get('/bin/busybox')?.type, 'file');
  assert.equal(files.get('/bin/sh')?.linkTarget, 'busybox');
});

engineTest('the image config read by inspect and from the saved archive agree on what the Dockerfile set', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: dockerfile, 'ctx.txt': 'x\n' });
  const record = await ctx.build();
  assert.equal(record.ok, true, record.error);
  const config = await inspectImageConfig(record.tag!, { engine });
  assert.ok(config.env.includes('A=1'));
  assert.deepEqual(config.cmd, ['sh', '-c', 'echo hi']);
  assert.equal(config.entrypoint, null);
  assert.equal(config.workingDir, '/data/sub');
  assert.equal(config.user, '');
  assert.deepEqual(config.labels, { 'org.example.kind': 'test' });
  assert.deepEqual(config.exposedPorts, ['8080/udp']);
  assert.deepEqual(config.volumes, ['/vol']);
  assert.deepEqual(config.healthcheck, { test: ['CMD-SHELL', 'true'], interval: 5_000_000_000 });
  const archive = await saveImage(record.tag!, { engine });
  assert.deepEqual(imageConfigFromJson(archive.config?.['config'] as Record<string, unknown>), config);
  assert.ok(archive.repoTags.includes(record.tag!));
});

engineTest('clean-up removes the images layerwise tagged and leaves every other image alone', async (t, engine) => {
  const ctx = makeContext(t, engine, { Dockerfile: 'FROM bb:latest\nRUN echo clean-up > /c\n' });
  const record = await ctx.build();
  assert.equal(record.ok, true, record.error);
  assert.ok((await listTestImages(engine)).includes(record.tag!));
  await assert.rejects(removeImages(engine, [BASE_IMAGE]), /refusing/);
  assert.deepEqual(await removeImages(engine, [record.tag!]), [record.tag!]);
  assert.ok(!(await listTestImages(engine)).includes(record.tag!));
  if (engine.docker) {
    const base = await run(engine.docker, ['image', 'inspect', BASE_IMAGE], { env: { ...process.env, ...engine.env } });
    assert.equal(base.code, 0);
  }
});
