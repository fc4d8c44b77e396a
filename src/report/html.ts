/**
 * The HTML report of `analyze`, `fix` and `bench` (`--format html`): one self-contained file
 * (inline CSS, SVG and a few lines of script; a Content-Security-Policy that allows nothing
 * else, so the page cannot load anything from the network). It draws the stage graph as a
 * layered DAG (laid out here, in Node, by dagre: the page gets static SVG), the timelines of a
 * cold build and of a source edit before and after `fix` as Gantt charts (from the schedule
 * model, each bar marked measured or predicted), the findings with code frames and costs, and
 * the fix's diff. Pure functions of a result, like the other reporters.
 *
 * Every piece of text that comes from the Dockerfile, the context or the engine is untrusted:
 * it goes into the page only through `esc` (text and double-quoted attributes alike), never
 * into the script, which reads the page's data attributes only.
 */
import { createHash } from 'node:crypto';
import { Graph, layout } from '@dagrejs/dagre';
import type { AnalyzedFinding, AnalyzeResult } from '../analyze/analyze.js';
import type { Effect } from '../fix/effect.js';
import type { BuildGraph } from '../graph/graph.js';
import { buildGraph } from '../graph/graph.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { humanSeconds } from '../timing/predict.js';
import { schedule } from '../timing/schedule.js';
import { stepsByLine, type Bar, type Timeline } from '../timing/timeline.js';
import type { BenchResult, Figure } from '../bench/bench.js';
import { describeCost } from './analyze.js';
import { fixDiff, speedup, unifiedDiff, type FixReport } from './fix.js';

/** Escapes text for an HTML text node or a double- or single-quoted attribute value. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, Math.max(1, n - 1)) + '…' : s);
const stageName = (g: BuildGraph, i: number) => g.stages[i]?.name ?? `stage ${i}`;

// ---------------------------------------------------------------------------------------------
// The stage graph

/**
 * The stage graph as an SVG: one node per stage (its name, base, steps and cold-build work),
 * edges for `FROM <stage>` (solid), `COPY --from` (dashed) and `RUN --mount from=` (dotted).
 * `key` tells graphs on one page apart (the page highlights a stage's bars when its node is
 * clicked).
 */
