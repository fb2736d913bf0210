/**
 * The dashboard end to end, as issue 9 lists it, in one real setup and real headless Chromium at
 * 1280x720: a host agent (`gridlink up`) runs storage, alarms, the AppManager (with an App Store
 * holding two signed packages: chain-b requires role alpha, which chain-a provides) and the
 * dashboard; the users administrator, operator and engineer are made with `gridlink dashboard user
 * add`. In the browser: log in; install chain-b through the plan (chain-a comes with it as its
 * dependency) and the configuration forms; SIGKILL chain-a's process and watch its row turn down
 * and its successor come back on the modules page; acknowledge an alarm; open a month of 1 Hz data
 * (2,592,000 entries stored with AddEntries) as a chart; an operator finds no install button and
 * the API answers 403 when the install is forced. A screenshot of every page is saved
 * (spec/.screenshots/ or GRIDLINK_SCREENSHOTS).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView, AppView, AuditEntry, Role, SessionInfo } from '../../actors/dashboard/api.js';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import type { ModuleRecord } from '../../core/bus/index.js';
import { GetAlarms, type RawEvent } from '../../schemas/generated/messages.js';
import { storeSeries, MONTH_OF_SECONDS, type StoredSeries } from '../../tools/bench/dashboard/month.js';
import { removeTempDirs, writeConfig } from '../actor/helpers.js';
import { ask } from '../alarms-module/helpers.js';
import { makeKey, packApp } from '../provisioning/app-manager-helpers.js';
import { launchChromium, newDashboardPage, screenshot } from '../support/browser.js';
import { GRIDLINK } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { newDomain, startAgent, tempDir, until, type Agent } from '../supervisor/helpers.js';
import { dashboardUrl, DashboardClient, eventually, raiseUntilShown } from './backend-helpers.js';

const USERS: { name: string; role: Role; password: string }[] = [
  { name: 'ada', role: 'administrator', password: 'ada-e2e-secret' },
  { name: 'olga', role: 'operator', password: 'olga-e2e-secret' },
  { name: 'erik', role: 'engineer', password: 'erik-e2e-secret' },
];
const MONTH_POINT = 'e2e.feeder.u1';

let agent: Agent;
let store: RunningAppStore;
let browser: Browser;
let baseUrl: string;
/** The administrator's page, used from test to test like one person's browser tab. */
let page: Page;
/** The month of data, written while the first tests run. */
let month: Promise<StoredSeries>;
const contexts: BrowserContext[] = [];

/** `gridlink dashboard user add <name> --role <role> --users-file <file> --password-stdin`. */
function addUser(usersFile: string, user: (typeof USERS)[number]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRIDLINK, 'dashboard', 'user', 'add', user.name, '--role', user.role, '--users-file', usersFile, '--password-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gridlink dashboard user add ${user.name}: exit ${code}: ${stderr}`))));
    child.stdin.end(`${user.password}\n`);
  });
}

/** The running module `name` as the test's bus peer sees it in the registry. */
function runningModule(name: string, other?: number): ModuleRecord | undefined {
  return agent.peer.bus.registry.list().find((record) => record.name === name && record.state === 'running' && record.pid !== other);
}

async function openPage(): Promise<Page> {
  const opened = await newDashboardPage(browser, baseUrl);
  contexts.push(opened.context);
  return opened.page;
}

async function logIn(tab: Page, user: string): Promise<void> {
  const { password } = USERS.find((candidate) => candidate.name === user)!;
  await tab.goto('/');
  await tab.locator('[data-test=login-form]').waitFor();
  await tab.locator('[data-test=login-user]').fill(user);
  await tab.locator('[data-test=login-password]').fill(password);
  await tab.locator('[data-test=login-submit]').click();
  await tab.locator('[data-test=user]', { hasText: user }).waitFor();
}

