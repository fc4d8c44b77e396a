import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/parse.js';
import type { RunInstruction } from '../../../src/dockerfile/model.js';
import { analyzeExec, analyzeRun, analyzeRunInstruction, type RunAnalysis } from '../../../src/shell/index.js';

/** Each command as `name arg arg`, values after quote removal. */
const commands = (a: RunAnalysis) => a.commands.map((c) => [c.name.value, ...c.args.map((w) => w.value)].join(' '));
const run = (script: string) => commands(analyzeRun(script));
/** The script text each command's range covers. */
const slices = (a: RunAnalysis) => a.commands.map((c) => a.script.slice(c.range.start, c.range.end));

const runOf = (dockerfile: string): RunInstruction => {
  const inst = parseDockerfile(dockerfile, 'Dockerfile').instructions.find((i) => i.keyword === 'RUN');
  return inst as RunInstruction;
};

test('lists and pipelines split into their simple commands', () => {
  assert.deepEqual(run('a 1 && b 2 || c; d | e |& f & g'), ['a 1', 'b 2', 'c', 'd', 'e', 'f', 'g']);
});

test('subshells, groups and newlines separate commands', () => {
  assert.deepEqual(run('(cd /src && make -j4) ; { echo a; echo b; }\nsleep 1'), ['cd /src', 'make -j4', 'echo a', 'echo b', 'sleep 1']);
});

test('if, while, until, for and case contribute their inner commands, not their keywords', () => {
  assert.deepEqual(run('if test -f a; then sleep 1; elif true; then :; else sleep 2; fi'), ['test -f a', 'sleep 1', 'true', ':', 'sleep 2']);
  assert.deepEqual(run('while read l; do echo "$l"; done < f; until false; do break; done'), ['read l', 'echo $l', 'false', 'break']);
  assert.deepEqual(run('for p in a b "c d"; do pip install "$p"; done'), ['pip install $p']);
  assert.deepEqual(run('for ((i=0; i<3; i++)); do echo $i; done'), ['echo $i']);
  assert.deepEqual(run('case "$ARCH" in amd64|x86_64) make a;; (arm64) make b ;; *) exit 1;; esac; echo done'), ['make a', 'make b', 'exit 1', 'echo done']);
});

test('a function definition is not a command; its body is', () => {
  assert.deepEqual(run('f() { sleep 1; }; function g { echo g; }; f'), ['sleep 1', 'echo g', 'f']);
});

test('environment assignments before a command are set apart, and an assignment alone is no command', () => {
  const a = analyzeRun('CU_MAJOR="${CUDA_VERSION%%.*}" && A=1 B=2 make all && X=$(nproc)');
  assert.deepEqual(commands(a), ['make all', 'nproc']);
  assert.deepEqual(a.commands[0].assignments.map((w) => w.raw), ['A=1', 'B=2']);
});

test('redirections and their targets are not arguments', () => {
  const a = analyzeRun('echo hi > /tmp/x 2>&1 && cat < in >> out');
  assert.deepEqual(commands(a), ['echo hi', 'cat']);
  assert.deepEqual(a.commands[0].redirects.map((r) => `${r.fd ?? ''}${r.op}${r.target?.value}`), ['>/tmp/x', '2>&1']);
  assert.deepEqual(a.commands[1].redirects.map((r) => `${r.op}${r.target?.value}`), ['<in', '>>out']);
});

test('quotes and escapes are removed from values, and words with expansions are not literal', () => {
  const a = analyzeRun(`echo 'a b' "c $HOME" d\\ e $'f' *.txt`);
  assert.deepEqual(a.commands[0].args.map((w) => w.value), ['a b', 'c $HOME', 'd e', 'f', '*.txt']);
  assert.deepEqual(a.commands[0].args.map((w) => w.literal), [true, false, true, true, false]);
});

test('commands in $(...), backticks and <(...) are found, before the command that uses them', () => {
  assert.deepEqual(run('pip install $(cat reqs | grep -v "#") `curl -s http://x/y` && diff <(sort a) b'), [
    'cat reqs', 'grep -v #', 'curl -s http://x/y', 'pip install $(cat reqs | grep -v "#") `curl -s http://x/y`', 'sort a', 'diff <(sort a) b',
  ]);
});

