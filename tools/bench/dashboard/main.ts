/**
 * `npm run bench:dashboard`: the dashboard in real headless Chromium on
 * loopback. (a) First page usable: navigation start to the modules page's
 * table drawn with data, cold and warm cache, beside a static page of the
 * same size served by `python3 -m http.server`. (b) Month chart: from the
 * chart request to drawn, for a month of 1 Hz data (2,592,000 entries stored
 * with AddEntries; --quick: one day), beside the naive way (the raw entries
 * fetched as JSON pages and drawn by the same uPlot). Debian's
 * victoria-metrics has no web UI (/vmui answers 404: the package leaves it
 * out), so vmui cannot be the peer. See docs/BENCHMARKS.md ("bench:dashboard").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { canConnect, defineBenchmark, findExecutable, freeLoopbackPort, median, runBenchmarkCli, startProgram, type ProgramProcess, type RowSpec } from '../harness.js';
import { VIEWPORT } from './chromium.js';
import { coldAndWarm, writeStaticPage, type FirstPageLoad } from './first-page.js';
import { startNaiveChartServer } from './naive-chart.js';
import { DownsampledReply, EntriesReply, GetDownsampled, GetEntriesOfTimeSpan } from '../../../schemas/generated/messages.js';
import { CHART_POINT, closeStage, stage, type Stage } from './stage.js';

// The bench's own bus peer says only what goes wrong (its joins and leaves would drown the progress lines).
process.env.GRIDLINK_LOG ??= 'warn';
const quick = process.argv.includes('--quick');
/** Loads (cold + warm pairs) and chart draws per measurement; the medians are reported. */
const REPEATS = quick ? 2 : 5;
const entriesText = quick ? '86,400 entries (a day of 1 Hz data; --quick)' : '2,592,000 entries (a month of 1 Hz data)';

type Row = 'firstCold' | 'firstWarm' | 'firstBytes' | 'firstRequests' | 'firstWarmRequests' | 'chart' | 'chartFetch' | 'chartDraw' | 'chartStorage';

const rows: Record<Row, RowSpec> = {
  firstCold: { metric: 'first page usable, cold cache: navigation start → modules table drawn', unit: 'ms', better: 'lower', goal: 1000, goalText: '≤ 1 s' },
  firstWarm: { metric: 'first page usable, warm cache', unit: 'ms', better: 'lower', goal: 1000, goalText: '≤ 1 s' },
  firstBytes: { metric: 'first page: bytes decoded (document, scripts, styles, JSON)', unit: 'KiB', better: 'lower' },
  firstRequests: { metric: 'first page: requests until usable, cold cache (document, scripts, styles, API calls)', unit: 'requests', better: 'lower' },
  firstWarmRequests: { metric: 'first page: requests until usable that reach the server, warm cache (fetched or revalidated)', unit: 'requests', better: 'lower' },
  chart: { metric: `chart of ${entriesText}: request → drawn`, unit: 'ms', better: 'lower', goal: 300, goalText: '≤ 300 ms' },
  chartFetch: { metric: 'chart: request → data in the page', unit: 'ms', better: 'lower' },
  chartDraw: { metric: 'chart: data in the page → drawn', unit: 'ms', better: 'lower' },
  chartStorage: { metric: "chart: of the fetch, storage's answer alone (GetDownsampled / GetEntriesOfTimeSpan pages over the bus)", unit: 'ms', better: 'lower' },
};

/** What ours measured of the first load, for the static peer's size and rows. */
let oursFirstLoad: FirstPageLoad | undefined;

async function contextOf(s: Stage, withSession: boolean): Promise<BrowserContext> {
  const context = await s.browser.newContext({ viewport: VIEWPORT });
  if (withSession) await context.addCookies([{ name: 'gridlink_session', value: s.sessionCookie, url: s.baseUrl, httpOnly: true, sameSite: 'Strict' }]);
  return context;
}

function firstPageFigures(loads: { cold: FirstPageLoad; warm: FirstPageLoad }[]): Partial<Record<Row, number>> {
  return {
    firstCold: median(loads.map((load) => load.cold.usableMs)),
    firstWarm: median(loads.map((load) => load.warm.usableMs)),
    firstBytes: median(loads.map((load) => load.cold.decodedBytes)) / 1024,
    firstRequests: median(loads.map((load) => load.cold.requests)),
    firstWarmRequests: median(loads.map((load) => load.warm.serverRequests)),
  };
}

