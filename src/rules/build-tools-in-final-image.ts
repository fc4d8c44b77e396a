import type { Stage, Step } from '../graph/graph.js';
import type { Activity, RunAnalysis } from '../shell/index.js';
import { defineRule } from './define.js';
import { imageRole, toolchainImage } from './role.js';
import { aptMarkPurged, baseChain, humanBytes, packageName, removedPackages, runAnalysis, runRange, virtualName } from './shared.js';

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

/** Packages the same RUN removes again after installing them (so no layer keeps them). */
function removedAfter(step: Step, a: RunAnalysis, from: number, act: Activity): Set<string> {
  const out = new Set<string>();
  const env = new Map([...step.scope.args, ...step.scope.env]);
  const virtual = act.rule === 'apk add' ? virtualName(a.commands[from]) : undefined;
  for (let i = from + 1; i < a.commands.length; i++) {
    const r = removedPackages(a.commands[i], env);
    if (!r || r.install !== act.rule) continue;
    for (const n of r.names) {
      if (virtual !== undefined && n === virtual) act.items.forEach((x) => out.add(packageName(act.rule, x)));
      out.add(packageName(act.rule, n));
    }
  }
  // `apt-mark auto '.*'` … `apt-get purge --auto-remove`: all this RUN installed goes but what is marked manual again.
  const marked = aptMarkPurged(a);
  if (marked?.commands.has(from)) act.items.map((x) => packageName(act.rule, x)).filter((n) => !marked.kept.has(n)).forEach((n) => out.add(n));
  return out;
}

/** A later step of the image's stages that removes the package again: its bytes stay in the earlier layer. */
function purgedLater(chain: Step[], step: Step, rule: string, name: string): Step | undefined {
  for (const later of chain.slice(chain.indexOf(step) + 1)) {
    const a = runAnalysis(later);
    if (!a) continue;
    const env = new Map([...later.scope.args, ...later.scope.env]);
    if (a.commands.some((c) => removedPackages(c, env)?.install === rule && removedPackages(c, env)!.names.some((n) => packageName(rule, n) === name))) return later;
  }
  return undefined;
}

/**
 * Images whose point is to build: a final image built on a toolchain or SDK image
 * (the image role's TOOLCHAIN_IMAGES), or one whose runtime compiles (Triton and
 * FlashInfer JIT kernels, torch extensions and torch.compile need a C/C++ compiler, ninja and
 * headers when the program runs). Build tools are no waste there.
 */
const JIT_RUNTIMES = /^(triton|torch|flashinfer.*|deepspeed|vllm|sglang|xformers|apex|tensorrt-llm|torch-tensorrt)$/;

function buildsAtRuntime(chain: Stage[]): string | undefined {
  const root = chain[chain.length - 1].base;
  if (root.kind === 'image' && toolchainImage(root.ref)) return `its base ${root.ref} is a toolchain image`;
  for (const stage of chain) {
    for (const step of stage.steps) {
      const a = runAnalysis(step);
      for (const act of a?.activities ?? []) {
        if (act.kind !== 'install' || !/^(pip install|uv pip install|conda install)$/.test(act.rule)) continue;
        const jit = act.items.find((x) => JIT_RUNTIMES.test(packageName(act.rule, x)));
        if (jit) return `${jit} compiles kernels when it runs`;
      }
    }
  }
  return undefined;
}

/**
 * Compilers and build tools installed into a stage whose layers the target image holds (the
 * target and the stages it is built FROM): the image ships them though it only runs what they
 * built. Packages the same RUN purges again are not counted (by name, by apk virtual group, or
 * by the apt-mark idiom of official images); an image whose point is to build (a toolchain
 * base, a runtime that compiles its kernels) is not checked.
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
      purgedLater: '{{tools}} {{are}} installed into the final image{{via}}{{size}} and purged again at line {{line}}, but a later RUN does not take them out of this layer: install, build and purge in one RUN, or build in a separate stage',
    },
  },
  check(ctx) {
    // A base or toolchain image ships its compilers on purpose, and a stage never run ships nothing.
    if (imageRole(ctx.graph, ctx.context).kind !== 'service') return;
    const chain = baseChain(ctx.graph, ctx.graph.target);
    if (buildsAtRuntime(chain)) return;
    const steps = [...chain].reverse().flatMap((s) => s.steps);
    for (const stage of chain) {
      for (const step of stage.steps) {
        const a = runAnalysis(step);
        if (!a) continue;
        a.activities.forEach((act, i) => {
          const found = act.kind === 'install' ? installedTools(step, a, i, act) : downloadedTools(act);
          if (!found.length) return;
          // Toolchains overlap (g++ pulls gcc): the largest one is what is certainly there.
          const bytes = Math.max(...found.map((t) => t.bytes ?? 0));
          const later = act.kind === 'install' ? found.map((t) => purgedLater(steps, step, act.rule, t.name)) : [];
          const purge = later.length && later.every((x) => x) ? later[0] : undefined;
          report(step, a, i, found.map((t) => t.name), bytes, purge);
        });
      }
    }

    function report(step: Step, a: RunAnalysis, i: number, tools: string[], bytes: number, purge?: Step): void {
      const stage = ctx.graph.stages[step.stage];
      const target = ctx.graph.stages[ctx.graph.target];
      const via = stage === target ? '' : ` (stage ${stage.name ?? stage.index}, which ${target.name ?? `stage ${target.index}`} is built FROM)`;
      ctx.report({
        messageId: purge ? 'purgedLater' : 'tools',
        data: {
          line: purge?.line ?? 0,
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

function installedTools(step: Step, a: RunAnalysis, i: number, act: Activity): { name: string; bytes?: number }[] {
  const table = BY_RULE[act.rule];
  if (!table) return [];
  const removed = removedAfter(step, a, i, act);
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
