/**
 * Headless Chromium for the dashboard's benchmark and end-to-end tests:
 * Debian's `chromium` (or GRIDLINK_CHROMIUM) driven by playwright-core, which
 * never downloads a browser of its own, with the flags of issue 9.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where the browser is: GRIDLINK_CHROMIUM, else Debian's package. */
export function chromiumPath(): string {
  return process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
}

/** Headless, no sandbox (containers), no GPU, no calls home. */
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
