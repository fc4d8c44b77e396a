/**
 * Estimates for steps no profile has measured: a documented cost model of the instruction,
 * and for RUN of its shell command (src/shell). Every estimate says what it is based on, in a
 * sentence that starts with "estimate:". The numbers are orders of magnitude to rank steps and
 * builds by, not predictions: a measured profile replaces them (docs/timing.md#estimates).
 */
import type { BuildContext } from '../context/index.js';
import type { Step } from '../graph/graph.js';
import { analyzeRunInstruction, FROZEN_CONSTRAINTS, isLocalPath, type Activity, type CostedRuleId, type SimpleCommand } from '../shell/index.js';

/**
 * What things cost, in seconds. Measured where it says so (Docker 20.10 with BuildKit v0.8,
 * host network, a 2 MB base image, local overlayfs); the rest are round guesses for a
 * typical CI machine with a good network.
 */
export const COSTS = {
  /**
   * Every step that executes: BuildKit starts a container (or a file operation) and snapshots
   * the result. Measured 0.04 s per trivial `RUN echo` (21 RUNs: 0.95 s, 1 RUN: 0.10 s);
   * rounded up to allow for bridge networking and larger snapshots, which that did not have.
   */
  stepOverhead: 0.1,
  /** COPY/ADD from the context, by bytes. Measured: 300 MB in 2.6 s including the context transfer, 1.1 s without. */
  copyBytesPerSecond: 100e6,
  /** COPY/ADD from the context, by file. Measured: 5,000 files of 1 kB in 1.1 s including the transfer, 0.74 s without. */
  copySecondsPerFile: 0.0002,
  /** COPY/ADD from the context when its size is not given to the estimate. */
  copyUnknownSize: 1,
  /** COPY --from another stage or an image: the files' size is not known here. The image is assumed present. */
  copyFromStage: 0.5,
  /** ADD of a URL (as curl). */
  addUrl: 5,
  /** ADD of a git repository (as git clone). */
  addGit: 10,
  /** A command the activity table does not know (`./build.sh`, `python train.py`). */
  otherCommand: 1,
} as const;

export interface RuleCost {
  /** Seconds once per command. */
  base: number;
  /** Seconds per counted item (package, URL, source file), and what an item is called. */
  each?: number;
  unit?: string;
  /** Items assumed when the count is not known: a requirements file, a manifest, `$PACKAGES`. */
  assumed?: number;
}

/**
 * Per activity rule (src/shell/activities.ts): a package counts with the dependencies it
 * brings. Guesses: apt ~3 s a package (a few dependencies, downloaded and unpacked), apk
 * much less, yum/dnf more plus its metadata; pip ~3 s, uv ~0.5 s; a manifest or a
 * requirements file is assumed to hold 20 direct dependencies. Builds of whole projects
 * (make, cargo build, mvn) are flat figures: they depend on the project alone.
 */
