/**
 * The analyze rules and the fix transforms agree: a rule that says it has a fix names the
 * transforms that make it (they exist), and its safety is theirs: unsafe when one of them is.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../helpers.js';
import { TRANSFORMS } from '../../../src/fix/transforms/index.js';
import { RULES } from '../../../src/rules/index.js';

test('every rule with a fix names existing transforms, and its safety is theirs', () => {
  const byName = new Map(TRANSFORMS.map((t) => [t.name, t]));
  for (const { meta } of RULES) {
    assert.equal(meta.fix !== null, !!meta.fixedBy?.length, `${meta.name}: fix and fixedBy go together`);
    if (!meta.fixedBy?.length) continue;
    for (const t of meta.fixedBy) assert.ok(byName.has(t), `${meta.name}: no transform ${t}`);
    const unsafe = meta.fixedBy.some((t) => byName.get(t)!.safety === 'unsafe');
    assert.equal(meta.fix, unsafe ? 'unsafe' : 'safe', meta.name);
  }
});

test('every transform fixes at least one rule: what it changes is something analyze reports', () => {
  const fixed = new Set(RULES.flatMap((r) => r.meta.fixedBy ?? []));
  for (const t of TRANSFORMS) assert.ok(fixed.has(t.name), `${t.name} fixes no rule`);
});

test('a rule with a fix does not read the change impact (analyze runs it again on fix\'s result without one)', () => {
  for (const { meta } of RULES.filter((r) => r.meta.fixedBy?.length)) {
    const source = readFileSync(path.join(projectRoot, 'src', 'rules', `${meta.name}.ts`), 'utf8');
    assert.doesNotMatch(source, /\.impact\b|\bimpact\s*[,}]/, `${meta.name} reads ctx.impact`);
  }
});