/** The last 'chart-request' → 'chart-drawn' (and 'chart-data') of the page, once drawn. */
async function chartMarks(page: Page, timeoutMs: number): Promise<Partial<Record<Row, number>>> {
  // Functions, not strings: the dashboard's Content-Security-Policy forbids eval in the page.
  await page.waitForFunction(
    () => {
      const request = performance.getEntriesByName('chart-request').at(-1);
      const drawn = performance.getEntriesByName('chart-drawn').at(-1);
      return request !== undefined && drawn !== undefined && drawn.startTime > request.startTime;
    },
    undefined,
    { timeout: timeoutMs, polling: 50 },
  );
  const marks = await page.evaluate(() => ({
    request: performance.getEntriesByName('chart-request').at(-1)!.startTime,
    data: performance.getEntriesByName('chart-data').at(-1)?.startTime ?? Number.NaN,
    drawn: performance.getEntriesByName('chart-drawn').at(-1)!.startTime,
  }));
  return { chart: marks.drawn - marks.request, chartFetch: marks.data - marks.request, chartDraw: marks.drawn - marks.data };
}

function medians(samples: Partial<Record<Row, number>>[]): Partial<Record<Row, number>> {
  const out: Partial<Record<Row, number>> = {};
  for (const row of ['chart', 'chartFetch', 'chartDraw', 'chartStorage'] as const) {
    const values = samples.map((sample) => sample[row]).filter((value): value is number => value !== undefined && Number.isFinite(value));
    if (values.length > 0) out[row] = median(values);
  }
  return out;
}

/** Ours: the dashboard's data point page with the whole stored span, the chart drawn by the dashboard. */
async function oursChart(s: Stage, log: (message: string) => void): Promise<Partial<Record<Row, number>>> {
  const context = await contextOf(s, true);
  try {
    const samples: Partial<Record<Row, number>>[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const page = await context.newPage();
      try {
        const url = `${s.baseUrl}/datapoints/${encodeURIComponent(CHART_POINT)}?from=${s.series.fromMs}&to=${s.series.toMs}`;
        await page.goto(url, { waitUntil: 'commit' });
        const sample = await chartMarks(page, 60_000).catch(async (error: unknown) => {
          const shown = await page.locator('[data-test="chart-error"], [data-test="page-error"]').allTextContents();
          throw new Error(`${error instanceof Error ? error.message : String(error)}${shown.length > 0 ? `; the page says: ${shown.join(' / ')}` : ''}`);
        });
        const source = await page.getAttribute('[data-test="chart"]', 'data-source-entries');
        const points = await page.getAttribute('[data-test="chart"]', 'data-points');
        if (Number(source) !== s.series.entries) throw new Error(`the chart says it drew ${source} source entries; ${s.series.entries} are stored`);
        // Where the fetch goes: the same M4 asked of storage straight over the bus (same span and pixels).
        const requested = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.includes('/chart?')).at(-1) ?? '');
        const pixels = Number(new URL(requested, s.baseUrl).searchParams.get('pixels'));
        const asked = performance.now();
        await s.bus.request('storage', GetDownsampled, { dataPoint: CHART_POINT, fromMs: s.series.fromMs, toMs: s.series.toMs, pixels }, DownsampledReply, { timeoutMs: 30_000 });
        sample.chartStorage = performance.now() - asked;
        log(`draw ${i + 1}: ${sample.chart?.toFixed(1)} ms (fetch ${sample.chartFetch?.toFixed(1)} of which storage ${sample.chartStorage.toFixed(1)}, draw ${sample.chartDraw?.toFixed(1)}), ${points} M4 points of ${source} entries, ${pixels} pixels`);
        samples.push(sample);
      } finally {
        await page.close();
      }
    }
    return medians(samples);
  } finally {
    await context.close();
  }
}

/** The raw entries' pages asked of storage straight over the bus, as the naive page's server asks them. */
async function rawPagesTime(s: Stage): Promise<number> {
  const started = performance.now();
  for (let from = s.series.fromMs; ; ) {
    const page = await s.bus.request('storage', GetEntriesOfTimeSpan, { dataPoint: CHART_POINT, fromMs: from, toMs: s.series.toMs, limit: 0 }, EntriesReply, { timeoutMs: 30_000 });
    const entries = page.entries ?? [];
    if (!page.truncated || entries.length === 0) break;
    from = entries[entries.length - 1]!.timestampMs + 1;
  }
  return performance.now() - started;
}

/** The naive peer: raw entries as JSON pages, drawn by uPlot. */
async function naiveChart(s: Stage, log: (message: string) => void): Promise<Partial<Record<Row, number>>> {
  const server = await startNaiveChartServer(s.bus);
  const context = await contextOf(s, false);
  try {
    const samples: Partial<Record<Row, number>>[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const page = await context.newPage();
      try {
        await page.goto(server.url);
        await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
        const drawn = (await page.evaluate(`window.drawNaive(${JSON.stringify(CHART_POINT)}, ${s.series.fromMs}, ${s.series.toMs})`)) as number;
        if (drawn !== s.series.entries) throw new Error(`the naive page drew ${drawn} entries; ${s.series.entries} are stored`);
        const sample = await chartMarks(page, 5_000);
        sample.chartStorage = await rawPagesTime(s);
        log(`draw ${i + 1}: ${sample.chart?.toFixed(1)} ms (fetch ${sample.chartFetch?.toFixed(1)} of which storage ${sample.chartStorage.toFixed(1)}, draw ${sample.chartDraw?.toFixed(1)}), ${drawn} raw entries`);
        samples.push(sample);
      } finally {
        await page.close();
      }
    }
    return medians(samples);
  } finally {
    await context.close();
    await server.close();
  }
}

