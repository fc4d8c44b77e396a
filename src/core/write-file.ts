/**
 * Replacing a user's file without ever losing it: the only way layerwise writes a file the
 * user owns (`fix --write`, `analyze --output`).
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

export interface WriteOptions {
  /** The file as the user should see it in messages. */
  displayName?: string;
  /** What the file must still hold (what was read): if it changed meanwhile, nothing is written. */
  expected?: string | Uint8Array;
  /** A file that does not exist yet is created (mode 0666 less the umask), as atomically; its folder must exist. */
  create?: boolean;
}

/** Why a write failed, in the user's words; `undefined` for an error that is not about the file system. */
function reason(e: unknown, dir: string): string | undefined {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
      return `permission denied (the file is replaced by a rename: its folder ${dir} must be writable)`;
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOENT':
      return 'no such file';
    case 'EXDEV':
    case 'EBUSY':
    case 'EIO':
    case 'EMLINK':
    case 'ENAMETOOLONG':
    case 'ELOOP':
    case 'ENOTDIR':
    case 'EPERM':
    case 'EISDIR':
      return err.message;
    default:
      return typeof err?.code === 'string' && err.syscall ? err.message : undefined;
  }
}

/**
 * Replaces `file` with `text` atomically. A symlink is followed: its target is replaced and
 * the link stays. The new file keeps the old one's mode and owner. It is written to a temp
 * file in the same folder, flushed to disk (fsync), then renamed over the old one, and the
 * folder is flushed: a crash or `kill -9` at any moment leaves the old file or the new one,
 * never a mix (at worst a stray `.NAME.layerwise-*.tmp` beside it). A write that cannot happen
 * is an {@link InputError} naming the file and the reason; the old file is untouched.
 * Hard links to the file keep the old content (a rename makes a new file), as with editors
 * that save atomically.
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  const shown = opts.displayName ?? file;
  let target = file;
  let tmp: string | undefined;
  try {
    let st: Stats | undefined;
    try {
      target = await realpath(file);
      st = await stat(target);
    } catch (e) {
      if (!opts.create || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // A link to nowhere is not a new file: which file it means is the user's to say.
      if (await lstat(file).then(() => true, () => false)) throw new InputError('cannot write: a symbolic link to a file that does not exist', shown);
      target = path.resolve(file);
      const dir = path.dirname(target);
      if (!(await stat(dir).then((d) => d.isDirectory(), () => false))) throw new InputError(`cannot write: no such folder ${dir}`, shown);
    }
    if (st && !st.isFile()) throw new InputError('cannot write: not a regular file', shown);
    if (opts.expected !== undefined) {
      const now = await readFile(target);
      const want = typeof opts.expected === 'string' ? Buffer.from(opts.expected, 'utf8') : Buffer.from(opts.expected);
      if (!now.equals(want)) throw new InputError('cannot write: the file changed since layerwise read it; nothing was written (run again)', shown);
    }
    const dir = path.dirname(target);
    tmp = path.join(dir, `.${path.basename(target)}.layerwise-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx', st ? 0o600 : 0o666);
    try {
      await fh.writeFile(text);
      const mine = await fh.stat();
      if (st && (mine.uid !== st.uid || mine.gid !== st.gid)) {
        try {
          await fh.chown(st.uid, st.gid);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
          throw new InputError(`cannot write: its owner (uid ${st.uid}, gid ${st.gid}) could not be kept; run as that user, or as root`, shown);
        }
      }
      // After chown: changing the owner clears set-id bits.
      if (st) await fh.chmod(st.mode & 0o7777);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    tmp = undefined;
    await syncFolder(dir);
  } catch (e) {
    if (tmp) await unlink(tmp).catch(() => undefined);
    if (e instanceof InputError) throw e;
    const why = reason(e, path.dirname(target));
    if (why === undefined) throw e;
    throw new InputError(`cannot write: ${why}; the file is unchanged`, shown);
  }
}

/** Flushes a folder's entries (the rename) to disk; file systems that cannot are left alone. */
async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems refuse fsync on a folder (EINVAL); the rename itself is still atomic.
  } finally {
    await fh?.close();
  }
}
