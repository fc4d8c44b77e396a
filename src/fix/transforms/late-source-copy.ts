/**
 * Late source copy: steps after a broad COPY that do not need what it brings move to before
 * it. A step that reads a few copied files gets a narrow COPY of them first: the dependency
 * manifests it reads (manifest-first), or the one top-level folder it builds (a sub-build).
 *
 * A step moves only when all of this is known to hold (else it stays, and the plan says why):
 * its reads and writes are known (shell effects), it does not depend on a step that stays
 * after the copy, it writes nothing the copy writes, and no WORKDIR/USER/SHELL stands between
 * the copy and it (it would run in another scope). An ARG or ENV between may stay behind when
 * the step does not read its variables (src/shell/variables.ts): it then computes the same
 * files without them. The final image keeps its files: the broad copy still brings every file,
 * over the narrow copies' identical ones.
 */
import path from 'node:path';
import type { CopyInstruction, Dockerfile } from '../../dockerfile/model.js';
import type { Step } from '../../graph/graph.js';
import { isManifest } from '../../rules/shared.js';
import { contextOf, copyDest, imagePaths, narrowCopyLine, sourceCopies, under, type SourceCopy } from '../copies.js';
import type { BuildContext } from '../../context/index.js';
import { manifestClosure } from '../../context/manifests.js';
import { blindEffects, dependsOn, stepEffects, unknownWhy, type Effects } from '../../shell/effects.js';
import { declaredNames, reads, TOOL_VARIABLES } from '../../shell/variables.js';
import { blankBefore, blockOf } from '../blocks.js';
import { defineTransform, type Plan } from '../define.js';
import type { TextEdit } from '../edits.js';

const SCOPE_CHANGERS = new Set(['WORKDIR', 'USER', 'SHELL', 'ONBUILD']);
/** The reason a step stays after a folder copy it reads: not a decline, what it needs. */
const NEEDS_IT = 'it reads what the folder copy brings';

/**
 * The narrow copy a moved step needs: the manifests it reads as files (with every file they
 * name, see context/manifests.ts), anything else as the one folder (or path) that holds it
 * all. Paths the context does not have are left out: a package manager's optional files (`.npmrc`) are read only when
 * present, and a COPY of a missing file would fail the build.
 */
function narrowSources(reads: string[], c: SourceCopy, context: BuildContext | undefined): { sources: string[] } | { why: string } {
  // Context paths (the copy brings `c.from` to `c.dest`).
  let rel = [...new Set(reads.filter((r) => under(r, c.dest) && r !== c.dest).map((r) => contextOf(c, r)))];
  // Folders are entries too (with the parents of re-included files), so one lookup answers.
  if (context) rel = rel.filter((r) => context.get(r));
  if (!rel.length) return { sources: [] };
  // A requirements file of any name (`pip install -r deps.txt`) is copied as a file like a
  // manifest, with the files it includes (`-r base.txt`): pip reads them too.
  const lists = rel.filter((r) => !isManifest(r) && /\.txt$/.test(r) && context?.get(r)?.type === 'file');
  let manifests = rel.filter((r) => isManifest(r) || lists.includes(r));
  const others = rel.filter((r) => !manifests.includes(r));
  if (context && manifests.length) {
    const closure = manifestClosure(context, manifests);
    if ('reason' in closure) return { why: closure.reason };
    manifests = closure.files;
  }
  if (!others.length) return { sources: manifests };
  // The deepest folder that holds what it reads (a sub-build's own folder: `gateway/`,
  // `crates/core/`), manifests included when they lie there too; else the manifests as files
  // and the folder of the rest.
  const all = commonPath([...manifests, ...others]);
  const common = all || commonPath(others);
  // A folder copy read as a whole (or across its folders) is simply what the step needs.
  if (c.from !== '.' && (!common || under(c.from, common))) return { why: NEEDS_IT };
  if (!common) return { why: 'it reads files of more than one folder of the copy' };
  // A path it reads itself (a file, or a folder read whole) is copied as such; a folder above what it reads, as a folder.
  const folder = others.includes(common) && !manifests.some((m) => under(m, common) && m !== common) ? common : `${common}/`;
  return { sources: [...manifests.filter((m) => !under(m, common)), folder] };
}

