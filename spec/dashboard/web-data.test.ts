/**
 * The dashboard's Data points and Topology pages in real headless Chromium against a real
 * dashboard module: storage holds a month of 1 Hz data (2,592,000 entries written with
 * AddEntries) and a simulated feeder's profiles; GRM serves that feeder's topology (SSD and
 * BEMS-AA are not running, so the page lists them as problems).
 *
 * Data points: search by name part and by tags (any/all), the statistics of the month, the month
 * drawn from its M4 answer (the chart reports how many points of how many entries; the canvas has
 * the series' colour in it), a drag across the plot fetching the narrower span, zoom out again.
 * Topology: every switch of GRM's topology drawn with its recorded state, every building, the
 * missing modules listed, the wheel zooming the drawing. The layout of the same topology (the
 * pure function the page uses) places no two drawn elements at one spot and draws every
 * switch and building. Screenshots of both pages go to spec/.screenshots/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetGridTopology, type GridTopologyReply } from '../../schemas/generated/messages.js';
import { hashPassword } from '../../actors/dashboard/server/password.js';
import { writeUsers } from '../../actors/dashboard/server/users-file.js';
import { layoutFeeder } from '../../actors/dashboard/web/components/feeder-layout.js';
import { MONTH_OF_SECONDS, storeSeries, type StoredSeries } from '../../tools/bench/dashboard/month.js';
import { launchChromium, newDashboardPage, screenshot } from '../support/browser.js';
import { distPath, killAll, type LineProcess } from '../support/processes.js';
import { domainFlags, removeTempDirs, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage } from '../storage/helpers.js';
import { ask, simulateToStorage, startGridModule } from '../grm/helpers.js';

const DASHBOARD_MODULE = distPath('actors/dashboard/module.js');
const MONTH_POINT = 'substation.f1.u1.month';
const USER = 'engineer1';
const PASSWORD = 'a-long-test-password-1';
/** The series' stroke in components/chart.ts. */
const SERIES_RGB = [0x1f, 0x6f, 0xeb] as const;

let domain: Domain;
let peer: TestPeer;
let dashboard: LineProcess;
let baseUrl: string;
let series: StoredSeries;
let topology: GridTopologyReply;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What the page complained about, shown when a wait fails. */
const pageProblems: string[] = [];

beforeAll(async () => {
  domain = await newDomain('web-data');
  peer = await TestPeer.start(domain);
  await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  // The month, the feeder, the dashboard and the browser are independent: started together.
  [series, topology, baseUrl, browser] = await Promise.all([
    storeSeries(peer.bus, MONTH_POINT, { tags: ['voltage', 'substation'] }),
    (async () => {
      const simDir = await simulateToStorage(domain, ['--buildings', '12', '--switches', '4', '--monitoring-points', '4', '--days', '1', '--seed', '7']);
      await startGridModule(peer, domain, 'grm', { cimFiles: simDir });
      return ask(peer, 'grm', GetGridTopology, { summaryOnly: false });
    })(),
    startDashboard(),
    launchChromium(),
  ]);
  ({ context, page } = await newDashboardPage(browser, baseUrl));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') pageProblems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) pageProblems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  // Logged in through the API with the context's own cookie jar: the login page has its own test.
  const login = await context.request.post('/api/login', { data: { user: USER, password: PASSWORD }, headers: { Origin: baseUrl } });
  expect(login.status(), await login.text()).toBe(200);
}, 90_000);

/** The dashboard module with an engineer in its users file; resolves with its base URL. */
async function startDashboard(): Promise<string> {
  const dir = tempDir('dashboard');
  const usersFile = join(dir, 'users.json');
  writeUsers(usersFile, [{ name: USER, role: 'engineer', password: await hashPassword(PASSWORD) }]);
  const portFile = join(dir, 'port');
  const configPath = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { host: '127.0.0.1', port: 0, portFile, usersFile } });
  dashboard = startGridlink(['run', DASHBOARD_MODULE, '--config', configPath, ...domainFlags(domain)], { cwd: dir, label: 'dashboard' });
  await Promise.race([
    peer.module('dashboard', dashboard.pid, 20_000, dashboard),
    dashboard.exited.then(({ code, signal }) => {
      throw new Error(`dashboard ended early (${signal ?? `exit code ${code}`}):\n${dashboard.stderr.join('\n')}`);
    }),
  ]);
  const port = await until(() => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) || undefined : undefined), 'the port file', 10_000, dashboard);
  return `http://127.0.0.1:${port}`;
}

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await killAll();
  await peer?.close();
  removeTempDirs();
});

