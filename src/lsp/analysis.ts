/**
 * What the editor server says about one version of a Dockerfile buffer: the model of its
 * in-memory text (the context is the folder on disk), analyze's findings as diagnostics, fix's
 * result per finding as a workspace edit, and per step what re-runs it, its time and its cache
 * inputs. Pure of the protocol's transport: server.ts wires these to a connection.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind, DiagnosticSeverity, MarkupKind,
  type CodeAction, type Diagnostic, type Hover, type Position as LspPosition, type Range as LspRange, type TextEdit as LspTextEdit,
} from 'vscode-languageserver';
import { analyze, type AnalyzedFinding, type AnalyzeResult } from '../analyze/analyze.js';
import { defaultConfig, findConfig, loadConfig } from '../analyze/config.js';
import { InputError } from '../core/errors.js';
import type { Range } from '../core/ranges.js';
import type { Target } from '../core/target.js';
import { editsBetween } from '../fix/edits.js';
import { fixText } from '../fix/fix.js';
import { stageLabel, type Source, type Step } from '../graph/graph.js';
import { loadModel, type Model } from '../model.js';
import { describeCost } from '../report/analyze.js';
import { findingDocsUrl } from '../report/rule-docs.js';
import { RULES } from '../rules/index.js';
import { humanSeconds, type Durations } from '../timing/predict.js';
import { chooseProfile } from '../timing/profile-path.js';
import { loadProfile } from '../timing/profile.js';

/** What the client may set (initializationOptions, or the `layerwise` section of its settings). */
export interface Settings {
  /** The build context: absolute, or relative to the workspace root; default the Dockerfile's folder. */
  context?: string;
  /** The stage built (`--target`); default the last. */
  target?: string;
  /** Build args (`--build-arg`). */
  buildArgs?: Record<string, string>;
  /** Measured step durations (`--profile`); default the context's profile, as on the command line. */
  profile?: string;
  /** Milliseconds of quiet after an edit before the buffer is analyzed again (default 300). */
  debounceMs?: number;
}

/** The names of the settings, as clients send them. */
export const SETTING_NAMES = ['context', 'target', 'buildArgs', 'profile', 'debounceMs'] as const satisfies readonly (keyof Settings)[];

/** The diagnostics' `source`, and the prefix of every code action's title. */
export const SOURCE = 'layerwise';

