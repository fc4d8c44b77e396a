import { codeSource, type ShellWord } from '../shell/index.js';
import { defineRule } from './define.js';
import { nextCommand, runAnalysis, runRange } from './shared.js';

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
            const ex = codeSource(a.commands[next.index]);
            if (ex?.from === 'stdin') report('pipe', d, ex.name, dl.range.start, a.commands[next.index].range.end);
          }
          // `sh -c "$(curl URL)"`, `bash <(curl URL)`: a substitution in the word that holds the
          // code. A substitution's commands come before the command that holds it.
          a.commands.forEach((holder, h) => {
            if (h <= d || holder.range.start > dl.range.start || holder.range.end < dl.range.end) return;
            const ex = codeSource(holder);
            const word = ex?.from === 'word' ? ex.word : undefined;
            if (ex && word && word.range.start <= dl.range.start && dl.range.end <= word.range.end) {
              report('substitution', d, ex.name, holder.range.start, holder.range.end);
            }
          });
        });
      }
    }
  },
});
