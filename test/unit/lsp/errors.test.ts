import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../../helpers.js';
import { LspClient } from './client.js';

test('a bad .layerwise.yaml is one error on the Dockerfile\'s first line that says where the config is wrong', async () => {
  const dir = tempDir('layerwise-lsp-config-');
  const text = 'FROM alpine\nRUN true\n';
  writeFileSync(path.join(dir, 'Dockerfile'), text);
  writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules:\n  no-such-rule: off\n');
  const client = new LspClient({ cwd: dir });
  try {
    await client.initialize(dir);
    const uri = pathToFileURL(path.join(dir, 'Dockerfile')).href;
    await client.open(uri, text);
    const p = await client.diagnostics(uri, 1);
    assert.equal(p.diagnostics.length, 1);
    assert.equal(p.diagnostics[0].severity, 1);
    // Not at the config's line 2 column 3 in the Dockerfile: on its first line, with the config's location in words.
    assert.deepEqual(p.diagnostics[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 11 } });
    assert.equal(p.diagnostics[0].message, `${path.join(dir, '.layerwise.yaml')}:2:3: unknown rule "no-such-rule" (see layerwise analyze --list-rules)`);
    assert.equal(await client.close(), 0);
  } finally {
    client.kill();
  }
});
