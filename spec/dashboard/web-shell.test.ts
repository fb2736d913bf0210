/**
 * The dashboard's web shell in real headless Chromium against a real dashboard module: a host
 * agent (`gridlink up`) runs the alarms module, a victim module (examples/generator) and the
 * dashboard; users are in a users file. Log in (a wrong password first), see the hosts page with
 * the supervision tree and the modules page with the registry; SIGKILL the victim and watch its
 * row turn "down" with the registry's reason, then its restarted successor appear; raise an alarm
 * by publishing a RawEvent on `alarms/raw` and acknowledge it with a comment in the page; an
 * engineer sees the same alarm without the buttons. Screenshots of each page are saved.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../actors/dashboard/server/password.js';
import { writeUsers } from '../../actors/dashboard/server/users-file.js';
import { GetAlarms, type RawEvent } from '../../schemas/generated/messages.js';
import { removeTempDirs, writeConfig } from '../actor/helpers.js';
import { ALARMS_MODULE, ask } from '../alarms-module/helpers.js';
import { launchChromium, newDashboardPage, screenshot } from '../support/browser.js';
import { distPath, killAll } from '../support/processes.js';
import { newDomain, QUICK_RESTARTS, startAgent, tempDir, until, type Agent } from '../supervisor/helpers.js';
import { eventually, raiseUntilShown } from './backend-helpers.js';

const DASHBOARD_MODULE = distPath('actors/dashboard/module.js');
// A cheap scrypt cost: the test logs in a few times; the cost is read from each stored hash.
const COST = { N: 1024, r: 8, p: 1 };

let agent: Agent;
let browser: Browser;
let baseUrl: string;
const contexts: BrowserContext[] = [];

async function openPage(): Promise<Page> {
  const { context, page } = await newDashboardPage(browser, baseUrl);
  contexts.push(context);
  return page;
}

async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/');
  await page.locator('[data-test=login-user]').fill(user);
  await page.locator('[data-test=login-password]').fill(password);
  await page.locator('[data-test=login-submit]').click();
}

beforeAll(async () => {
  const domain = await newDomain();
  const dir = tempDir('dashboard-web-shell');
  const usersFile = join(dir, 'users.json');
  writeUsers(usersFile, [
    { name: 'olga', role: 'operator', password: await hashPassword('olga-secret', COST) },
    { name: 'erik', role: 'engineer', password: await hashPassword('erik-secret', COST) },
  ]);
  const portFile = join(dir, 'dashboard.port');
  const dashboardConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'dashboard'), settings: { port: 0, portFile, usersFile } }, 'dashboard.config.json');
  const alarmsConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'alarms'), settings: { flood: { graceMs: 0 }, tickMs: 200 } }, 'alarms.config.json');
  const victimConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'victim'), settings: { intervalMs: 60_000 } }, 'victim.config.json');
  [agent, browser] = await Promise.all([
    startAgent(domain, dir, {
      ...QUICK_RESTARTS,
      children: [
        { name: 'alarms', module: ALARMS_MODULE, config: alarmsConfig },
        { name: 'victim', module: 'examples/generator', config: victimConfig },
        { name: 'dashboard', module: DASHBOARD_MODULE, config: dashboardConfig },
      ],
    }),
    launchChromium(),
  ]);
  await Promise.all([agent.peer.module('dashboard', undefined, 20_000), agent.peer.module('alarms', undefined, 20_000), agent.peer.module('generator', undefined, 20_000)]);
  const port = await until(() => {
    try {
      return Number(readFileSync(portFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }, 'the dashboard port file');
  baseUrl = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await agent?.stop();
  await killAll();
  removeTempDirs();
});

describe('dashboard web shell in Chromium', () => {
  let page: Page;

  it('logs in (after a refused wrong password) and shows the hosts and modules pages', async () => {
    page = await openPage();
    await logIn(page, 'olga', 'wrong');
    await expect(page.locator('[data-test=login-error]').textContent({ timeout: 10_000 })).resolves.toBe('Wrong user name or password.');
    await screenshot(page, 'web-shell-login-refused');
    await page.locator('[data-test=login-password]').fill('olga-secret');
    await page.locator('[data-test=login-submit]').click();
    await page.locator('[data-test=page-title]', { hasText: 'Hosts' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-test=user]').textContent()).toBe('olga');
    expect(await page.locator('[data-test=role]').getAttribute('data-role')).toBe('operator');
    for (const id of ['hosts', 'modules', 'alarms']) expect(await page.locator(`[data-test=nav-${id}]`).count()).toBe(1);
    // The host agent's tree: its three workers, the victim among them running with a pid.
    const victimNode = page.locator('[data-test=tree-node][data-path="root/victim"]');
    await victimNode.waitFor({ timeout: 10_000 });
    expect(await victimNode.getAttribute('data-state')).toBe('running');
    expect(await page.locator('[data-test=tree-node][data-kind=worker]').count()).toBe(3);
    await page.locator('[data-test=live-status][data-status=open]').waitFor({ timeout: 10_000 });
    await screenshot(page, 'web-shell-hosts');

    await page.locator('[data-test=nav-modules]').click();
    await page.locator('[data-test=module-row][data-name=generator][data-state=running]').waitFor({ timeout: 10_000 });
    for (const name of ['alarms', 'dashboard']) expect(await page.locator(`[data-test=module-row][data-name=${name}]`).count()).toBe(1);
    await page.locator('[data-test=module-filter]').fill('generator');
    expect(await page.locator('[data-test=module-row]').count()).toBe(1);
    await page.locator('[data-test=module-filter]').fill('');
    await screenshot(page, 'web-shell-modules');
  }, 30_000);

  it('shows a SIGKILLed module down with the reason, then its restarted successor running', async () => {
    const before = await agent.node('root/victim');
    const oldRow = page.locator(`[data-test=module-row][data-name=generator][data-pid="${before.pid}"]`);
    await oldRow.waitFor({ timeout: 5000 });
    process.kill(before.pid, 'SIGKILL');
    await page.locator(`[data-test=module-row][data-name=generator][data-pid="${before.pid}"][data-state=down]`).waitFor({ timeout: 20_000 });
    expect((await oldRow.locator('[data-test=module-leave-reason]').textContent())?.length).toBeGreaterThan(0);
    const restarted = await eventually(async () => {
      const node = await agent.node('root/victim');
      return node.pid !== before.pid && node.pid > 0 ? node : undefined;
    }, 'the restarted victim');
    const successor = page.locator(`[data-test=module-row][data-name=generator][data-pid="${restarted.pid}"][data-state=running]`);
    await successor.waitFor({ timeout: 15_000 });
    await screenshot(page, 'web-shell-module-down-and-back');
  }, 30_000);

  it('acknowledges an alarm raised on alarms/raw, with a comment, as the logged-in operator', async () => {
    const key = `spec:web-shell:${Date.now()}`;
    const event: RawEvent = { key, kind: 'Raise', severity: 'Major', audience: 'FieldEngineer', category: 'grid', source: 'F1.L1.voltage', group: 'feeder:F1', message: 'Voltage 254 V above the band', value: 254, hasValue: true, atMs: Date.now() };
    await page.locator('[data-test=nav-alarms]').click();
    await page.locator('[data-test=page-title]', { hasText: 'Alarms' }).waitFor();
    const row = page.locator(`[data-test=alarm-row][data-key="${key}"]`);
    await raiseUntilShown(agent.peer.bus, event, row);
    expect(await row.getAttribute('data-state')).toBe('Raised');
    expect(await row.getAttribute('data-severity')).toBe('Major');
    await screenshot(page, 'web-shell-alarms-raised');

    await row.locator('[data-test=alarm-ack]').click();
    await page.locator('[data-test=alarm-comment]').fill('crew informed');
    await page.locator('[data-test=alarm-confirm]').click();
    await page.locator(`[data-test=alarm-row][data-key="${key}"][data-state=Acknowledged]`).waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-test=alarm-ack]').count()).toBe(0);
    const [stored] = (await ask(agent.peer, GetAlarms, { keyPrefix: key, states: [], audienceFilter: [], limit: 0 })).alarms ?? [];
    expect(stored).toMatchObject({ key, state: 'Acknowledged', by: 'olga', comment: 'crew informed' });
    // The banner follows the substation state (fetched again shortly after each alarm change).
    await page.locator('[data-test=banner]:not([data-active="0"])').waitFor({ timeout: 5000 });
    await screenshot(page, 'web-shell-alarms-acknowledged');

    // An engineer sees the alarm and the substation state, but no buttons to handle it.
    const engineer = await openPage();
    await logIn(engineer, 'erik', 'erik-secret');
    await engineer.locator('[data-test=nav-alarms]').click();
    const seen = engineer.locator(`[data-test=alarm-row][data-key="${key}"]`);
    await seen.waitFor({ timeout: 10_000 });
    await engineer.locator('[data-test=substation-state]').waitFor();
    expect(Number(await engineer.locator('[data-test=state-active]').textContent())).toBeGreaterThanOrEqual(1);
    expect(await engineer.locator('[data-test=alarm-ack], [data-test=alarm-shelve]').count()).toBe(0);
    await screenshot(engineer, 'web-shell-alarms-engineer');

    // Logging out ends the session: the login page, and the API refuses the old cookie.
    await engineer.locator('[data-test=logout]').click();
    await engineer.locator('[data-test=login-form]').waitFor({ timeout: 5000 });
    expect(await engineer.evaluate(async () => (await fetch('/api/alarms')).status)).toBe(401);
  }, 30_000);
});