export const RULE_COSTS: Record<CostedRuleId, RuleCost> = {
  'apt-get install': { base: 2, each: 3, unit: 'package', assumed: 20 },
  'apt-get upgrade': { base: 2, each: 3, unit: 'package', assumed: 10 },
  'apt-get update': { base: 5 },
  'dpkg -i': { base: 1, each: 1, unit: 'package', assumed: 1 },
  'apk add': { base: 1, each: 0.5, unit: 'package', assumed: 20 },
  'apk update': { base: 1 },
  'yum install': { base: 10, each: 4, unit: 'package', assumed: 20 },
  'yum makecache': { base: 10 },
  'conda install': { base: 20, each: 5, unit: 'package', assumed: 10 },
  'pip install': { base: 2, each: 3, unit: 'package', assumed: 20 },
  'pip download': { base: 1, each: 2, unit: 'package', assumed: 20 },
  'pip wheel': { base: 2, each: 30, unit: 'package', assumed: 1 },
  'uv pip install': { base: 1, each: 0.5, unit: 'package', assumed: 20 },
  'uv pip sync': { base: 1, each: 0.5, unit: 'package', assumed: 20 },
  'uv sync': { base: 1, each: 0.5, unit: 'package', assumed: 20 },
  'poetry install': { base: 5, each: 2, unit: 'package', assumed: 20 },
  'pipenv install': { base: 10, each: 3, unit: 'package', assumed: 20 },
  'npm ci': { base: 3, each: 2, unit: 'package', assumed: 20 },
  'npm install': { base: 3, each: 2, unit: 'package', assumed: 20 },
  'yarn install': { base: 3, each: 2, unit: 'package', assumed: 20 },
  'pnpm install': { base: 2, each: 1, unit: 'package', assumed: 20 },
  'npm run build': { base: 30 },
  'yarn build': { base: 30 },
  'go mod download': { base: 2, each: 1, unit: 'module', assumed: 30 },
  'go get': { base: 2, each: 2, unit: 'module', assumed: 1 },
  'go build': { base: 30 },
  'cargo fetch': { base: 2, each: 0.5, unit: 'crate', assumed: 100 },
  'cargo install': { base: 0, each: 60, unit: 'crate', assumed: 1 },
  'cargo chef cook': { base: 120 },
  'cargo build': { base: 120 },
  'bundle install': { base: 3, each: 3, unit: 'gem', assumed: 20 },
  'gem install': { base: 1, each: 3, unit: 'gem', assumed: 1 },
  'composer install': { base: 3, each: 1, unit: 'package', assumed: 20 },
  'mvn dependency:go-offline': { base: 60 },
  'gradle dependencies': { base: 60 },
  mvn: { base: 60 },
  gradle: { base: 60 },
  'cmake --build': { base: 60 },
  cmake: { base: 5 },
  configure: { base: 15 },
  make: { base: 60 },
  ninja: { base: 60 },
  'meson compile': { base: 60 },
  gcc: { base: 0, each: 2, unit: 'source file', assumed: 1 },
  'python setup.py build': { base: 30 },
  tsc: { base: 10 },
  rustc: { base: 5 },
  javac: { base: 5 },
  'dotnet restore': { base: 20 },
  'dotnet build': { base: 30 },
  curl: { base: 0, each: 5, unit: 'URL', assumed: 1 },
  wget: { base: 0, each: 5, unit: 'URL', assumed: 1 },
  'git clone': { base: 0, each: 10, unit: 'repository', assumed: 1 },
  'git fetch': { base: 5 },
};

export interface Estimate {
  seconds: number;
  /** Starts with "estimate:" and says how the figure was made. */
  basis: string;
}

export interface EstimateOptions {
  /** Bytes a COPY/ADD reads from the build context (see {@link contextMeasures}). */
  contextSizes?: (step: Step) => number | undefined;
  /** Regular files a COPY/ADD reads from the build context. */
  contextFiles?: (step: Step) => number | undefined;
}

/** Estimates how long a step takes when it runs. */
export function estimateStep(step: Step, opts: EstimateOptions = {}): Estimate {
  const inst = step.instruction;
  if (!step.executes) {
    if (inst.keyword === 'FROM') {
      const image = String(step.expanded.image ?? '');
      return { seconds: 0, basis: image.toLowerCase() === 'scratch' ? 'estimate: FROM scratch: no build step' : `estimate: FROM ${image} starts from another stage: no build step` };
    }
    if (inst.keyword === 'WORKDIR') return { seconds: 0, basis: 'estimate: WORKDIR / makes no build step' };
    return { seconds: 0, basis: `estimate: ${inst.keyword} is metadata: no build step` };
  }
  switch (inst.keyword) {
    case 'FROM':
      return { seconds: 0, basis: `estimate: FROM ${String(step.expanded.image)}: the base image is assumed present (pulls are not estimated)` };
    case 'WORKDIR':
      return total([], `WORKDIR ${String(step.expanded.workdir)} creates a directory`);
    case 'COPY':
    case 'ADD':
      return total(copyTerms(step, opts));
    case 'RUN':
      return runEstimate(step);
    default:
      return total([]);
  }
}

/**
 * Context sizes for {@link estimateStep} from an opened context: what each COPY/ADD selects
 * (after .dockerignore and `--exclude`), bytes and regular files. Computed once per step.
 */
