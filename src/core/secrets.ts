/**
 * Secrets in build args and ENV: what looks like one, and taking it out of what layerwise
 * prints or writes. The one place that defines both; the rule secret-in-arg-or-env and every
 * output (reports, profiles, bench results, error messages) use it.
 *
 * A value is a secret when its variable's name says so (`GITHUB_TOKEN`, `DB_PASSWORD`,
 * `AWS_SECRET_ACCESS_KEY`) or when it has the shape of a known token (`ghp_…`, `AKIA…`, `xoxb-…`,
 * `sk-…`, a JWT, a PEM private key, the password of a `scheme://user:password@host` URL). The
 * Dockerfile and the build args are read deep inside the library while reports are written at
 * the edge, by code that never sees them: so the values found are remembered here (by
 * {@link noteVariable}, called where build args are taken and where the graph resolves ARG and
 * ENV) and {@link redact} replaces them, and every token shape, with {@link REDACTED} in the text
 * that leaves the program. The user's own files (`fix --write`) are never redacted.
 */

/** What a secret's value becomes in output. Needs no escaping in JSON, HTML, XML or Markdown. */
export const REDACTED = '[redacted]';

/**
 * BuildKit's patterns (dockerfile2llb getSecretsRegex): a secret word as the whole name or as
 * one `_`-separated part of it, unless a part says it is public, a file or a version.
 */
const SECRET_PART = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOWED = /(?:_|^)(?:public|file|version)(?:_|$)/i;
/** Secret words inside a name (`MYTOKEN`, `GHTOKEN2`): redacted too, though BuildKit's check does not flag them. */
const SECRET_WORD = /token|secret|passw(?:or)?d|api_?key|private_?key|access_?key|credential/i;

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
  return SECRET_PART.test(name) && !ALLOWED.test(name);
}

/** Whether the value of a variable of this name is redacted: BuildKit's secret names, and names with a secret word inside. */
export function holdsSecret(name: string, value: string): boolean {
  if (ALLOWED.test(name) || isPublicKeyFingerprint(name, value)) return false;
  return SECRET_PART.test(name) || SECRET_WORD.test(name);
}

/**
 * Token shapes, redacted wherever they appear. Each is specific enough not to match ordinary
 * text: a fixed prefix and a long run of token characters.
 */
const TOKEN_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:,\s-]|\\[nr])*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=]|\\[nr]|\s)*/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g,
  /\bxox[abposre]-[A-Za-z0-9-]{10,}/g,
  /\bsk-[A-Za-z0-9_-]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];

/** `scheme://user:password@`: the password part (a `$VAR` reference is not a value). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>\\]+):([^\s/@"'<>\\]+)@/gi;

/** Whether a value has the shape of a known token or credential. */
export function looksLikeSecret(value: string): boolean {
  return redactShapes(value) !== value;
}

/** Where a report clipped a long text. */
const CLIPPED = /…|\.\.\./;
/** A token's start cut off by `…` or `...` (a clipped instruction): too short for its shape, still its start. */
const CLIPPED_TOKEN = /\b(?:gh[pousr]_|github_pat_|(?:AKIA|ASIA)[A-Z0-9]*|xox[abposre]-|sk-|glpat-|npm_|eyJ)[A-Za-z0-9_.-]*?(?=…|\.\.\.)|-----BEGIN [A-Z0-9 ]*PRIVATE[^…]*?(?=…|\.\.\.)/g;
const CLIPPED_URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>\\]+):[^\s/@"'<>\\…]*?(?=…|\.\.\.)/gi;

function redactShapes(text: string): string {
  let out = text;
  for (const re of TOKEN_SHAPES) out = out.replace(re, REDACTED);
  if (CLIPPED.test(out)) out = out.replace(CLIPPED_TOKEN, REDACTED).replace(CLIPPED_URL_CREDENTIALS, `$1:${REDACTED}`);
  return out.replace(URL_CREDENTIALS, (all, head: string, password: string) => (password.startsWith('$') || password === REDACTED ? all : `${head}:${REDACTED}@`));
}

/** Values shorter than this are not redacted by value (replacing `ab` everywhere would garble every report). */
const MIN_LENGTH = 4;

const known = new Set<string>();
let pattern: RegExp | null | undefined;

/**
 * Remembers the value of a build arg or of an ARG or ENV when its name says it holds a secret,
 * so that {@link redact} takes it out of every output. A value that only refers to other
 * variables (`$TOKEN`) is a name, not a value.
 */
export function noteVariable(name: string, value: string | null | undefined): void {
  if (!value || value.length < MIN_LENGTH || known.has(value) || !holdsSecret(name, value)) return;
  if (/^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-+?][^}]*)?\}?)+$/.test(value)) return;
  known.add(value);
  pattern = undefined;
}

const htmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const regexEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const WORD = /[A-Za-z0-9]/;

/** One alternative per written form of each value (as is, JSON- and HTML-escaped), not inside a longer word. */
function knownPattern(): RegExp | null {
  if (pattern !== undefined) return pattern;
  const forms = new Set<string>();
  for (const v of known) for (const f of [v, JSON.stringify(v).slice(1, -1), htmlEscape(v)]) forms.add(f);
  const alts = [...forms].sort((a, b) => b.length - a.length).map((f) => {
    const head = WORD.test(f[0]!) ? '(?<![A-Za-z0-9])' : '';
    const tail = WORD.test(f[f.length - 1]!) ? '(?![A-Za-z0-9])' : '';
    return `${head}${regexEscape(f)}${tail}`;
  });
  pattern = alts.length ? new RegExp(alts.join('|'), 'g') : null;
  return pattern;
}

/**
 * A secret's start cut off by `…` (a report clips long instructions before they reach the edge):
 * the part shown is redacted too, however short.
 */
function redactClipped(text: string): string {
  if (!known.size || !CLIPPED.test(text)) return text;
  return text.replace(/\S+?(?=(?:…|\.\.\.)(?:\s|$|["'<)\]]))/g, (run) => {
    for (const v of known) {
      for (let k = Math.min(v.length - 1, run.length); k > 0; k--) {
        const start = run.length - k;
        // Under 4 characters only right after `NAME=`: a lone `a…` elsewhere is not worth garbling.
        if (k < MIN_LENGTH && run[start - 1] !== '=') continue;
        if (run.endsWith(v.slice(0, k)) && (start === 0 || !WORD.test(run[start - 1]!) || !WORD.test(v[0]!))) {
          return run.slice(0, start) + REDACTED;
        }
      }
    }
    return run;
  });
}

/** Text with every remembered secret value and every token shape replaced by {@link REDACTED}. */
export function redact(text: string): string {
  const re = knownPattern();
  return redactShapes(redactClipped(re ? text.replace(re, REDACTED) : text));
}

/** A JSON string token, escapes included. */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

/**
 * JSON text with the secrets inside its strings redacted: the shape stays, a value becomes
 * {@link REDACTED} (or a string that held one keeps the rest of its text).
 */
export function redactJson(text: string): string {
  if (!known.size && !/gh|github_pat|A[KSGIR]|xox|sk-|glpat|npm_|eyJ|PRIVATE KEY|:\/\//.test(text)) return text;
  return text.replace(JSON_STRING, (token) => {
    const value = JSON.parse(token) as string;
    const out = redact(value);
    return out === value ? token : JSON.stringify(out);
  });
}

/** JSON output (json, sarif, codeclimate, profiles) or any other text (text, HTML, XML, Markdown, messages). */
export type OutputKind = 'json' | 'text';

/** What output of this kind becomes on its way out: JSON keeps its shape. */
export function redactOutput(text: string, kind: OutputKind): string {
  return kind === 'json' ? redactJson(text) : redact(text);
}

/** Forgets the values remembered (tests; a long-lived process that starts over). */
export function forgetSecrets(): void {
  known.clear();
  pattern = undefined;
}
