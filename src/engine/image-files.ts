import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { EngineIdentity } from './engine.js';
import { detectEngineOnce } from './engine.js';
import { archiveOf } from './cleanup.js';
import { readBody, readTar, type TarEntry, type TarHeader } from './tar.js';

/** One path of an image's final filesystem (all layers applied, whiteouts honoured). */
export interface ImageFile {
  /** Absolute: `/bin/busybox`. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';
  /** Permission bits with setuid/setgid/sticky (0o4755). */
  mode: number;
  /** Bytes of content (files and hard links to files); 0 otherwise. */
  size: number;
  /** Hex SHA-256 of the content, for files and hard links to files. */
  sha256?: string;
  /** Symlink target, or the absolute path a hard link shares its content with. */
  linkTarget?: string;
  uid: number;
  gid: number;
}

export interface ImageArchive {
  files: ImageFile[];
  /** The image's config JSON as stored in the archive (`config.Env`, `rootfs.diff_ids`, ...). */
  config?: Record<string, unknown>;
  repoTags: string[];
  /** Bytes of content over all layers (what `docker image inspect` calls Size). */
  sizeBytes: number;
  /** Layers in the manifest. */
  layers: number;
}

interface LayerEntry {
  path: string;
  header: TarHeader;
  sha256?: string;
  size: number;
}

function normalize(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** Read a layer tarball (plain or gzip) into its entries, hashing contents on the way. */
async function readLayer(first: Buffer, rest: AsyncIterator<Buffer>): Promise<LayerEntry[]> {
  let stream: AsyncIterable<Buffer> = prepend(first, rest);
  if (first[0] === 0x1f && first[1] === 0x8b) stream = Readable.from(stream).pipe(createGunzip());
  else if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) {
    throw new Error('zstd-compressed layers are not supported');
  }
  const entries: LayerEntry[] = [];
  for await (const e of readTar(stream)) {
    const p = normalize(e.header.path);
    if (p === '/') continue;
    if (e.header.type === 'file') {
      const h = createHash('sha256');
      let size = 0;
      for await (const piece of e.body) {
        h.update(piece);
        size += piece.length;
      }
      entries.push({ path: p, header: e.header, sha256: h.digest('hex'), size });
    } else {
      entries.push({ path: p, header: e.header, size: 0 });
    }
  }
  // The tar ends with zero blocks that readTar does not need; drain so the outer entry is done.
  for await (const _ of stream) void _;
  return entries;
}

function isJsonStart(b: Buffer): boolean {
  for (const c of b) {
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b || c === 0x5b; // { or [
  }
  return false;
}

/**
 * Read an image archive in `docker save` form (a tar with manifest.json; the OCI-layout variant of
 * Docker 25+ and buildctl's type=docker output have one too) as one stream: layer tarballs are
 * read where they lie in the outer tar, their contents hashed and dropped, and the layers applied
 * in manifest order at the end.
 */
