/**
 * A streaming reader for tar archives (ustar, GNU long names, PAX), enough for `docker save`
 * output and the layer tarballs inside it.
 *
 * Why not a library (tar-stream, tar): we only read, a handful of header types matter, and
 * image listing reads tarballs nested in a tarball as one stream, with nothing extracted to disk
 * and no file content held in memory. ~150 lines avoid a dependency and its event API.
 */

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarHeader {
  /** As stored, PAX/GNU long names applied; may start with `./` and end with `/`. */
  path: string;
  type: TarEntryType;
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Symlink target or the path a hard link points to. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX records of this entry (extended attributes among them). */
  pax: Record<string, string>;
}

export interface TarEntry {
  header: TarHeader;
  /** The content; the reader skips whatever the consumer leaves unread. */
  body: AsyncIterable<Buffer>;
}

class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer | Uint8Array | string>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value, 'binary') : Buffer.from(r.value);
    if (b.length > 0) {
      this.chunks.push(b);
      this.buffered += b.length;
    }
    return true;
  }

  /**
   * Reads the source to its end, discarding it. A `docker save` pipe that is left unread after
   * the archive's end never closes, and whoever waits for the process to exit waits forever.
   */
  async drain(): Promise<void> {
    while (await this.fill()) {
      this.chunks = [];
      this.buffered = 0;
    }
  }

  /** Exactly n bytes, or null if the stream ends first. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buffered < n) if (!(await this.fill())) return null;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Up to n bytes, as they come. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill())) throw new Error('tar: archive ends inside an entry');
      if (this.buffered === 0) continue;
      const head = this.chunks[0]!;
      const piece = head.length <= left ? head : head.subarray(0, left);
      if (piece === head) this.chunks.shift();
      else this.chunks[0] = head.subarray(left);
      this.buffered -= piece.length;
      left -= piece.length;
      yield piece;
    }
  }
}

function str(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString('utf8');
}

function num(b: Buffer, start: number, len: number): number {
  const s = b.subarray(start, start + len);
  if (s[0]! & 0x80) {
    // GNU base-256: big-endian, the top bit of the first byte only marks the encoding.
    let v = s[0]! & 0x7f;
    for (let i = 1; i < s.length; i++) v = v * 256 + s[i]!;
    return v;
  }
  const t = str(b, start, len).trim();
  return t === '' ? 0 : parseInt(t, 8);
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '': 'file', '7': 'file',
  '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const buf = Buffer.from(text, 'utf8');
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(buf.subarray(i, sp).toString('ascii'), 10);
    if (!(len > 0)) break;
    const rec = buf.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

/** Read a tar stream entry by entry; each entry's body must be read (or left) before the next. */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax: Record<string, string> = {};
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;

  for (;;) {
    const block = await reader.read(512);
    if (!block) return;
    if (block.every((b) => b === 0)) {
      // End of archive: the rest (the second zero block, padding) is read so the source ends.
      await reader.drain();
      return;
    }
    const size = num(block, 124, 12);
    const flag = String.fromCharCode(block[156]!);
    const padded = Math.ceil(size / 512) * 512;

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = (await reader.read(padded)) ?? Buffer.alloc(0);
      const content = data.subarray(0, size);
      if (flag === 'x') pax = { ...pax, ...parsePax(content.toString('utf8')) };
      else if (flag === 'g') globalPax = { ...globalPax, ...parsePax(content.toString('utf8')) };
      else if (flag === 'L') longName = str(content, 0, content.length);
      else longLink = str(content, 0, content.length);
      continue;
    }

    const magic = str(block, 257, 6);
    const prefix = magic.startsWith('ustar') ? str(block, 345, 155) : '';
    const name = str(block, 0, 100);
    const all = { ...globalPax, ...pax };
    const header: TarHeader = {
      path: all['path'] ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type: TYPES[flag] ?? 'other',
      mode: num(block, 100, 8) & 0o7777,
      uid: all['uid'] !== undefined ? Number(all['uid']) : num(block, 108, 8),
      gid: all['gid'] !== undefined ? Number(all['gid']) : num(block, 116, 8),
      size: all['size'] !== undefined ? Number(all['size']) : size,
      mtime: all['mtime'] !== undefined ? Number(all['mtime']) : num(block, 136, 12),
      linkname: all['linkpath'] ?? longLink ?? str(block, 157, 100),
      devmajor: num(block, 329, 8),
      devminor: num(block, 337, 8),
      pax: all,
    };
    pax = {};
    longName = undefined;
    longLink = undefined;

    const bodySize = header.type === 'file' || header.type === 'other' ? header.size : 0;
    const bodyPadded = Math.ceil(bodySize / 512) * 512;
    let consumed = 0;
    const body = (async function* () {
      for await (const piece of reader.take(bodySize - consumed)) {
        consumed += piece.length;
        yield piece;
      }
    })();
    yield { header, body };
    // Skip what the consumer left, then the padding to the next 512-byte block.
    for await (const piece of reader.take(bodySize - consumed)) consumed += piece.length;
    if (bodyPadded > bodySize && !(await reader.read(bodyPadded - bodySize))) return;
  }
}

/** Read an entry's whole body (for small entries such as JSON files). */
export function readBody(entry: TarEntry): Promise<Buffer> {
  return collect(entry.body);
}
