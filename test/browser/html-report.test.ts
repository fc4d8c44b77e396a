/**
 * The HTML report in a real browser: Debian's chromium, headless, driven by playwright-core.
 * Each page is written by the CLI as a user would run it, opened from its file, checked for
 * console errors, requests (none but the file: the page is self-contained), the stage graph,
 * the timelines and the findings, and kept with a screenshot under test-artifacts/ (git-ignored).
 * Without chromium the tests are skipped (see chromium.ts), except in CI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, open, requireBrowser, screenshot, useBrowser } from './chromium.js';
import { HOSTILE, writeBigContext } from '../big-dockerfile.js';
import { projectRoot, tempDir } from '../helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
const example = path.join(projectRoot, 'examples', 'ml-serving');
const exampleFile = path.join(example, 'docker', 'Dockerfile');

useBrowser();

/**
 * The README's HTML report commands, as argv after `layerwise`, each with the file it writes
 * (its --output) and its arguments without --format and --output.
 */
function readmeCommands(): { argv: string[]; output: string; args: string[] }[] {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## HTML report'), readme.indexOf('## Engine tests'));
  const sh = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return sh.split('\n').filter((l) => l.startsWith('layerwise ')).map((l) => {
    const argv = l.trim().split(/\s+/).slice(1);
    const o = argv.indexOf('--output');
    const f = argv.indexOf('--format');
    assert.ok(o > 0 && f > 0 && argv[f + 1] === 'html', l);
    return { argv, output: argv[o + 1]!, args: argv.filter((_, i) => i !== o && i !== o + 1 && i !== f && i !== f + 1) };
  });
}

/**
 * Runs a README command as written, in a fresh folder that has the project's examples/ (so the
 * relative paths read as they do from a clone), and keeps its page under test-artifacts/NAME.html.
 */
function readmeReport(name: string, cmd: { argv: string[]; output: string }): string {
  const dir = tempDir('layerwise-html-readme-');
  symlinkSync(path.join(projectRoot, 'examples'), path.join(dir, 'examples'));
  const r = spawnSync(process.execPath, [main, ...cmd.argv], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stdout, '', 'the report goes to --output');
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.html`);
  copyFileSync(path.join(dir, cmd.output), file);
  return file;
}

/** Runs the CLI and keeps its page under test-artifacts/NAME.html. */
function report(name: string, args: string[]): string {
  const r = spawnSync(process.execPath, [main, ...args, '--format', 'html'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, r.stdout);
  return file;
}

function json(args: string[]): { findings: unknown[] } {
  const r = spawnSync(process.execPath, [main, ...args, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(r.stdout) as { findings: unknown[] };
}

function stageCount(args: string[]): number {
  const r = spawnSync(process.execPath, [main, 'graph', ...args, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return (JSON.parse(r.stdout) as { stages: unknown[] }).stages.length;
}

test('the README\'s analyze --format html of the bundled example renders in chromium: one node per stage, bars before and after fix, every finding, the diff', async (t) => {
  const b = requireBrowser(t);
  if (!b) return;
  const cmd = readmeCommands().find((c) => c.argv[0] === 'analyze')!;
  const args = cmd.args.map((a) => (a.startsWith('examples/') ? path.join(projectRoot, a) : a));
  const { page, problems } = await open(b, readmeReport('analyze-ml-serving', cmd));
  try {
    assert.deepEqual(problems, []);
    assert.equal(await page.locator('#graph svg.dag g.node').count(), stageCount([example, '-f', exampleFile]));
    assert.equal(await page.locator('#timeline svg.gantt').count(), 4, 'cold and source edit, before and after');
    const bars = page.locator('#timeline g.bar');
    assert.ok((await bars.count()) > 10);
    const bases = new Set(await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-basis'))));
    assert.deepEqual([...bases], ['predicted'], 'no profile: every step is estimated');
    // A bar is drawn where the schedule puts it: wide enough to see.
    const box = await bars.first().locator('rect').boundingBox();
    assert.ok(box && box.width > 2 && box.height > 5, JSON.stringify(box));
    assert.equal(await page.locator('#findings li.finding').count(), json(args).findings.length);
    assert.ok((await page.locator('#findings pre.frame mark').count()) > 0, 'code frames mark the range');
    assert.ok((await page.locator('#diff .d.add').count()) > 0);
    // The page's script runs (its hash is in the CSP): clicking a stage lights up its bars.
    await page.locator('#graph g.node').last().click();
    assert.ok((await page.locator('#timeline g.bar.hl').count()) > 0);
    assert.equal(await page.evaluate(() => document.body.classList.contains('dim')), true);
    await page.locator('#graph g.node').last().click();
    assert.deepEqual(problems, []);
    await screenshot(page, 'analyze-ml-serving');
  } finally {
    await page.close();
  }
});

test('the README\'s fix --format html of the bundled example renders: the graphs before and after, timelines, the diff', async (t) => {
  const b = requireBrowser(t);
  if (!b) return;
  const cmd = readmeCommands().find((c) => c.argv[0] === 'fix')!;
  const { page, problems } = await open(b, readmeReport('fix-ml-serving', cmd));
  try {
    assert.deepEqual(problems, []);
    assert.equal(await page.locator('#graph svg.dag').count(), 2);
    assert.equal(await page.locator('#graph svg.dag').first().locator('g.node').count(), stageCount([example, '-f', exampleFile]));
    assert.ok((await page.locator('#timeline g.bar').count()) > 10);
    assert.ok((await page.locator('#diff .d.add').count()) > 0);
    await screenshot(page, 'fix-ml-serving');
  } finally {
    await page.close();
  }
});

test('a 600-line Dockerfile with markup in a comment, an ARG, a LABEL and a RUN renders as text, with no injected element or script', async (t) => {
  const b = requireBrowser(t);
  if (!b) return;
  const dir = tempDir('layerwise-html-big-');
  const big = writeBigContext(dir);
  assert.ok(big.lines >= 600, `${big.lines} lines`);
  const args = ['analyze', dir];
  const { page, problems } = await open(b, report('analyze-600-lines', args));
  try {
    assert.deepEqual(problems, []);
    assert.equal(await page.locator('#graph svg.dag g.node').count(), big.stages);
    assert.equal(big.stages, stageCount([dir]));
    assert.ok((await page.locator('#timeline g.bar').count()) > big.stages);
    assert.equal(await page.locator('#findings li.finding').count(), json(args).findings.length);
    assert.ok((await page.locator('#findings li.finding').count()) > 20);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('script').count(), 1);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // The hostile text is on the page, as text (in a code frame and in a bar's title).
    assert.ok((await page.locator('#findings pre.frame').allTextContents()).some((s) => s.includes(HOSTILE)));
    assert.ok((await page.locator('#timeline g.bar title').allTextContents()).some((s) => s.includes(HOSTILE.replace(/'/g, '"'))));
    await screenshot(page, 'analyze-600-lines');
  } finally {
    await page.close();
  }
});