export function dagSvg(g: BuildGraph, key: string, cold?: Timeline): string {
  const work = new Map<number, number>();
  for (const b of cold?.bars ?? []) work.set(b.stage, (work.get(b.stage) ?? 0) + (b.end - b.start));
  const critical = new Set((cold?.bars ?? []).filter((b) => cold!.critical.includes(b.line)).map((b) => b.stage));
  const dg = new Graph({ multigraph: true });
  dg.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: 8, marginy: 8 });
  dg.setDefaultEdgeLabel(() => ({}));
  const labels = new Map<number, string[]>();
  for (const s of g.stages) {
    const base = s.base.kind === 'image' ? `FROM ${s.base.ref}` : s.base.kind === 'stage' ? `FROM ${stageName(g, s.base.stage)}` : 'FROM scratch';
    const steps = s.steps.filter((x) => x.executes && x.keyword !== 'FROM').length;
    const w = work.get(s.index);
    const third = !s.needed ? 'not built for the target' : `${steps} step${steps === 1 ? '' : 's'}${w ? ` · ${humanSeconds(w)} cold` : ''}`;
    const lines = [clip(`${stageName(g, s.index)}${s.index === g.target ? '  (target)' : ''}`, 34), clip(base, 34), third];
    labels.set(s.index, lines);
    dg.setNode(`s${s.index}`, { width: Math.max(120, Math.max(...lines.map((l) => l.length)) * 6.8 + 20), height: 58 });
  }
  const seen = new Set<string>();
  for (const e of g.edges) {
    if (typeof e.from !== 'number') continue;
    const id = `${e.from}>${e.to}:${e.kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    dg.setEdge(`s${e.from}`, `s${e.to}`, { line: e.line, kind: e.kind }, id);
  }
  layout(dg);
  // The box around nodes and edge points alike: dagre's own size can leave a long edge's bend outside.
  const xs: number[] = [];
  const ys: number[] = [];
  for (const id of dg.nodes()) {
    const n = dg.node(id);
    xs.push(n.x - n.width / 2, n.x + n.width / 2);
    ys.push(n.y - n.height / 2, n.y + n.height / 2);
  }
  for (const ref of dg.edges()) for (const p of (dg.edge(ref) as { points: { x: number; y: number }[] }).points) xs.push(p.x), ys.push(p.y);
  const x0 = Math.floor(Math.min(0, ...xs) - 8);
  const y0 = Math.floor(Math.min(0, ...ys) - 8);
  const width = Math.ceil(Math.max(0, ...xs) + 8 - x0);
  const height = Math.ceil(Math.max(0, ...ys) + 8 - y0);
  const out: string[] = [`<svg class="dag" role="img" aria-label="stage graph" width="${width}" height="${height}" viewBox="${x0} ${y0} ${width} ${height}">`];
  for (const ref of dg.edges()) {
    const e = dg.edge(ref) as { points: { x: number; y: number }[]; line: number; kind: string };
    const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
    const what = e.kind === 'from' ? 'FROM' : e.kind === 'copy' ? 'COPY --from' : 'RUN --mount from=';
    out.push(`<path class="edge edge-${esc(e.kind)}" d="${d}" marker-end="url(#lw-arrow)"><title>${esc(`${what} at line ${e.line}`)}</title></path>`);
  }
  for (const s of g.stages) {
    const n = dg.node(`s${s.index}`);
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const cls = ['node', s.needed ? '' : 'unneeded', s.index === g.target ? 'target' : '', critical.has(s.index) ? 'critical' : ''].filter(Boolean).join(' ');
    const [a, b, c] = labels.get(s.index)!;
    out.push(
      `<g class="${cls}" data-key="${esc(`${key}:${s.index}`)}" data-stage="${s.index}" tabindex="0">`
      + `<title>${esc(`${stageName(g, s.index)} (line ${s.line})${critical.has(s.index) ? ': on the critical path of a cold build' : ''}`)}</title>`
      + `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width.toFixed(1)}" height="${n.height}" rx="6"/>`
      + `<text x="${(x + 10).toFixed(1)}" y="${(y + 18).toFixed(1)}" class="n1">${esc(a)}</text>`
      + `<text x="${(x + 10).toFixed(1)}" y="${(y + 34).toFixed(1)}" class="n2">${esc(b)}</text>`
      + `<text x="${(x + 10).toFixed(1)}" y="${(y + 49).toFixed(1)}" class="n3">${esc(c)}</text></g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Timelines

export interface GanttRow {
  label: string;
  graph: BuildGraph;
  /** Same as the graph's key in dagSvg. */
  key: string;
  timeline: Timeline | null;
  /** Said instead of a chart when `timeline` is null. */
  none?: string;
}

/** 1, 2 or 5 times a power of ten: an axis step that gives at most `n` ticks. */
function tickStep(max: number, n = 8): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

/** A tick's label, with as many decimals as the step between ticks needs. */
const axisLabel = (t: number, max: number, step: number) => {
  const digits = (x: number) => Math.max(0, Math.min(6, -Math.floor(Math.log10(x) + 1e-9)));
  return max >= 180 ? `${(t / 60).toFixed(digits(step / 60))} min` : `${t.toFixed(digits(step))} s`;
};

/**
 * Gantt charts that share one time axis (so "before" and "after" compare by length): one lane
 * per stage that runs, one bar per step, solid when its time was measured and hatched when it
 * was predicted, outlined when it is on the critical path.
 */
export function ganttSvgs(rows: GanttRow[]): string {
  const max = Math.max(1e-9, ...rows.map((r) => r.timeline?.seconds ?? 0));
  const LABEL = 150;
  const W = 760;
  const LANE = 22;
  const TOP = 22;
  // Minutes tick at whole minutes (1, 2, 5, 10, ...), seconds at 1, 2, 5 times a power of ten.
  const step = max >= 180 ? tickStep(max / 60) * 60 : tickStep(max);
  const out: string[] = [];
  for (const r of rows) {
    out.push(`<div class="gantt-row"><h4>${esc(r.label)}${r.timeline ? ` <span class="total">${esc(humanSeconds(r.timeline.seconds))}</span>` : ''}</h4>`);
    if (!r.timeline || !r.timeline.bars.length) {
      out.push(`<p class="none">${r.timeline ? 'No step re-runs: everything comes from the cache.' : esc(r.none ?? 'Not predicted: the context has no source files.')}</p></div>`);
      continue;
    }
    const tl = r.timeline;
    const lanes = [...new Set(tl.bars.map((b) => b.stage))].sort((a, b) => a - b);
    const h = TOP + lanes.length * LANE + 6;
    const x = (t: number) => LABEL + (t / max) * W;
    const crit = new Set(tl.critical);
    const svg: string[] = [`<svg class="gantt" role="img" aria-label="${esc(`timeline: ${r.label}`)}" width="${LABEL + W + 20}" height="${h}" viewBox="0 0 ${LABEL + W + 20} ${h}">`];
    for (let t = 0; t <= max + 1e-9; t += step) {
      svg.push(`<line class="tick" x1="${x(t).toFixed(1)}" y1="${TOP - 4}" x2="${x(t).toFixed(1)}" y2="${h - 4}"/><text class="axis" x="${x(t).toFixed(1)}" y="${TOP - 8}">${esc(axisLabel(t, max, step))}</text>`);
    }
    lanes.forEach((stage, i) => {
      const y = TOP + i * LANE;
      svg.push(`<text class="lane" x="4" y="${y + 15}" data-key="${esc(`${r.key}:${stage}`)}">${esc(clip(stageName(r.graph, stage), 22))}</text>`);
      for (const b of tl.bars.filter((bb) => bb.stage === stage)) {
        const bx = x(b.start);
        const bw = Math.max(1.5, x(b.end) - bx);
        const chars = Math.floor((bw - 6) / 6.4);
        const text = chars >= 4 ? `<text class="bar-label" x="${(bx + 3).toFixed(1)}" y="${y + 15}">${esc(clip(`${b.line} ${b.instruction}`, chars))}</text>` : '';
        const tip = `line ${b.line}: ${clip(b.instruction, 200)}\n${humanSeconds(b.end - b.start)} from ${humanSeconds(b.start)}, ${b.basis} (${b.detail})${crit.has(b.line) ? '\non the critical path' : ''}`;
        svg.push(
          `<g class="bar ${b.basis}${crit.has(b.line) ? ' crit' : ''}" data-key="${esc(`${r.key}:${stage}`)}" data-basis="${b.basis}" data-line="${b.line}">`
          + `<title>${esc(tip)}</title><rect x="${bx.toFixed(1)}" y="${y + 3}" width="${bw.toFixed(1)}" height="${LANE - 6}" rx="2"/>${text}</g>`,
        );
      }
    });
    svg.push('</svg>');
    out.push(svg.join('\n'), '</div>');
  }
  return out.join('\n');
}

const LEGEND = '<p class="legend"><span class="key measured"></span> measured (the step\'s time comes from real builds) '
  + '<span class="key predicted"></span> predicted (the cost model\'s estimate) <span class="key crit"></span> critical path. '
  + 'Start times follow layerwise\'s schedule model: a step starts when the step before it in its stage and the stages it reads are done, and everything ready runs at once.</p>';

// ---------------------------------------------------------------------------------------------
// Findings, diff

/** The lines around a range, numbered, with the range marked. */
export function codeFrame(source: string, f: Pick<AnalyzedFinding, 'range'>): string {
  const lines = source.split('\n').map((l) => l.replace(/\r$/, ''));
  const { start, end } = f.range;
  const last = end.line > start.line && end.column === 1 ? end.line - 1 : end.line;
  const from = Math.max(1, start.line - 2);
  const to = Math.min(lines.length, Math.min(last, start.line + 8) + 2);
  const rows: string[] = [];
  for (let n = from; n <= to; n++) {
    const text = lines[n - 1] ?? '';
    const inside = n >= start.line && n <= last;
    let body = esc(text);
    if (inside && start.line === last && end.column > start.column) {
      const a = start.column - 1;
      const b = Math.min(text.length, end.column - 1);
      body = `${esc(text.slice(0, a))}<mark>${esc(text.slice(a, b))}</mark>${esc(text.slice(b))}`;
    }
    rows.push(`<span class="ln${inside ? ' hl' : ''}"><span class="no">${n}</span>${body}</span>`);
    if (n === start.line + 8 && last > n + 2) {
      rows.push(`<span class="ln gap"><span class="no">…</span>${last - n} more lines</span>`);
      n = last - 1;
    }
  }
  return `<pre class="frame">${rows.join("")}</pre>`;
}

function findingsHtml(file: string, source: string, findings: AnalyzedFinding[]): string {
  if (!findings.length) return '<p class="none">No findings.</p>';
  return `<ol class="findings">${findings.map((f, i) => {
    const cost = describeCost(f);
    const fix = f.fix.available ? `layerwise fix fixes it (${f.fix.safety}${f.fix.safety === 'unsafe' ? ': --unsafe' : ''})` : f.fix.transforms.length ? 'layerwise fix leaves this one (it says why)' : 'no automatic fix';
    const related = f.related.length
      ? `<ul class="related">${f.related.map((x) => `<li>line ${x.range.start.line}: ${esc(x.message)}</li>`).join('')}</ul>` : '';
    return `<li class="finding sev-${esc(f.severity)}" id="finding-${i + 1}">`
      + `<div class="fhead"><span class="sev">${esc(f.severity)}</span> <code class="rule">${esc(f.rule)}</code> <span class="cat">${esc(f.category)}</span>`
      + ` <span class="loc">${esc(`${file}:${f.range.start.line}:${f.range.start.column}`)}</span></div>`
      + `<p class="msg">${esc(f.message)}</p>`
      + `<p class="cost">${cost ? `<b>cost:</b> ${esc(cost)}${f.expected_s_per_day !== undefined ? ` · about ${esc(humanSeconds(f.expected_s_per_day))} a day` : ''} · ` : ''}${esc(fix)}</p>`
      + codeFrame(source, f) + related + '</li>';
  }).join('\n')}</ol>`;
}

function diffHtml(diff: string): string {
  if (!diff) return '<p class="none">Nothing to change.</p>';
  const rows = diff.replace(/\n$/, '').split('\n').map((l) => {
    const cls = l.startsWith('+++') || l.startsWith('---') ? 'meta' : l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('\\') ? 'meta' : 'ctx';
    return `<span class="d ${cls}">${esc(l.replace(/\r$/, ''))}</span>`;
  });
  return `<pre class="diff">${rows.join("")}</pre>`;
}

// ---------------------------------------------------------------------------------------------
// The page

const CSS = `
:root{color-scheme:light;--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#f6f7f9;--card:#fff;--blue:#2f6fcc;--blue2:#9ec5fe;--red:#c62f2f;--amber:#b26b00;--cyan:#17788a;--green:#1f7a3a}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:16px 28px}header h1{margin:0;font-size:19px;font-weight:600}header p{margin:4px 0 0;color:#c5cbd6}
main{padding:8px 28px 40px;max-width:1400px}section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}h4{font-size:13px;margin:10px 0 4px;font-weight:600}h4 .total{color:var(--muted);font-weight:400}
code,pre,.loc{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:190px;background:#fbfcfd}.card .v{font-size:20px;font-weight:600}.card .k{color:var(--muted);font-size:12px}.card .x{color:var(--green);font-weight:600}
.scroll{overflow:auto;max-height:720px;border:1px solid var(--line);border-radius:6px;background:#fcfdfe}
svg text{font-family:system-ui,"DejaVu Sans",sans-serif}
.dag .node rect{fill:#eef4fd;stroke:#5d87c6;stroke-width:1.2}.dag .node.target rect{stroke-width:2.6;stroke:#1d4f9a}.dag .node.critical rect{fill:#fff1e0;stroke:#c77700}
.dag .node.unneeded rect{fill:#f2f3f5;stroke:#a8afbb;stroke-dasharray:4 3}.dag .node.unneeded text{fill:#8a93a3}.dag .node{cursor:pointer}
.dag .n1{font-size:12.5px;font-weight:600}.dag .n2{font-size:11px;fill:#394254;font-family:ui-monospace,"DejaVu Sans Mono",monospace}.dag .n3{font-size:11px;fill:var(--muted)}
.edge{fill:none;stroke:#66718a;stroke-width:1.3}.edge-copy{stroke-dasharray:6 4}.edge-mount{stroke-dasharray:2 3}
.gantt .tick{stroke:#e4e7ed}.gantt .axis{font-size:10px;fill:var(--muted);text-anchor:middle}.gantt .lane{font-size:11.5px;fill:#394254;cursor:pointer}
.gantt .bar rect{stroke:#fff;stroke-width:.6}.gantt .bar.measured rect{fill:var(--blue)}.gantt .bar.predicted rect{fill:url(#lw-hatch)}.gantt g.bar.crit rect{stroke:#c77700;stroke-width:2}
.gantt .bar-label{font-size:10.5px;fill:#fff;pointer-events:none}.gantt .bar.predicted rect{stroke:#6d95d6}.gantt .bar.predicted .bar-label{fill:#0e2f5e;paint-order:stroke;stroke:#eef4fd;stroke-width:3px}
.dim .bar:not(.hl),.dim .node:not(.hl),.dim .lane:not(.hl){opacity:.25}
.legend{color:var(--muted);font-size:12px}.key{display:inline-block;width:22px;height:11px;border-radius:2px;vertical-align:middle;margin:0 3px 0 10px}.key.measured{background:var(--blue)}
.key.predicted{background:repeating-linear-gradient(45deg,#dde9fb 0 3px,#8fb3ea 3px 5px);outline:1px solid #8fb3ea}.key.crit{border:2px solid #c77700}
.findings{list-style:none;padding:0;margin:0}.finding{border:1px solid var(--line);border-left:4px solid var(--cyan);border-radius:6px;padding:8px 12px;margin:10px 0}
.finding.sev-warning{border-left-color:var(--amber)}.finding.sev-error{border-left-color:var(--red)}.sev{font-weight:700;text-transform:uppercase;font-size:11px;color:var(--cyan)}
.sev-warning .sev{color:var(--amber)}.sev-error .sev{color:var(--red)}.rule{font-weight:600}.cat{color:var(--muted);font-size:12px}.loc{color:var(--muted);float:right}
.msg{margin:6px 0}.cost{margin:4px 0 6px;color:#394254;font-size:13px}.related{margin:4px 0;color:var(--muted);font-size:12.5px}
pre{margin:0;padding:8px 0;background:#f7f8fa;border:1px solid var(--line);border-radius:5px;overflow:auto;tab-size:4}
.frame .ln,.diff .d{display:block;padding:0 10px;white-space:pre}.frame .no{display:inline-block;width:44px;color:#9aa2b1;text-align:right;margin-right:12px;user-select:none}
.frame .hl{background:#fff5d6}.frame mark{background:#ffd666;color:inherit}.frame .gap{color:var(--muted)}
.diff .add{background:#e6f6ea;color:#145c2b}.diff .del{background:#fdeaea;color:#8f1d1d}.diff .hunk{color:#6b47b8;background:#f3effc}.diff .meta{color:var(--muted);font-weight:600}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}th{color:var(--muted);font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.none{color:var(--muted)}ul.notes{margin:6px 0;padding-left:20px}footer{color:var(--muted);font-size:12px;padding:0 28px 24px}
`;

// Click a stage (a node of the graph, or a lane of a timeline) to light up its bars; click again to clear.
const SCRIPT = `(function(){var on=null;function set(k){on=k;document.body.classList.toggle('dim',!!k);
document.querySelectorAll('[data-key]').forEach(function(e){e.classList.toggle('hl',!!k&&e.getAttribute('data-key')===k)});}
document.addEventListener('click',function(ev){var t=ev.target.closest?ev.target.closest('.node[data-key],.lane[data-key]'):null;
if(!t){if(on)set(null);return;}var k=t.getAttribute('data-key');set(on===k?null:k);});
document.addEventListener('keydown',function(ev){if(ev.key==='Enter'&&ev.target.getAttribute&&ev.target.getAttribute('data-key')){var k=ev.target.getAttribute('data-key');set(on===k?null:k);}});})();`;

// SVG defs shared by every chart (ids are document-wide): the hatch of predicted bars, arrowheads.
const DEFS = '<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>'
  + '<pattern id="lw-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#dde9fb"/><rect width="2" height="6" fill="#8fb3ea"/></pattern>'
  + '<marker id="lw-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#66718a"/></marker>'
  + '</defs></svg>';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

interface Page {
  title: string;
  subtitle: string;
  version: string;
  sections: { id: string; title: string; body: string }[];
}

function page(p: Page): string {
  // Only the page's own style and script run; nothing is fetched (default-src 'none').
  const csp = `default-src 'none'; style-src 'sha256-${sha256(CSS)}'; script-src 'sha256-${sha256(SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(`layerwise ${p.version}`)}">
<title>${esc(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
${DEFS}
<header><h1>${esc(p.title)}</h1><p>${esc(p.subtitle)}</p></header>
<main>
${p.sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>\n${s.body}\n</section>`).join('\n')}
</main>
<footer>Made by layerwise ${esc(p.version)}. Times are predictions unless marked measured.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function card(k: string, v: string, x?: string): string {
  return `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}${x ? ` <span class="x">${esc(x)}</span>` : ''}</div></div>`;
}

const fromTo = (a: number, b: number) => (Math.abs(a - b) < 1e-9 ? humanSeconds(a) : `${humanSeconds(a)} → ${humanSeconds(b)}`);

/** Cards and timelines of a prediction, before and (when there is one) after a fix. */
function effectSections(before: Effect, after: Effect | null, a: { graph: BuildGraph; key: string }, b: { graph: BuildGraph; key: string } | null) {
  const cards: string[] = [];
  const se = before.sourceEdit;
  if (se) {
    const s2 = after?.sourceEdit;
    cards.push(card(`${se.change}, rebuild (predicted)`, fromTo(se.seconds, s2?.seconds ?? se.seconds), s2 && s2.seconds * 1.05 < se.seconds ? speedup(se.seconds, s2.seconds) : undefined));
  }
  cards.push(card('cold build (predicted)', fromTo(before.cold, after?.cold ?? before.cold), after && after.cold * 1.05 < before.cold ? speedup(before.cold, after.cold) : undefined));
  const rows = (pick: (e: Effect) => Timeline | null | undefined): GanttRow[] => [
    { label: after ? 'as the file is' : 'the file as it is', graph: a.graph, key: a.key, timeline: pick(before) ?? null },
    ...(after && b ? [{ label: 'after layerwise fix', graph: b.graph, key: b.key, timeline: pick(after) ?? null }] : []),
  ];
  const timelines = [
    `<h3>Cold build</h3>`, ganttSvgs(rows((e) => e.timelines?.cold)),
    ...(se ? [`<h3>${esc(`Rebuild after ${se.change} (${se.path})`)}</h3>`, ganttSvgs(rows((e) => e.timelines?.sourceEdit))] : []),
    LEGEND,
  ].join('\n');
  return { cards, timelines };
}

function graphSection(graphs: { label: string; graph: BuildGraph; key: string; cold?: Timeline }[]): string {
  return graphs.map((g) => `${graphs.length > 1 ? `<h3>${esc(g.label)}</h3>` : ''}<div class="scroll">${dagSvg(g.graph, g.key, g.cold)}</div>`).join('\n')
    + '<p class="legend">One box per stage: the target has a heavy border, stages on the critical path of a cold build are orange, stages the target does not need are dashed. '
    + 'Edges: solid FROM, dashed COPY --from, dotted RUN --mount from=. Click a stage to light up its steps in the timelines.</p>';
}

export interface HtmlOptions {
  /** layerwise's version, for the page's footer. */
  version: string;
}

/** One image's analyze sections; `id` prefixes the section ids and the graphs' keys (several images share a page). */
function analyzeSections(r: AnalyzeResult, id: string, heading: string): Page['sections'] {
  const source = r.graph.dockerfile.source;
  const fixed = r.afterFix ? buildGraph(parseDockerfile(r.afterFix.fixed, r.file), r.graph.options) : null;
  const { cards, timelines } = effectSections(r.effect, r.afterFix?.after ?? null, { graph: r.graph, key: `${id}a` }, fixed && { graph: fixed, key: `${id}b` });
  const fixable = r.findings.filter((f) => f.fix.available).length;
  cards.push(card('findings', `${r.findings.length}`, fixable ? `${fixable} fixable` : undefined));
  cards.push(card('stages', `${r.graph.stages.filter((s) => s.needed).length} of ${r.graph.stages.length} built`));
  const steps = r.graph.stages.filter((s) => s.needed).flatMap((s) => s.steps).filter((s) => s.executes).length;
  const impact = `<table><tr><th>change</th><th>rebuilds</th><th>from line</th><th>about</th><th>basis</th></tr>${r.impact.map((i) =>
    `<tr><td>${esc(i.change)}</td><td class="n">${esc(`${i.rebuilt_steps} of ${steps}`)}</td><td class="n">${i.first_rebuilt_line ?? '—'}</td><td class="n">${esc(humanSeconds(i.seconds))}</td><td>${esc(i.basis)}</td></tr>`).join('')}</table>`;
  const diff = r.afterFix ? unifiedDiff(r.file, source, r.afterFix.fixed) : '';
  const scale = r.config.timeScale !== 1 ? `<p class="legend">One measured or estimated second stands for ${esc(r.config.timeScale)} s (--time-scale).</p>` : '';
  const h = (t: string) => (heading ? `${heading}: ${t}` : t);
  return [
    { id: `${id}summary`, title: h('Summary'), body: `<div class="cards">${cards.join('')}</div>${scale}` },
    { id: `${id}graph`, title: h('Stage graph'), body: graphSection([{ label: 'as the file is', graph: r.graph, key: `${id}a`, cold: r.effect.timelines?.cold }]) },
    { id: `${id}timeline`, title: h('Timelines'), body: timelines },
    { id: `${id}findings`, title: h(`Findings (${r.findings.length})`), body: findingsHtml(r.file, source, r.findings) },
    { id: `${id}diff`, title: h('What layerwise fix changes (safe transforms)'), body: `${diffHtml(diff)}${diff ? '<p class="legend">Apply it with <code>layerwise fix --write</code> (add <code>--unsafe</code> for the unsafe ones).</p>' : ''}` },
    { id: `${id}impact`, title: h('Change impact'), body: impact },
  ];
}

export interface HtmlImage {
  /** The image's name (a bake target, a compose service); absent for a lone Dockerfile. */
  image?: string;
  result: AnalyzeResult;
}

/**
 * `analyze --format html`: one page for one Dockerfile, or for several images (a bake or compose
 * file, a repository), each with its own sections under its name.
 */
export function analyzeHtml(images: HtmlImage[], opts: HtmlOptions & { skipped?: { name: string; reason: string }[] }): string {
  const total = images.reduce((n, i) => n + i.result.findings.length, 0);
  const one = images.length === 1 && !images[0]!.image && !opts.skipped?.length;
  const sections: Page['sections'] = [];
  if (!one) {
    const rows = images.map((im, k) => `<li><a href="#img${k + 1}-summary">${esc(im.image ?? im.result.file)}</a>: ${esc(im.result.file)}, ${im.result.findings.length} finding${im.result.findings.length === 1 ? '' : 's'}</li>`);
    for (const s of opts.skipped ?? []) rows.push(`<li>${esc(s.name)}: not read: ${esc(s.reason)}</li>`);
    sections.push({ id: 'images', title: `Images (${images.length})`, body: `<ul class="images">${rows.join('')}</ul>` });
  }
  images.forEach((im, k) => sections.push(...analyzeSections(im.result, one ? '' : `img${k + 1}-`, one ? '' : (im.image ?? im.result.file))));
  const r0 = images[0]?.result;
  return page({
    title: `layerwise analyze: ${one && r0 ? r0.file : `${images.length} image${images.length === 1 ? '' : 's'}`}`,
    subtitle: `${total} finding${total === 1 ? '' : 's'}, most expensive first; timelines before and after layerwise fix's safe transforms.`,
    version: opts.version,
    sections,
  });
}

/** `fix --format html`. */
export function fixHtml(r: FixReport, opts: HtmlOptions): string {
  const before = r.graph ?? buildGraph(parseDockerfile(r.result.original, r.file));
  const changed = r.result.fixed !== r.result.original;
  const after = changed ? buildGraph(parseDockerfile(r.result.fixed, r.file), before.options) : null;
  const { cards, timelines } = effectSections(r.before, changed ? r.after : null, { graph: before, key: 'a' }, after && { graph: after, key: 'b' });
  const notes: string[] = [];
  for (const a of r.result.applied) for (const n of a.notes) notes.push(`${a.transform} (${a.safety}): ${n}`);
  for (const a of r.result.applied) for (const x of a.accepts) notes.push(`${a.transform} changes the image on purpose: ${x.path}${x.change ? ` (${x.change})` : ''}: ${x.reason}`);
  for (const d of r.result.declined) notes.push(`${d.transform} left alone: ${d.reason}`);
  if (r.result.unsafeSkipped.length) notes.push(`not run without --unsafe: ${r.result.unsafeSkipped.join(', ')}`);
  const v = r.verified;
  let verified = '';
  if (v) {
    const status = v.verify?.status ?? 'not built';
    verified = `<p>${esc(status === 'equivalent' ? 'Verified on the engine: the images are equivalent.' : `Verification: ${status}; nothing is written.`)}${v.dropped.length ? ` ${esc(`Dropped (they changed the image): ${v.dropped.join(', ')}.`)}` : ''}</p>`;
    const m = v.measured;
    if (m) {
      verified += `<table><tr><th>measured</th><th>before</th><th>after</th><th>speedup</th></tr>`
        + `<tr><td>cold build</td><td class="n">${esc(humanSeconds(m.before.cold))}</td><td class="n">${esc(humanSeconds(m.after.cold))}</td><td class="n">${esc(speedup(m.before.cold, m.after.cold))}</td></tr>`
        + (m.edit && m.before.edit !== null && m.after.edit !== null ? `<tr><td>${esc(`an edit of ${m.edit}`)}</td><td class="n">${esc(humanSeconds(m.before.edit))}</td><td class="n">${esc(humanSeconds(m.after.edit))}</td><td class="n">${esc(speedup(m.before.edit, m.after.edit))}</td></tr>` : '')
        + '</table>';
    }
  }
  return page({
    title: `layerwise fix: ${r.file}`,
    subtitle: changed ? `${r.result.applied.length} transform${r.result.applied.length === 1 ? '' : 's'} applied${r.written ? `; written to ${r.file}` : '; nothing was written (run again with --write to apply)'}.` : 'Nothing to change.',
    version: opts.version,
    sections: [
      { id: 'summary', title: 'Summary', body: `<div class="cards">${cards.join('')}</div>${verified}` },
      { id: 'graph', title: 'Stage graph', body: graphSection([
        { label: 'before', graph: before, key: 'a', cold: r.before.timelines?.cold },
        ...(after ? [{ label: 'after layerwise fix', graph: after, key: 'b', cold: r.after.timelines?.cold }] : []),
      ]) },
      { id: 'timeline', title: 'Timelines', body: timelines },
      { id: 'diff', title: 'Diff', body: diffHtml(fixDiff(r)) + (notes.length ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '') },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// bench

/**
 * A bench figure's median run as a timeline: each step that ran, for as long as the engine said;
 * where the engine's progress has start times, at its start, else where the schedule model puts it.
 */
export function measuredTimeline(graph: BuildGraph, f: Figure): Timeline {
  const byLine = stepsByLine(graph);
  const ran = new Map(f.steps.filter((s) => s.ran && s.seconds !== null && s.seconds > 0).map((s) => [s.line, s]));
  const sched = schedule({ graph, duration: (st) => ran.get(st.line)?.seconds ?? 0, runs: (st) => ran.has(st.line) });
  const timed = [...ran.values()].every((s) => s.started !== undefined);
  let first = Infinity;
  if (timed) for (const s of ran.values()) first = Math.min(first, s.started!);
  if (!timed || first === Infinity) first = 0;
  const bars: Bar[] = [];
  for (const s of ran.values()) {
    const step = byLine.get(s.line);
    if (!step) continue;
    const start = timed ? s.started! - first : (sched.steps.get(step)?.start ?? 0);
    bars.push({
      stage: step.stage, line: s.line, instruction: s.instruction, start, end: start + s.seconds!, basis: 'measured',
      detail: `median of ${f.runs.length} build${f.runs.length === 1 ? '' : 's'}, ${timed ? 'start and end from the engine' : 'start placed by the schedule model'}`,
    });
  }
  bars.sort((a, b) => a.start - b.start || a.line - b.line);
  const seconds = bars.reduce((m, b) => Math.max(m, b.end), 0);
  return { seconds, bars, critical: timed ? [] : sched.criticalPath.map((s) => s.line) };
}

/** What was predicted for a bench figure, drawn the same way (the predicted steps, the schedule model's times). */
export function predictedTimeline(graph: BuildGraph, f: Figure): Timeline {
  const byLine = stepsByLine(graph);
  const runs = new Map(f.steps.filter((s) => (s.predicted === 'rebuilt' || s.predicted === 'conditional') && s.predictedSeconds > 0).map((s) => [s.line, s]));
  const sched = schedule({ graph, duration: (st) => runs.get(st.line)?.predictedSeconds ?? 0, runs: (st) => runs.has(st.line) });
  const bars: Bar[] = [];
  for (const [line, s] of runs) {
    const t = sched.steps.get(byLine.get(line)!);
    if (!t || t.end <= t.start) continue;
    bars.push({ stage: byLine.get(line)!.stage, line, instruction: s.instruction, start: t.start, end: t.end, basis: 'predicted', detail: s.predicted === 'conditional' ? 'predicted to re-run only if its inputs changed' : 'predicted to re-run' });
  }
  bars.sort((a, b) => a.start - b.start || a.line - b.line);
  return { seconds: sched.wallSeconds, bars, critical: sched.criticalPath.map((s) => s.line) };
}

/**
 * `bench --format html`: per Dockerfile, the measured figures beside the predictions, its stage
 * graph, and for each figure the median run's timeline beside the predicted one. `graphs` are the
 * benched files' graphs, in the order of `r.results`.
 */
export function benchHtml(r: BenchResult, graphs: BuildGraph[], opts: HtmlOptions): string {
  const sections: Page['sections'] = [];
  const s = (x: number | null | undefined) => (x === null || x === undefined ? '—' : humanSeconds(x));
  r.results.forEach((f, k) => {
    const g = graphs[k]!;
    const id = r.results.length > 1 ? `file${k + 1}-` : '';
    const h = (t: string) => (r.results.length > 1 ? `${f.file}: ${t}` : t);
    const figures: { label: string; fig: Figure }[] = [{ label: 'cold build', fig: f.cold }, { label: 'no-op rebuild', fig: f.noop }, ...f.changes.map((c) => ({ label: c.spec, fig: c }))];
    const rows = figures.map(({ label, fig }) => `<tr><td>${esc(label)}</td><td class="n">${esc(s(fig.summary.median))}</td><td class="n">${esc(`${s(fig.summary.min)} – ${s(fig.summary.max)}`)}</td>`
      + `<td class="n">${esc(fig.predicted === null ? '—' : fig.predictedHigh !== null && fig.predictedHigh > fig.predicted * 1.01 ? `${s(fig.predicted)} – ${s(fig.predictedHigh)}` : s(fig.predicted))}</td>`
      + `<td class="n">${esc(s(fig.overhead))}</td><td class="n">${fig.steps.filter((x) => x.ran).length}</td></tr>`).join('');
    const image = f.image ? `<p>${esc(`Image: ${(f.image.sizeBytes / 1e6).toFixed(1)} MB in ${f.image.layers} layers.`)}</p>` : '';
    sections.push({
      id: `${id}summary`, title: h('Measured and predicted'),
      body: `<table><tr><th>build</th><th>median</th><th>range</th><th>predicted</th><th>outside the steps</th><th>steps run</th></tr>${rows}</table>${image}`
        + `<p class="legend">${esc(`${r.mode === 'simulated' ? 'Stand-ins of the file (layerwise simulate) ' : ''}built ${r.runs} time${r.runs === 1 ? '' : 's'} per figure on ${r.engine}; cold builds ${r.cache === 'pruned' ? 'after pruning the build cache' : 'with --no-cache'}.`)}</p>`,
    });
    sections.push({ id: `${id}graph`, title: h('Stage graph'), body: graphSection([{ label: f.file, graph: g, key: `${id}a`, cold: measuredTimeline(g, f.cold) }]) });
    const charts = figures.map(({ label, fig }) => `<h3>${esc(label)}</h3>` + ganttSvgs([
      { label: 'measured (median run)', graph: g, key: `${id}a`, timeline: measuredTimeline(g, fig) },
      { label: 'predicted', graph: g, key: `${id}a`, timeline: fig.predicted === null ? null : predictedTimeline(g, fig), none: 'Nothing to predict from.' },
    ]));
    sections.push({ id: `${id}timeline`, title: h('Timelines'), body: charts.join('\n') + LEGEND
      + '<p class="legend">A measured bar lasts as long as the engine said the step ran; it starts when the engine says (BuildKit\'s progress with times), else where the schedule model puts it.</p>' });
  });
  return page({
    title: `layerwise bench: ${r.results.map((f) => f.file).join(' vs ')}`,
    subtitle: `${r.mode === 'simulated' ? 'Simulated' : 'Real'} builds on ${r.engine}, ${r.runs} run${r.runs === 1 ? '' : 's'} per figure, beside what layerwise predicts.`,
    version: opts.version,
    sections,
  });
}
