import { defineRule } from './define.js';
import { isPublicKeyFingerprint, isSecretName } from '../core/secrets.js';
import { baseChain } from './shared.js';

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
    const shipped = new Set(baseChain(ctx.graph, ctx.graph.target));
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
          // A placeholder written in the Dockerfile itself (`ARG APP_KEY="CAFEBABE"` so a build
          // step can run) in a stage the image does not ship: the value is public in the file
          // already and its config is not pushed. One passed in (no default) still leaks.
          if (!shipped.has(stage) && typeof value === 'string' && value !== '') continue;
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