/** Whether a document is a Dockerfile: the client's language id, or its file name as `docker build` users name them. */
export function isDockerfile(doc: Pick<TextDocument, 'languageId' | 'uri'>): boolean {
  if (doc.languageId === 'dockerfile') return true;
  const name = path.posix.basename(doc.uri.split(/[?#]/)[0]);
  return /^(Dockerfile|Containerfile)([.-].*)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

/** The build a buffer stands for: its file (or, unsaved, a name in the workspace) and its context folder. */
export function documentTarget(uri: string, settings: Settings, workspaceRoot: string | undefined): Target {
  const file = uri.startsWith('file:') ? fileURLToPath(uri) : path.join(workspaceRoot ?? process.cwd(), path.posix.basename(uri));
  const base = workspaceRoot ?? path.dirname(file);
  const contextDir = settings.context ? path.resolve(base, settings.context) : path.dirname(file);
  const rel = path.relative(workspaceRoot ?? contextDir, file);
  return { contextDir, dockerfilePath: file, displayName: rel.startsWith('..') || path.isAbsolute(rel) ? file : rel };
}

/** One analysis of one version of a buffer; what code actions and hovers of that version read. */
export interface DocumentAnalysis {
  uri: string;
  version: number;
  text: string;
  target: Target;
  /** The stage and build args it was modelled with (the settings'). */
  graphOptions: { target?: string; buildArgs?: Record<string, string> };
  model: Model;
  result: AnalyzeResult;
  durations: Durations;
}

/** The outcome of analyzing a buffer: its analysis, or the located input error that stopped it. */
export type Outcome = { ok: true; analysis: DocumentAnalysis } | { ok: false; target: Target; error: InputError };

/**
 * Analyzes a buffer's text as `layerwise analyze` would analyze the file (config from
 * `.layerwise.yaml` at the workspace root, else in the context, else the user's, as
 * {@link findConfig} looks; the context's profile), without
 * reading the file itself. Bad input (a line that does not parse, a bad config) is the outcome,
 * not a rejection; anything else is a bug and rejects.
 */
export async function analyzeDocument(doc: TextDocument, settings: Settings, workspaceRoot: string | undefined): Promise<Outcome> {
  const text = doc.getText();
  const target = documentTarget(doc.uri, settings, workspaceRoot);
  try {
    const known = new Set(RULES.map((r) => r.meta.name));
    const ruleOptions = new Map(RULES.map((r) => [r.meta.name, Object.keys(r.meta.options ?? {})]));
    // The editor has no working directory of the user's: the workspace root stands for it, then the context.
    const configFile = await findConfig(undefined, [workspaceRoot, target.contextDir].filter((d): d is string => !!d));
    // Absolute in messages: an editor's diagnostics are not read from the server's working directory.
    const config = configFile === undefined ? defaultConfig() : await loadConfig(path.resolve(configFile), known, false, ruleOptions);
    const profile = await loadProfile(settings.profile ? path.resolve(workspaceRoot ?? target.contextDir, settings.profile) : chooseProfile(undefined, target.contextDir, true).file);
    const graphOpts = { ...(settings.target ? { target: settings.target } : {}), ...(settings.buildArgs ? { buildArgs: settings.buildArgs } : {}) };
    const model = await loadModel(target, { ...graphOpts, source: text });
    const result = await analyze(target, { ...graphOpts, model, profile, config });
    return { ok: true, analysis: { uri: doc.uri, version: doc.version, text, target, graphOptions: graphOpts, model, result, durations: result.durations } };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, target, error: e };
    throw e;
  }
}

const SEVERITY: Record<AnalyzedFinding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** A range of the model (offsets into the analyzed text) in the document's line/character terms. */
function lspRange(doc: TextDocument, r: Range): LspRange {
  return { start: doc.positionAt(r.start.offset), end: doc.positionAt(r.end.offset) };
}

/** What a diagnostic carries back in a code action request: which finding it is. */
interface FindingRef {
  version: number;
  index: number;
}

/** The findings of an analysis as diagnostics, at their ranges, with their cost and the rule's page. */
export function diagnosticsOf(doc: TextDocument, a: DocumentAnalysis): Diagnostic[] {
  const out: Diagnostic[] = a.result.findings.map((f, index) => {
    const cost = describeCost(f);
    const data: FindingRef = { version: a.version, index };
    return {
      range: lspRange(doc, f.range),
      severity: SEVERITY[f.severity],
      code: f.rule,
      codeDescription: { href: findingDocsUrl(a.result.config.docsUrl, f) },
      source: SOURCE,
      message: cost ? `${f.message} (${cost})` : f.message,
      ...(f.related.length ? { relatedInformation: f.related.map((r) => ({ location: { uri: doc.uri, range: lspRange(doc, r.range) }, message: r.message })) } : {}),
      data,
    };
  });
  for (const w of a.model.graph.dockerfile.warnings) {
    out.push({ range: lspRange(doc, w.range), severity: DiagnosticSeverity.Warning, source: SOURCE, message: w.message });
  }
  return out;
}

/**
 * A located input error as the one diagnostic of the buffer: at its line and column when it is
 * the buffer's own (a line that does not parse), else on the first line, saying where it is (a
 * bad `.layerwise.yaml`, a profile that cannot be read).
 */
export function errorDiagnostic(doc: TextDocument, a: Pick<DocumentAnalysis, 'target'>, e: InputError): Diagnostic {
  const p = e.file === a.target.displayName ? e.position : undefined;
  const start = p ? { line: p.line - 1, character: p.column - 1 } : { line: 0, character: 0 };
  const lineEnd = doc.positionAt(doc.offsetAt({ line: start.line + 1, character: 0 }) - 1);
  const end = lineEnd.line === start.line && lineEnd.character > start.character ? lineEnd : start;
  return { range: { start, end }, severity: DiagnosticSeverity.Error, source: SOURCE, message: p ? e.message : e.format() };
}

/** The edits, in the document's terms, that turn the analyzed text into `fixed`. */
function workspaceEdits(doc: TextDocument, text: string, fixed: string): LspTextEdit[] {
  return editsBetween(text, fixed).map((e) => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.text }));
}

/**
 * Per layerwise diagnostic of the request whose finding `fix` removes: a quick fix whose edit
 * is what `layerwise fix --rule <rule>` (with `--unsafe` for an unsafe fix) makes of the buffer.
 * Diagnostics of another version of the buffer are passed over (the client asks again).
 */
export function codeActionsOf(doc: TextDocument, a: DocumentAnalysis, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const done = new Set<string>();
  for (const d of diagnostics) {
    if (d.source !== SOURCE || !d.data) continue;
    const ref = d.data as FindingRef;
    if (ref.version !== a.version) continue;
    const f = a.result.findings[ref.index];
    if (!f?.fix.available || done.has(f.rule)) continue;
    done.add(f.rule);
    const unsafe = f.fix.safety === 'unsafe';
    const r = fixText(a.text, a.target.displayName, a.model.context, { ...a.graphOptions, only: f.fix.transforms, unsafe });
    if (r.fixed === a.text) continue;
    out.push({
      title: `${SOURCE}: fix ${f.rule}${unsafe ? ' (unsafe: changes the image)' : ''}`,
      kind: CodeActionKind.QuickFix,
      diagnostics: diagnostics.filter((x) => x.source === SOURCE && x.code === f.rule),
      isPreferred: !unsafe,
      edit: { changes: { [doc.uri]: workspaceEdits(doc, a.text, r.fixed) } },
    });
  }
  return out;
}

/** The step whose instruction holds the position: the executing steps of every stage, FROM lines too. */
export function stepAt(doc: TextDocument, a: DocumentAnalysis, pos: LspPosition): Step | undefined {
  const offset = doc.offsetAt(pos);
  for (const stage of a.model.graph.stages) {
    for (const step of stage.steps) {
      const r = step.instruction.range;
      if (step.executes && r.start.offset <= offset && offset <= r.end.offset) return step;
    }
  }
  return undefined;
}

function sourceText(a: DocumentAnalysis, s: Source): string {
  switch (s.kind) {
    case 'context': return `context \`${s.paths.join(' ')}\`${s.exclude.length ? ` (excluding ${s.exclude.map((x) => `\`${x}\``).join(', ')})` : ''}`;
    case 'stage': return `stage \`${stageLabel(a.model.graph.stages[s.stage])}\`${s.paths.length ? ` \`${s.paths.join(' ')}\`` : ''}`;
    case 'image': return `image \`${s.ref}\`${s.paths.length ? ` \`${s.paths.join(' ')}\`` : ''}`;
    case 'remote': return `\`${s.url}\``;
    case 'heredoc': return `heredoc \`${s.name}\``;
  }
}

