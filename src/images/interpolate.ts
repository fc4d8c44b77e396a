/**
 * Compose's variable interpolation (the compose spec, "Interpolation"): `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
 * `${VAR+alt}`, nested in defaults, and `$$` for a literal `$`. Written here because no
 * well-kept package implements just this grammar; docker compose's own lives in Go
 * (compose-spec/compose-go template), whose behaviour this follows: `:-` and `:+` treat an
 * empty value as unset, `-` and `+` only an unset one.
 */

/** A `${VAR:?message}` that fired, or a `${` without its `}`. */
export class InterpolationError extends Error {}

export type Lookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, lookup: Lookup): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new InterpolationError(`"\${" without a closing "}" in ${JSON.stringify(text)}`);
      out += braced(text.slice(i + 2, end), lookup);
      i = end + 1;
    } else {
      const m = NAME.exec(text.slice(i + 1));
      if (!m) {
        // A lone `$` (before a space, a digit, the end) stays as written, as compose leaves it.
        out += '$';
        i++;
      } else {
        out += lookup(m[0]) ?? '';
        i += 1 + m[0].length;
      }
    }
  }
  return out;
}

/** The index of the `}` closing a `${` whose body starts at `from`, counting nested `${…}`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (text[j] === '}' && --depth === 0) {
      return j;
    }
  }
  return -1;
}

function braced(body: string, lookup: Lookup): string {
  const m = NAME.exec(body);
  if (!m) throw new InterpolationError(`invalid variable reference "\${${body}}"`);
  const name = m[0];
  const rest = body.slice(name.length);
  const value = lookup(name);
  if (rest === '') return value ?? '';
  const colon = rest.startsWith(':');
  const op = rest[colon ? 1 : 0];
  const arg = rest.slice(colon ? 2 : 1);
  const unset = value === undefined || (colon && value === '');
  switch (op) {
    case '-':
      return unset ? interpolate(arg, lookup) : value!;
    case '+':
      return unset ? '' : interpolate(arg, lookup);
    case '?':
      if (unset) throw new InterpolationError(`required variable ${name} is ${value === undefined ? 'missing' : 'empty'}${arg ? `: ${interpolate(arg, lookup)}` : ''}`);
      return value!;
    default:
      throw new InterpolationError(`invalid variable reference "\${${body}}"`);
  }
}

/**
 * The variables of a compose project: the `.env` file beside the compose file, then the
 * environment on top (compose's precedence: the shell wins over .env).
 */
export function dotenvLookup(dotenv: string | undefined, env: NodeJS.ProcessEnv): Lookup {
  const vars = new Map<string, string>();
  for (const raw of (dotenv ?? '').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).replace(/^export\s+/, '').trim();
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    vars.set(key, value);
  }
  return (name) => env[name] ?? vars.get(name);
}
