/**
 * From tokens to simple commands: the lists (`&&`, `||`, `;`, `&`, newlines), pipelines,
 * subshells, groups, `if`/`while`/`until`/`for`/`case` and function bodies are walked through,
 * and every simple command found is returned with its prefix assignments (`CU_MAJOR=x cmd`)
 * and redirections set apart. Commands inside `$(...)`, backticks and `<(...)` come before the
 * command whose word holds them, as the shell runs them first.
 */
import { isRedirection, type LexWord, type Token } from './lex.js';

export interface RawRedirect {
  op: string;
  /** The file descriptor written before the operator (`2>&1`, `3<<EOF`), or null. */
  fd: number | null;
  target: LexWord | null;
}

export interface RawCommand {
  /** argv as written: the name, then the arguments; empty for an assignment-only statement. */
  words: LexWord[];
  assignments: LexWord[];
  redirects: RawRedirect[];
  start: number;
  end: number;
  /**
   * The `if`/`case` arms the command runs in, outermost first, as `construct:arm` (a condition
   * is in no arm): two commands in different arms of one construct never both run.
   */
  arms: string[];
}

/** Words that open, continue or close a compound command when they stand first. */
const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'do', 'done', '{', '}', '!', 'for', 'select', 'case', 'esac', 'function', 'in']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

type State =
  | 'command'
  | 'for-name' // after `for`: the loop variable
  | 'for-in' // after the variable: `in` or `do`
  | 'for-words' // the words after `in`, up to `;` or a newline
  | 'for-arith' // `for ((...))`
  | 'case-word' // after `case`: the subject
  | 'case-in' // `in`
  | 'case-pattern' // a pattern, up to `)`
  | 'function-name';

/**
 * The simple commands of a token list, in the order the shell would reach them, with the
 * assignment-only statements (`CU_MAJOR=x`) among them.
 */
export function parseCommands(tokens: Token[]): RawCommand[] {
  const out: RawCommand[] = [];
  let cur: RawCommand | null = null;
  let state: State = 'command';
  let parens = 0;
  // The open `if` and `case` constructs, innermost last; arm -1 is a condition (or before the first pattern).
  const constructs: { id: number; kind: 'if' | 'case'; arm: number }[] = [];
  let ids = 0;
  const arms = () => constructs.filter((x) => x.arm >= 0).map((x) => `${x.id}:${x.arm}`);
  const open = (start: number): RawCommand => (cur ??= { words: [], assignments: [], redirects: [], start, end: start, arms: arms() });
  const finish = () => {
    if (cur && (cur.words.length || cur.assignments.length)) out.push(cur);
    cur = null;
  };
  const nested = (w: LexWord) => {
    for (const s of w.subs) out.push(...parseCommands(s.tokens));
  };

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (state === 'for-arith') {
      if (t.type === 'op' && t.op === '(') parens++;
      if (t.type === 'op' && t.op === ')' && --parens === 0) state = 'command';
      continue;
    }
    if (t.type === 'op') {
      if (isRedirection(t.op)) {
        const next = tokens[k + 1];
        const target = next?.type === 'word' ? next : null;
        if (target) k++;
        if (target) nested(target);
        const c = open(t.start);
        // An all-digit word right before the operator is its file descriptor, not an argument.
        const last = c.words[c.words.length - 1];
        let fd: number | null = null;
        if (last && last.end === t.start && /^\d+$/.test(last.raw)) {
          fd = Number(last.raw);
          c.words.pop();
        }
        c.redirects.push({ op: t.op, fd, target });
        c.end = target?.end ?? t.end;
        continue;
      }
      switch (t.op) {
        case '(':
          if (state === 'for-name') {
            state = 'for-arith';
            parens = 1;
          } else if (state === 'case-pattern') {
            // An optional `(` before a pattern.
          } else if (cur !== null && (cur as RawCommand).words.length === 1 && tokens[k + 1]?.type === 'op' && (tokens[k + 1] as { op: string }).op === ')') {
            // `name() { ...; }`: a function definition, its body follows.
            cur = null;
            k++;
          } else {
            finish();
          }
          break;
        case ')':
          if (state === 'case-pattern') {
            state = 'command';
            const top = constructs[constructs.length - 1];
            if (top?.kind === 'case') top.arm++;
          } else finish();
          break;
        case ';;':
        case ';&':
        case ';;&':
          finish();
          state = 'case-pattern';
          break;
        default:
          // \n ; & && || | |&
          finish();
          if (state === 'for-words' || state === 'for-in') state = 'command';
          break;
      }
      continue;
    }

    // A word.
    nested(t);
    switch (state) {
      case 'for-name':
        state = 'for-in';
        continue;
      case 'for-in':
        state = !t.quoted && t.value === 'in' ? 'for-words' : 'command';
        continue;
      case 'for-words':
        continue;
      case 'case-word':
        state = 'case-in';
        continue;
      case 'case-in':
        state = 'case-pattern';
        continue;
      case 'case-pattern':
        if (!t.quoted && t.value === 'esac') {
          state = 'command';
          if (constructs[constructs.length - 1]?.kind === 'case') constructs.pop();
        }
        continue;
      case 'function-name':
        state = 'command';
        continue;
      default:
        break;
    }
    const c = cur as RawCommand | null;
    const first = c === null || c.words.length === 0;
    if (first && (c === null || (c.assignments.length === 0 && c.redirects.length === 0)) && !t.quoted && RESERVED.has(t.value)) {
      if (t.value === 'for' || t.value === 'select') state = 'for-name';
      else if (t.value === 'case') {
        state = 'case-word';
        constructs.push({ id: ids++, kind: 'case', arm: -1 });
      } else if (t.value === 'function') state = 'function-name';
      else branch(t.value);
      continue;
    }
    if (first && ASSIGNMENT.test(t.raw)) {
      const a = open(t.start);
      a.assignments.push(t);
      a.end = t.end;
      continue;
    }
    const cmd = open(t.start);
    cmd.words.push(t);
    cmd.end = t.end;
    if (first && t.value === '[[') {
      // `[[ ... ]]` holds && || ( ) < > as its own operands.
      for (k++; k < tokens.length; k++) {
        const u = tokens[k];
        if (u.type === 'word') {
          cmd.words.push(u);
          cmd.end = u.end;
          if (u.value === ']]') break;
        } else if (u.op === '\n') {
          k--;
          break;
        }
      }
    }
  }
  finish();
  return out;

  /** `if` opens a construct whose condition is in no arm; `then`, `elif`, `else` start arms; `fi` and `esac` close. */
  function branch(word: string): void {
    const top = constructs[constructs.length - 1];
    if (word === 'if') constructs.push({ id: ids++, kind: 'if', arm: -1 });
    else if (top?.kind === 'if' && word === 'then') top.arm = Math.max(top.arm, 0);
    else if (top?.kind === 'if' && (word === 'elif' || word === 'else')) top.arm = Math.max(top.arm, 0) + 1;
    else if ((top?.kind === 'if' && word === 'fi') || (top?.kind === 'case' && word === 'esac')) constructs.pop();
  }
}
