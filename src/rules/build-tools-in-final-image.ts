import type { Step } from '../graph/graph.js';
import type { Activity, RunAnalysis } from '../shell/index.js';
import { defineRule } from './define.js';
import { baseChain, humanBytes, packageName, removedPackages, runAnalysis, runRange } from './shared.js';

/** A compiler or build tool, as its package manager names it, with a typical installed size when one is known. */
interface Tool {
  name: RegExp;
  /** Installed size with what it pulls in, an estimate (see the rule's docs page). */
  bytes?: number;
}

const MB = 1e6;
/** Debian/Ubuntu package names. */
const APT: readonly Tool[] = [
  { name: /^build-essential$/, bytes: 250 * MB },
  { name: /^(g\+\+|g\+\+-\d+)$/, bytes: 120 * MB },
  { name: /^(gcc|gcc-\d+|cpp)$/, bytes: 100 * MB },
  { name: /^(clang|clang-\d+|llvm|llvm-\d+)$/, bytes: 300 * MB },
  { name: /^(cargo|rustc)$/, bytes: 300 * MB },
  { name: /^(golang|golang-go|golang-\d+(\.\d+)?(-go)?)$/, bytes: 250 * MB },
  { name: /^(cmake)$/, bytes: 40 * MB },
  { name: /^(make|ninja-build|meson|autoconf|automake|libtool|pkg-config|pkgconf|bison|flex|gfortran)$/ },
  { name: /-dev$/ },
];
/** Alpine package names. */
const APK: readonly Tool[] = [
  { name: /^(build-base|alpine-sdk)$/, bytes: 200 * MB },
  { name: /^(g\+\+)$/, bytes: 120 * MB },
  { name: /^(gcc)$/, bytes: 100 * MB },
  { name: /^(clang|clang\d+|llvm|llvm\d+)$/, bytes: 300 * MB },
  { name: /^(cargo|rust)$/, bytes: 300 * MB },
  { name: /^(go)$/, bytes: 250 * MB },
  { name: /^(cmake)$/, bytes: 40 * MB },
  { name: /^(make|samurai|ninja|meson|autoconf|automake|libtool|pkgconf|bison|flex|gfortran)$/ },
  { name: /-dev$/ },
];
/** Fedora/RHEL/SUSE package names (and the yum group). */
const RPM: readonly Tool[] = [
  { name: /^(development tools|@development-tools|@development tools)$/i, bytes: 250 * MB },
  { name: /^(gcc-c\+\+)$/, bytes: 120 * MB },
  { name: /^(gcc)$/, bytes: 100 * MB },
  { name: /^(clang|llvm)$/, bytes: 300 * MB },
  { name: /^(cargo|rust)$/, bytes: 300 * MB },
  { name: /^(golang|go)$/, bytes: 250 * MB },
  { name: /^(cmake)$/, bytes: 40 * MB },
  { name: /^(make|ninja-build|meson|autoconf|automake|libtool|pkgconf|pkgconfig|bison|flex|gcc-gfortran)$/ },
  { name: /-devel$/ },
];
const BY_RULE: Record<string, readonly Tool[]> = { 'apt-get install': APT, 'apk add': APK, 'yum install': RPM };

/** Toolchains fetched by URL: the Go tarball, the Rust installer. */
const DOWNLOADS: readonly { url: RegExp; what: string; bytes: number }[] = [
  { url: /(go\.dev|golang\.org|dl\.google\.com\/go)\/(dl\/)?go\d[\w.]*\.linux-[\w]+\.tar\.gz/, what: 'the Go toolchain', bytes: 250 * MB },
  { url: /sh\.rustup\.rs|static\.rust-lang\.org\/rustup/, what: 'the Rust toolchain', bytes: 400 * MB },
];

