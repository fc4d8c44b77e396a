/**
 * The statements of a shell-form RUN script as written: one per simple command or
 * assignment-only statement, compared by their text. The repeated-shell-logic rule finds the
 * same logic written out twice with them, and the dedup transform hoists a repeated derived
 * value out of them: one reading of the script for both.
 */
import type { RunAnalysis } from './analyze.js';
import { lexShell, ShellLexError } from './lex.js';
import { parseCommands, type RawCommand } from './parse.js';

/** One simple command (or assignment-only statement) of a RUN script, compared by `key`. */
export interface Statement {
  /** Its words as written (assignments, argv, redirections and here-document bodies), blanks collapsed. */
  key: string;
  start: number;
  end: number;
  /** A value computed from another (`A="${B%%.*}"`, `A=$(...)`): the names it sets. */
  derives: string[];
  /** What the analysis made of it: cheap file commands and builtins are not logic on their own. */
  cheap: boolean;
  /** Shell set-up that says nothing about what the step does (`set -e`, `cd`). */
  noise: boolean;
  /** A statement that is one plain `NAME=value` and nothing else: the name and the value as written. */
  assignment: { name: string; value: string } | null;
}

/**
 * An expansion that computes a value rather than copying one: `${VAR%%.*}` and the other
 * `${...}` operators, `${#VAR}`, `$(...)`, backticks, `$((...))`.
 */
export const DERIVED = /\$\{#?[A-Za-z_][A-Za-z0-9_]*[^A-Za-z0-9_}]|\$\{#|\$\(|`/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\+?=(.*)$/s;
const PLAIN_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const DECLARES = new Set(['export', 'readonly', 'declare', 'typeset', 'local']);
const NOISE = new Set(['set', 'shopt', 'true', ':', 'cd', 'pushd', 'popd', 'umask']);
/**
 * The official images' bracket around build-only packages: `saved="$(apt-mark showmanual)"`
 * before the install, `apt-mark auto '.*'`, `apt-mark manual $saved` and
 * `apt-get purge --auto-remove` after it. Each RUN that installs build-only packages needs its
 * own bracket (it cannot be shared between steps), so it is set-up like `set -e`, not logic.
 */
const APT_MARK_BRACKET = /^(?:apt-mark\b|apt-get (?:-\S+ )*(?:purge|autoremove)\b|[A-Za-z_][A-Za-z0-9_]*="?\$\(apt-mark showmanual\)"?$)/;

function derivedNames(words: { raw: string }[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = ASSIGNMENT.exec(w.raw);
    if (m && DERIVED.test(m[2])) out.push(m[1]);
  }
  return out;
}

/** The statements of a shell-form RUN, in the order the shell reaches them. */
export function statements(a: RunAnalysis): Statement[] {
  let tokens;
  try {
    tokens = lexShell(a.script);
  } catch (e) {
    if (!(e instanceof ShellLexError)) throw e;
    tokens = lexShell(a.script, { lenient: true });
  }
  const out: Statement[] = [];
  for (const raw of parseCommands(tokens)) {
    const words = raw.words.map((w) => w.raw);
    const redirects = raw.redirects.map((r) => {
      const body = r.target?.heredoc ? ` ${a.script.slice(r.target.heredoc.start, r.target.heredoc.end)}` : '';
      return `${r.fd ?? ''}${r.op}${r.target?.raw ?? ''}${body}`;
    });
    const key = [...raw.assignments.map((w) => w.raw), ...words, ...redirects].join(' ').replace(/\s+/g, ' ').trim();
    const name = words[0];
    const bracket = APT_MARK_BRACKET.test(key);
    const derives = bracket ? [] : name === undefined ? derivedNames(raw.assignments) : DECLARES.has(name) ? derivedNames(raw.words.slice(1)) : [];
    const plain = !words.length && !redirects.length && raw.assignments.length === 1 ? PLAIN_ASSIGNMENT.exec(raw.assignments[0].raw) : null;
    out.push({
      key,
      start: raw.start,
      end: raw.end,
      derives,
      cheap: cheapness(a, raw),
      noise: bracket || (name !== undefined && NOISE.has(name) && !raw.assignments.length),
      assignment: plain ? { name: plain[1], value: plain[2] } : null,
    });
  }
  return out;
}

/** Whether the analysis classed the command as a file utility or builtin (assignment-only: true). */
function cheapness(a: RunAnalysis, raw: RawCommand): boolean {
  if (!raw.words.length) return true;
  const i = a.commands.findIndex((c) => c.range.start === raw.start && c.range.end === raw.end);
  if (i < 0) return false;
  return a.activities[i].kind === 'file';
}
