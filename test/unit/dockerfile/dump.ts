/**
 * A stable, readable dump of the Dockerfile model for the golden files: every instruction with
 * its range, joined text, flags and typed fields; tokens as `raw @line:col-line:col`.
 */
import type { Range } from '../../../src/core/ranges.js';
import type { CommandForm, Dockerfile, Heredoc, Instruction, Mount, Token } from '../../../src/dockerfile/model.js';

export function rng(r: Range): string {
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

function tok(t: Token): string {
  return `${t.raw} @${rng(t.range)}`;
}

function command(c: CommandForm | null): unknown {
  if (!c) return null;
  return c.form === 'exec' ? { form: 'exec', argv: c.argv, token: tok(c.token) } : { form: 'shell', script: tok(c.script) };
}

function mount(m: Mount): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'range') out.range = rng(v as Range);
    else if (v !== null) out[k] = v;
  }
  return out;
}

function heredoc(h: Heredoc): unknown {
  return { name: h.name, chomp: h.chomp, expand: h.expand, fd: h.fd, content: h.content, range: rng(h.range), body: rng(h.bodyRange) };
}

export function dumpInstruction(i: Instruction): Record<string, unknown> {
  const out: Record<string, unknown> = {
    keyword: i.keyword,
    range: rng(i.range),
    keywordToken: tok(i.keywordToken),
    text: i.text,
  };
  if (i.flags.length) out.flags = i.flags.map((f) => ({ name: f.name, value: f.value, range: rng(f.range) }));
  out.args = tok(i.args);
  if (i.comments.length) out.comments = i.comments;
  if (i.emptyContinuationLine) out.emptyContinuationLine = true;
  switch (i.keyword) {
    case 'FROM':
      Object.assign(out, { image: tok(i.image), stageName: i.stageName && { value: i.stageName.value, token: tok(i.stageName.token) }, platform: i.platform });
      break;
    case 'RUN':
      Object.assign(out, { command: command(i.command), mounts: i.mounts.map(mount), network: i.network, security: i.security });
      break;
    case 'CMD':
    case 'ENTRYPOINT':
      out.command = command(i.command);
      break;
    case 'SHELL':
      out.argv = i.argv;
      break;
    case 'COPY':
    case 'ADD':
      Object.assign(out, {
        sources: i.sources.map(tok), dest: tok(i.dest), json: i.json, from: i.from, chown: i.chown, chmod: i.chmod,
        link: i.link, parents: i.parents, exclude: i.exclude, keepGitDir: i.keepGitDir, checksum: i.checksum,
      });
      break;
    case 'ARG':
      out.decls = i.decls.map((d) => ({ key: tok(d.key), value: d.value && tok(d.value) }));
      break;
    case 'ENV':
    case 'LABEL':
      out.pairs = i.pairs.map((d) => ({ key: tok(d.key), value: d.value && tok(d.value) }));
      break;
    case 'EXPOSE':
    case 'VOLUME':
      Object.assign(out, { items: i.items.map(tok), json: i.json });
      break;
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      out.value = tok(i.value);
      break;
    case 'HEALTHCHECK':
      Object.assign(out, { none: i.none, command: command(i.command), options: i.options });
      break;
    case 'ONBUILD':
      out.trigger = dumpInstruction(i.trigger);
      break;
  }
  if (i.heredocs.length && i.keyword !== 'ONBUILD') out.heredocs = i.heredocs.map(heredoc);
  return out;
}

export function dumpDockerfile(df: Dockerfile): Record<string, unknown> {
  return {
    escape: df.escape,
    bom: df.bom,
    directives: df.directives.map((d) => ({ name: d.name, value: d.value, range: rng(d.range) })),
    warnings: df.warnings.map((w) => ({ message: w.message, range: rng(w.range) })),
    instructions: df.instructions.map(dumpInstruction),
  };
}

/** Every token of an instruction (for the range invariants). */
export function tokensOf(i: Instruction): Token[] {
  const out: Token[] = [i.keywordToken, i.args];
  switch (i.keyword) {
    case 'FROM': out.push(i.image, ...(i.stageName ? [i.stageName.token] : [])); break;
    case 'RUN': case 'CMD': case 'ENTRYPOINT': case 'HEALTHCHECK':
      if (i.command) out.push(i.command.form === 'exec' ? i.command.token : i.command.script);
      break;
    case 'COPY': case 'ADD': if (!i.json) out.push(...i.sources, i.dest); break;
    case 'ARG': for (const d of i.decls) out.push(d.key, ...(d.value ? [d.value] : [])); break;
    case 'ENV': case 'LABEL': for (const d of i.pairs) out.push(d.key, ...(d.value ? [d.value] : [])); break;
    case 'EXPOSE': case 'VOLUME': if (!i.json) out.push(...i.items); break;
    case 'USER': case 'WORKDIR': case 'STOPSIGNAL': case 'MAINTAINER': out.push(i.value); break;
    case 'ONBUILD': out.push(...tokensOf(i.trigger)); break;
  }
  return out;
}