/** `apk add -t .build-deps gcc` / `--virtual=.build-deps`: the name the packages can be removed by. */
function virtualName(a: RunAnalysis, i: number): string | undefined {
  const args = a.commands[i].args.map((w) => w.value);
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '-t' || args[k] === '--virtual') return args[k + 1];
    if (args[k].startsWith('--virtual=')) return args[k].slice('--virtual='.length);
  }
  return undefined;
}

/** Packages the same RUN removes again after installing them (so no layer keeps them). */
function removedAfter(a: RunAnalysis, from: number, act: Activity): Set<string> {
  const out = new Set<string>();
  const virtual = act.rule === 'apk add' ? virtualName(a, from) : undefined;
  for (let i = from + 1; i < a.commands.length; i++) {
    const r = removedPackages(a.commands[i]);
    if (!r || r.install !== act.rule) continue;
    for (const n of r.names) {
      if (virtual !== undefined && n === virtual) act.items.forEach((x) => out.add(packageName(act.rule, x)));
      out.add(packageName(act.rule, n));
    }
  }
  return out;
}

/**
 * Compilers and build tools installed into a stage whose layers the target image holds (the
 * target and the stages it is built FROM): the image ships them though it only runs what they
 * built. Packages the same RUN purges again are not counted.
 */
export default defineRule({
  meta: {
    name: 'build-tools-in-final-image',
    category: 'layer-size',
    severity: 'warning',
    description: 'Compilers, build tools or -dev packages are installed into the final image instead of a build stage.',
    fix: null,
    messages: {
      tools: '{{tools}} {{are}} installed into the final image{{via}}{{size}}: build in a separate stage and COPY --from it only what runs (or purge them in the same RUN)',
    },
  },
  check(ctx) {
    for (const stage of baseChain(ctx.graph, ctx.graph.target)) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        a.activities.forEach((act, i) => {
          const found = act.kind === 'install' ? installedTools(a, i, act) : downloadedTools(act);
          if (!found.length) return;
          // Toolchains overlap (g++ pulls gcc): the largest one is what is certainly there.
          const bytes = Math.max(...found.map((t) => t.bytes ?? 0));
          report(step, a, i, found.map((t) => t.name), bytes);
        });
      }
    }

    function report(step: Step, a: RunAnalysis, i: number, tools: string[], bytes: number): void {
      const stage = ctx.graph.stages[step.stage];
      const target = ctx.graph.stages[ctx.graph.target];
      const via = stage === target ? '' : ` (stage ${stage.name ?? stage.index}, which ${target.name ?? `stage ${target.index}`} is built FROM)`;
      ctx.report({
        messageId: 'tools',
        data: {
          tools: tools.length > 4 ? `${tools.slice(0, 4).join(', ')} and ${tools.length - 4} more` : tools.join(', '),
          are: tools.length === 1 ? 'is' : 'are',
          via,
          size: bytes ? ` (at least ~${humanBytes(bytes)}, an estimate)` : '',
        },
        range: runRange(ctx.file, step, a.commands[i].range),
        ...(bytes ? { cost: { bytes, basis: 'estimated' as const } } : {}),
      });
    }
  },
});

function installedTools(a: RunAnalysis, i: number, act: Activity): { name: string; bytes?: number }[] {
  const table = BY_RULE[act.rule];
  if (!table) return [];
  const removed = removedAfter(a, i, act);
  const out: { name: string; bytes?: number }[] = [];
  for (const item of new Set(act.items)) {
    const name = packageName(act.rule, item);
    if (removed.has(name)) continue;
    const tool = table.find((t) => t.name.test(name));
    if (tool) out.push({ name, bytes: tool.bytes });
  }
  return out;
}

function downloadedTools(act: Activity): { name: string; bytes?: number }[] {
  if (act.kind !== 'download') return [];
  const out: { name: string; bytes?: number }[] = [];
  for (const url of act.items) {
    const d = DOWNLOADS.find((x) => x.url.test(url));
    if (d) out.push({ name: d.what, bytes: d.bytes });
  }
  return out;
}