export function contextMeasures(ctx: BuildContext): Required<EstimateOptions> {
  const cache = new WeakMap<Step, { bytes: number; files: number }>();
  const measure = (step: Step) => {
    let m = cache.get(step);
    if (!m) {
      m = { bytes: 0, files: 0 };
      for (const s of step.sources) {
        if (s.kind !== 'context' || (step.keyword !== 'COPY' && step.keyword !== 'ADD')) continue;
        const sel = ctx.select(s.paths, { exclude: s.exclude });
        m.files += sel.files.length;
        for (const f of sel.files) m.bytes += f.size;
      }
      cache.set(step, m);
    }
    return m;
  };
  return { contextSizes: (step) => measure(step).bytes, contextFiles: (step) => measure(step).files };
}

interface Term {
  seconds: number;
  text: string;
}

/** Sums the terms and the step overhead into an estimate. */
function total(terms: Term[], lead?: string, note = ''): Estimate {
  const seconds = terms.reduce((a, t) => a + t.seconds, 0) + COSTS.stepOverhead;
  const parts = terms.map((t) => t.text);
  const head = lead !== undefined ? `${lead}: ` : parts.length ? `${parts.join(' + ')} + ` : '';
  return { seconds: Math.round(seconds * 1e6) / 1e6, basis: `estimate: ${head}${secs(COSTS.stepOverhead)} step overhead${note}` };
}