test('[[ ... ]] keeps its && and || inside one command', () => {
  assert.deepEqual(run('[[ -f a && ( -f b || -f c ) ]] && sleep 1'), ['[[ -f a -f b -f c ]]', 'sleep 1']);
});

test('comments end at the line and a # inside a word is not one', () => {
  assert.deepEqual(run('echo a#b # sleep 9\nsleep 1'), ['echo a#b', 'sleep 1']);
});

test('every command has a range that slices its own text out of the script', () => {
  const a = analyzeRun('mkdir -p /opt/sys   && echo "x y" > /opt/f && sleep 3');
  assert.deepEqual(slices(a), ['mkdir -p /opt/sys', 'echo "x y" > /opt/f', 'sleep 3']);
  assert.deepEqual(a.commands[2].args[0].range, { start: a.script.indexOf('3'), end: a.script.indexOf('3') + 1 });
});

test('the script of sh -c is analysed, its ranges mapped into the outer script', () => {
  const a = analyzeRun(`bash -euxo pipefail -c 'apt-get update && sleep 2' && sh -c "echo \\"q\\"; make"`);
  assert.deepEqual(commands(a), ['bash -euxo pipefail -c apt-get update && sleep 2', 'apt-get update', 'sleep 2', 'sh -c echo "q"; make', 'echo q', 'make']);
  assert.deepEqual(slices(a).slice(1, 3), ['apt-get update', 'sleep 2']);
  assert.equal(slices(a)[5], 'make');
});

test('a here-document is data, unless a shell reads it as its script', () => {
  const a = analyzeRun('cat <<EOF > /etc/x\napt-get install -y nope\nEOF\nbash <<-"S"\n\tsleep 2\n\tS\necho after');
  assert.deepEqual(commands(a), ['cat', 'bash', 'sleep 2', 'echo after']);
  assert.equal(slices(a)[2], 'sleep 2');
  assert.equal(a.commands[0].redirects[0].heredoc && a.script.slice(a.commands[0].redirects[0].heredoc.start, a.commands[0].redirects[0].heredoc.end), 'apt-get install -y nope\n');
});

test('a script with an unterminated quote is read leniently and says where it broke', () => {
  const a = analyzeRun('sleep 1 && echo "oops && sleep 4');
  assert.deepEqual(a.error, { message: 'unterminated "', offset: 16 });
  assert.deepEqual(commands(a), ['sleep 1', 'echo oops && sleep 4']);
  assert.equal(analyzeRun('sleep 1 && echo "fine"').error, null);
});

test('a RUN line is analysed as BuildKit joins it, continuations removed', () => {
  const a = analyzeRunInstruction(runOf('FROM bb\nRUN apt-get update \\\n    && apt-get install -y a \\\n       b\n'));
  assert.deepEqual(commands(a), ['apt-get update', 'apt-get install -y a b']);
});

test('a RUN that is one here-document runs its body; with other words, the bodies follow the line', () => {
  assert.deepEqual(commands(analyzeRunInstruction(runOf('FROM bb\nRUN <<EOF\nset -e\nsleep 2\nEOF\n'))), ['set -e', 'sleep 2']);
  const both = analyzeRunInstruction(runOf('FROM bb\nRUN sh <<A && cat <<B\nsleep 1\nA\nsleep 9\nB\n'));
  assert.deepEqual(commands(both), ['sh', 'sleep 1', 'cat']);
});

test('a here-document with a #! line for another interpreter is one opaque command', () => {
  assert.deepEqual(commands(analyzeRunInstruction(runOf('FROM bb\nRUN <<EOF\n#!/usr/bin/env python3\nimport time\nEOF\n'))), ['python3 <<EOF']);
  assert.deepEqual(commands(analyzeRunInstruction(runOf('FROM bb\nRUN <<EOF\n#!/bin/bash\nsleep 1\nEOF\n'))), ['sleep 1']);
});

test('the exec form is one command with its argv, and sh -c in it is followed', () => {
  assert.deepEqual(commands(analyzeExec(['sleep', '4'])), ['sleep 4']);
  const a = analyzeRunInstruction(runOf('FROM bb\nRUN ["/bin/sh", "-c", "make && sleep 1"]\n'));
  assert.deepEqual(commands(a), ['/bin/sh -c make && sleep 1', 'make', 'sleep 1']);
  assert.deepEqual(slices(a).slice(1), ['make', 'sleep 1']);
});
