import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeRun, checkShellSyntax, topLevelStatements } from '../../../src/shell/index.js';

/** Scripts in the shapes RUN lines take; mvdan/sh parses each of them. */
const VALID = [
  'apt-get update && apt-get install -y --no-install-recommends a b c && rm -rf /var/lib/apt/lists/*',
  'set -eux; CU_MAJOR="${CUDA_VERSION%%.*}"; echo "cuda${CU_MAJOR}" > /x && sleep 2',
  '(cd /src && make -j"$(nproc)") || { echo failed >&2; exit 1; }',
  'if [ -f a ]; then sleep 1; else sleep 2; fi; for p in a b; do pip install "$p"; done',
  'case "$(uname -m)" in x86_64) A=amd64;; aarch64) A=arm64;; esac && curl -fsSL "https://x/${A}" | tar xz',
  "bash -c 'sleep 1 && echo \"q\"' ; f() { echo f; }\nf\n",
  'cat <<EOF > /etc/x\nline $HOME\nEOF\necho after # a comment',
  'echo `date` $((1 + 2)) ${X:-$(id -u)} && diff <(sort a) <(sort b)',
];

const INVALID = ['echo "open', "echo 'open", 'echo $(date', 'x=${unclosed'];

test('mvdan/sh accepts the valid scripts and rejects the broken ones, and so does the lexer', async () => {
  for (const s of VALID) {
    assert.equal(await checkShellSyntax(s, { variant: 'bash' }), null, s);
    assert.equal(analyzeRun(s).error, null, s);
  }
  for (const s of INVALID) {
    assert.notEqual(await checkShellSyntax(s, { variant: 'bash' }), null, s);
    assert.notEqual(analyzeRun(s).error, null, s);
  }
});

test('each command found lies inside one of mvdan/sh top-level statements, and each statement holds a command', async () => {
  for (const s of VALID) {
    const statements = await topLevelStatements(s, { variant: 'bash' });
    const a = analyzeRun(s);
    for (const c of a.commands) {
      const inside = statements.filter((st) => st.start <= c.range.start && c.range.end <= st.end);
      assert.equal(inside.length, 1, `${s}: ${s.slice(c.range.start, c.range.end)}`);
    }
    for (const st of statements) {
      const text = s.slice(st.start, st.end);
      const holds = a.commands.some((c) => st.start <= c.range.start && c.range.end <= st.end);
      // An assignment alone (`A=1`) or a function definition runs no command of its own.
      assert.ok(holds || /^[A-Za-z_]\w*=\S*$/.test(text) || /^\w+\(\)/.test(text), `${s}: ${text}`);
    }
  }
});

test('a syntax error from mvdan/sh carries its message and place', async () => {
  const e = await checkShellSyntax('sleep 1 && if true; then');
  assert.equal(e?.message, '"then" must be followed by a statement list');
  assert.deepEqual(e && [e.line, e.column, e.offset], [1, 21, 20]);
});
