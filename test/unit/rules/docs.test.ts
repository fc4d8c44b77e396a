/**
 * Every rule has a docs page named after it, and the examples on it behave as documented:
 * the ```dockerfile block under "## Bad" is found by the rule, the one under "## Good" is not.
 * A page may give context files for both with a ```files block (JSON: path → content).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RULES } from '../../../src/rules/index.js';
import { projectRoot } from '../../helpers.js';
import { findings } from './harness.js';

const docs = path.join(projectRoot, 'docs', 'rules');

function block(md: string, heading: string, lang: string): string | undefined {
  const section = md.split(/^## /m).find((s) => s.startsWith(heading));
  const m = section && new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  return m?.[1];
}

test('every docs page belongs to a rule', () => {
  const names = new Set(RULES.map((r) => r.meta.name));
  for (const f of readdirSync(docs)) if (f.endsWith('.md') && f !== 'README.md') assert.ok(names.has(f.slice(0, -3)), `${f} has no rule`);
});

for (const rule of RULES) {
  const name = rule.meta.name;
  test(`${name}: has a docs page whose Bad example is found and whose Good example is not`, async () => {
    const page = path.join(docs, `${name}.md`);
    assert.ok(existsSync(page), `docs/rules/${name}.md is missing`);
    const md = readFileSync(page, 'utf8');
    assert.match(md, new RegExp(`^# ${name}$`, 'm'), 'the page title is the rule name');
    for (const h of ['What it finds', 'Why', 'Cost', 'Fix']) assert.ok(md.includes(`## ${h}`), `missing section ## ${h}`);
    // The page's header says what its metadata says about `layerwise fix`.
    const fix = rule.meta.fix === null ? 'fix: none yet' : `fix: ${rule.meta.fix} (\`layerwise fix --rule ${name}\`: ${(rule.meta.fixedBy ?? []).join(', ')})`;
    assert.ok(md.split('\n')[2]?.includes(fix), `the header line says "${fix}"`);
    // A rule that duplicates one of BuildKit's checks says so in its header (analyze --with-build-checks reports both).
    const header = md.split(/^## /m)[0]!.replace(/\s+/g, ' ');
    for (const s of rule.meta.sources ?? []) if (s.startsWith('buildkit/')) assert.ok(header.includes(`mirrors: BuildKit \`${s.slice('buildkit/'.length)}\``), `the header says "mirrors: BuildKit \`${s.slice('buildkit/'.length)}\`"`);
    const files = JSON.parse(block(md, 'Files', 'json') ?? '{}') as Record<string, string>;
    const bad = block(md, 'Bad', 'dockerfile');
    const good = block(md, 'Good', 'dockerfile');
    assert.ok(bad && good, 'needs a Bad and a Good dockerfile example');
    assert.ok((await findings(name, bad, files)).length > 0, 'the Bad example is not found');
    assert.deepEqual((await findings(name, good, files)).map((f) => f.message), [], 'the Good example is found');
  });
}

test('docs/rules/README.md is the index generated from the rules\' metadata', async () => {
  const { rulesMarkdown } = await import('../../../src/report/analyze.js');
  const { writeFileSync } = await import('node:fs');
  const file = path.join(docs, 'README.md');
  const want = rulesMarkdown(RULES);
  if (process.env.UPDATE_DOCS === '1') writeFileSync(file, want);
  assert.equal(existsSync(file) ? readFileSync(file, 'utf8') : '', want, 'run UPDATE_DOCS=1 npm run test:unit to regenerate docs/rules/README.md');
});
