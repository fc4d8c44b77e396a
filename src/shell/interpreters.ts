/**
 * Shells and script interpreters, and where the code they run comes from: a word of their
 * command line (`sh -c 'code'`, `python3 get.py`, `php -r 'code'`), their standard input
 * (`sh`, `bash -s -- args`, `python3 -`, `php -- --install-dir=…`), or nowhere of their own
 * (`python3 -m pip`). The one reading of an interpreter's command line, for the rules that
 * ask whether a download is run (pipe-to-shell) or only read as data.
 */
import { nameOf, unwrap, type ShellWord, type SimpleCommand } from './classify.js';
import { SHELLS, WRAPPERS } from './activities.js';

export interface Interpreter {
  readonly commands: readonly (string | RegExp)[];
  /** A shell (`sh -c`): the code flag takes the first operand, and `-`/`--` end the options. */
  readonly shell?: boolean;
  /** Short option letters whose value is the code (`-c`, `-e`, `-r`); in a cluster too (`-ne`). */
  readonly inline: string;
  /** Long options whose value is the code (`--eval`). */
  readonly inlineLong?: readonly string[];
  /** Short option letters after which it runs a module, not code of its own (`python -m pip`). */
  readonly module?: string;
  /** Short option letters that take a value (`-o pipefail`, `-W ignore`, `-d key=value`). */
  readonly valueLetters?: string;
  /** Long options that take the next word as their value (`--require mod`). */
  readonly valueLong?: readonly string[];
  /** Short option letters that make it read the script from stdin, the operands being its arguments (`sh -s`). */
  readonly stdinLetters?: string;
  /** `--` makes it read the script from stdin, the words after it being its arguments (`php -- --flag`). */
  readonly dashDashStdin?: boolean;
  /** The first operand is code itself (`eval "$(…)"`), not a file; none means no code. */
  readonly operandIsCode?: boolean;
  /** With no operand it runs nothing (`source` needs a file), rather than reading stdin. */
  readonly needsOperand?: boolean;
}

export const INTERPRETERS: readonly Interpreter[] = [
  { commands: SHELLS, shell: true, inline: 'c', stdinLetters: 's', valueLetters: 'oO' },
  { commands: [/^(python|pypy)(\d+(\.\d+)?)?$/], inline: 'c', module: 'm', valueLetters: 'WX', valueLong: ['--check-hash-based-pycs'] },
  // `php -c FILE` is the php.ini to use; `-f FILE` the script; `-B/-R/-E` run code per input line.
  { commands: [/^php(\d+(\.\d+)?)?$/], inline: 'rBRE', valueLetters: 'cdzF', dashDashStdin: true },
  { commands: ['perl', /^perl5(\.\d+)*$/], inline: 'eE', valueLetters: 'IMmx' },
  { commands: ['ruby'], inline: 'e', valueLetters: 'rICEFx' },
  { commands: ['node', 'nodejs'], inline: 'ep', inlineLong: ['--eval', '--print'], valueLetters: 'r', valueLong: ['--require', '--import', '--loader', '--input-type', '--env-file'] },
  { commands: ['eval'], inline: '', operandIsCode: true, needsOperand: true },
  { commands: ['source', '.'], inline: '', needsOperand: true },
];

/** Where an interpreter's code comes from; `word` is the word that holds the code or names its file. */
export type CodeSource = { name: string; from: 'stdin' } | { name: string; from: 'word'; word: ShellWord } | { name: string; from: 'none' };

/** The wrappers that run a command with their own stdin (`sudo`, `env A=1`, `nice`), not `xargs` or `python -m`. */
const PASS_STDIN = WRAPPERS.filter((w) => !w.stdin && !w.module);
const STDIN_FILES = ['-', '/dev/stdin', '/proc/self/fd/0', '/dev/fd/0'];

/**
 * The shell or interpreter a command runs (through `sudo -E`, `env A=1` and the like) and
 * where its code comes from; undefined when the command is none of them.
 */
export function codeSource(cmd: SimpleCommand): CodeSource | undefined {
  let argv = [cmd.name, ...cmd.args];
  for (let n = 0; n < 8 && argv.length; n++) {
    const next = unwrap(argv, PASS_STDIN);
    if (!next) break;
    argv = next.argv;
  }
  if (!argv.length) return undefined;
  const name = nameOf(argv[0].value);
  const it = INTERPRETERS.find((x) => x.commands.some((c) => (typeof c === 'string' ? c === name : c.test(name))));
  if (!it) return undefined;
  const args = argv.slice(1);
  const word = (w: ShellWord): CodeSource => (STDIN_FILES.includes(w.value) ? { name, from: 'stdin' } : { name, from: 'word', word: w });
  let inline = false;
  let stdin = false;
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i].value;
    if (v === '--') {
      if (it.dashDashStdin) return { name, from: 'stdin' };
      i++;
      break;
    }
    if (v === '-') {
      // `sh -` ends the options like `--`; elsewhere `-` is the script read from stdin.
      if (it.shell) i++;
      else return { name, from: 'stdin' };
      break;
    }
    if (v.startsWith('--')) {
      const [flag, value] = v.includes('=') ? [v.slice(0, v.indexOf('=')), true] : [v, false];
      if (it.inlineLong?.includes(flag)) return value ? { name, from: 'word', word: args[i] } : args[i + 1] ? { name, from: 'word', word: args[i + 1] } : { name, from: 'none' };
      if (!value && it.valueLong?.includes(flag)) i++;
      continue;
    }
    if (!/^[-+][A-Za-z]/.test(v) || (v.startsWith('+') && !it.shell)) break;
    // A cluster of short options (`-euxo pipefail`, `-ne`, `-Wignore`).
    for (let j = 1; j < v.length; j++) {
      const c = v[j];
      const last = j === v.length - 1;
      if (it.inline.includes(c)) {
        if (it.shell) {
          inline = true;
          continue;
        }
        if (!last) return { name, from: 'word', word: args[i] };
        return args[i + 1] ? { name, from: 'word', word: args[i + 1] } : { name, from: 'none' };
      }
      if (it.module?.includes(c)) return { name, from: 'none' };
      if (it.stdinLetters?.includes(c)) stdin = true;
      if (it.valueLetters?.includes(c)) {
        if (last) i++;
        break;
      }
    }
  }
  const operand = args[i];
  if (inline) return operand ? { name, from: 'word', word: operand } : { name, from: 'none' };
  if (stdin) return { name, from: 'stdin' };
  if (!operand) return it.needsOperand ? { name, from: 'none' } : { name, from: 'stdin' };
  return it.operandIsCode ? { name, from: 'word', word: operand } : word(operand);
}
