/**
 * Lays out the real-Dockerfile corpus (`bench/corpus/pairs.json`) for `fix-real.js`, from local
 * git mirrors, so that no third-party file lives in the project:
 *
 *   node dist/bench/corpus-materialize.js [--mirrors DIR] [--out DIR] [--pairs FILE] [--allow-missing] [NAME...]
 *
 * Per pair (all of them, or the NAMEs given): `OUT/NAME/context/` holds the build context (the
 * pair's `context` folder of the repo at the `before` commit, its contents at the root, from
 * `git archive`), and `OUT/NAME/before.Dockerfile` and `after.Dockerfile` the repo's file at
 * `path` at the `before` and `after` commits, unchanged. The mirror of `owner/name` is the bare
 * git dir `MIRRORS/owner+name/repo` (default MIRRORS /work/.mirror, as `fetch github:owner/name`
 * leaves it); a missing one is reported and skipped. OUT defaults to /tmp/corpus. A fetched
 * snapshot may lack the blobs of its largest files: a pair whose context has such a file fails,
 * unless `--allow-missing`, which writes each such file empty and lists it in `OUT/NAME/absent.txt`.
 *
 * Exit 0 when every pair was written, 1 when one failed (each failure says why on stderr), 2 on
 * bad arguments (an unknown option or name, a bad pairs file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CorpusPair {
  name: string;
  repo: string;
  path: string;
  before: string;
  after: string;
  context: string;
  ecosystem: string;
  note: string;
}

const USAGE = 'usage: node dist/bench/corpus-materialize.js [--mirrors DIR] [--out DIR] [--pairs FILE] [--allow-missing] [NAME...]';
function usage(msg: string): never {
  console.error(`${USAGE}: ${msg}`);
  process.exit(2);
}

// dist/bench/corpus-materialize.js -> the project's bench/corpus/pairs.json (a source file, not compiled).
const DEFAULT_PAIRS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'corpus', 'pairs.json');
let ALLOW_MISSING = false;
const VALUED = new Map([
  ['--mirrors', '/work/.mirror'],
  ['--out', '/tmp/corpus'],
  ['--pairs', DEFAULT_PAIRS],
]);

const opts = new Map(VALUED);
const names: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--help' || a === '-h') {
    console.log(USAGE);
    process.exit(0);
  }
  if (a === '--allow-missing') ALLOW_MISSING = true;
  else if (VALUED.has(a)) {
    const v = argv[++i];
    if (v === undefined || v === '') usage(`${a} takes a folder or file`);
    opts.set(a, v);
  } else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else names.push(a);
}

const HEX40 = /^[0-9a-f]{40}$/;
const FIELDS = ['name', 'repo', 'path', 'before', 'after', 'context', 'ecosystem', 'note'] as const;

function readPairs(file: string): CorpusPair[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    usage(`cannot read the pairs file ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) usage(`${file}: expected an array of pairs`);
  const seen = new Set<string>();
  return data.map((raw, i) => {
    const p = raw as Partial<Record<(typeof FIELDS)[number], unknown>>;
    const where = `${file}: pair ${i + 1}${typeof p?.name === 'string' ? ` (${p.name})` : ''}`;
    for (const f of FIELDS) if (typeof p?.[f] !== 'string' || p[f] === '') usage(`${where}: "${f}" must be a non-empty string`);
    const q = p as CorpusPair;
    if (!/^[A-Za-z0-9._-]+$/.test(q.name)) usage(`${where}: "name" must be a plain folder name`);
    if (seen.has(q.name)) usage(`${where}: the name is used twice`);
    seen.add(q.name);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(q.repo)) usage(`${where}: "repo" must be owner/name`);
    for (const c of ['before', 'after'] as const) if (!HEX40.test(q[c])) usage(`${where}: "${c}" must be a 40-hex commit`);
    for (const f of ['path', 'context'] as const) {
      const norm = path.posix.normalize(q[f]);
      if (path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) usage(`${where}: "${f}" must stay inside the repo`);
    }
    return q;
  });
}

/** git in the mirror; its stderr's first line on failure. */
function git(gitDir: string, args: string[], extra: { input?: string; env?: NodeJS.ProcessEnv } = {}): { ok: true; out: Buffer } | { ok: false; err: string } {
  const r = spawnSync('git', [`--git-dir=${gitDir}`, ...args], { maxBuffer: 1 << 30, input: extra.input, env: extra.env ?? process.env });
  if (r.error) return { ok: false, err: r.error.message };
  if (r.status !== 0) return { ok: false, err: (r.stderr.toString().trim().split('\n')[0] ?? '') || `git ${args[0]} exited ${r.status}` };
  return { ok: true, out: r.stdout };
}

