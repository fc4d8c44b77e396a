/**
 * layerwise as a package, the way a user gets it: `npm pack`, then `npm i -g` of the tarball
 * into a prefix of its own (dependencies from the npm cache, or the registry when the cache
 * lacks one). The installed command answers `--version` from package.json and runs on a
 * Dockerfile; `import('layerwise')` gives the typed API, and a TypeScript consumer compiles
 * against its types through `exports`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, tempDir } from '../../helpers.js';

const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string; name: string };

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

test('npm pack makes a tarball that installs with npm i -g, runs layerwise, and imports as layerwise with its types', () => {
  const work = tempDir('layerwise-package-');
  // The compiled code is packed as built (dist/ is what this test runs from): no second build.
  const out = run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], projectRoot);
  const tarball = path.join(work, (JSON.parse(out) as { filename: string }[])[0].filename);
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  for (const f of ['package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'README.md']) assert.ok(files.includes(f), `${f} is packed`);
  assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.startsWith('test/') || f.startsWith('src/')), 'tests and sources stay out');

  const prefix = path.join(work, 'prefix');
  run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work);
  const bin = path.join(prefix, 'bin', 'layerwise');
  assert.equal(run(bin, ['--version'], work), `${pkg.version}\n`);

  // The installed command on a Dockerfile of its own.
  const ctx = path.join(work, 'ctx');
  run('mkdir', ['-p', ctx], work);
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM bb\nCOPY . /app\nRUN cat /app/a\n');
  writeFileSync(path.join(ctx, 'a'), 'a\n');
  assert.match(run(bin, ['explain', ctx, '--changed', 'a'], work), /A change to a rebuilds 2 of 3 steps/);

  // import('layerwise') from beside the global node_modules, as any ES module resolves it.
  const lib = path.join(prefix, 'lib');
  assert.ok(readdirSync(path.join(lib, 'node_modules')).includes('layerwise'));
  writeFileSync(path.join(lib, 'use.mjs'), `
    const api = await import('layerwise');
    const target = api.resolveTarget(${JSON.stringify(ctx)}, undefined);
    const model = await api.loadModel(target);
    const g = api.graph(model);
    const e = await api.explain(target, { changed: ['a'] });
    const a = await api.analyze(target);
    const f = await api.fix(target);
    let bad;
    try { api.resolveTarget(${JSON.stringify(path.join(work, 'nope'))}, undefined); } catch (err) { bad = err instanceof api.InputError && err.format(); }
    console.log(JSON.stringify({ version: api.VERSION, stages: g.stages.length, rebuilt: e.verdicts.filter((v) => v.status === 'rebuilt').length,
      findings: Array.isArray(a.findings), fixed: typeof f.fixed, bad, functions: ['verify', 'bench', 'fixText', 'parseDockerfile'].every((k) => typeof api[k] === 'function') }));`);
  const used = JSON.parse(run(process.execPath, ['use.mjs'], lib)) as Record<string, unknown>;
  assert.deepEqual(used, { version: pkg.version, stages: 1, rebuilt: 2, findings: true, fixed: 'string', bad: `${path.join(work, 'nope')}: no such build context folder`, functions: true });

  // A TypeScript consumer sees the declarations through `exports` (module nodenext, strict).
  writeFileSync(path.join(lib, 'use.mts'), `
    import { analyze, resolveTarget, type AnalyzeResult, type Target } from 'layerwise';
    const t: Target = resolveTarget('.', undefined);
    const r: Promise<AnalyzeResult> = analyze(t);
    // @ts-expect-error: the API is typed, a number is no Target
    analyze(42);
    void r;`);
  const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(projectRoot, 'node_modules', '@types'), 'use.mts'], lib);
});

test('the README\'s library example runs as written (the package imports itself by name)', () => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const block = /## As a package and a library[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README has the example');
  // Inside the package (dist/ is in its scope), `import 'layerwise'` resolves through `exports`.
  const file = path.join(projectRoot, 'dist', 'test', 'unit', 'cli', 'readme-example.mjs');
  writeFileSync(file, block);
  const out = run(process.execPath, [file], projectRoot);
  assert.match(out, /^2\na change to python\/app\/server\.py\n\d+ true\n$/i);
});
