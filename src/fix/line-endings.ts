/**
 * A file's line endings and BOM, kept through a fix. Transforms plan on LF text without a
 * BOM (the lines they insert end in `\n`); the result gets the file's own style back: a
 * CRLF file stays CRLF, a BOM stays first. BuildKit reads both forms alike (it splits on
 * `\n` and trims the `\r`), so planning on the LF form changes no decision.
 */
import { diffArrays } from 'diff';

export interface TextStyle {
  bom: boolean;
  /** The ending of most lines: what a new line gets. */
  eol: '\n' | '\r\n';
  /** Every line ends with `eol` (no mix): the LF form maps back with one replace. */
  uniform: boolean;
  /** Per line of the original, its ending ('' for a last line without one); only for a mixed file. */
  endings?: string[];
}

/** The style of `text` and the text as transforms see it: no BOM, every `\r\n` a `\n`. */
export function toPlanText(text: string): { style: TextStyle; plan: string } {
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  const crlf = (body.match(/\r\n/g) ?? []).length;
  const lf = (body.match(/\n/g) ?? []).length - crlf;
  const eol = crlf > lf ? '\r\n' : '\n';
  const uniform = crlf === 0 || lf === 0;
  if (crlf === 0) return { style: { bom, eol, uniform }, plan: body };
  const style: TextStyle = { bom, eol, uniform };
  if (!uniform) style.endings = body.split('\n').map((l, i, all) => (i === all.length - 1 ? '' : l.endsWith('\r') ? '\r\n' : '\n'));
  return { style, plan: body.replace(/\r\n/g, '\n') };
}

/**
 * The fixed LF text in the original's style. A mixed file keeps each untouched line's own
 * ending (found by a line diff against the planned original); lines a transform wrote get the
 * ending most lines have.
 */
export function fromPlanText(style: TextStyle, planOriginal: string, planFixed: string): string {
  const bom = style.bom ? '\ufeff' : '';
  if (style.eol === '\n' && style.uniform) return bom + planFixed;
  if (style.uniform) return bom + planFixed.replace(/\n/g, '\r\n');
  const before = planOriginal.split('\n');
  const after = planFixed.split('\n');
  const endings = style.endings!;
  let out = '';
  let i = 0; // line of the original
  let j = 0; // line of the result
  const emit = (line: string, ending: string) => {
    j++;
    out += line + (j === after.length ? '' : ending);
  };
  for (const part of diffArrays(before, after)) {
    if (part.removed) {
      i += part.count ?? part.value.length;
      continue;
    }
    for (const line of part.value) {
      if (part.added) emit(line, style.eol);
      else emit(line, endings[i++] || style.eol);
    }
  }
  return bom + out;
}
