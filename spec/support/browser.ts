/**
 * Test support: a real headless Chromium (Debian's `chromium`, or the one in
 * GRIDLINK_CHROMIUM) driven by playwright-core, which never downloads a
 * browser of its own; and screenshots of the pages under test, saved to
 * GRIDLINK_SCREENSHOTS or spec/.screenshots/ (git-ignored). The launcher is
 * the benchmark's (tools/bench/dashboard/chromium.ts), so both drive the same
 * browser the same way.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { VIEWPORT } from '../../tools/bench/dashboard/chromium.js';
import { repoRoot } from './processes.js';

export { CHROMIUM_FLAGS, chromiumMissing, chromiumPath, launchChromium, VIEWPORT } from '../../tools/bench/dashboard/chromium.js';

/** A fresh context (own cookies and cache) at 1280x720, and its first page. */
export async function newDashboardPage(browser: Browser, baseURL?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, ...(baseURL === undefined ? {} : { baseURL }) });
  const page = await context.newPage();
  return { context, page };
}

/** The folder screenshots go to (created): GRIDLINK_SCREENSHOTS or spec/.screenshots/. */
export function screenshotDir(): string {
  const dir = resolve(process.env.GRIDLINK_SCREENSHOTS ?? join(repoRoot, 'spec', '.screenshots'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves what the page shows (the viewport, as a user at 1280x720 sees it) as <name>.png; returns the file. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = join(screenshotDir(), `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}