export async function readImageArchive(source: AsyncIterable<Buffer | Uint8Array | string>, image?: string): Promise<ImageArchive> {
  const layers = new Map<string, LayerEntry[]>();
  const json = new Map<string, unknown>();
  const links = new Map<string, string>();

  for await (const entry of readTar(source)) {
    const name = entry.header.path.replace(/^\.\//, '');
    if (entry.header.type === 'symlink') {
      // Docker 25+: <id>/layer.tar -> ../blobs/sha256/<hex>
      links.set(name, path.posix.normalize(path.posix.join(path.posix.dirname(name), entry.header.linkname)));
      continue;
    }
    if (entry.header.type !== 'file' || entry.header.size === 0) continue;
    await readArchiveEntry(entry, name, layers, json);
  }

  const manifests = json.get('manifest.json') as { Config: string; RepoTags?: string[] | null; Layers: string[] }[] | undefined;
  if (!Array.isArray(manifests) || manifests.length === 0) throw new Error('not an image archive: no manifest.json');
  const manifest =
    (image && manifests.find((m) => m.RepoTags?.some((t) => t === image || t === `${image}:latest`))) || manifests[0]!;
  const resolve = (p: string) => links.get(p) ?? p;

  const fs = new Map<string, ImageFile>();
  let sizeBytes = 0;
  for (const layerPath of manifest.Layers) {
    const entries = layers.get(resolve(layerPath));
    if (!entries) throw new Error(`image archive lacks layer ${layerPath}`);
    applyLayer(fs, entries);
    for (const e of entries) sizeBytes += e.size;
  }
  const config = json.get(resolve(manifest.Config)) as Record<string, unknown> | undefined;
  return {
    files: [...fs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    ...(config ? { config } : {}),
    repoTags: manifest.RepoTags ?? [],
    sizeBytes,
    layers: manifest.Layers.length,
  };
}

async function readArchiveEntry(
  entry: TarEntry,
  name: string,
  layers: Map<string, LayerEntry[]>,
  json: Map<string, unknown>,
): Promise<void> {
  const it = entry.body[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) return;
  const first = head.value;
  if (isJsonStart(first) && entry.header.size < 64 * 1024 * 1024) {
    const rest = await readBody({ header: entry.header, body: { [Symbol.asyncIterator]: () => it } });
    try {
      json.set(name, JSON.parse(Buffer.concat([first, rest]).toString('utf8')));
    } catch {
      // Not JSON after all: not something an image archive needs.
    }
    return;
  }
  if (name.endsWith('.json') || name === 'repositories' || name.endsWith('/VERSION') || name === 'oci-layout') return;
  layers.set(name, await readLayer(first, it));
}

/** Apply one layer: whiteouts first (they hide lower layers only), then the layer's entries. */
function applyLayer(fs: Map<string, ImageFile>, entries: readonly LayerEntry[]): void {
  const removeTree = (p: string, keepSelf: boolean) => {
    if (!keepSelf) fs.delete(p);
    const prefix = p === '/' ? '/' : p + '/';
    for (const k of [...fs.keys()]) if (k.startsWith(prefix)) fs.delete(k);
  };
  for (const e of entries) {
    const base = path.posix.basename(e.path);
    const dir = path.posix.dirname(e.path);
    if (base === '.wh..wh..opq') removeTree(dir, true);
    else if (base.startsWith('.wh.')) removeTree(path.posix.join(dir, base.slice(4)), false);
  }
  for (const e of entries) {
    const base = path.posix.basename(e.path);
    if (base.startsWith('.wh.')) continue;
    const h = e.header;
    const existing = fs.get(e.path);
    // A non-directory replaces a directory with everything under it.
    if (existing?.type === 'dir' && h.type !== 'dir') removeTree(e.path, false);
    const file: ImageFile = { path: e.path, type: h.type, mode: h.mode, size: e.size, uid: h.uid, gid: h.gid };
    if (h.type === 'file' && e.sha256) file.sha256 = e.sha256;
    if (h.type === 'symlink') file.linkTarget = h.linkname;
    if (h.type === 'hardlink') {
      file.linkTarget = normalize(h.linkname);
      const target = fs.get(file.linkTarget);
      if (target?.sha256) {
        file.sha256 = target.sha256;
        file.size = target.size;
      }
    }
    fs.set(e.path, file);
  }
}

export interface ListOptions {
  engine?: EngineIdentity;
}

/** The files of an image in the engine's store, read from `docker save` without touching disk. */
export async function listImageFiles(image: string, options: ListOptions = {}): Promise<ImageFile[]> {
  return (await saveImage(image, options)).files;
}

/**
 * `docker save` an image and read it: files and the stored config. On a BuildKit daemon
 * (buildctl), the tarball its build exported is read instead.
 */
export async function saveImage(image: string, options: ListOptions = {}): Promise<ImageArchive> {
  const engine = options.engine ?? (await detectEngineOnce()).engine;
  if (engine?.kind === 'buildctl') {
    const file = archiveOf(image);
    if (!file) throw new Error(`${image}: not an image this process built on ${engine.description} (BuildKit keeps no image store to read)`);
    return readImageArchive(createReadStream(file), image);
  }
  const docker = engine?.docker;
  if (!engine || !docker) throw new Error('listing image files needs a docker engine (docker save)');
  const child = spawn(docker, ['save', image], { env: { ...process.env, ...engine.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let archive: ImageArchive;
  try {
    archive = await readImageArchive(child.stdout, image);
  } catch (err) {
    child.kill();
    const code = await exited;
    if (code !== 0 && stderr) throw new Error(`docker save ${image} failed: ${stderr.trim()}`);
    throw err;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`docker save ${image} failed: ${stderr.trim()}`);
  return archive;
}

/** The files of an image archive on disk (`docker save -o`, buildctl `type=docker`). */
export async function listArchiveFiles(file: string): Promise<ImageFile[]> {
  return (await readImageArchive(createReadStream(file))).files;
}
