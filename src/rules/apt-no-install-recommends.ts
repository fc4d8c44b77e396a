import type { Step } from '../graph/graph.js';
import { defineRule } from './define.js';
import { baseChain, runAnalysis, runRange } from './shared.js';

/** apt configuration that turns recommends off for every install (`APT::Install-Recommends "false"`). */
const CONFIG = /APT::Install-Recommends\s*"?(false|0)"?/i;

/**
 * `apt-get install` without `--no-install-recommends` in a stage the image ships (the target
 * and the stages it is built FROM): apt installs every package's recommendations too, which
 * the program rarely needs. Build stages are not checked: their layers are not shipped.
 */
export default defineRule({
  meta: {
    name: 'apt-no-install-recommends',
    category: 'layer-size',
    severity: 'info',
    description: 'An apt-get install in the final image runs without --no-install-recommends, so apt adds every recommended package too.',
    fix: null,
    sources: ['hadolint/DL3015'],
    messages: {
      recommends: '{{command}} installs recommended packages too (the final image ships them): add --no-install-recommends',
    },
  },
  check(ctx) {
    const chain = baseChain(ctx.graph, ctx.graph.target).reverse();
    let off = false;
    for (const stage of chain) {
      for (const step of stage.steps) {
        if (configures(step)) off = true;
        const a = runAnalysis(step);
        if (!a || off) continue;
        a.activities.forEach((act, i) => {
          if (act.rule !== 'apt-get install') return;
          const words = a.commands[i].args.map((w) => w.value);
          if (words.some((w) => w === '--no-install-recommends' || CONFIG.test(w) || /^--no-install-recommends=/.test(w))) return;
          // `-o APT::Install-Recommends=false`
          if (words.some((w, k) => (w === '-o' || w === '--option') && /^APT::Install-Recommends=(false|0)$/i.test(words[k + 1] ?? ''))) return;
          ctx.report({ messageId: 'recommends', data: { command: 'apt-get install' }, range: runRange(ctx.file, step, a.commands[i].range) });
        });
      }
    }
  },
});

/** A step that writes the apt setting for all later installs (`echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/x`). */
function configures(step: Step): boolean {
  const inst = step.instruction;
  if (inst.keyword === 'RUN') return CONFIG.test([inst.text, ...inst.heredocs.map((h) => h.content)].join('\n')) && /apt\.conf/.test(inst.text + inst.heredocs.map((h) => h.content).join('\n'));
  if (inst.keyword === 'COPY' || inst.keyword === 'ADD') return /\/etc\/apt\/apt\.conf\.d/.test(String(step.expanded.dest ?? ''));
  return false;
}
