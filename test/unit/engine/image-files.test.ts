import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readTar } from '../../../src/engine/tar.js';
import { readImageArchive } from '../../../src/engine/image-files.js';
import { imageConfigFromJson } from '../../../src/engine/image-config.js';

interface Entry {
  path: string;
  type?: '0' | '1' | '2' | '5' | 'x';
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  link?: string;
}

/** A minimal ustar writer: just enough to make archives shaped like `docker save` output. */
function tar(entries: Entry[], { tail = true } = {}): Buffer {
  const blocks: Buffer[] = [];
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  for (const e of entries) {
    const body = Buffer.from(e.content ?? '');
    const h = Buffer.alloc(512);
    h.write(e.path.slice(0, 100), 0, 'utf8');
    h.write(octal(e.mode ?? 0o644, 8), 100);
    h.write(octal(e.uid ?? 0, 8), 108);
    h.write(octal(e.gid ?? 0, 8), 116);
    h.write(octal(body.length, 12), 124);
    h.write(octal(0, 12), 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    h.write(e.link ?? '', 157);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(octal(sum, 7) + ' ', 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  if (tail) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function pax(records: Record<string, string>): string {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    out += `${len}${rest}`;
  }
  return out;
}

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('the tar reader streams bodies across chunk boundaries and applies PAX long names', async () => {
  const longPath = 'dir/' + 'x'.repeat(150) + '/file.txt';
  const archive = tar([
    { path: 'dir/', type: '5', mode: 0o755 },
    { path: 'PaxHeaders/long', type: 'x', content: pax({ path: longPath, uid: '1000' }) },
    { path: 'ignored', content: 'long one' },
    { path: 'dir/big', content: 'y'.repeat(1500), mode: 0o4755, uid: 7, gid: 8 },
    { path: 'dir/link', type: '2', link: '../target' },
  ]);
  const seen: { path: string; type: string; mode: number; uid: number; body: string }[] = [];
  for await (const e of readTar(chunks(archive, 77))) {
    let body = '';
    for await (const piece of e.body) body += piece.toString('utf8');
    seen.push({ path: e.header.path, type: e.header.type, mode: e.header.mode, uid: e.header.uid, body: body.slice(0, 10) });
  }
  assert.deepEqual(seen, [
    { path: 'dir/', type: 'dir', mode: 0o755, uid: 0, body: '' },
    { path: longPath, type: 'file', mode: 0o644, uid: 1000, body: 'long one' },
    { path: 'dir/big', type: 'file', mode: 0o4755, uid: 7, body: 'yyyyyyyyyy' },
    { path: 'dir/link', type: 'symlink', mode: 0o644, uid: 0, body: '' },
  ]);
});

test('an entry body left unread is skipped', async () => {
  const archive = tar([{ path: 'a', content: 'z'.repeat(3000) }, { path: 'b', content: 'bee' }]);
  const names: string[] = [];
  let b = '';
  for await (const e of readTar(chunks(archive, 1000))) {
    names.push(e.header.path);
    if (e.header.path === 'b') for await (const p of e.body) b += p.toString();
  }
  assert.deepEqual(names, ['a', 'b']);
  assert.equal(b, 'bee');
});

/** A `docker save`-shaped archive: layer tars in arbitrary order, manifest.json last. */
function saveArchive(layers: Buffer[], config: object, order: number[]): Buffer {
  const ids = layers.map((_, i) => `layer${i}`);
  const entries: Entry[] = [];
  for (const i of order) {
    entries.push({ path: `${ids[i]}/`, type: '5', mode: 0o755 });
    entries.push({ path: `${ids[i]}/VERSION`, content: '1.0' });
    entries.push({ path: `${ids[i]}/layer.tar`, content: layers[i]! });
  }
  entries.push({ path: 'cfg.json', content: JSON.stringify(config) });
  entries.push({
    path: 'manifest.json',
    content: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['layerwise-test/x:1'], Layers: ids.map((id) => `${id}/layer.tar`) }]),
  });
  return tar(entries);
}

