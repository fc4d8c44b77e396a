import type { ImageConfig } from '../../../src/engine/image-config.js';
import type { ImageFile } from '../../../src/engine/image-files.js';

/** A file entry: a regular file unless said otherwise, 0644, root. */
export function f(path: string, over: Partial<ImageFile> = {}): ImageFile {
  const type = over.type ?? 'file';
  return {
    path,
    type,
    mode: type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644,
    size: type === 'file' ? 3 : 0,
    ...(type === 'file' ? { sha256: 'a'.repeat(64) } : {}),
    uid: 0,
    gid: 0,
    ...over,
  };
}

export const dir = (path: string, over: Partial<ImageFile> = {}) => f(path, { type: 'dir', ...over });

/** The config of bb:latest: PATH and CMD /bin/sh. */
export function config(over: Partial<ImageConfig> = {}): ImageConfig {
  return {
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cmd: ['/bin/sh'],
    entrypoint: null,
    user: '',
    workingDir: '',
    exposedPorts: [],
    labels: {},
    volumes: [],
    healthcheck: null,
    ...over,
  };
}
