/**
 * The comparison of two built images, as a pure function of their file lists and configs: what
 * `layerwise verify` calls a difference. Modification times are ignored (every build stamps its
 * own); everything a container can see through the filesystem or the config is compared.
 */
import type { ImageConfig } from '../engine/image-config.js';
import type { ImageFile } from '../engine/image-files.js';

export type Change = 'added' | 'removed' | 'changed';

/** One image as verify compares it. */
export interface ImageSnapshot {
  files: readonly ImageFile[];
  config: ImageConfig;
  /** `sha256:...` of the image config, when known: equal IDs mean equal images. */
  imageId?: string;
}

/** What a path is in one image, normalised for comparison. */
export interface FileFacts {
  /** A hard link to a file is a `file` here (see {@link factsOf}). */
  type: ImageFile['type'];
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  /** Symlinks only. */
  linkTarget?: string;
}

export type FileField = 'type' | 'content' | 'mode' | 'owner' | 'link';

export interface FieldChange {
  field: FileField;
  /** Printable: `0644`, `0:0`, `sha256:<hex>`, a link target, a type. */
  before: string;
  after: string;
}

export interface FileDifference {
  kind: 'file';
  path: string;
  change: Change;
  /** In OTHER (the reference); null when added. */
  before: FileFacts | null;
  /** In FILE; null when removed. */
  after: FileFacts | null;
  /** For `changed`: each field that differs. */
  fields: FieldChange[];
}

/** Config fields by the Dockerfile instruction that sets them. */
export const CONFIG_FIELDS = ['ENV', 'CMD', 'ENTRYPOINT', 'USER', 'WORKDIR', 'EXPOSE', 'LABEL', 'VOLUME', 'HEALTHCHECK', 'STOPSIGNAL', 'SHELL', 'ONBUILD'] as const;
export type ConfigField = (typeof CONFIG_FIELDS)[number];
/** Fields compared key by key (a variable, a label, a port, a volume). */
export const KEYED_FIELDS: readonly ConfigField[] = ['ENV', 'LABEL', 'EXPOSE', 'VOLUME'];

export type ConfigValue = string | string[] | Record<string, unknown>;

export interface ConfigDifference {
  kind: 'config';
  field: ConfigField;
  /** ENV and LABEL: the name; EXPOSE: `80/tcp`; VOLUME: the path. */
  key?: string;
  change: Change;
  /** null when absent (or empty) on that side. */
  before: ConfigValue | null;
  after: ConfigValue | null;
}

/** A named stage of OTHER that FILE no longer has: `--target NAME` stops working. */
export interface StageDifference {
  kind: 'stage';
  stage: string;
  change: 'removed';
}

export type Difference = FileDifference | ConfigDifference | StageDifference;

export const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/**
 * A path's facts for comparison. A hard link counts as the file it shares content with: which
 * path of a linked pair a layer tar stores as the file and which as the link depends on the tar's
 * order and on layer boundaries (a link cannot reach into a lower layer), not on what a
 * container sees.
 */
export function factsOf(f: ImageFile): FileFacts {
  const hardlinkToFile = f.type === 'hardlink' && f.sha256 !== undefined;
  const out: FileFacts = { type: hardlinkToFile ? 'file' : f.type, mode: f.mode, uid: f.uid, gid: f.gid, size: f.size };
  if (f.sha256 !== undefined) out.sha256 = f.sha256;
  if (f.type === 'symlink' && f.linkTarget !== undefined) out.linkTarget = f.linkTarget;
  return out;
}

function fieldChanges(a: FileFacts, b: FileFacts): FieldChange[] {
  const out: FieldChange[] = [];
  if (a.type !== b.type) out.push({ field: 'type', before: a.type, after: b.type });
  else if (a.sha256 !== b.sha256) out.push({ field: 'content', before: `sha256:${a.sha256 ?? ''}`, after: `sha256:${b.sha256 ?? ''}` });
  if (a.mode !== b.mode) out.push({ field: 'mode', before: octal(a.mode), after: octal(b.mode) });
  if (a.uid !== b.uid || a.gid !== b.gid) out.push({ field: 'owner', before: `${a.uid}:${a.gid}`, after: `${b.uid}:${b.gid}` });
  if ((a.linkTarget ?? '') !== (b.linkTarget ?? '')) out.push({ field: 'link', before: a.linkTarget ?? '', after: b.linkTarget ?? '' });
  return out;
}