/** The files of TREE whose blobs the mirror lacks (a fetched snapshot may leave its largest files out). */
function absentFiles(gitDir: string, tree: string): string[] | string {
  const ls = git(gitDir, ['ls-tree', '-r', '-z', tree]);
  if (!ls.ok) return `git ls-tree failed: ${ls.err}`;
  const blobs: { id: string; file: string }[] = [];
  for (const entry of ls.out.toString('utf8').split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t([\s\S]+)$/.exec(entry);
    if (m) blobs.push({ id: m[1]!, file: m[2]! });
  }
  if (!blobs.length) return [];
  const check = git(gitDir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: blobs.map((b) => b.id).join('\n') + '\n' });
  if (!check.ok) return `git cat-file failed: ${check.err}`;
  const missing = new Set(check.out.toString('utf8').split('\n').filter((l) => l.endsWith(' missing')).map((l) => l.split(' ')[0]));
  return blobs.filter((b) => missing.has(b.id)).map((b) => b.file);
}

/**
 * `git archive` of TREE without ABSENT, into TAR: the tree without them is written to a scratch
 * object folder (the mirror's objects as its alternate), so the mirror itself is not touched.
 */
function archiveWithout(gitDir: string, tree: string, absent: string[], tar: string, scratch: string): string | null {
  mkdirSync(path.join(scratch, 'objects'), { recursive: true });
  mkdirSync(path.join(scratch, 'work'));
  const env = {
    ...process.env,
    // update-index wants a work tree, even to drop paths from the index: an empty one, never read.
    GIT_WORK_TREE: path.join(scratch, 'work'),
    GIT_INDEX_FILE: path.join(scratch, 'index'),
    GIT_OBJECT_DIRECTORY: path.join(scratch, 'objects'),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(path.resolve(gitDir), 'objects'),
  };
  for (const [args, input] of [
    [['read-tree', tree], undefined],
    [['update-index', '--force-remove', '-z', '--stdin'], absent.join('\0') + '\0'],
  ] as const) {
    const r = git(gitDir, [...args], { env, input });
    if (!r.ok) return `git ${args[0]} failed: ${r.err}`;
  }
  const w = git(gitDir, ['write-tree'], { env });
  if (!w.ok) return `git write-tree failed: ${w.err}`;
  const a = git(gitDir, ['archive', '--format=tar', `--output=${tar}`, w.out.toString().trim()], { env });
  return a.ok ? null : `git archive failed: ${a.err}`;
}

