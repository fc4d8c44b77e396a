import type { Vertex } from './progress.js';

/**
 * From a BuildKit vertex back to the Dockerfile line it came from.
 *
 * BuildKit names each step `[stage i/n] INSTRUCTION` (dockerfile2llb's prefixCommand). The rules,
 * read in BuildKit v0.8's dockerfile2llb/convert.go and checked on docker 20.10's engine:
 *
 * - `stage` is the stage's `AS` name lower-cased, or `stage-<index>` (index among all stages of
 *   the Dockerfile, built or not). It is left out (`[2/3] RUN ...`) when BuildKit has a single
 *   stage state, i.e. a one-stage Dockerfile with no `COPY --from=<image>`.
 * - `n` counts: FROM when it names an image (not `scratch`, not another stage), then every RUN,
 *   COPY and ADD, and every WORKDIR.
 * - `i` advances once per vertex made: FROM <image>, RUN, COPY, ADD, and WORKDIR unless the
 *   directory is `/` (no mkdir then, so no vertex: the stage's last `i` stays below `n`).
 * - ENV, ARG, LABEL, USER, EXPOSE, CMD, ENTRYPOINT, VOLUME, SHELL, STOPSIGNAL, HEALTHCHECK,
 *   ONBUILD and MAINTAINER change only the image config: no vertex, not counted.
 * - `i` is padded to the width of `n`: `[ 2/11]`.
 * - A stage FROM another stage continues from that stage's last vertex: it has no FROM vertex.
 * - Identical operations are one vertex: every stage FROM the same image shares one FROM vertex,
 *   named after one of them (which one varies between runs); an identical RUN on an identical
 *   parent in two stages is one vertex too. Sharing reaches across concurrent builds on one
 *   engine: a vertex may carry the label another build gave it. When a `COPY --from=<image>` names the same image,
 *   the shared FROM vertex may carry no label at all (`FROM docker.io/library/bb:latest`).
 * - Stages the target does not need are not built and never printed; a vertex that never starts
 *   (the build failed first) is never printed either.
 * - Not handled: ONBUILD triggers of a base image get an `i` beyond `n`.
 */

/** One instruction of a stage, as the mapper needs it. */
export interface StageStep {
  /** 1-based line of the instruction's first line. */
  line: number;
  /** BuildKit makes a vertex for it, so it takes the next `i` of `[stage i/n]`. */
  producesVertex: boolean;
  /** Counted in `n`; defaults to `producesVertex` (only `WORKDIR /` is counted without a vertex). */
  countsInTotal?: boolean;
}

/** One stage of a Dockerfile; independent of the parser's own types. */
export interface StageSteps {
  /** The `AS` name as written, or null. */
  name: string | null;
  /** 0-based position among all the Dockerfile's stages. */
  index: number;
  /** For a stage FROM an image: that image as written (after ARG expansion). */
  baseImage?: string;
  /** Every instruction of the stage, FROM first. */
  steps: StageStep[];
}

export interface VertexRuleContext {
  /** For FROM: what it names. */
  from?: 'image' | 'stage' | 'scratch';
  /** For WORKDIR: the absolute directory it resolves to, when known. */
  workdir?: string;
}

/** Whether an instruction makes a vertex and is counted in `n`, per the rules above. */
export function vertexRule(
  keyword: string,
  context: VertexRuleContext = {},
): { producesVertex: boolean; countsInTotal: boolean } {
  switch (keyword.toUpperCase()) {
    case 'FROM': {
      const image = (context.from ?? 'image') === 'image';
      return { producesVertex: image, countsInTotal: image };
    }
    case 'RUN':
    case 'COPY':
    case 'ADD':
      return { producesVertex: true, countsInTotal: true };
    case 'WORKDIR':
      return { producesVertex: context.workdir === undefined || normalizeDir(context.workdir) !== '/', countsInTotal: true };
    default:
      return { producesVertex: false, countsInTotal: false };
  }
}

