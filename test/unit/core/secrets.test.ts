import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forgetSecrets, holdsSecret, looksLikeSecret, noteVariable, redact, redactJson, REDACTED } from '../../../src/core/secrets.js';

test('token shapes are redacted wherever they appear, ordinary words are not', () => {
  forgetSecrets();
  const shapes = [
    'ghp_' + 'a1'.repeat(18),
    'github_pat_' + 'B2_'.repeat(10),
    'AKIAIOSFODNN7EXAMPLE',
    'xoxb-1234567890-abcdefghij',
    'sk-proj-' + 'x9'.repeat(12),
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
  ];
  for (const s of shapes) {
    assert.ok(looksLikeSecret(s), s);
    assert.equal(redact(`RUN use ${s} now`), `RUN use ${REDACTED} now`, s);
  }
  assert.equal(redact('git clone https://bot:s3cr3tpw@git.example.com/repo.git'), `git clone https://bot:${REDACTED}@git.example.com/repo.git`);
  // A reference to a variable is not a value; ordinary text stays.
  for (const s of ['https://bot:${TOKEN}@git.example.com', 'task-runner-for-everything-here', 'ARG VERSION=1.2.3', 'skip-this-please', 'eyJ alone', '-----BEGIN CERTIFICATE-----']) {
    assert.equal(redact(s), s);
  }
});

test('a value is remembered by its variable\'s name; short values and references are not', () => {
  forgetSecrets();
  assert.ok(holdsSecret('GITHUB_TOKEN', 'x'));
  assert.ok(holdsSecret('AWS_SECRET_ACCESS_KEY', 'x'));
  assert.ok(holdsSecret('MYTOKEN', 'x'), 'a secret word inside a name');
  assert.ok(holdsSecret('DB_PASSWORD', 'x'));
  assert.ok(!holdsSecret('VERSION', 'x'));
  assert.ok(!holdsSecret('TOKEN_FILE', '/run/secrets/token'), 'BuildKit allows _FILE');
  assert.ok(!holdsSecret('GPG_KEY', 'A035C8C19219BA821ECEA86B64E628F8D684696D'), 'a public key fingerprint');
  noteVariable('DB_PASSWORD', 'correct-horse');
  noteVariable('API_KEY', 'abc');
  noteVariable('NPM_TOKEN', '${CI_TOKEN}');
  noteVariable('VERSION', 'plainvalue');
  assert.equal(redact('DB_PASSWORD=correct-horse plainvalue abc ${CI_TOKEN}'), `DB_PASSWORD=${REDACTED} plainvalue abc \${CI_TOKEN}`);
  // Not inside a longer word; clipped by a report, its start goes too.
  assert.equal(redact('xcorrect-horsey'), 'xcorrect-horsey');
  assert.equal(redact('ENV DB_PASSWORD=corr…'), `ENV DB_PASSWORD=${REDACTED}…`);
  assert.equal(redact('RUN login --password correct-ho...'), `RUN login --password ${REDACTED}...`);
  forgetSecrets();
});

test('JSON keeps its shape: a string that was a secret becomes the marker, numbers and keywords stay', () => {
  forgetSecrets();
  noteVariable('PASSWORD', 'true');
  noteVariable('PIN_SECRET', '123456');
  noteVariable('TOKEN', 'quo"te\\d');
  const json = JSON.stringify({ a: true, n: 1234567, s: '123456', t: 'x quo"te\\d y', k: 'true' }, null, 2);
  assert.deepEqual(JSON.parse(redactJson(json)), { a: true, n: 1234567, s: REDACTED, t: `x ${REDACTED} y`, k: REDACTED });
  forgetSecrets();
});
