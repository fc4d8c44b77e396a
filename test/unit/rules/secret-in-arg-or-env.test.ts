import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSecretName } from '../../../src/core/secrets.js';
import { findings, ranges } from './harness.js';

const rule = 'secret-in-arg-or-env';

test('ARG and ENV names that look like secrets are found, each at its name', async () => {
  const df = 'FROM bb\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x APP_MODE=prod AWS_SECRET_ACCESS_KEY=y\nENV apikey abc\n';
  const f = await findings(rule, df);
  assert.deepEqual(ranges(f), ['2:5-2:17', '3:5-3:16', '3:33-3:54', '4:5-4:11']);
  assert.match(f[0].message, /^ARG GITHUB_TOKEN looks like a secret: ARG values are recorded in the history/);
  assert.match(f[1].message, /RUN --mount=type=secret,id=db_password,env=DB_PASSWORD/);
});

test('the name patterns are BuildKit\'s: whole `_`-separated words, public/file/version allowed', () => {
  for (const n of ['TOKEN', 'api_key', 'SSH_PRIVATE_KEY', 'NPM_AUTH_TOKEN', 'passwd', 'MY_PWORD', 'Secret_Message', 'AWS_CREDENTIALS']) assert.ok(isSecretName(n), n);
  for (const n of ['KEYBOARD', 'TOKENIZER_PATH', 'AUTHOR', 'PUBLIC_KEY', 'SECRET_FILE', 'TOKEN_VERSION', 'MONKEY', 'my-token', 'PASSWORDLESS']) assert.ok(!isSecretName(n), n);
});

test('a public GPG fingerprint in ENV GPG_KEY (keys that verify downloads) stays clean; a private key or another value under that name does not', async () => {
  assert.deepEqual(await findings(rule, 'FROM bb\nENV GPG_KEY 7169605F62C751356D054A26A821E680E5FA6305\nENV NODE_GPG_KEY=0x4ED778F539E3634C779C87C6D7062848A1AB005C\nARG PGP_KEY\nENV GPG_KEYS="39B641343D8C104B2B146DC3F9C39DC0B9698544 E60913E4DF209907D8E30D96659A97C9CF2A795A"\n'), []);
  const f = await findings(rule, 'FROM bb\nARG GPG_PRIVATE_KEY\nENV GPG_KEY="-----BEGIN PGP PRIVATE KEY BLOCK-----"\n');
  assert.deepEqual(ranges(f), ['2:5-2:20', '3:5-3:12']);
});

test('stays clean for ordinary names and for global ARGs, which BuildKit does not check', async () => {
  assert.deepEqual(await findings(rule, 'ARG REGISTRY_TOKEN\nFROM bb\nARG VERSION=1\nENV PATH=/x:$PATH KEYRING_DIR=/k\n'), []);
});

test('a placeholder value written in a builder stage the image does not ship stays clean; one passed in, or one in the shipped stage, is found', async () => {
  const df = [
    'FROM bb AS builder',
    'ARG APP_ENCRYPTION_KEY="CAFEBABE"',
    'ENV APP_ENCRYPTION_KEY="$APP_ENCRYPTION_KEY"',
    'ARG NPM_TOKEN',
    'RUN build',
    'FROM bb',
    'ENV DB_PASSWORD=changeme',
    'COPY --from=builder /out /out',
    '',
  ].join('\n');
  assert.deepEqual(ranges(await findings(rule, df)), ['4:5-4:14', '7:5-7:16']);
});