/** The longest path all of `paths` lie in (or are): `crates/core` for two files below it, '' when none. */
function commonPath(paths: string[]): string {
  let parts = paths[0].split('/');
  for (const p of paths.slice(1)) {
    const q = p.split('/');
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}

/**
 * A COPY of a few context files that is not a source copy itself (`COPY docker/configs/x
 * /opt/x`): what it writes is its destination, so it moves like a RUN that writes there.
 */
function contextCopy(step: Step): boolean {
  return (step.keyword === 'COPY' || step.keyword === 'ADD') && step.sources.length > 0 && step.sources.every((s) => s.kind === 'context');
}

/**
 * Why a step touching where a RUN put the source again stays: it reads it, writes into it, or
 * writes a folder that holds it (`unzip` into the WORKDIR writes what its archive holds, which
 * may be that folder: moved before the RUN, it would change what the RUN's `cp -r` makes).
 */
function againWhy(e: Effects, at: string, line: number): string {
  const above = e.writes.find((w) => under(at, w) && w !== at);
  if (above) return `it writes ${above === '/' ? 'anywhere' : `into ${above}`}, which holds the source line ${line} puts there (${at})`;
  if (e.writes.some((w) => under(w, at))) return `it writes into the source where line ${line} puts it (${at})`;
  return `it reads the source where line ${line} puts it (${at})`;
}

/**
 * The lockfiles a step's install rewrites in place (Effects.lockfiles: `npm install` brings
 * package-lock.json up to date with package.json) that may move with it before the copy that
 * brings the same lockfile. Moved, the install runs on the context's package.json and lockfile
 * as before, so it installs the same node_modules; the copy then puts the context's lockfile
 * back over npm's rewrite, where the image had npm's text. That text differs only when the
 * context's lockfile is out of date with its package.json, and the context's is the file the
 * user meant: the manifest-first layout every Node guide gives (`COPY package*.json ./`, `RUN
 * npm install`, `COPY . .`) makes the same trade. Only lockfiles: any other write into what
 * the copy brings (node_modules in the context) still holds the step back. Not when a later
 * step names the lockfile (a second install, a `cat` of it, a copy of the folder that holds
 * it): that step would read the context's text instead of npm's. A step that reads everything
 * because it is not modelled (`npm run build`) is taken not to read it: building the project
 * never consults the lockfile.
 */
function relockedLockfiles(e: Effects, own: Effects, copied: readonly string[], later: Step[]): string[] {
  const locks = (e.lockfiles ?? []).filter((l) => own.writes.includes(l) && copied.includes(l));
  if (!locks.length) return [];
  const named = later.filter((s) => s.executes).map(stepEffects).filter((x) => !x.unknown);
  return locks.filter((l) => !named.some((x) => x.reads.some((r) => r !== '/' && under(l, r))));
}

/**
 * A staying COPY that brings the manifests a step reads together with other files (`COPY
 * package*.json releases.json LICENSE README.md ./`), cut in two: the sources whose every file
 * the step reads (`package*.json`) move up with it as a COPY of their own, with the same
 * flags and destination; the rest stays where it was, and the step neither reads nor writes
 * any of it. Only a plain COPY of context files (no folder, variable, quote or flag but
 * --chown/--chmod) into the step's own working directory (a folder destination), and only for
 * a step whose effects are known: its install then reads nothing there but what it names. The
 * manifests moved are checked like a narrow copy (context/manifests.ts): a package.json with
 * an install script (`postinstall`, `prepare`), workspaces or a local dependency keeps it all
 * in place. Null when the copy is not such a copy; else the cut, or why not.
 */
interface Split {
  /** The COPY of the manifest part, as it lands before the step. */
  moves: string;
  /** What becomes of the staying COPY: its manifest sources taken out, or all of it removed. */
  edits: TextEdit[];
  /** The image paths the manifest part writes. */
  writes: string[];
  /** The manifest sources, as written. */
  sources: string[];
  /** The COPY brought nothing else: it moves whole. */
  whole: boolean;
}

function splitCopy(df: Dockerfile, x: Step, e: Effects, step: Step, context: BuildContext | undefined): Split | { why: string } | null {
  const inst = x.instruction as CopyInstruction;
  const source = x.sources[0];
  if (!context || inst.keyword !== 'COPY' || inst.json || inst.heredocs.length || x.sources.length !== 1 || source.kind !== 'context') return null;
  if (e.unknown || inst.flags.some((f) => f.name !== 'chown' && f.name !== 'chmod')) return null;
  if ([...inst.sources, inst.dest].some((t) => /[$"'\\]/.test(t.raw)) || !(inst.dest.raw.endsWith('/') || inst.dest.raw === '.')) return null;
  const to = copyDest(x).replace(/(.)\/+$/, '$1');
  if (to !== String(step.scope.workdir).replace(/(.)\/+$/, '$1')) return null;
  const touches = (p: string) => [...e.reads, ...e.writes].some((q) => under(p, q) || under(q, p));
  const manifests: typeof inst.sources = [];
  const files: string[] = [];
  const writes: string[] = [];
  let rest = 0;
  for (const t of inst.sources) {
    const sel = context.select([t.raw], { exclude: source.exclude });
    if (sel.missing.length || !sel.entries.length || sel.entries.some((en) => en.type !== 'file')) return null;
    const at = sel.files.map((f) => path.posix.join(to, path.posix.basename(f.path)));
    if (at.every((p) => e.reads.includes(p)) && sel.files.every((f) => isManifest(f.path))) {
      manifests.push(t);
      files.push(...sel.files.map((f) => f.path));
      writes.push(...at);
    } else if (at.some(touches)) return null;
    else rest++;
  }
  if (!manifests.length) return null;
  const closure = manifestClosure(context, files);
  if ('reason' in closure) return { why: closure.reason };
  if (closure.files.some((f) => !files.includes(f))) return null;
  const b = blockOf(df, inst);
  const src = df.source;
  if (!rest) {
    // All of it is manifests: the COPY itself moves, with its comments.
    const blank = blankBefore(src, b.start);
    return { moves: src.slice(b.start, b.end), edits: [{ start: blank ?? b.start, end: b.end, text: '' }], writes, sources: manifests.map((t) => t.raw), whole: true };
  }
  const flags = inst.flags.map((f) => `${src.slice(f.range.start.offset, f.range.end.offset)} `).join('');
  const moves = `${inst.keywordToken.raw} ${flags}${manifests.map((t) => t.raw).join(' ')} ${inst.dest.raw}\n`;
  // Each manifest source goes with the blank after it: the next word (a source or the destination) takes its place.
  const words = [...inst.sources, inst.dest];
  const edits = manifests.map((t) => ({ start: t.range.start.offset, end: words[words.indexOf(t) + 1].range.start.offset, text: '' }));
  return { moves, edits, writes, sources: manifests.map((t) => t.raw), whole: false };
}

/** Whether a WORKDIR before the copy made its destination: only then may a moved step write into it. */
function destMade(stage: Step[], copy: Step, dest: string): boolean {
  return stage.some((s) => s.keyword === 'WORKDIR' && s.position < copy.position && under(String(s.expanded.workdir ?? ''), dest));
}

/**
 * Whether a blind step `x` and a step on the source `s` name the same paths: `x` reads or
 * writes what `s` writes, or writes what `s` reads. A folder `x` fills (`cp -r tool/bin/*
 * /usr/local/bin/`) does not meet a file `s` reads in it (the `cp` it runs): like an archive,
 * it adds third-party names, which the project's own steps are taken not to use.
 */
function pathsMeet(x: Effects, s: Effects): boolean {
  const specific = (ps: string[]) => ps.filter((p) => p !== '/');
  const meet = (as: string[], bs: string[]) => as.some((a) => bs.some((b) => under(a, b) || under(b, a)));
  const xw = specific(x.writes);
  return meet([...specific(x.reads), ...xw], specific(s.writes)) || specific(s.reads).some((r) => xw.some((w) => under(w, r)));
}

export default defineTransform({
  name: 'late-source-copy',
  safety: 'safe',
  description: 'Moves steps that do not need the whole source to before the broad COPY, with narrow copies of the manifests or the one folder they read.',
  plan({ graph, context }) {
    const plan: Plan = { edits: [], notes: [], declined: [], accepts: [] };
    const df = graph.dockerfile;
    const copies = sourceCopies(graph, context);
    // A source copy is what the others are moved around, never moved itself: two folder
    // copies would otherwise trade places on every pass.
    const sourceSteps = new Set(copies.map((c) => c.copy));
    const movable = (step: Step) => step.keyword === 'RUN' || (contextCopy(step) && !sourceSteps.has(step));
    const doneStages = new Set<number>();
    for (const c of copies) {
      const { copy, source: src, dest } = c;
      if (doneStages.has(copy.stage)) continue;
      const stage = graph.stages[copy.stage];
      const after = stage.steps.filter((s) => s.position > copy.position);
      // The image paths the copy brings: a step may write into the destination only where it brings nothing.
      const copied = context ? imagePaths(context.select(src.paths, { exclude: src.exclude }), c.from, dest, false) : null;
      // `relocked`: lockfiles the step's install only rewrites in place (see relockedLockfiles); the caller checks
      // they come in its narrow copy.
      const writesIntoCopy = (writes: string[], relocked: readonly string[] = []): string | undefined => {
        for (const w of writes) {
          if (under(dest, w)) return `it writes into ${dest}, which the copy fills`;
          if (!under(w, dest)) continue;
          if (!copied || (!hoist && !destMade(stage.steps, copy, dest))) return `it writes into ${dest}, which the copy fills`;
          if (relocked.includes(w)) continue;
          if (copied.some((c) => under(c, w))) return `it writes ${w}, where the copy brings files too`;
        }
        return undefined;
      };
      // The steps that stay after the copy, with their effects: a step that depends on one names it.
      const stays: Effects[] = [];
      const stayLines: number[] = [];
      // Parallel to `stays`: whether the staying step works on the source (reads it, puts it in
      // place, names it, or depends on one that does). A blind step passes those: what they make
      // of the source is the project's, which a step that names nothing of it does not use.
      const onSource: boolean[] = [];
      // Parallel to `stays`: what a staying COPY of context files writes (else null). A blind step
      // run in the folder such a copy fills (`COPY package.json ./` in the WORKDIR) may read it by a
      // relative path without naming it: there it is held back by effects like any step.
      const copyWrites: (string[] | null)[] = [];
      // Parallel to `stays`: the staying step itself (a COPY a later step may cut in two, see splitCopy).
      const stayed: Step[] = [];
      // Staying copies cut in two already in this plan: a second step cannot take their manifests again.
      const cut = new Set<Step>();
      const cwd = (step: Step) => String(step.scope.workdir ?? '/');
      const fillsCwd = (i: number, step: Step) => copyWrites[i]?.some((w) => under(w, cwd(step))) ?? false;
      // Every place of the source in this stage, for telling a blind step.
      const places = [dest, ...c.relanded.map((r) => r.at)].map((a) => a.replace(/(.)\/+$/, '$1'));
      // A step that only puts the source in place again (`cp -r /tmp/src /app`, or a `git clone` of it in another branch):
      // what it writes is the source whichever packages a system install before it added, so such an install may pass it.
      const acquirers = new WeakSet<Effects>();
      const acquires = (s: Effects) => acquirers.has(s) && s.writes.every((w) => places.some((a) => under(w, a)));
      const moved: { step: Step; sources: string[]; assumed: boolean; relocked: string[]; split: (Split & { line: number }) | null }[] = [];
      let scopeChanged = false;
      // A WORKDIR of the copy's own destination right after it (`COPY . /src` + `WORKDIR /src`) moves up
      // with the steps: as root it makes the same folder the copy would (0755, root's), and the copy's
      // absolute destination does not depend on it.
      const next = after[0];
      const hoist = next?.keyword === 'WORKDIR' && String(copy.expanded.dest ?? '').startsWith('/') && !copy.instruction.flags.some((f) => f.name === 'chown' || f.name === 'chmod')
        && (next.scope.user === null || next.scope.user === 'root' || next.scope.user === '0') && stepEffects(next).writes[0] === dest.replace(/(.)\/+$/, '$1') ? next : null;
      // Variables declared between the copy and the step: it may pass them only if it reads none.
      const declared: string[] = [];
      for (const step of after) {
        if (SCOPE_CHANGERS.has(step.keyword) && step !== hoist) scopeChanged = true;
        if (step === hoist) continue;
        declared.push(...declaredNames(step));
        if (!step.executes) continue;
        const e = stepEffects(step);
        const seenBlind = movable(step) ? blindEffects(step, places) : null;
        const blind = seenBlind !== null;
        const own: Effects = seenBlind ?? e;
        // Where the source is by now: the copy's destination, and where a RUN before this step put it again.
        const areas = [dest, ...c.relanded.filter((r) => r.step.position < step.position).map((r) => r.at)];
        const again = c.relanded.find((r) => r.step.position < step.position && [...own.reads, ...own.writes].some((p) => under(p, r.at) || under(r.at, p)));
        // A system install reads the system and the project files its effects name, not a folder of source a copy brought:
        // what a staying step wrote there does not reach it.
        const seen = (s: Effects): Effects => (e.system && !s.system ? { ...s, writes: s.writes.filter((w) => !areas.some((a) => under(w, a))) } : s);
        const blocks = (s: Effects) => dependsOn(e, seen(s));
        const sees = (s: Effects) => dependsOn(s, e) && !(e.system && acquires(s));
        // Against a step on the source, a blind step meets it only where both name the same paths.
        const holds = (s: Effects, i: number) => (blind && onSource[i] && !fillsCwd(i, step) ? pathsMeet(own, s) : blocks(s));
        let blocker = stays.findIndex(holds);
        // A staying COPY of the manifests it reads (with other files) that holds it back may be cut in
        // two: its manifest part moves up with it, where nothing that stays before the COPY meets it.
        let split: Split | null = null;
        let splitWhy = '';
        const k = blocker;
        if (k >= 0 && copyWrites[k] && !cut.has(stayed[k])) {
          const r = splitCopy(df, stayed[k], e, step, context);
          const part: Effects = r && !('why' in r) ? { reads: [], writes: r.writes, unknown: false } : { reads: [], writes: [], unknown: false };
          if (r && 'why' in r) splitWhy = ` (${r.why})`;
          else if (r && !writesIntoCopy(r.writes) && !stays.slice(0, k).some((s) => dependsOn(part, s) || dependsOn(s, part))) {
            blocker = stays.findIndex((s, i) => i !== k && holds(s, i));
            if (blocker < 0) split = r;
          }
        }
        const seer = stays.findIndex((s, i) => !(split && i === k) && !(blind && onSource[i]) && sees(s));
        let sourceBound = !blind;
        let why: string | null = null;
        if (!movable(step)) why = 'it is not a RUN';
        else if (e.unknown && !blind) why = unknownWhy(e);
        else if (again) (why = againWhy(own, again.at, again.step.line)), (sourceBound = true);
        // Reading the destination itself (`find .`, `cp -r /tmp/src /app`) reads every copied file.
        else if (own.reads.some((r) => under(dest, r))) (why = c.from === '.' ? `it reads ${dest} as a whole` : NEEDS_IT), (sourceBound = true);
        else if (scopeChanged) why = 'a WORKDIR, USER or SHELL stands between the copy and it';
        else if (declared.some((n) => TOOL_VARIABLES.test(n) || reads(step, n))) why = 'it may read a variable declared between the copy and it';
        else if (blocker >= 0) (why = `it depends on line ${stayLines[blocker]}, which stays after the copy${blocker === k ? splitWhy : ''}`), (sourceBound ||= onSource[blocker]);
        // Moving it ahead of a staying step that reads what it writes would change what that step sees.
        else if (seer >= 0) (why = `line ${stayLines[seer]}, which stays after the copy, reads or writes what it writes`), (sourceBound ||= onSource[seer]);
        const relocked = why ? [] : relockedLockfiles(e, own, copied ?? [], after.filter((s) => s.position > step.position));
        if (!why && (why = writesIntoCopy(own.writes, relocked) ?? null)) sourceBound = true;
        let narrow = why ? null : narrowSources(own.reads, c, context);
        // A lockfile let through above moves only in the narrow copy, as a file of its own.
        const narrowed = narrow && 'sources' in narrow ? narrow.sources : null;
        const unbrought = narrowed ? relocked.find((l) => !narrowed.includes(contextOf(c, l))) : undefined;
        if (unbrought) (narrow = { why: `it writes ${unbrought}, where the copy brings files too` }), (sourceBound = true);
        if (why || !narrow || 'why' in narrow) {
          stays.push(e);
          stayLines.push(step.line);
          onSource.push(sourceBound || !!narrow);
          copyWrites.push(contextCopy(step) && !sourceSteps.has(step) ? e.writes : null);
          stayed.push(step);
          if (c.relanded.some((r) => r.step === step)) acquirers.add(e);
          const reason = why ?? (narrow && 'why' in narrow ? narrow.why : '');
          // A step that reads the folder a narrow copy brought is where it belongs: nothing to tell.
          if (step.keyword === 'RUN' && reason !== NEEDS_IT) plan.declined.push(`line ${step.line} stays after line ${copy.line}: ${reason}`);
          continue;
        }
        // Moved on the judgement that a blind step leaves the source alone: what it does is not
        // known, or a step on the source it passes would have held it back by effects alone.
        const assumed = blind && (e.unknown || own.reads.length !== e.reads.length || own.writes.length !== e.writes.length || stays.some((s, i) => onSource[i] && (blocks(s) || sees(s))));
        if (split) cut.add(stayed[k]);
        moved.push({ step, sources: narrow.sources, assumed, relocked: relocked.map((l) => contextOf(c, l)), split: split && { ...split, line: stayLines[k] } });
      }
      // Only worth it when something moves and something it saves is left behind the copy.
      if (!moved.length) continue;
      // One source copy per stage and pass: a step after two folder copies (`COPY bin/ bin/`, `COPY
      // src/ src/`) would otherwise be moved before each of them in the same plan, and land twice.
      // The fix runs its transforms again until nothing changes, so the next copy gets its turn.
      // Other stages go on in this pass: held back a pass, a step there could meet an ARG that
      // arg-scope moved below its copy meanwhile (the seed's `ARG DEEPEP_COMMIT`).
      doneStages.add(copy.stage);
      const copyBlock = blockOf(df, copy.instruction);
      const flags = copy.instruction.flags.filter((f) => f.name === 'chown' || f.name === 'chmod').map((f) => `--${f.name}=${f.value} `).join('');
      let inserted = '';
      if (hoist) {
        const hb = blockOf(df, hoist.instruction);
        inserted += df.source.slice(hb.start, hb.end);
        plan.edits.push({ start: hb.start, end: hb.end, text: '' });
        plan.notes.push(`line ${hoist.line} moves before line ${copy.line}: the steps that move run in it`);
      }
      // A file an earlier moved step's narrow copy brought is there already.
      const brought = new Set<string>();
      for (const { step, sources: wanted, assumed, relocked, split } of moved) {
        const sources = wanted.filter((f) => !brought.has(f));
        for (const f of sources) brought.add(f);
        const b = blockOf(df, step.instruction);
        const comments = df.source.slice(b.start, b.instructionStart);
        // One COPY per source, to the place the broad copy puts it: a file to its path, a folder into its path.
        const narrowCopy = sources.map((f) => narrowCopyLine(c, f, flags)).join('');
        const blank = blankBefore(df.source, b.start);
        // A block that stood apart (a blank line above it) keeps standing apart where it lands.
        inserted += comments + narrowCopy + (split?.moves ?? '') + df.source.slice(b.instructionStart, b.end) + (blank === null ? '' : '\n');
        if (split) plan.edits.push(...split.edits);
        const remove: TextEdit = { start: blank ?? b.start, end: b.end, text: '' };
        // The one difference the image may show (relockedLockfiles): verify counts it as meant, and the report names it.
        for (const l of relocked) {
          const at = path.posix.join(c.dest, path.posix.relative(c.from, l));
          plan.accepts!.push({ path: at, change: 'changed', reason: `the context's ${l}, not the one the install may rewrite to match the manifests (they differ only when the context's is out of date), as a manifest-first layout has it` });
        }
        plan.edits.push(remove);
        plan.notes.push(
          `line ${step.line} moves before line ${copy.line}${sources.length ? `, after a copy of ${sources.join(', ')}` : ''}`
            + (split ? (split.whole ? `, with line ${split.line} (its copy of ${split.sources.join(' ')})` : `, with line ${split.line}'s copy of ${split.sources.join(' ')} (the rest of line ${split.line} stays)`) : '')
            + `: it does not need the rest of the source`
            + (assumed ? ` (it names nothing of the source and runs outside it: taken to leave it alone)` : '')
            + (relocked.length ? ` (it may rewrite ${relocked.join(', ')} to match the manifests; the copy then puts the context's back, as a manifest-first layout does)` : ''),
        );
      }
      plan.edits.push({ start: copyBlock.start, end: copyBlock.start, text: inserted });
    }
    return plan;
  },
});

