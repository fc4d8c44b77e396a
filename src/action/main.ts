#!/usr/bin/env node
/**
 * The Action's entry (action.yml runs `node dist/src/action/main.js`): reads what GitHub gives
 * a step — the INPUT_* variables action.yml maps its inputs to, GITHUB_WORKSPACE,
 * GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_EVENT_NAME and GITHUB_EVENT_PATH, and writes
 * outputs to GITHUB_OUTPUT and the comment to GITHUB_STEP_SUMMARY — and runs run.ts.
 */
import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { InputError, UsageError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import { pullRequestOf, readEvent, runAction, type ActionInputs } from './run.js';

const env = process.env;

function input(name: string): string | undefined {
  const v = env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`]?.trim();
  return v ? v : undefined;
}

function flag(name: string, fallback: boolean): boolean {
  const v = input(name);
  if (v === undefined) return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`input ${name}: expected true or false, got "${v}"`);
}

async function main(): Promise<number> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  process.chdir(workspace);
  const inputs: ActionInputs = {
    dockerfiles: (input('dockerfiles') ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
    context: input('context'),
    config: input('config'),
    sarifFile: input('sarif-file') ?? 'layerwise.sarif',
    annotations: flag('annotations', true),
    comment: flag('comment', true),
    failOnFindings: flag('fail-on-findings', true),
    token: input('github-token'),
  };
  const pullRequest = pullRequestOf(env.GITHUB_EVENT_NAME, await readEvent(env.GITHUB_EVENT_PATH));
  return runAction(workspace, inputs, {
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    ...(pullRequest ? { pullRequest } : {}),
  }, {
    log: (line) => process.stdout.write(line + '\n'),
    setOutput: async (name, value) => {
      if (!env.GITHUB_OUTPUT) return;
      // The multi-line form, with a delimiter the value cannot hold.
      const delim = `layerwise_${randomBytes(8).toString('hex')}`;
      await appendFile(env.GITHUB_OUTPUT, `${name}<<${delim}\n${value}\n${delim}\n`);
    },
    summary: async (markdown) => {
      if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, markdown + '\n');
    },
  });
}

main().then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  if (!(e instanceof InputError)) throw e;
  process.stdout.write(`::error::layerwise: ${redact(e.format()).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`);
  process.exitCode = 2;
});