test('image files apply layers in manifest order with whiteouts, opaque dirs and hard links', async () => {
  const lower = tar([
    { path: 'etc/', type: '5', mode: 0o755 },
    { path: 'etc/passwd', content: 'root' },
    { path: 'etc/gone', content: 'bye' },
    { path: 'opt/', type: '5' },
    { path: 'opt/old/', type: '5' },
    { path: 'opt/old/a', content: 'a' },
    { path: 'data/', type: '5' },
    { path: 'data/keep', content: 'k' },
  ]);
  const upper = tar([
    { path: 'etc/.wh.gone' },
    { path: 'opt/old/.wh..wh..opq' },
    { path: 'opt/old/b', content: 'b', uid: 65534, gid: 65534 },
    { path: 'bin/', type: '5' },
    { path: 'bin/tool', content: 'tool', mode: 0o755 },
    { path: 'bin/tool2', type: '1', link: 'bin/tool', mode: 0o755 },
    { path: 'bin/sh', type: '2', link: 'tool' },
    { path: 'data', content: 'now a file' },
  ]);
  const config = { config: { Env: ['PATH=/bin'], Cmd: ['sh'], User: 'nobody', ExposedPorts: { '80/tcp': {} } }, rootfs: { diff_ids: [] } };
  // The upper layer comes first in the stream, as `docker save` may order it.
  const archive = saveArchive([lower, gzipSync(upper)], config, [1, 0]);
  const image = await readImageArchive(chunks(archive, 300));
  const files = Object.fromEntries(image.files.map((f) => [f.path, f]));
  assert.deepEqual(Object.keys(files), [
    '/bin', '/bin/sh', '/bin/tool', '/bin/tool2', '/data', '/etc', '/etc/passwd', '/opt', '/opt/old', '/opt/old/b',
  ]);
  assert.deepEqual(files['/bin/tool'], { path: '/bin/tool', type: 'file', mode: 0o755, size: 4, sha256: sha('tool'), uid: 0, gid: 0 });
  assert.deepEqual(files['/bin/tool2'], {
    path: '/bin/tool2', type: 'hardlink', mode: 0o755, size: 4, sha256: sha('tool'), linkTarget: '/bin/tool', uid: 0, gid: 0,
  });
  assert.equal(files['/bin/sh']?.linkTarget, 'tool');
  assert.equal(files['/opt/old/b']?.uid, 65534);
  assert.equal(files['/data']?.type, 'file');
  assert.equal(files['/etc/passwd']?.sha256, sha('root'));
  assert.deepEqual(image.repoTags, ['layerwise-test/x:1']);
  const cfg = imageConfigFromJson(image.config?.['config'] as Record<string, unknown>);
  assert.deepEqual(cfg.env, ['PATH=/bin']);
  assert.deepEqual(cfg.exposedPorts, ['80/tcp']);
  assert.equal(cfg.user, 'nobody');
  assert.equal(cfg.entrypoint, null);
});

test('an archive without manifest.json is refused', async () => {
  await assert.rejects(readImageArchive(chunks(tar([{ path: 'x', content: 'y' }]), 512)), /no manifest\.json/);
});

test('the tar reader reads its source to the end, so a docker save pipe can close', async () => {
  const archive = tar([{ path: 'a.txt', content: 'hello' }]);
  let consumed = 0;
  let finished = false;
  async function* source() {
    // The archive in small pieces, then trailing bytes after the end blocks (as a pipe may send).
    for (let i = 0; i < archive.length; i += 100) {
      consumed += Math.min(100, archive.length - i);
      yield archive.subarray(i, i + 100);
    }
    yield Buffer.alloc(4096);
    finished = true;
  }
  const names: string[] = [];
  for await (const e of readTar(source())) names.push(e.header.path);
  assert.deepEqual(names, ['a.txt']);
  assert.equal(consumed, archive.length);
  assert.ok(finished, 'the source was read to its end');
});