interface ChartState {
  drawnMs: number;
  from: number;
  to: number;
  points: number;
  sourceEntries: number;
}

// Browser-side code as text: the spec's TypeScript has no DOM types.
const CHART_STATE = `(() => {
  const chart = document.querySelector('[data-test="chart"]');
  if (chart === null) return null;
  const data = chart.dataset;
  const n = (text) => (text === undefined ? NaN : Number(text));
  return { drawnMs: n(data.drawnMs), from: n(data.from), to: n(data.to), points: n(data.points), sourceEntries: n(data.sourceEntries) };
})()`;

/** The chart's root element's data-* attributes; null without a chart. */
async function chartState(): Promise<ChartState | null> {
  return (await page.evaluate(CHART_STATE)) as ChartState | null;
}

/**
 * Waits for a draw after `after` (performance.now() of the page); returns the chart's state then.
 * Polled from here: waitForFunction evaluates text in the page, which its CSP forbids.
 */
async function drawnAfter(after: number): Promise<ChartState> {
  let state: ChartState | null = null;
  await expect
    .poll(
      async () => {
        state = await chartState();
        return state !== null && state.drawnMs > after;
      },
      { timeout: 20_000, interval: 50, message: `a chart drawn after ${after} ms (the page said: ${pageProblems.join(' | ') || 'nothing'})` },
    )
    .toBe(true);
  return state!;
}

/** Pixels of the plot's canvas within a little of the series' colour (the line itself). */
async function seriesPixels(): Promise<number> {
  const [r, g, b] = SERIES_RGB;
  return (await page.evaluate(`(() => {
    const canvas = document.querySelector('[data-test="chart"] canvas');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - ${r}) < 40 && Math.abs(data[i + 1] - ${g}) < 40 && Math.abs(data[i + 2] - ${b}) < 40 && data[i + 3] > 100) count++;
    }
    return count;
  })()`)) as number;
}

