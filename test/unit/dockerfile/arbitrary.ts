/**
 * fast-check arbitraries of Dockerfiles, for the property tests. Each generated file comes with
 * what a reader of the text knows it holds (the instructions, their first lines, the joined
 * text of a continued line, JSON arguments, heredoc bodies, key/value tokens as written), worked
 * out while writing it, so a test can hold the parser to it instead of to itself.
 */
import fc from 'fast-check';

/** The seed of every property run: a failure is reproduced by running the tests again. */
export const SEED = 20261203;

/** What one generated instruction is, as its writer knows it. */
export interface Expected {
  keyword: string;
  /** 1-based line of the keyword. */
  line: number;
  /** The joined arguments (BuildKit's args: continuations removed, comment lines dropped). */
  args?: string;
  /** An empty line sat inside the continuation. */
  emptyContinuationLine?: boolean;
  /** JSON form: the array as parsed. */
  argv?: string[];
  /** Heredoc bodies as BuildKit reads them (line endings kept). */
  heredocs?: string[];
  /** ENV / LABEL / ARG: each key and its value token as written. */
  pairs?: [string, string | null][];
}

export interface GeneratedDockerfile {
  text: string;
  escape: '\\' | '`';
  eol: '\n' | '\r\n';
  expected: Expected[];
}