/**
 * A step's hover: its time (measured or estimated), the kinds of change that re-run it (the
 * change impact analyze worked out, each judged by the invalidation model explain uses) and
 * its cache inputs (as `layerwise graph` lists them).
 */
export function hoverOf(doc: TextDocument, a: DocumentAnalysis, pos: LspPosition): Hover | null {
  const step = stepAt(doc, a, pos);
  if (!step) return null;
  const graph = a.model.graph;
  const stage = graph.stages[step.stage];
  const scale = a.result.config.timeScale;
  const d = a.durations.of(step);
  const lines: string[] = [];
  lines.push(`**${step.keyword}** · stage \`${stageLabel(stage)}\`${stage.needed ? '' : ' (not needed for the target)'} · line ${step.line}`);
  lines.push('');
  lines.push(step.keyword === 'FROM' ? `Time: ${d.detail}` : `Time: about ${humanSeconds(d.seconds * scale)} (${d.basis}${d.detail ? `: ${d.detail}` : ''})`);
  lines.push('');
  const reruns: string[] = [];
  for (const i of a.result.impact) {
    const v = i.verdicts?.find((x) => x.step.stage === step.stage && x.step.position === step.position);
    if (v && (v.status === 'rebuilt' || v.status === 'conditional')) reruns.push(`- ${i.change}${v.status === 'conditional' ? ' (conditional)' : ''}: ${v.reason}`);
  }
  lines.push('Re-run by:');
  lines.push(...reruns);
  lines.push('- an edit of this instruction or of a step before it in the stage');
  lines.push('');
  lines.push('Cache inputs:');
  const ctx = a.model.contextFiles?.get(`${step.stage}:${step.position}`);
  if (step.keyword === 'FROM' && stage.base.kind === 'image') lines.push(`- image \`${stage.base.ref}\``);
  for (const s of step.sources) lines.push(`- ${sourceText(a, s)}${s.kind === 'context' && ctx ? `: ${ctx.files.length} file${ctx.files.length === 1 ? '' : 's'}${ctx.missing.length ? `, missing ${ctx.missing.join(', ')}` : ''}` : ''}`);
  if (step.keyword === 'RUN') {
    if (step.scope.args.size) lines.push(`- args: ${[...step.scope.args].map(([k, v]) => `\`${k}=${v}\``).join(', ')}`);
    if (step.scope.env.size) lines.push(`- env: ${[...step.scope.env].map(([k, v]) => `\`${k}=${v}\``).join(', ')}`);
  }
  if (step.keyword !== 'FROM') lines.push(`- workdir \`${step.scope.workdir}\`${step.scope.user ? `, user \`${step.scope.user}\`` : ''}`);
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: lspRange(doc, step.instruction.range) };
}