describe('Data points page', () => {
  it('finds data points by a part of the name and by tags, any or all', async () => {
    await page.goto('/datapoints');
    await page.waitForSelector('[data-test="page-title"]:has-text("Data points")');
    const names = async (): Promise<string[]> => page.$$eval('[data-test="dp-row"]', (rows) => rows.map((row) => row.getAttribute('data-name') ?? ''));
    const settle = (expected: (list: string[]) => boolean, what: string) =>
      expect.poll(async () => expected(await names()), { timeout: 5_000, message: what }).toBe(true);

    await page.fill('[data-test="dp-search"]', 'u1.mon');
    await settle((list) => list.length === 1 && list[0] === MONTH_POINT, 'only the month by a part of its name');

    await page.fill('[data-test="dp-search"]', '');
    await page.fill('[data-test="dp-tags"]', 'voltage, building');
    await settle((list) => list.includes(MONTH_POINT) && list.some((name) => /\.building\d+\.p$/.test(name)) && !list.some((name) => /\.mp\d+\.p$/.test(name)), 'any of two tags: the month and the buildings, no monitoring point');
    await page.selectOption('[data-test="dp-match"]', 'all');
    await settle((list) => list.length === 0, 'all of two tags no data point has together: none');
    await page.fill('[data-test="dp-tags"]', 'voltage, substation');
    await settle((list) => list.length === 1 && list[0] === MONTH_POINT, 'all of two tags the month has');
    const row = page.locator(`[data-test="dp-row"][data-name="${MONTH_POINT}"]`);
    expect(await row.locator('[data-col="unit"]').textContent()).toBe('V');
  });

  it('shows the statistics of the month', async () => {
    await page.click(`[data-test="dp-row"][data-name="${MONTH_POINT}"] [data-test="dp-link"]`);
    await page.waitForURL((url) => url.pathname === `/datapoints/${encodeURIComponent(MONTH_POINT)}`);
    const count = page.locator('[data-test="stat-count"]');
    await expect.poll(async () => (await count.textContent())?.replace(/\D/g, ''), { timeout: 10_000 }).toBe(String(MONTH_OF_SECONDS));
    // A daily swing of ±6 V around 230 V with ±1 V noise.
    const min = Number((await page.textContent('[data-test="stat-min"]'))!.replace(/[^\d.]/g, ''));
    const max = Number((await page.textContent('[data-test="stat-max"]'))!.replace(/[^\d.]/g, ''));
    expect(min).toBeGreaterThan(222);
    expect(min).toBeLessThan(225);
    expect(max).toBeGreaterThan(235);
    expect(max).toBeLessThan(238);
    expect(await page.textContent('[data-test="stat-frequency"]')).toMatch(/^1 Hz$/);
    expect(await page.textContent('[data-test="stat-ci95"]')).toMatch(/…/);
  });

  it('draws the whole month from its M4 answer', async () => {
    // A fresh document: its clock starts again, so any draw counts.
    const asked: string[] = [];
    const onRequest = (request: { url(): string }): void => {
      const path = new URL(request.url()).pathname;
      if (path.endsWith('/chart') || path.endsWith('/statistics')) asked.push(path.slice(path.lastIndexOf('/') + 1));
    };
    page.on('request', onRequest);
    await page.goto(`/datapoints/${encodeURIComponent(MONTH_POINT)}?from=${series.fromMs}&to=${series.toMs}`);
    const state = await drawnAfter(0);
    await page.locator('[data-test="dp-stats"]').waitFor();
    page.off('request', onRequest);
    // The chart is asked first: storage answers one request at a time, the statistics wait for the draw.
    expect(asked).toEqual(['chart', 'statistics']);
    expect(state.from).toBe(series.fromMs);
    expect(state.to).toBe(series.toMs);
    expect(state.sourceEntries).toBe(MONTH_OF_SECONDS);
    const canvasWidth = (await page.evaluate(`document.querySelector('[data-test="chart"] canvas').width`)) as number;
    // M4: at most four points per pixel column of the plot, and a month has far more columns' worth.
    expect(state.points).toBeGreaterThan(canvasWidth);
    expect(state.points).toBeLessThanOrEqual(4 * canvasWidth);
    expect(await page.textContent('[data-test="chart-status"]')).toContain(`${state.points.toLocaleString('en-US')} of ${MONTH_OF_SECONDS.toLocaleString('en-US')} entries drawn (M4)`);
    expect(await seriesPixels()).toBeGreaterThan(500);
    await screenshot(page, 'dashboard-datapoints-month');
  });

  it('zooms into a dragged span, fetching it again, and back out', async () => {
    const month = (await chartState())!;
    const over = (await page.locator('[data-test="chart"] .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.4, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.41, over.y + over.height / 2, { steps: 4 });
    await page.mouse.move(over.x + over.width * 0.42, over.y + over.height / 2, { steps: 4 });
    await page.mouse.up();
    const zoomed = await drawnAfter(month.drawnMs);
    const monthMs = series.toMs - series.fromMs;
    // A fiftieth of the plot's width: about 14 hours, starting about 40 % into the month.
    expect(zoomed.to - zoomed.from).toBeGreaterThan(monthMs * 0.015);
    expect(zoomed.to - zoomed.from).toBeLessThan(monthMs * 0.025);
    expect(zoomed.from).toBeGreaterThan(series.fromMs + monthMs * 0.35);
    expect(zoomed.from).toBeLessThan(series.fromMs + monthMs * 0.45);
    // Fetched again, not stretched: storage counted the entries of the narrower span (1 Hz; it
    // counts spans of up to 100,000 entries), and M4 kept up to four of them per pixel column.
    expect(Math.abs(zoomed.sourceEntries - (zoomed.to - zoomed.from) / 1000)).toBeLessThanOrEqual(1);
    expect(zoomed.points).toBeGreaterThan(month.points / 2);
    expect(await page.textContent('[data-test="chart-status"]')).toContain(`of ${zoomed.sourceEntries.toLocaleString('en-US')} entries drawn (M4)`);
    expect(await seriesPixels()).toBeGreaterThan(500);
    await screenshot(page, 'dashboard-datapoints-zoomed');

    await page.click('[data-test="chart-zoom-out"]');
    const back = await drawnAfter(zoomed.drawnMs);
    expect([back.from, back.to, back.sourceEntries]).toEqual([series.fromMs, series.toMs, MONTH_OF_SECONDS]);
    expect(await page.isDisabled('[data-test="chart-reset"]')).toBe(true);
  });

  it('charts the last month by its preset', async () => {
    const last = (await chartState())!;
    await page.click('[data-test="span-1mo"]');
    const state = await drawnAfter(last.drawnMs);
    expect(state.to - state.from).toBe(30 * 86_400_000);
    expect(new URL(page.url()).searchParams.get('span')).toBe('1mo');
    expect(state.sourceEntries).toBeGreaterThan(0);
    expect(await seriesPixels()).toBeGreaterThan(500);
  });
});

describe('Topology page', () => {
  const elements = (): NonNullable<GridTopologyReply['elements']> => topology.elements ?? [];

  it('draws every switch of the feeder with its recorded state, and every building', async () => {
    await page.goto('/topology');
    const switches = elements().filter((element) => element.kind === 'Switch');
    const consumers = elements().filter((element) => element.kind === 'Consumer');
    expect(switches.length).toBeGreaterThanOrEqual(4);
    await page.waitForSelector('[data-test="feeder-graph"] [data-test="switch"]', { timeout: 10_000 });
    const drawn = await page.$$eval('[data-test="feeder-graph"] [data-test="switch"]', (nodes) =>
      nodes.map((node) => ({ id: node.getAttribute('data-id'), open: node.getAttribute('data-open'), verdict: node.getAttribute('data-verdict') })),
    );
    expect(drawn.map((one) => one.id).sort()).toEqual(switches.map((one) => one.id).sort());
    for (const one of switches) expect(drawn.find((d) => d.id === one.id)?.open, `switch ${one.name}`).toBe(String(one.open === true));
    // Neither SSD nor BEMS-AA runs: nothing verified, and the page says what is missing.
    expect(new Set(drawn.map((one) => one.verdict))).toEqual(new Set(['unverified']));
    expect(await page.locator('[data-test="topology-problems"] li').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-test="switch-row"]').count()).toBe(switches.length);
    expect(await page.locator('[data-test="feeder-graph"] [data-test="building"]').count()).toBe(consumers.length);
    // Fits 1280x720: the drawing's box lies inside the viewport.
    const box = (await page.locator('[data-test="feeder-graph"]').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    expect(box.y + box.height).toBeLessThanOrEqual(720);
    await screenshot(page, 'dashboard-topology');
  });

  it('zooms the drawing with the mouse wheel', async () => {
    const scale = async (): Promise<number> =>
      Number(/scale\(([\d.e-]+)\)/.exec((await page.getAttribute('[data-test="feeder-graph"] > g', 'transform')) ?? '')?.[1] ?? Number.NaN);
    const before = await scale();
    const box = (await page.locator('[data-test="feeder-graph"]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -300);
    await expect.poll(scale, { timeout: 5_000 }).toBeGreaterThan(before * 1.2);
    // Fit: the whole drawing inside the panel again.
    await page.click('[data-test="graph-fit"]');
    await expect.poll(scale, { timeout: 5_000 }).toBeLessThan(before * 1.2);
    const drawing = (await page.locator('[data-test="feeder-graph"] > g').boundingBox())!;
    expect(drawing.x).toBeGreaterThanOrEqual(box.x - 1);
    expect(drawing.y).toBeGreaterThanOrEqual(box.y - 1);
    expect(drawing.x + drawing.width).toBeLessThanOrEqual(box.x + box.width + 1);
    expect(drawing.y + drawing.height).toBeLessThanOrEqual(box.y + box.height + 1);
  });

  it('lays the feeder out with no two drawn elements at one place', () => {
    const input = elements().map((element) => ({
      id: element.id,
      name: element.name ?? '',
      kind: element.kind.toLowerCase(),
      ...(element.parent ? { parent: element.parent } : {}),
      ...(element.open === undefined ? {} : { open: element.open }),
    }));
    const layout = layoutFeeder(input);
    const places = new Set(layout.nodes.map((node) => `${node.column}/${node.row}`));
    expect(places.size).toBe(layout.nodes.length);
    const byId = new Map(layout.nodes.map((node) => [node.id, node]));
    for (const node of layout.nodes) {
      if (node.parent === undefined) continue;
      expect(byId.get(node.parent)!.column).toBe(node.column - 1);
    }
    for (const element of input) if (['switch', 'consumer', 'transformer'].includes(element.kind)) expect(byId.has(element.id), element.name).toBe(true);
    // Cable nodes and segments in unbranched runs are folded into the edges.
    expect(layout.hiddenElements).toBeGreaterThan(0);
    expect(layout.edges.length).toBe(layout.nodes.filter((node) => node.parent !== undefined).length);
  });
});
