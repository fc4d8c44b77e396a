/**
 * `bench --format html` on the real engine, opened in headless Chromium: a two-stage context
 * (sleeps of 1 s) benched once per figure; the page draws the stage graph, the median run's
 * timeline (measured bars) beside the predicted one for the cold build, the no-op and a touch,
 * with the figures the JSON of the same kind of run has, and loads nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, open, requireBrowser, screenshot, useBrowser } from '../browser/chromium.js';
import { projectRoot } from '../helpers.js';
import { BASE_IMAGE, makeContext, engineTest } from './build-helpers.js';

const main = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

const DOCKERFILE = `FROM ${BASE_IMAGE} AS tools
RUN sleep 1 && echo tools > /tools
FROM ${BASE_IMAGE}
RUN sleep 1 && echo base > /base
COPY --from=tools /tools /tools
COPY app.txt /app/app.txt
RUN sleep 1 && cat /app/app.txt > /out
`;

useBrowser();

engineTest('bench --format html draws the measured and predicted timelines of each figure and renders in chromium', async (t, engine, name) => {
  const b = requireBrowser(t);
  if (!b) return;
  const ctx = makeContext(t, engine, { Dockerfile: DOCKERFILE, 'app.txt': `v1 ${process.pid} ${Date.now()}\n` });
  const out = path.join(ctx.dir, 'bench.html');
  const r = spawnSync(process.execPath, [main, 'bench', ctx.dir, '--runs', '1', '--change', 'touch:app.txt', '--engine', name, '--format', 'html', '--output', out], {
    env: { ...process.env, ...engine.env }, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  copyFileSync(out, path.join(ARTIFACTS, `bench-${name}.html`));
  const { page, problems } = await open(b, out);
  try {
    assert.deepEqual(problems, []);
    assert.equal(await page.locator('#graph svg.dag g.node').count(), 2);
    assert.equal(await page.locator('#summary tr').count(), 4, 'a header and cold, no-op, touch:app.txt');
    // Each chart's bars by figure (the h3) and row (measured or predicted), as the page shows them.
    const charts = await page.locator('#timeline').evaluate((root) => {
      const out: Record<string, number[]> = {};
      let figure = '';
      for (const el of Array.from(root.children)) {
        if (el.tagName === 'H3') figure = el.textContent ?? '';
        if (!el.classList.contains('gantt-row')) continue;
        const row = (el.querySelector('h4')?.firstChild?.textContent ?? '').trim().split(' ')[0];
        out[`${figure} ${row}`] = Array.from(el.querySelectorAll('g.bar')).map((g) => Number(g.getAttribute('data-line'))).sort((x, y) => x - y);
      }
      return out;
    });
    const bases = await page.locator('#timeline g.bar').evaluateAll((els) => [...new Set(els.map((e) => `${e.closest('.gantt-row')!.querySelector('h4')!.textContent!.split(' ')[0]} ${e.getAttribute('data-basis')}`))].sort());
    assert.deepEqual(bases, ['measured measured', 'predicted predicted'], 'measured rows hold measured bars, predicted rows predicted ones');
    // The RUNs (1 s each): a COPY of a few bytes can take less than the engine's clock shows, and a FROM is sometimes a vertex of its own.
    const work = (lines: number[] | undefined) => (lines ?? []).filter((l) => [2, 4, 7].includes(l));
    const at = JSON.stringify(charts);
    // Cold: every RUN ran and was predicted to; the no-op ran none; the touch re-ran the RUN after the COPY of app.txt.
    assert.deepEqual(work(charts['cold build measured']), [2, 4, 7], at);
    assert.deepEqual(work(charts['cold build predicted']), [2, 4, 7], at);
    assert.deepEqual(work(charts['no-op rebuild measured']), [], at);
    assert.deepEqual(work(charts['no-op rebuild predicted']), [], at);
    assert.deepEqual(work(charts['touch:app.txt measured']), [7], at);
    assert.deepEqual(work(charts['touch:app.txt predicted']), [7], at);
    await screenshot(page, `bench-${name}`);
  } finally {
    await page.close();
  }
});
