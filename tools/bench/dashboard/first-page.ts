/**
 * Row (a) of bench:dashboard: "first page usable", from navigation start to
 * the modules page's table rendered with data. A script installed before any
 * of the page's own (addInitScript) watches the document; when the first
 * module row (data-test="module-row") is there it sets the performance mark
 * 'modules-table-rendered' in the next animation frame, i.e. when the browser
 * is about to paint it. The mark's time is from navigation start (the
 * performance timeline's origin).
 *
 * Cold: a new browser context (empty cache, the session cookie set). Warm:
 * a second page of the same context opening the same address (cache filled
 * by the first). The peer is a static page of the same size: one HTML file
 * with the same number of rows, padded to the bytes the dashboard's first
 * load decoded (document, scripts, styles, JSON), served by
 * `python3 -m http.server`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

const MARK = 'modules-table-rendered';

export const WATCH_FIRST_ROW = `(() => {
  const seen = () => document.querySelector('[data-test="module-row"]') !== null;
  const rendered = () => requestAnimationFrame(() => performance.mark('${MARK}'));
  if (seen()) return rendered();
  const observer = new MutationObserver(() => {
    if (!seen()) return;
    observer.disconnect();
    rendered();
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

export interface FirstPageLoad {
  /** Navigation start to the table's first paint, ms. */
  usableMs: number;
  /** Module rows shown. */
  rows: number;
  /** Bytes decoded by this load (document and every resource but the live socket). */
  decodedBytes: number;
  /** Bytes that crossed the wire (0 for what came from the cache). */
  transferBytes: number;
  /** Requests asked before the table was drawn: the document and every resource (the live socket has no entry). */
  requests: number;
  /** Of those, the ones that reached the server (transferSize > 0: fetched or revalidated, not from the cache). */
  serverRequests: number;
}

/** Opens `url` in a new page of `context` and waits for the mark; the page is closed after. */
export async function loadFirstPage(context: BrowserContext, url: string, timeoutMs = 20_000): Promise<FirstPageLoad> {
  const page = await context.newPage();
  try {
    await page.addInitScript({ content: WATCH_FIRST_ROW });
    await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
    // Functions, not strings: the dashboard's Content-Security-Policy forbids eval in the page.
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MARK, { timeout: timeoutMs, polling: 50 });
    const timing = await page.evaluate((mark) => {
      // The browser's own /favicon.ico (asked once per browser, by ours and the peer alike) is not the page's.
      const entries = performance.getEntries().filter((entry) => ['navigation', 'resource'].includes(String(entry.entryType)) && !entry.name.endsWith('/favicon.ico')) as unknown as { startTime: number; decodedBodySize?: number; transferSize?: number }[];
      const usableMs = performance.getEntriesByName(mark)[0]!.startTime;
      // Requests counted are those asked before the table was drawn: what the first page needed.
      const needed = entries.filter((entry) => entry.startTime <= usableMs);
      return {
        usableMs,
        decodedBytes: entries.reduce((sum, entry) => sum + (entry.decodedBodySize ?? 0), 0),
        transferBytes: entries.reduce((sum, entry) => sum + (entry.transferSize ?? 0), 0),
        requests: needed.length,
        serverRequests: needed.filter((entry) => (entry.transferSize ?? 0) > 0).length,
      };
    }, MARK);
    return { ...timing, rows: await page.locator('[data-test="module-row"]').count() };
  } finally {
    await page.close();
  }
}

/** A cold load, then a warm one, in one fresh context with `cookies`. */
export async function coldAndWarm(
  newContext: () => Promise<BrowserContext>,
  url: string,
): Promise<{ cold: FirstPageLoad; warm: FirstPageLoad }> {
  const context = await newContext();
  try {
    const cold = await loadFirstPage(context, url);
    const warm = await loadFirstPage(context, url);
    return { cold, warm };
  } finally {
    await context.close();
  }
}

/**
 * Writes the peer's static page into `dir` (index.html): a table of `rows`
 * module rows like the dashboard's, padded with a comment to `bytes` in all.
 */
export function writeStaticPage(dir: string, rows: number, bytes: number): string {
  mkdirSync(dir, { recursive: true });
  const body = Array.from(
    { length: rows },
    (_, i) => `<tr data-test="module-row" data-name="module-${i}" data-state="running"><td>module-${i}</td><td>host</td><td>${1000 + i}</td><td>running</td><td>role-${i}</td></tr>`,
  ).join('\n');
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Modules</title>
<style>body{font-family:system-ui,sans-serif;margin:0;display:flex}nav{width:200px;height:100vh;background:#1b2733;color:#fff}main{flex:1;padding:16px}table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:4px 8px}</style></head>
<body><nav>Gridlink</nav><main><h1>Modules</h1><table><tbody>
${body}
</tbody></table></main>`;
  const tail = '</body></html>\n';
  const padding = Math.max(0, bytes - Buffer.byteLength(head) - Buffer.byteLength(tail) - 9);
  const html = `${head}<!-- ${'x'.repeat(padding)} -->${tail}`;
  const file = join(dir, 'index.html');
  writeFileSync(file, html);
  return file;
}