function copyTerms(step: Step, opts: EstimateOptions): Term[] {
  const terms: Term[] = [];
  const kw = step.keyword;
  for (const s of step.sources) {
    switch (s.kind) {
      case 'context': {
        const bytes = opts.contextSizes?.(step);
        if (bytes === undefined) {
          terms.push({ seconds: COSTS.copyUnknownSize, text: `${kw} from the context, size not known (~${secs(COSTS.copyUnknownSize)})` });
          break;
        }
        const files = opts.contextFiles?.(step);
        const perFile = files !== undefined ? files * COSTS.copySecondsPerFile : 0;
        const rate = `~${COSTS.copyBytesPerSecond / 1e6} MB/s${files !== undefined ? `, ~${COSTS.copySecondsPerFile * 1000} ms per file` : ''}`;
        const what = files !== undefined ? `${size(bytes)} in ${plural(files, 'file')}` : size(bytes);
        terms.push({ seconds: bytes / COSTS.copyBytesPerSecond + perFile, text: `${kw} of ${what} from the context (${rate})` });
        break;
      }
      case 'stage':
      case 'image': {
        const from = String(step.expanded.from ?? (s.kind === 'image' ? s.ref : s.stage));
        const why = s.kind === 'image' ? 'from an image assumed present' : 'from another stage';
        terms.push({ seconds: COSTS.copyFromStage, text: `${kw} --from=${from} (~${secs(COSTS.copyFromStage)} ${why}, size not known)` });
        break;
      }
      case 'remote': {
        const git = /^git@|\.git(#.*)?$|^git:\/\//.test(s.url);
        const cost = git ? COSTS.addGit : COSTS.addUrl;
        terms.push({ seconds: cost, text: `${kw} of ${s.url} (~${secs(cost)} per ${git ? 'repository' : 'URL'})` });
        break;
      }
      case 'heredoc':
        break;
    }
  }
  return terms;
}

function runEstimate(step: Step): Estimate {
  if (step.instruction.keyword !== 'RUN') return total([]);
  const env = new Map([...step.scope.args, ...step.scope.env]);
  const analysis = analyzeRunInstruction(step.instruction, { env });
  const terms: Term[] = [];
  const other: string[] = [];
  const cheap: string[] = [];
  for (const a of analysis.activities) {
    if (a.kind === 'file' || a.kind === 'shell') {
      if (!cheap.includes(a.rule)) cheap.push(a.rule);
    } else if (a.kind === 'other') {
      other.push(a.rule);
    } else if (a.kind === 'sleep') {
      if (typeof a.seconds === 'number') {
        const written = a.items.join(' ');
        terms.push({ seconds: a.seconds, text: `sleep ${written}${written === String(a.seconds) ? '' : ` (${secs(a.seconds)})`}` });
      } else {
        terms.push({ seconds: COSTS.otherCommand, text: `sleep ${a.items.join(' ')} (length not known, ~${secs(COSTS.otherCommand)})` });
      }
    } else if (withinFrozenDependencies(a, analysis.commands[a.command])) {
      // The second half of split-install: the step before installed the dependencies (and froze them, or the project installs --no-deps).
      const { base, each = COSTS.otherCommand } = RULE_COSTS[a.rule as CostedRuleId];
      const how = analysis.commands[a.command].args.some((w) => w.value === '--no-deps') ? 'alone (--no-deps' : `within the dependencies frozen in ${FROZEN_CONSTRAINTS} (installed already`;
      terms.push({ seconds: base + each * a.unknown.length, text: `${a.rule} of ${a.unknown.join(', ')} ${how}: ~${secs(each)} per project)` });
    } else {
      terms.push(ruleTerm(a));
    }
  }
  if (other.length) {
    const names = [...new Set(other)];
    const listed = names.slice(0, 3).join(', ') + (names.length > 3 ? ', ...' : '');
    terms.push({ seconds: other.length * COSTS.otherCommand, text: `${plural(other.length, 'unrecognised command')} (~${secs(COSTS.otherCommand)} each: ${listed})` });
  }
  const note = analysis.error ? ` (the script does not parse: ${analysis.error.message}; read leniently)` : '';
  if (terms.length === 0 && cheap.length) return total([], `file commands only (${cheap.slice(0, 4).join(', ')}${cheap.length > 4 ? ', ...' : ''})`, note);
  return total(terms, undefined, note);
}

/** A pip install of local projects only, kept to the constraints an earlier step froze (see fix/transforms/split-install.ts). */
function withinFrozenDependencies(a: Activity, cmd: SimpleCommand | undefined): boolean {
  if (!cmd || (a.rule !== 'pip install' && a.rule !== 'uv pip install') || a.items.length) return false;
  const words = cmd.args.map((w) => w.value);
  // `--no-deps` installs the project alone (the second half of split-install's pyproject form): `-e DIR` names it too.
  const local = (u: string) => isLocalPath(u) || words.some((w, i) => (w === '-e' || w === '--editable') && words[i + 1] === u);
  if (words.includes('--no-deps') && a.unknown.length > 0 && a.unknown.every(local)) return true;
  return words.some((w, i) => (w === '-c' || w === '--constraint') && words[i + 1] === FROZEN_CONSTRAINTS) && a.unknown.every(isLocalPath);
}

function ruleTerm(a: Activity): Term {
  const cost = RULE_COSTS[a.rule as CostedRuleId] ?? { base: COSTS.otherCommand };
  if (cost.each === undefined) return { seconds: cost.base, text: `${a.rule} (~${secs(cost.base)})` };
  const unit = cost.unit ?? 'item';
  const base = cost.base ? ` + ${secs(cost.base)}` : '';
  const n = a.items.length;
  if (a.unknown.length === 0) {
    return { seconds: cost.base + cost.each * n, text: `${a.rule} of ${plural(n, unit)} (~${secs(cost.each)} each${base})` };
  }
  const assumed = cost.assumed ?? 1;
  const known = n ? `of ${plural(n, unit)} and ` : '';
  const more = n ? `${assumed} more` : `${assumed}`;
  return {
    seconds: cost.base + cost.each * (n + assumed),
    text: `${a.rule} ${known}from ${a.unknown.join(', ')} (count not known: ${more} ${assumed === 1 ? unit : `${unit}s`} assumed, ~${secs(cost.each)} each${base})`,
  };
}

function secs(s: number): string {
  return `${Number(s.toFixed(2))} s`;
}

function plural(n: number, unit: string): string {
  return `${n.toLocaleString('en-US')} ${unit}${n === 1 ? '' : 's'}`;
}

/** Decimal units, as registries and `docker images` print them. */
function size(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${Number((bytes / 1e3).toFixed(1))} kB`;
  if (bytes < 1e9) return `${Number((bytes / 1e6).toFixed(1))} MB`;
  return `${Number((bytes / 1e9).toFixed(2))} GB`;
}
