/**
 * Test support: a real headless Chromium (Debian's `chromium`, or the one in
 * GRIDLINK_CHROMIUM) driven by playwright-core, which never downloads a
 * browser of its own; and screenshots of the pages under test, saved to
 * GRIDLINK_SCREENSHOTS or spec/.screenshots/ (git-ignored).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './processes.js';

/** Where the browser is: GRIDLINK_CHROMIUM, else Debian's package. */
export function chromiumPath(): string {
  return process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
}

/** The flags of issue 9: headless, no sandbox (containers), no GPU, no calls home. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] as const;

/** The size the dashboard must be usable at. */
export const VIEWPORT = { width: 1280, height: 720 } as const;

/** Why Chromium cannot be started here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return (
      `no Chromium at ${path}${process.env.GRIDLINK_CHROMIUM === undefined ? '' : ' (from GRIDLINK_CHROMIUM)'}: ` +
      'install Debian\'s package (tools/setup/debian-packages.sh, "apt-get install chromium") or set GRIDLINK_CHROMIUM to a Chromium executable'
    );
  }
}

/** Starts headless Chromium; fails with a clear message when the executable is missing. */
export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing !== undefined) throw new Error(missing);
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_FLAGS] });
}

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