/** A piece of a file before it is laid out: its lines and, for an instruction, what it is. */
interface Block {
  lines: string[];
  expect?: Omit<Expected, 'line'>;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/**
 * A string of `rest` characters after an optional `first` one (what a small regex would say;
 * fc.stringMatching is correct but far slower).
 */
function chars(rest: string, minLength: number, maxLength: number, first?: string): fc.Arbitrary<string> {
  const tail = fc.string({ unit: fc.constantFrom(...Array.from(rest)), minLength, maxLength });
  return first === undefined ? tail : fc.tuple(fc.constantFrom(...Array.from(first)), tail).map(([a, b]) => a + b);
}

const UNICODE = ['ünï', 'çødé', '☃', '🐳', '日本語', 'e\u0301', 'Ω≈', 'ß', 'Ж', '٣'];

/** A shell word: no blanks, no quotes that matter to the Dockerfile parser, no `<<`, never ending in an escape. */
const word = fc.oneof(
  { weight: 4, arbitrary: chars(LOWER + DIGITS + '_./:=@%+,-', 0, 10, LOWER) },
  { weight: 1, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 1, arbitrary: fc.constantFrom('&&', '||', ';', '|', '$HOME', '${X:-y}', '"a b"', "'c d'", '2>&1', '(x)', '{a,b}', '\\$x', 'a\\b', 'a`b') },
);
/** A word that is safe as the first of a shell-form command: not a flag, not JSON, not a heredoc. */
const firstWord = chars(LOWER + DIGITS + '_-', 0, 8, LOWER);
const name = chars(LOWER.toUpperCase() + DIGITS + '_', 0, 8, LOWER.toUpperCase());
/** A string for JSON arrays: anything printable, quotes and backslashes included. */
const jsonString = fc.oneof(
  fc.string({ unit: fc.constantFrom(...Array.from('abc xyz-_/.:"\\\'$`#=é☃')), maxLength: 12 }),
  fc.constantFrom(...UNICODE),
);
/** Comment text: anything on one line (no `=`, so a comment at the top is never a directive). */
const commentText = fc.string({ unit: fc.constantFrom(...Array.from('abc XYZ 0.9-_#\\`"\'$<>[]{}é☃🐳')), maxLength: 20 });

/** A value token of ENV / LABEL / ARG as written, quotes and escapes kept. */
const valueToken = (esc: string) => fc.oneof(
  chars(LOWER + DIGITS + '_./:-', 1, 10),
  fc.array(fc.oneof(word.filter((w) => !/["'\\`$]/.test(w)), fc.constant(`${esc}"`), fc.constant("'")), { minLength: 1, maxLength: 3 }).map((ws) => `"${ws.join(' ')}"`),
  chars(LOWER + DIGITS + ' "$', 0, 8).map((w) => `'${w}'`),
  fc.tuple(chars(LOWER, 1, 4), chars(LOWER, 1, 4)).map(([a, b]) => `${a}${esc} ${b}`),
  fc.constantFrom(...UNICODE),
);

const keyword = (k: string) => fc.constantFrom(k, k.toLowerCase(), k[0] + k.slice(1).toLowerCase());
const indent = fc.constantFrom('', '', ' ', '  ', '\t');

/**
 * A shell-form command cut into continuation lines, with comment lines and empty lines inside:
 * its lines and the args BuildKit joins from them (escape and the blanks after it removed,
 * comment and empty lines dropped).
 */
function continued(esc: string): fc.Arbitrary<Block & { args: string; empty: boolean }> {
  const segment = fc.record({
    lead: fc.constantFrom('', ' ', '    ', '\t'),
    words: fc.array(word, { minLength: 1, maxLength: 4 }),
    // Blanks between the escape and the end of the line (BuildKit trims them).
    after: fc.constantFrom('', '', ' ', ' \t'),
    // Comment or empty lines before the next segment.
    between: fc.array(fc.oneof(commentText.map((c) => ({ kind: 'comment' as const, text: c })), fc.constantFrom('', '   ').map((t) => ({ kind: 'empty' as const, text: t }))), { maxLength: 2 }),
  });
  return fc.tuple(firstWord, fc.array(segment, { maxLength: 3 }), fc.array(word, { maxLength: 3 })).map(([first, segs, lastWords]) => {
    const lines: string[] = [];
    let args = '';
    let empty = false;
    let current = first;
    let joined = first;
    for (const s of segs) {
      lines.push(`${current} ${esc}${s.after}`);
      args += `${joined} `;
      for (const b of s.between) {
        if (b.kind === 'comment') lines.push(`  #${b.text}`);
        else {
          lines.push(b.text);
          empty = true;
        }
      }
      current = `${s.lead}${s.words.join(' ')}`;
      joined = current;
    }
    const tail = lastWords.length ? ` ${lastWords.join(' ')}` : '';
    lines.push(current + tail);
    args += joined + tail;
    return { lines, args, empty };
  });
}

const made = new Map<string, fc.Arbitrary<Block>>();
/** The instructions after the first FROM (built once per escape, line end and stage count: building arbitraries is slow). */
function instruction(esc: string, eol: string, stages: string[]): fc.Arbitrary<Block> {
  const key = `${esc}${eol}${stages.length}`;
  if (!made.has(key)) made.set(key, makeInstruction(esc, eol, stages));
  return made.get(key)!;
}

function makeInstruction(esc: string, eol: string, stages: string[]): fc.Arbitrary<Block> {
  const runShell = fc.tuple(keyword('RUN'), fc.constantFrom('', '--network=none ', '--mount=type=cache,target=/root/.cache '), continued(esc))
    .map(([k, flag, c]) => ({
      lines: [`${k} ${flag}${c.lines[0]}`, ...c.lines.slice(1)],
      expect: { keyword: 'RUN', args: c.args, emptyContinuationLine: c.empty },
    }));
  const json = (k: string) => fc.tuple(keyword(k), fc.array(jsonString, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([kw, argv, spaced]) => ({
    lines: [`${kw} ${spaced ? JSON.stringify(argv).replace(/","/g, '", "').replace(/^\[/, '[ ').replace(/\]$/, ' ]') : JSON.stringify(argv)}`],
    expect: { keyword: k, argv },
  }));
  const heredocBody = fc.array(fc.oneof(commentText, word, fc.constant('')), { maxLength: 4 });
  const heredoc = fc.record({
    kw: fc.constantFrom('RUN', 'COPY', 'run'),
    delim: fc.constantFrom('EOF', 'END', 'SCRIPT_1'),
    chomp: fc.boolean(),
    quote: fc.constantFrom('', '"', "'"),
    body: heredocBody,
    second: fc.option(heredocBody, { nil: undefined }),
  }).map(({ kw, delim, chomp, quote, body, second }) => {
    const dash = chomp ? '-' : '';
    const tab = chomp ? '\t' : '';
    const bodyText = (b: string[]) => b.map((l) => `${tab}${l}${eol}`).join('');
    const bodyLines = (b: string[], d: string) => [...b.map((l) => `${tab}${l}`), `${tab}${d}`];
    const isCopy = kw.toUpperCase() === 'COPY';
    // A second heredoc only on RUN (`cmd <<A <<B`): both bodies follow the line in order.
    const two = !isCopy && second !== undefined;
    const line = isCopy
      ? `${kw} <<${dash}${quote}${delim}${quote} /etc/app.conf`
      : `${kw} <<${dash}${quote}${delim}${quote}${two ? ` <<${dash}OTHER` : ''}`;
    return {
      lines: [line, ...bodyLines(body.filter((l) => l.trim() !== delim), delim), ...(two ? bodyLines(second!.filter((l) => l.trim() !== 'OTHER'), 'OTHER') : [])],
      expect: {
        keyword: kw.toUpperCase(),
        heredocs: [bodyText(body.filter((l) => l.trim() !== delim)), ...(two ? [bodyText(second!.filter((l) => l.trim() !== 'OTHER'))] : [])],
      },
    };
  });
  const pairs = (k: 'ENV' | 'LABEL') => fc.tuple(keyword(k), fc.array(fc.tuple(k === 'LABEL' ? fc.constantFrom('org.opencontainers.image.title', 'maintainer', 'ünï', 'a-b') : name, valueToken(esc)), { minLength: 1, maxLength: 3 }))
    .map(([kw, ps]) => ({ lines: [`${kw} ${ps.map(([n, v]) => `${n}=${v}`).join(' ')}`], expect: { keyword: k, pairs: ps as [string, string | null][] } }));
  const legacyEnv = fc.tuple(keyword('ENV'), name, fc.array(chars(LOWER + DIGITS, 1, 5), { minLength: 1, maxLength: 3 }))
    .map(([kw, n, ws]) => ({ lines: [`${kw} ${n} ${ws.join(' ')}`], expect: { keyword: 'ENV', pairs: [[n, ws.join(' ')]] as [string, string | null][] } }));
  const arg = fc.tuple(keyword('ARG'), name, fc.option(valueToken(esc), { nil: undefined }))
    .map(([kw, n, v]) => ({ lines: [`${kw} ${n}${v === undefined ? '' : `=${v}`}`], expect: { keyword: 'ARG', pairs: [[n, v ?? null]] as [string, string | null][] } }));
  const copy = fc.tuple(
    fc.constantFrom('COPY', 'ADD', 'copy'),
    fc.subarray(['--chown=app:app', '--chmod=644', '--link'], { maxLength: 2 }),
    fc.option(fc.constantFrom(...stages, 'busybox'), { nil: undefined }),
    fc.array(chars(LOWER + DIGITS + '_.*-', 0, 6, LOWER), { minLength: 1, maxLength: 3 }),
    chars(LOWER, 1, 6).map((d) => `/${d}/`),
  ).map(([kw, flags, from, srcs, dest]) => {
    const f = [...flags, ...(from !== undefined && kw.toUpperCase() === 'COPY' ? [`--from=${from}`] : [])];
    return { lines: [`${kw} ${f.map((x) => x + ' ').join('')}${srcs.join(' ')} ${dest}`], expect: { keyword: kw.toUpperCase() } };
  });
  const copyJson = fc.tuple(keyword('COPY'), fc.array(jsonString.filter((s) => s.length > 0 && !s.includes('\\')), { minLength: 2, maxLength: 3 }))
    .map(([kw, argv]) => ({ lines: [`${kw} ${JSON.stringify(argv)}`], expect: { keyword: 'COPY' } }));
  const simple = fc.oneof(
    fc.tuple(keyword('WORKDIR'), chars(LOWER + DIGITS + '/_-', 0, 12).map((d) => `/${d}`)).map(([kw, p]) => ({ lines: [`${kw} ${p}`], expect: { keyword: 'WORKDIR', args: p } })),
    fc.tuple(keyword('USER'), fc.constantFrom('app', '1000:1000', 'root', 'ünï')).map(([kw, u]) => ({ lines: [`${kw} ${u}`], expect: { keyword: 'USER', args: u } })),
    fc.tuple(keyword('EXPOSE'), fc.array(fc.constantFrom('80', '443/tcp', '53/udp', '8080'), { minLength: 1, maxLength: 3 })).map(([kw, ps]) => ({ lines: [`${kw} ${ps.join(' ')}`], expect: { keyword: 'EXPOSE', args: ps.join(' ') } })),
    fc.constantFrom('SIGTERM', 'SIGQUIT', '9').map((s) => ({ lines: [`STOPSIGNAL ${s}`], expect: { keyword: 'STOPSIGNAL', args: s } })),
    fc.constantFrom('HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1', 'HEALTHCHECK NONE', 'healthcheck CMD ["true"]').map((l) => ({ lines: [l], expect: { keyword: 'HEALTHCHECK' } })),
    fc.constantFrom('ONBUILD RUN make', 'ONBUILD COPY . /src', 'onbuild ENV A=1').map((l) => ({ lines: [l], expect: { keyword: 'ONBUILD' } })),
    fc.tuple(keyword('CMD'), continued(esc)).map(([kw, c]) => ({ lines: [`${kw} ${c.lines[0]}`, ...c.lines.slice(1)], expect: { keyword: 'CMD', args: c.args, emptyContinuationLine: c.empty } })),
  );
  return fc.oneof(
    { weight: 4, arbitrary: runShell },
    { weight: 2, arbitrary: heredoc },
    { weight: 1, arbitrary: json('RUN') },
    { weight: 1, arbitrary: fc.oneof(json('CMD'), json('ENTRYPOINT'), json('SHELL')) },
    { weight: 2, arbitrary: fc.oneof(pairs('ENV'), pairs('LABEL'), legacyEnv, arg) },
    { weight: 2, arbitrary: fc.oneof(copy, copyJson) },
    { weight: 2, arbitrary: simple },
  );
}

/** Lines between instructions: comments, blank lines, blanks only. */
const trivia = fc.oneof(commentText.map((c) => `#${c}`), indent.map((i) => `${i}# ${'note'}`), fc.constantFrom('', '   ', '\t'));

/** A whole Dockerfile: BOM, directives, global ARGs, stages of instructions, trivia between. */
export const dockerfile: fc.Arbitrary<GeneratedDockerfile> = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  escape: fc.constantFrom('\\' as const, '`' as const),
  syntax: fc.boolean(),
  check: fc.boolean(),
  finalNewline: fc.boolean(),
  stageCount: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(),
}).chain((o) => {
  const stages = Array.from({ length: o.stageCount }, (_, i) => `s${i}`);
  const blocks = (s: number) => fc.array(fc.oneof(
    { weight: 3, arbitrary: instruction(o.escape, o.eol, stages.slice(0, s)) },
    { weight: 1, arbitrary: trivia.map((t) => ({ lines: [t] }) as Block) },
  ), { maxLength: 8 });
  return fc.tuple(
    fc.array(fc.tuple(name, fc.option(chars(LOWER + DIGITS + '.:-', 1, 8), { nil: undefined })), { maxLength: 2 }),
    fc.tuple(...stages.map((_, i) => fc.tuple(indent, keyword('FROM'), fc.constantFrom('debian:bookworm', 'alpine', '${BASE:-alpine}', 'scratch'), fc.boolean(), blocks(i)))),
  ).map(([globals, stageParts]) => {
    const lines: string[] = [];
    const expected: Expected[] = [];
    if (o.syntax) lines.push('# syntax=docker/dockerfile:1');
    if (o.escape === '`') lines.push('# escape=`');
    if (o.check) lines.push('#check=skip=JSONArgsRecommended');
    const add = (b: Block) => {
      if (b.expect) expected.push({ ...b.expect, line: lines.length + 1 });
      lines.push(...b.lines);
    };
    for (const [n, v] of globals) add({ lines: [`ARG ${n}${v ? `=${v}` : ''}`], expect: { keyword: 'ARG', pairs: [[n, v ?? null]] } });
    stageParts.forEach(([ind, kw, base, named, body], i) => {
      add({ lines: [`${ind}${kw} ${base}${named ? ` AS ${stages[i]}` : ''}`], expect: { keyword: 'FROM' } });
      body.forEach(add);
    });
    let text = lines.join(o.eol);
    if (o.finalNewline) text += o.eol;
    return { text: (o.bom ? '\uFEFF' : '') + text, escape: o.escape, eol: o.eol, expected };
  });
});
