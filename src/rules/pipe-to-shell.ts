import { SHELLS, type ShellWord, type SimpleCommand } from '../shell/index.js';
import { defineRule } from './define.js';
import { nextCommand, runAnalysis, runRange } from './shared.js';

const INTERPRETERS = /^(python(\d+(\.\d+)?)?|perl|ruby|node|php)$/;
const nameOf = (v: string) => v.slice(v.lastIndexOf('/') + 1);

/** `sudo -E bash`, `env A=1 sh`: the argv of the command that actually runs. */
function unwrap(argv: ShellWord[]): ShellWord[] {
  for (let n = 0; n < 4 && argv.length; n++) {
    const name = nameOf(argv[0].value);
    let i = 1;
    if (name === 'sudo' || name === 'doas') {
      for (; i < argv.length && argv[i].value.startsWith('-'); i++) if (/^-[ugCDhpr]$/.test(argv[i].value)) i++;
    } else if (name === 'env') {
      for (; i < argv.length && (argv[i].value.startsWith('-') || /^[A-Za-z_]\w*=/.test(argv[i].value)); i++) if (/^-[uCS]$/.test(argv[i].value)) i++;
    } else if (!['exec', 'nohup', 'time', 'nice'].includes(name)) {
      return argv;
    }
    argv = argv.slice(i);
  }
  return argv;
}

/**
 * Which argument of a shell or interpreter holds the code it runs: the word after `-c` (`-e`
 * for perl, ruby and node, `-r` for php), else the first operand (a file; `-` is stdin).
 * -1: it reads the code from stdin; -2: it runs no code of its own (`python -m pip`).
 */
function scriptArg(name: string, args: ShellWord[]): number {
  if (name === 'eval') return args.length ? 0 : -2;
  if (name === 'source' || name === '.') return args.length ? 0 : -2;
  const shell = SHELLS.includes(name);
  const inline = shell || name.startsWith('python') ? 'c' : name === 'php' ? 'r' : 'e';
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (v === '-') return i;
    if (v === '--') return i + 1 < args.length ? i + 1 : -1;
    if (!v.startsWith('-')) return i;
    if (v.startsWith('--')) continue;
    if (v.slice(1).includes(inline)) return i + 1 < args.length ? i + 1 : -2;
    if (!shell && v === '-m') return -2;
    // `sh -s -- args`: the script comes from stdin, the operands are its arguments.
    if (shell && v.slice(1).includes('s')) return -1;
    if (shell && v.endsWith('o')) i++;
  }
  return -1;
}

/** Whether the shell or interpreter runs what comes on its stdin. */
function runsStdin(ex: { name: string; argv: ShellWord[] }): boolean {
  const k = scriptArg(ex.name, ex.argv.slice(1));
  return k === -1 || (k >= 0 && ['-', '/dev/stdin'].includes(ex.argv[k + 1].value));
}

function executor(cmd: SimpleCommand): { name: string; argv: ShellWord[] } | undefined {
  const argv = unwrap([cmd.name, ...cmd.args]);
  if (!argv.length) return undefined;
  const name = nameOf(argv[0].value);
  if (SHELLS.includes(name) || INTERPRETERS.test(name) || ['eval', 'source', '.'].includes(name)) return { name, argv };
  return undefined;
}

/** Whether a curl or wget command writes what it fetched to stdout. */
function toStdout(rule: string, args: ShellWord[]): boolean {
  const v = args.map((a) => a.value);
  if (rule === 'wget') {
    return v.some((x, i) => /^-[a-zA-Z]*O-$/.test(x) || x === '--output-document=-' || ((/^-[a-zA-Z]*O$/.test(x) || x === '--output-document') && v[i + 1] === '-'));
  }
  return !v.some((x, i) => {
    if (x === '-O' || x.startsWith('--remote-name')) return true;
    if (x === '--output') return v[i + 1] !== '-';
    if (x.startsWith('--output=')) return x !== '--output=-';
    if (/^-[a-zA-Z]+$/.test(x)) return x.includes('O') || (x.endsWith('o') && v[i + 1] !== '-');
    return false;
  });
}

/**
 * Code fetched from the network and run in the same breath: `curl URL | sh`,
 * `wget -qO- URL | sudo bash`, `sh -c "$(curl URL)"`, `bash <(curl URL)`. Nothing checks what
 * was fetched before it runs, and BuildKit caches the result: whatever the server sent that
 * day is baked into the image until the step's inputs change.
 */
export default defineRule({
  meta: {
    name: 'pipe-to-shell',
    category: 'security',
    severity: 'warning',
    description: 'A RUN pipes a download straight into a shell or interpreter (`curl … | sh`, `bash <(curl …)`), running code nothing has verified.',
    fix: null,
    messages: {
      pipe: '{{download}} is piped into {{shell}}: the fetched script runs unverified, and whatever the server sent is cached as the step\'s result; download it to a file, check its checksum (sha256sum -c), then run it',
      substitution: '{{shell}} runs the output of {{download}}: the fetched script runs unverified, and whatever the server sent is cached as the step\'s result; download it to a file, check its checksum (sha256sum -c), then run it',
    },
  },
  check(ctx) {
    for (const stage of ctx.graph.stages) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        const seen = new Set<string>();
        const report = (messageId: 'pipe' | 'substitution', d: number, shell: string, start: number, end: number) => {
          if (seen.has(`${start}:${end}`)) return;
          seen.add(`${start}:${end}`);
          const c = a.commands[d];
          ctx.report({ messageId, data: { download: c.name.value, shell }, range: runRange(ctx.file, step, { start, end }) });
        };
        a.activities.forEach((act, d) => {
          if (act.rule !== 'curl' && act.rule !== 'wget') return;
          const dl = a.commands[d];
          if (!toStdout(act.rule, dl.args)) return;
          // `curl URL | sh`: the next command, joined by a pipe.
          const next = nextCommand(a, d);
          if (next && /^\|&?$/.test(next.between.trim())) {
            const ex = executor(a.commands[next.index]);
            if (ex && runsStdin(ex)) {
              report('pipe', d, ex.name, dl.range.start, a.commands[next.index].range.end);
            }
          }
          // `sh -c "$(curl URL)"`, `bash <(curl URL)`: a substitution in the word that holds the
          // code. A substitution's commands come before the command that holds it.
          a.commands.forEach((holder, h) => {
            if (h <= d || holder.range.start > dl.range.start || holder.range.end < dl.range.end) return;
            const ex = executor(holder);
            if (!ex) return;
            const k = scriptArg(ex.name, ex.argv.slice(1));
            const word = k >= 0 ? ex.argv[k + 1] : undefined;
            if (word && word.range.start <= dl.range.start && dl.range.end <= word.range.end) {
              report('substitution', d, ex.name, holder.range.start, holder.range.end);
            }
          });
        });
      }
    }
  },
});