function normalizeDir(dir: string): string {
  const parts: string[] = [];
  for (const p of dir.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

/** The label BuildKit gives a stage (when it gives one). */
export function stageLabel(stage: Pick<StageSteps, 'name' | 'index'>): string {
  return stage.name ? stage.name.toLowerCase() : `stage-${stage.index}`;
}

export interface VertexLocation {
  /** The stage the vertex's label names (or the only stage). */
  stageIndex: number;
  /** The instruction's line. */
  line: number;
  /** Every line this vertex stands for: a shared FROM vertex stands for several stages' FROMs. */
  lines: number[];
  /** The label's `n` equals the number of counted steps of the stage (a check on the model). */
  countMatches: boolean;
  /**
   * `label`: found by `[stage i/n]`. `image`: a FROM vertex found by its image, because its label
   * was missing or named a step that is not this FROM: a FROM vertex is shared by every stage
   * and every concurrent build on the same engine that starts from that image, and carries the
   * name the first of them gave it (seen: `[1/2] FROM ...` from another build in a 6-step one).
   */
  via: 'label' | 'image';
}

type LabelledVertex = Pick<Vertex, 'stage' | 'stepIndex' | 'stepCount' | 'keyword' | 'instruction'>;

/** The Dockerfile line a vertex came from, or undefined for internal and unknown vertices. */
export function mapVertexToLine(vertex: LabelledVertex, stages: readonly StageSteps[]): VertexLocation | undefined {
  const fromImage = vertex.keyword === 'FROM' ? vertex.instruction?.slice(5).trim() : undefined;
  const sharers = fromImage ? stagesFromImage(fromImage, stages) : [];

  const byImage = (): VertexLocation | undefined => {
    // It stands for every stage FROM that image; the first is as good as any.
    const first = sharers[0];
    if (!first) return undefined;
    return { stageIndex: first.stage.index, line: first.line, lines: sharers.map((s) => s.line), countMatches: true, via: 'image' };
  };
  if (vertex.stepIndex === undefined) return byImage();
  let stage: StageSteps | undefined;
  if (vertex.stage !== undefined) {
    stage = stages.find((s) => stageLabel(s) === vertex.stage) ?? stages.find((s) => `stage-${s.index}` === vertex.stage);
  } else if (stages.length === 1) {
    stage = stages[0];
  }
  const producing = stage?.steps.filter((s) => s.producesVertex) ?? [];
  const step = producing[vertex.stepIndex - 1];
  const counted = stage?.steps.filter((s) => s.countsInTotal ?? s.producesVertex).length;
  const countMatches = counted === vertex.stepCount;
  if (fromImage !== undefined && (!step || !countMatches || !sharers.some((s) => s.line === step.line))) {
    return byImage() ?? (stage && step ? { stageIndex: stage.index, line: step.line, lines: [step.line], countMatches, via: 'label' } : undefined);
  }
  if (!stage || !step) return undefined;
  const lines = [step.line];
  for (const s of sharers) if (!lines.includes(s.line)) lines.push(s.line);
  return { stageIndex: stage.index, line: step.line, lines, countMatches, via: 'label' };
}

function stagesFromImage(image: string, stages: readonly StageSteps[]): { stage: StageSteps; line: number }[] {
  const want = normalizeImageRef(image);
  // Current BuildKit names the vertex with the digest it resolved a tag to
  // (`docker.io/library/bb:latest@sha256:...`); v0.8 with the reference as written.
  const at = want.indexOf('@');
  const wantTag = at >= 0 ? want.slice(0, at) : undefined;
  const out: { stage: StageSteps; line: number }[] = [];
  for (const s of stages) {
    const from = s.steps[0];
    if (!s.baseImage || !from?.producesVertex) continue;
    const have = normalizeImageRef(s.baseImage);
    if (have === want || (wantTag !== undefined && !have.includes('@') && have === wantTag)) out.push({ stage: s, line: from.line });
  }
  return out;
}

/**
 * `bb` → `docker.io/library/bb:latest`, as BuildKit names a FROM vertex (reference.TagNameOnly
 * of ParseNormalizedNamed). A digest, if any, is kept as is.
 */
export function normalizeImageRef(ref: string): string {
  let r = ref.trim();
  const at = r.indexOf('@');
  const digest = at >= 0 ? r.slice(at) : '';
  if (at >= 0) r = r.slice(0, at);
  const slash = r.indexOf('/');
  const first = slash < 0 ? '' : r.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) r = (slash < 0 ? 'docker.io/library/' : 'docker.io/') + r;
  const lastPart = r.slice(r.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !digest) r += ':latest';
  return r + digest;
}

export interface RecordLineMap {
  /** Each vertex with its location (undefined for internal vertices and unknown names). */
  vertices: { vertex: Vertex; location?: VertexLocation }[];
  /**
   * Vertex-making steps that no vertex stands for: their stage was not needed for the target, the
   * build stopped before them, or BuildKit merged them with an identical step of another stage.
   */
  unmatched: { stageIndex: number; line: number }[];
}

/** {@link mapVertexToLine} for every vertex of a build, and the steps left without one. */
export function mapRecordToLines(record: { vertices: readonly Vertex[] }, stages: readonly StageSteps[]): RecordLineMap {
  const covered = new Set<number>();
  const vertices = record.vertices.map((vertex) => {
    const location = vertex.internal ? undefined : mapVertexToLine(vertex, stages);
    for (const l of location?.lines ?? []) covered.add(l);
    return location ? { vertex, location } : { vertex };
  });
  const unmatched: { stageIndex: number; line: number }[] = [];
  for (const s of stages) {
    for (const step of s.steps) if (step.producesVertex && !covered.has(step.line)) unmatched.push({ stageIndex: s.index, line: step.line });
  }
  return { vertices, unmatched };
}