/** File differences by path (OTHER = before, FILE = after), sorted by path. */
export function compareFiles(before: readonly ImageFile[], after: readonly ImageFile[]): FileDifference[] {
  const a = new Map(before.map((f) => [f.path, factsOf(f)]));
  const b = new Map(after.map((f) => [f.path, factsOf(f)]));
  const out: FileDifference[] = [];
  for (const [p, fa] of a) {
    const fb = b.get(p);
    if (!fb) out.push({ kind: 'file', path: p, change: 'removed', before: fa, after: null, fields: [] });
    else {
      const fields = fieldChanges(fa, fb);
      if (fields.length) out.push({ kind: 'file', path: p, change: 'changed', before: fa, after: fb, fields });
    }
  }
  for (const [p, fb] of b) if (!a.has(p)) out.push({ kind: 'file', path: p, change: 'added', before: null, after: fb, fields: [] });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** JSON with sorted keys, so two equal objects compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function changeOf(before: unknown, after: unknown): Change {
  return before === null ? 'added' : after === null ? 'removed' : 'changed';
}

/** ENV as a map: the order of variables is not something a process can see. */
function envMap(env: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    m.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1));
  }
  return m;
}

function keyed(field: ConfigField, a: Map<string, string>, b: Map<string, string>, out: ConfigDifference[]): void {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const key of keys) {
    const va = a.has(key) ? a.get(key)! : null;
    const vb = b.has(key) ? b.get(key)! : null;
    if (va !== vb) out.push({ kind: 'config', field, key, change: changeOf(va, vb), before: va, after: vb });
  }
}

const set = (xs: readonly string[]) => new Map(xs.map((x) => [x, x]));
/** An empty string is what an unset USER, WORKDIR or STOPSIGNAL reads as. */
const scalar = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

/** Config differences, in {@link CONFIG_FIELDS} order, keys sorted within a field. */
export function compareConfigs(before: ImageConfig, after: ImageConfig): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  const whole = (field: ConfigField, va: ConfigValue | null, vb: ConfigValue | null) => {
    if (canonical(va) !== canonical(vb)) out.push({ kind: 'config', field, change: changeOf(va, vb), before: va, after: vb });
  };
  for (const field of CONFIG_FIELDS) {
    switch (field) {
      case 'ENV': keyed(field, envMap(before.env), envMap(after.env), out); break;
      case 'CMD': whole(field, before.cmd, after.cmd); break;
      case 'ENTRYPOINT': whole(field, before.entrypoint, after.entrypoint); break;
      case 'USER': whole(field, scalar(before.user), scalar(after.user)); break;
      case 'WORKDIR': whole(field, scalar(before.workingDir), scalar(after.workingDir)); break;
      case 'EXPOSE': keyed(field, set(before.exposedPorts), set(after.exposedPorts), out); break;
      case 'LABEL': keyed(field, new Map(Object.entries(before.labels)), new Map(Object.entries(after.labels)), out); break;
      case 'VOLUME': keyed(field, set(before.volumes), set(after.volumes), out); break;
      case 'HEALTHCHECK':
        whole(field, before.healthcheck as Record<string, unknown> | null, after.healthcheck as Record<string, unknown> | null);
        break;
      case 'STOPSIGNAL': whole(field, scalar(before.stopSignal), scalar(after.stopSignal)); break;
      case 'SHELL': whole(field, before.shell ?? null, after.shell ?? null); break;
      case 'ONBUILD': whole(field, before.onBuild?.length ? before.onBuild : null, after.onBuild?.length ? after.onBuild : null); break;
    }
  }
  return out;
}

/** Every difference between OTHER's image (before) and FILE's (after): config first, then files. */
export function compareImages(before: ImageSnapshot, after: ImageSnapshot): Difference[] {
  if (before.imageId !== undefined && before.imageId === after.imageId) return [];
  return [...compareConfigs(before.config, after.config), ...compareFiles(before.files, after.files)];
}
