/**
 * Reports over several images (a bake file's targets, a compose file's services, a repository's
 * Dockerfiles): each image's own report, under a heading that says where it is described.
 */
import type { ImageSpec, SkippedImage } from '../images/spec.js';

function where(i: { origin: ImageSpec['origin'] }): string {
  const at = `${i.origin.file}${i.origin.line ? `:${i.origin.line}` : ''}`;
  return i.origin.kind === 'bake' ? `bake target in ${at}` : i.origin.kind === 'compose' ? `compose service in ${at}` : 'Dockerfile';
}

/** One JSON object per image, with what describes it: name, origin, context, Dockerfile, stage, args. */
export function imageJson(i: ImageSpec, cwdRelative: (p: string) => string): Record<string, unknown> {
  return {
    name: i.name,
    origin: i.origin,
    context: cwdRelative(i.target.contextDir),
    dockerfile: i.target.displayName,
    ...(i.stage ? { stage: i.stage } : {}),
    buildArgs: i.buildArgs,
  };
}

export function imagesText(parts: { image: ImageSpec; text: string }[], skipped: SkippedImage[]): string {
  const out: string[] = [];
  for (const p of parts) {
    const stage = p.image.stage ? `, stage ${p.image.stage}` : '';
    out.push(`== ${p.image.name} (${where(p.image)}): ${p.image.target.displayName}${stage} ==\n`);
    out.push(p.text.endsWith('\n') ? p.text : p.text + '\n');
    out.push('\n');
  }
  for (const s of skipped) out.push(`== ${s.name} (${where(s)}): not read: ${s.reason} ==\n\n`);
  out.push(`${parts.length} image${parts.length === 1 ? '' : 's'} read${skipped.length ? `, ${skipped.length} skipped` : ''}.\n`);
  return out.join('');
}

/**
 * One SARIF log for all images: the first run's tool, every run's results, each result
 * tagged with its image (code scanning shows one list; the file paths already tell them apart).
 */
export function imagesSarif(parts: { image: ImageSpec; sarif: Record<string, unknown> }[]): Record<string, unknown> {
  type Run = { tool: unknown; results: Record<string, unknown>[] };
  const first = parts[0]?.sarif;
  if (!first) return { $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [] };
  const runs = first.runs as Run[];
  const results = parts.flatMap((p) => (p.sarif.runs as Run[])[0]!.results.map((r) => ({ ...r, properties: { ...(r.properties as object), image: p.image.name } })));
  return { ...first, runs: [{ ...runs[0]!, results }] };
}