/** Writes one pair; the reason it could not, or null. */
function materialize(p: CorpusPair, mirrors: string, out: string): string | null {
  const gitDir = path.join(mirrors, p.repo.replace('/', '+'), 'repo');
  if (!existsSync(gitDir)) return `fetch github:${p.repo} first`;
  for (const c of [p.before, p.after]) {
    if (!git(gitDir, ['cat-file', '-e', `${c}^{commit}`]).ok) return `commit ${c} is not in ${gitDir} (fetch github:${p.repo} again?)`;
  }
  const context = path.posix.normalize(p.context).replace(/\/+$/, '');
  const tree = context === '.' ? p.before : `${p.before}:${context}`;
  // `COMMIT:PATH^{tree}` would read "^{tree}" as part of the path: ask the type instead.
  const kind = git(gitDir, ['cat-file', '-t', tree]);
  if (!kind.ok || !['tree', 'commit'].includes(kind.out.toString().trim())) return `no folder "${p.context}" at ${p.before}`;
  const files: Record<string, Buffer> = {};
  for (const [which, commit] of [['before', p.before], ['after', p.after]] as const) {
    const r = git(gitDir, ['show', `${commit}:${path.posix.normalize(p.path)}`]);
    if (!r.ok) return `no ${p.path} at the ${which} commit ${commit}: ${r.err}`;
    files[which] = r.out;
  }

  const absent = absentFiles(gitDir, tree);
  if (typeof absent === 'string') return absent;
  if (absent.length && !ALLOW_MISSING) {
    return `${absent.length} file${absent.length === 1 ? '' : 's'} of the context ${absent.length === 1 ? 'is' : 'are'} absent from the mirror (${absent[0]}${absent.length > 1 ? ', ...' : ''}); --allow-missing writes such files empty and lists them in ${p.name}/absent.txt`;
  }

  const dir = path.join(out, p.name);
  const ctxDir = path.join(dir, 'context');
  const tar = path.join(dir, '.context.tar');
  const scratch = path.join(dir, '.git-scratch');
  try {
    mkdirSync(dir, { recursive: true });
    for (const stale of [ctxDir, scratch, path.join(dir, 'absent.txt')]) rmSync(stale, { recursive: true, force: true });
    mkdirSync(ctxDir);
    const failed = absent.length
      ? archiveWithout(gitDir, tree, absent, tar, scratch)
      : ((a) => (a.ok ? null : `git archive failed: ${a.err}`))(git(gitDir, ['archive', '--format=tar', `--output=${tar}`, tree]));
    if (failed) return failed;
    const x = spawnSync('tar', ['-xf', tar, '-C', ctxDir]);
    if (x.error || x.status !== 0) return `tar failed: ${x.error?.message ?? x.stderr.toString().trim().split('\n')[0]}`;
    for (const f of absent) {
      mkdirSync(path.dirname(path.join(ctxDir, f)), { recursive: true });
      writeFileSync(path.join(ctxDir, f), '');
    }
    if (absent.length) {
      writeFileSync(path.join(dir, 'absent.txt'), absent.join('\n') + '\n');
      console.error(`${p.name}: ${absent.length} file${absent.length === 1 ? '' : 's'} absent from the mirror written empty (listed in ${path.join(dir, 'absent.txt')})`);
    }
    writeFileSync(path.join(dir, 'before.Dockerfile'), files.before!);
    writeFileSync(path.join(dir, 'after.Dockerfile'), files.after!);
  } catch (e) {
    return (e as Error).message;
  } finally {
    rmSync(tar, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  return null;
}

const pairs = readPairs(path.resolve(opts.get('--pairs')!));
const known = new Set(pairs.map((p) => p.name));
const unknown = names.filter((n) => !known.has(n));
if (unknown.length) usage(`unknown pair ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
const chosen = names.length ? pairs.filter((p) => names.includes(p.name)) : pairs;
const mirrors = path.resolve(opts.get('--mirrors')!);
const out = path.resolve(opts.get('--out')!);

let failed = 0;
for (const p of chosen) {
  const why = materialize(p, mirrors, out);
  if (why) {
    failed++;
    console.error(`${p.name}: ${why}`);
  } else console.log(`${p.name}: ${path.join(out, p.name)} (${p.repo} ${p.before.slice(0, 10)} → ${p.after.slice(0, 10)}, context ${p.context})`);
}
console.log(`${chosen.length - failed} of ${chosen.length} pairs written to ${out}`);
process.exit(failed ? 1 : 0);
