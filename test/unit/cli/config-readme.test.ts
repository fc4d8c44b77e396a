import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot, readmeCommand, tempDir } from '../../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

test('the README\'s config example gives the exit codes it says, in a copy of the bundled example', () => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Config, variables and `--fail-on`'), readme.indexOf('## Compose and Bake'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
  const lines = /```sh\n([\s\S]*?)```/.exec(section)![1]!.split('\n').filter((l) => l.trim());
  const dir = tempDir('layerwise-readme-config-');
  cpSync(path.join(projectRoot, 'examples', 'ml-serving'), dir, { recursive: true });
  writeFileSync(path.join(dir, '.layerwise.yaml'), yaml);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LAYERWISE_')));
  for (const line of lines) {
    const expected = Number(/# exit (\d)/.exec(line)![1]);
    const { args, env } = readmeCommand(line);
    const r = spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', env: { ...clean, HOME: dir, XDG_CONFIG_HOME: dir, ...env } });
    assert.equal(r.status, expected, `${line}\n${r.stderr}`);
    // The rule the config turned off is not reported.
    assert.doesNotMatch(r.stdout, /final-image-runs-as-root/);
  }
  assert.equal(lines.length, 4);
  const report = JSON.parse(readFileSync(path.join(dir, 'gl-code-quality.json'), 'utf8')) as { check_name: string }[];
  assert.ok(report.length > 0 && report.every((i) => i.check_name !== 'final-image-runs-as-root'));
  assert.ok(existsSync(path.join(dir, 'gl-code-quality.json')));
});
