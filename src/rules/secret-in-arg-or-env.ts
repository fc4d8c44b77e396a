import { defineRule } from './define.js';

/**
 * BuildKit's patterns (dockerfile2llb getSecretsRegex): a secret word as the whole name or as
 * one `_`-separated part of it, unless a part says it is public, a file or a version.
 */
const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOWED = /(?:_|^)(?:public|file|version)(?:_|$)/i;

/** A GPG key named by a name that says so, with no word of a private part (`GPG_KEY`, `NODE_GPG_KEY`, `PGP_KEY_ID`). */
const GPG_NAME = /(?:_|^)(?:gpg|pgp|gnupg)(?:_|$)/i;
const PRIVATE = /(?:_|^)(?:private|secret|pass|passphrase|password|priv)(?:_|$)/i;
/** Fingerprints or key ids (16 or 40 hex digits, `0x` allowed), separated by white space. */
const FINGERPRINTS = /^\s*(?:(?:0x)?(?:[0-9a-f]{16}|[0-9a-f]{40})\s*)+$/i;

/**
 * A public key's fingerprint: official images set `ENV GPG_KEY 7169605F…` (or `GPG_KEYS`) to the
 * keys they verify downloads with. Public by design: not a secret. A value that is not a list
 * of fingerprints (an armored private key) is still one.
 */
export function isPublicKeyFingerprint(name: string, value: string | undefined): boolean {
  return GPG_NAME.test(name) && !PRIVATE.test(name) && (value === undefined || value === '' || FINGERPRINTS.test(value));
}

/** Whether BuildKit's SecretsUsedInArgOrEnv check takes a variable name for a secret. */
export function isSecretName(name: string): boolean {
  return SECRET.test(name) && !ALLOWED.test(name);
}

/**
 * An ARG or ENV whose name says it holds a secret (`GITHUB_TOKEN`, `DB_PASSWORD`,
 * `AWS_SECRET_ACCESS_KEY`). ENV values are stored in the image config; ARG values are in the
 * image history of every RUN that sees them, in build logs and provenance. Mirrors BuildKit's
 * SecretsUsedInArgOrEnv check, patterns included, with the name's own range.
 */
export default defineRule({
  meta: {
    name: 'secret-in-arg-or-env',
    category: 'security',
    severity: 'warning',
    description: 'An ARG or ENV in a stage is named like a secret (password, token, secret, key, auth, credential), and its value would persist in the image or its history.',
    fix: null,
    sources: ['buildkit/SecretsUsedInArgOrEnv'],
    messages: {
      secret: '{{keyword}} {{name}} looks like a secret: {{where}}; pass it with RUN --mount=type=secret,id={{id}},env={{name}} (docker build --secret id={{id}},env={{name}})',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      for (const step of stage.steps) {
        const inst = step.instruction;
        // BuildKit checks ARG and ENV inside stages; global ARGs before the first FROM are not checked.
        const keys = inst.keyword === 'ARG' ? inst.decls.map((d) => d.key) : inst.keyword === 'ENV' ? inst.pairs.map((p) => p.key) : [];
        for (const key of keys) {
          const name = key.raw.replace(/^["']|["']$/g, '');
          if (!isSecretName(name)) continue;
          // The value as the build sees it (an ARG's is null when it has none).
          const value = step.expanded[name];
          if (isPublicKeyFingerprint(name, typeof value === 'string' ? value : undefined)) continue;
          ctx.report({
            messageId: 'secret',
            data: {
              keyword: inst.keyword,
              name,
              id: name.toLowerCase(),
              where: inst.keyword === 'ENV' ? 'ENV values are stored in the image config, readable by anyone who pulls it' : 'ARG values are recorded in the history of every RUN that sees them, and in build logs and provenance',
            },
            range: key.range,
          });
        }
      }
    }
  },
});