async function goTo(tab: Page, pageId: string): Promise<void> {
  await tab.locator(`[data-test=nav-${pageId}]`).click();
  await tab.waitForURL((url) => url.pathname.startsWith(`/${pageId}`));
}

/** What the page itself gets from the API (same origin, its session cookie): status and JSON. */
async function fromPage<T>(tab: Page, path: string, init: { method?: string; body?: unknown; csrf?: boolean } = {}): Promise<{ status: number; json: T }> {
  return tab.evaluate(
    async ({ path: target, method, body, csrf }) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (csrf) headers['X-CSRF-Token'] = ((await (await fetch('/api/session')).json()) as { csrfToken: string }).csrfToken;
      const response = await fetch(target, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      return { status: response.status, json: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    { path, method: init.method ?? 'GET', body: init.body, csrf: init.csrf ?? false },
  );
}

beforeAll(async () => {
  const dir = tempDir('dashboard-e2e');
  const keys = makeKey(dir, 'publisher');
  const storeDir = join(dir, 'store');
  const usersFile = join(dir, 'users.json');
  const [storeServer, chromium] = await Promise.all([
    (async () => {
      await packApp('chain-a', keys.key, storeDir);
      await packApp('chain-b', keys.key, storeDir);
      return AppStoreServer.start({ dir: storeDir, log: () => undefined });
    })(),
    launchChromium(),
    // One after the other: each rewrites the users file whole.
    (async () => {
      for (const user of USERS) await addUser(usersFile, user);
    })(),
  ]);
  store = storeServer;
  browser = chromium;
  const portFile = join(dir, 'dashboard.port');
  const config = (name: string, settings: Record<string, unknown>): string => writeConfig(dir, { stateDir: join(dir, 'state', name), settings }, `${name}.config.json`);
  const domain = await newDomain();
  agent = await startAgent(domain, dir, {
    name: 'root',
    strategy: 'one_for_one',
    intensity: 100,
    periodMs: 60_000,
    children: [
      { name: 'storage', module: 'storage', config: config('storage', {}) },
      { name: 'alarms', module: 'alarms', config: config('alarms', { flood: { graceMs: 0 }, tickMs: 200 }) },
      {
        name: 'app-manager',
        module: 'app-manager',
        config: config('app-manager', { appsDir: join(dir, 'apps'), storeUrl: store.url, trustedKeys: keys.publicKeyFile, healthWindowMs: 1500, supervisor: 'root/apps', shutdownMs: 3000 }),
      },
      // The apps restart at once after a crash, so the test sees the successor soon.
      { name: 'apps', strategy: 'one_for_one', intensity: 20, periodMs: 10_000, backoff: { minMs: 50, maxMs: 200, randomFactor: 0, resetAfterMs: 10_000 }, children: [] },
      { name: 'dashboard', module: 'dashboard', config: config('dashboard', { port: 0, portFile, usersFile }) },
    ],
  });
  baseUrl = await dashboardUrl(portFile, agent.process);
  await Promise.all(['storage', 'alarms', 'app-manager', 'dashboard'].map((name) => agent.peer.module(name, undefined, 20_000, agent.process)));
  month = storeSeries(agent.peer.bus, MONTH_POINT, { entries: MONTH_OF_SECONDS, tags: ['voltage', 'feeder'] });
  // A rejection is reported by the chart test; none goes unhandled meanwhile.
  month.catch(() => undefined);
  page = await openPage();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await agent?.stop();
  await store?.close();
  await killAll();
  removeTempDirs();
});

describe('the dashboard end to end (gridlink up: storage, alarms, AppManager + App Store, dashboard; Chromium 1280x720)', () => {
  it('logs in as the administrator made with gridlink dashboard user add', async () => {
    await page.goto('/');
    await page.locator('[data-test=login-form]').waitFor();
    await screenshot(page, 'e2e-login');
    await page.locator('[data-test=login-user]').fill('ada');
    await page.locator('[data-test=login-password]').fill('not-her-password');
    await page.locator('[data-test=login-submit]').click();
    await page.locator('[data-test=login-error]').waitFor();
    await logIn(page, 'ada');
    await expect(page.locator('[data-test=role]').textContent()).resolves.toMatch(/administrator/i);
    // Every page is in the administrator's navigation.
    for (const id of ['hosts', 'modules', 'apps', 'alarms', 'datapoints', 'topology']) expect(await page.locator(`[data-test=nav-${id}]`).count(), id).toBe(1);
    const users = readFileSync(join(agent.dir, 'users.json'), 'utf8');
    expect(users).not.toContain('ada-e2e-secret');
  });

  it('installs chain-b with its dependency chain-a through the plan and the configuration forms', async () => {
    await goTo(page, 'apps');
    await page.locator('[data-test=catalogue-row][data-name=chain-b]').waitFor();
    expect(await page.locator('[data-test=app-row]').count()).toBe(0);
    await screenshot(page, 'e2e-apps-catalogue');

    await page.locator('[data-test=install-open]').click();
    await page.locator('[data-test=install-app]').selectOption('chain-b');
    await page.locator('[data-test=install-plan]').click();
    const steps = page.locator('[data-test=plan-step]');
    await steps.first().waitFor();
    const planned = await steps.evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-action')} ${row.getAttribute('data-name')} ${row.getAttribute('data-version')}`));
    expect(planned).toEqual(['install chain-a 1.0.0', 'install chain-b 1.0.0']);
    expect(await steps.first().textContent()).toMatch(/alpha/);
    expect(await page.locator('[data-test=plan-problem]').count()).toBe(0);
    // Nothing is installed by planning.
    expect((await fromPage<AppView[]>(page, '/api/apps')).json).toEqual([]);
    await screenshot(page, 'e2e-apps-install-plan');

    await page.locator('[data-test=install-next]').click();
    const sections = page.locator('[data-test=config-section]');
    await sections.first().waitFor();
    expect(await sections.evaluateAll((all) => all.map((section) => section.getAttribute('data-name')))).toEqual(['chain-a', 'chain-b']);
    const step = page.locator('[data-test=config-section][data-name=chain-a] [data-test=schema-field][data-path=step] [data-test=schema-input]');
    await expect(step.inputValue()).resolves.toBe('1');
    // A value the schema refuses is marked and blocks the install; a good one clears it.
    const maxStep = page.locator('[data-test=config-section][data-name=chain-a] [data-test=schema-field][data-path=maxStep] [data-test=schema-input]');
    await maxStep.fill('-5');
    await page.locator('[data-test=config-section][data-name=chain-a] [data-test=field-problem]').first().waitFor();
    await page.locator('[data-test=install-confirm]:disabled').waitFor({ timeout: 5000 });
    await maxStep.fill('50');
    await step.fill('7');
    await page.locator('[data-test=config-section][data-name=chain-a][data-valid=true]').waitFor();
    await screenshot(page, 'e2e-apps-install-configure');

    await page.locator('[data-test=install-confirm]').click();
    await page.locator('[data-test=operation][data-state=succeeded]').waitFor({ timeout: 30_000 });
    const result = await page.locator('[data-test=result-app]').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-name')} ${row.getAttribute('data-state')}`));
    expect(result).toEqual(expect.arrayContaining(['chain-a Running', 'chain-b Running']));
    const stages = await page.locator('[data-test=operation-event]').evaluateAll((events) => events.map((event) => `${event.getAttribute('data-name')}:${event.getAttribute('data-stage')}`));
    expect(stages).toEqual(expect.arrayContaining(['chain-a:verified', 'chain-b:verified']));
    await screenshot(page, 'e2e-apps-install-done');

    // The forms' values are what the apps run with; both joined the bus.
    const apps = (await fromPage<AppView[]>(page, '/api/apps')).json;
    expect(apps.find((app) => app.name === 'chain-a')?.config).toMatchObject({ step: 7, maxStep: 50 });
    await Promise.all(['chain-a', 'chain-b'].map((name) => agent.peer.module(name, undefined, 10_000, agent.process)));
    await page.locator('[data-test=install-close]').click();
    await page.locator('[data-test=app-row][data-name=chain-b][data-state=Running]').waitFor();
    await screenshot(page, 'e2e-apps-installed');
  }, 45_000);

  it('shows chain-a killed with SIGKILL turn down on the modules page, then its successor come back', async () => {
    const victim = await until(() => runningModule('chain-a'), 'chain-a running in the registry', 10_000, agent.process);
    expect(victim.pid).toBeGreaterThan(0);
    await goTo(page, 'modules');
    await page.locator(`[data-test=module-row][data-name=chain-a][data-pid="${victim.pid}"][data-state=running]`).waitFor();
    await screenshot(page, 'e2e-modules');

    process.kill(victim.pid, 'SIGKILL');
    const down = page.locator(`[data-test=module-row][data-name=chain-a][data-pid="${victim.pid}"][data-state=down]`);
    await down.waitFor({ timeout: 20_000 });
    expect(await down.locator('[data-test=module-leave-reason]').textContent()).not.toBe('');
    await screenshot(page, 'e2e-modules-down');
    // The agent restarts it (apps are transient workers: a kill is a crash); the successor is a new process.
    const successor = await until(() => runningModule('chain-a', victim.pid), 'chain-a restarted by its supervisor', 15_000, agent.process);
    await page.locator(`[data-test=module-row][data-name=chain-a][data-pid="${successor.pid}"][data-state=running]`).waitFor({ timeout: 15_000 });
    await screenshot(page, 'e2e-modules-back');
  }, 40_000);

  it('acknowledges an alarm with a comment; the alarms module records who', async () => {
    const key = `spec:e2e:${Date.now()}`;
    const event: RawEvent = { key, kind: 'Raise', severity: 'Major', audience: 'FieldEngineer', category: 'grid', source: MONTH_POINT, group: 'feeder:F1', message: 'Voltage 254 V above the band', value: 254, hasValue: true, atMs: Date.now() };
    await goTo(page, 'alarms');
    const row = page.locator(`[data-test=alarm-row][data-key="${key}"]`);
    await raiseUntilShown(agent.peer.bus, event, row);
    expect(await row.getAttribute('data-state')).toBe('Raised');
    await screenshot(page, 'e2e-alarms');
    await row.locator('[data-test=alarm-ack]').click();
    await page.locator('[data-test=alarm-comment]').fill('crew on the way');
    await page.locator('[data-test=alarm-confirm]').click();
    await page.locator(`[data-test=alarm-row][data-key="${key}"][data-state=Acknowledged]`).waitFor({ timeout: 10_000 });
    const [stored] = (await ask(agent.peer, GetAlarms, { keyPrefix: key, states: [], audienceFilter: [], limit: 0 })).alarms ?? [];
    expect(stored).toMatchObject({ key, state: 'Acknowledged', by: 'ada', comment: 'crew on the way' });
    const listed = (await fromPage<AlarmView[]>(page, `/api/alarms?prefix=${encodeURIComponent(key)}`)).json;
    expect(listed.map((alarm) => `${alarm.key} ${alarm.state} ${alarm.by}`)).toEqual([`${key} Acknowledged ada`]);
    await screenshot(page, 'e2e-alarms-acknowledged');
  });

  it('opens a month of 1 Hz data (2,592,000 entries) as a chart drawn from its M4 downsampling', async () => {
    const series = await month;
    expect(series.entries).toBe(2_592_000);
    await goTo(page, 'datapoints');
    await page.locator('[data-test=dp-search]').fill('e2e.feeder');
    await page.locator(`[data-test=dp-row] [data-test=dp-link]`, { hasText: MONTH_POINT }).click();
    await page.locator(`[data-test=dp-detail][data-name="${MONTH_POINT}"]`).waitFor();
    await page.locator('[data-test=span-1mo]').click();
    const chart = page.locator(`[data-test=chart][data-from="${series.fromMs}"][data-source-entries="${series.entries}"]`);
    await chart.waitFor({ timeout: 20_000 });
    expect(Number(await chart.getAttribute('data-to'))).toBe(series.toMs);
    const points = Number(await chart.getAttribute('data-points'));
    const canvasWidth = await chart.locator('canvas').first().evaluate((canvas) => (canvas as unknown as { width: number }).width);
    // M4: at most four points per pixel column, and far fewer than the entries.
    expect(points).toBeGreaterThan(canvasWidth);
    expect(points).toBeLessThanOrEqual(4 * canvasWidth);
    // The plot is drawn: the series colour is on the canvas.
    const stroked = await chart.locator('canvas').first().evaluate((element) => {
      const canvas = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 80 && data[i + 1]! > 80 && data[i + 1]! < 160 && data[i + 2]! > 200) blue++;
      return blue;
    });
    expect(stroked).toBeGreaterThan(canvasWidth);
    await screenshot(page, 'e2e-datapoints-month-chart');
  }, 30_000);

  it('shows the hosts and topology pages (screenshots of every page)', async () => {
    await goTo(page, 'hosts');
    await page.locator('[data-test=tree-node]').first().waitFor();
    expect(await page.locator('[data-test=tree-node]', { hasText: 'dashboard' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'e2e-hosts');
    await goTo(page, 'topology');
    // No GRM in this setup: the page says what is missing instead of failing.
    await page.locator('[data-test=topology-problems], [data-test=topology-empty]').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'e2e-topology');
  });

  it('refuses an operator an install: no install button, and the API answers 403 when forced (audited)', async () => {
    const operator = await openPage();
    await logIn(operator, 'olga');
    await goTo(operator, 'apps');
    await operator.locator('[data-test=app-row][data-name=chain-b]').waitFor();
    await operator.locator('[data-test=catalogue-row][data-name=chain-a]').waitFor();
    expect(await operator.locator('[data-test=install-open], [data-test=catalogue-install], [data-test=app-remove], [data-test=app-configure]').count()).toBe(0);
    await screenshot(operator, 'e2e-apps-operator');

    // Forced from the operator's own browser session, with a valid CSRF token.
    const plan = await fromPage<unknown>(operator, '/api/apps/plan', { method: 'POST', body: { name: 'chain-a' }, csrf: true });
    expect(plan.status).toBe(403);
    const install = await fromPage<{ code: string }>(operator, '/api/apps/install', { method: 'POST', body: { planId: 'forced', name: 'chain-a', configs: {} }, csrf: true });
    expect(install.status).toBe(403);
    expect(install.json.code).toBe('Forbidden');
    // Over plain HTTP as well (a script, not the web app).
    const client = new DashboardClient(baseUrl);
    expect((await client.login('olga', 'olga-e2e-secret')).json.role).toBe('operator');
    expect((await client.post('/api/apps/install', { planId: 'forced', name: 'chain-a', configs: {} })).status).toBe(403);
    // Nothing changed; the refusals are in the audit log, by the operator.
    const apps = (await fromPage<AppView[]>(page, '/api/apps')).json;
    expect(apps.map((app) => app.name).sort()).toEqual(['chain-a', 'chain-b']);
    const audit = await eventually(async () => {
      const entries = (await fromPage<AuditEntry[]>(page, '/api/audit')).json;
      const refused = entries.filter((entry) => entry.user === 'olga' && entry.outcome === 'refused');
      return refused.length >= 3 ? refused : undefined;
    }, 'three refusals of olga in the audit log');
    expect(audit.map((entry) => entry.role)).toEqual(['operator', 'operator', 'operator']);
    const session = (await fromPage<SessionInfo>(operator, '/api/session')).json;
    expect(session).toMatchObject({ user: 'olga', role: 'operator' });
  });
});


