/**
 * Headless Chromium for the HTML report's tests: Debian's chromium driven by playwright-core
 * (which downloads no browser of its own). Without it a test is skipped with the reason, except
 * in CI (CI=true), where it fails: .ci/run installs it, so a missing browser is a broken run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, type TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../helpers.js';

export const CHROMIUM = process.env['LAYERWISE_CHROMIUM'] ?? '/usr/bin/chromium';
/** Pages and screenshots the tests keep (git-ignored). */
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');

let browser: Browser | undefined;

/** Starts the browser before the file's tests and closes it after them. */
export function useBrowser(): void {
  before(async () => {
    if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });
}

export function requireBrowser(t: TestContext): Browser | undefined {
  if (browser) return browser;
  if (process.env['CI'] === 'true') assert.fail(`no chromium at ${CHROMIUM} in CI (.ci/run installs Debian's chromium)`);
  t.skip(`no chromium at ${CHROMIUM} (apt-get install chromium, or set LAYERWISE_CHROMIUM)`);
  return undefined;
}

/** Opens the page and returns what went wrong on the way: console errors, page errors, requests other than the file. */
export async function open(b: Browser, file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/** The whole page, or its first 4,000 pixels when it is longer (a full shot of a very long page takes minutes). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true, timeout: 120_000, ...(height > 4000 ? { clip: { x: 0, y: 0, width: 1280, height: 4000 } } : {}) });
}