let staticDir: string | undefined;
let httpServer: ProgramProcess | undefined;
let staticUrl = '';

const dashboardBenchmark = defineBenchmark<Row>({
  name: 'dashboard',
  description:
    'The dashboard in headless Chromium on loopback: first page usable (navigation start to the modules table drawn, cold and warm cache) beside a static page of the same size from python3 -m http.server; a chart of a month of 1 Hz data (request to drawn) beside the raw entries fetched as JSON and drawn by the same uPlot.',
  rows,
  ours: {
    measurements: [
      {
        name: 'first page (modules)',
        rows: ['firstCold', 'firstWarm', 'firstBytes', 'firstRequests', 'firstWarmRequests'],
        run: async ({ log }) => {
          const s = await stage(quick, log);
          const loads = [];
          for (let i = 0; i < REPEATS; i++) {
            const load = await coldAndWarm(() => contextOf(s, true), `${s.baseUrl}/modules`);
            log(`load ${i + 1}: cold ${load.cold.usableMs.toFixed(1)} ms, warm ${load.warm.usableMs.toFixed(1)} ms, ${load.cold.rows} rows, ${(load.cold.decodedBytes / 1024).toFixed(0)} KiB decoded, ${(load.cold.transferBytes / 1024).toFixed(0)} KiB transferred cold, ${(load.warm.transferBytes / 1024).toFixed(0)} KiB warm; ${load.cold.requests} requests cold, ${load.warm.serverRequests} of ${load.warm.requests} to the server warm`);
            loads.push(load);
          }
          oursFirstLoad = loads[0]!.cold;
          return firstPageFigures(loads);
        },
        timeoutMs: (q) => (q ? 90_000 : 180_000),
      },
      { name: 'month chart', rows: ['chart', 'chartFetch', 'chartDraw', 'chartStorage'], run: async ({ log }) => oursChart(await stage(quick, log), log), timeoutMs: (q) => (q ? 90_000 : 300_000) },
    ],
  },
  peers: [
    {
      name: 'static-page',
      description: 'a static page of the same size (the bytes the dashboard decoded, the same rows) served by python3 -m http.server',
      unavailable: () => (findExecutable('python3') === undefined ? 'python3 not found' : undefined),
      setup: async () => {
        staticDir = mkdtempSync(join(tmpdir(), 'gridlink-bench-dashboard-static-'));
        const port = await freeLoopbackPort();
        const load = oursFirstLoad;
        writeStaticPage(staticDir, load?.rows ?? 4, load?.decodedBytes ?? 200_000);
        httpServer = await startProgram({ command: 'python3', args: ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', staticDir], label: 'python3 -m http.server', isReady: () => canConnect(port) });
        staticUrl = `http://127.0.0.1:${port}/index.html`;
      },
      teardown: async () => {
        await httpServer?.stop();
        if (staticDir !== undefined) rmSync(staticDir, { recursive: true, force: true });
      },
      measurements: [
        {
          name: 'static page',
          rows: ['firstCold', 'firstWarm', 'firstBytes', 'firstRequests', 'firstWarmRequests'],
          run: async ({ log }) => {
            const s = await stage(quick, log);
            const loads = [];
            for (let i = 0; i < REPEATS; i++) {
              const load = await coldAndWarm(() => contextOf(s, false), staticUrl);
              log(`load ${i + 1}: cold ${load.cold.usableMs.toFixed(1)} ms, warm ${load.warm.usableMs.toFixed(1)} ms, ${load.cold.rows} rows, ${(load.cold.decodedBytes / 1024).toFixed(0)} KiB, ${load.cold.requests} requests cold, ${load.warm.serverRequests} of ${load.warm.requests} to the server warm`);
              loads.push(load);
            }
            return firstPageFigures(loads);
          },
        },
      ],
    },
    {
      name: 'json-uplot',
      description: 'the naive chart: every raw entry fetched as JSON (GetEntriesOfTimeSpan pages of 100,000) and drawn by the same uPlot',
      measurements: [{ name: 'raw JSON chart', rows: ['chart', 'chartFetch', 'chartDraw', 'chartStorage'], run: async ({ log }) => naiveChart(await stage(quick, log), log), timeoutMs: (q) => (q ? 90_000 : 600_000) }],
    },
  ],
});

await runBenchmarkCli(dashboardBenchmark);
await closeStage();
