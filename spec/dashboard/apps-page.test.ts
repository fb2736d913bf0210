/**
 * The dashboard's Apps page in real headless Chromium against a real AppManager: a host agent
 * (`gridlink up`) runs the AppManager (App Store with signed packages of spec/fixtures/apps:
 * chain-a 1.0.0 and 1.1.0, chain-b requiring chain-a's role) and the dashboard. An administrator
 * installs chain-b through the plan (chain-a comes as its dependency) and the configuration
 * forms (a wrong value is refused beside its field first), sees the problems of a plan that
 * cannot be carried out (chain-d needs a role nobody provides), upgrades chain-a, rolls it back,
 * configures it, stops, starts and removes chain-b; an operator sees the tables without any
 * action and is refused (403) when forcing a plan through the API.
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../actors/dashboard/server/password.js';
import { writeUsers } from '../../actors/dashboard/server/users-file.js';
import { launchChromium, newDashboardPage, screenshot } from '../support/browser.js';
import { distPath, killAll } from '../support/processes.js';
import { removeTempDirs, tempDir, until, writeConfig } from '../actor/helpers.js';
import { makeKey, packApp } from '../provisioning/app-manager-helpers.js';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { newDomain, startAgent, type Agent } from '../supervisor/helpers.js';

const DASHBOARD_MODULE = distPath('actors/dashboard/module.js');
const ADMIN = { user: 'ada', password: 'a-long-admin-password-1' };
const OPERATOR = { user: 'otto', password: 'a-long-operator-password-1' };
/** Operations on the example apps take a few seconds; the AppManager runs them one at a time. */
const OPERATION_MS = 45_000;

let store: RunningAppStore;
let agent: Agent;
let baseUrl: string;
let browser: Browser;
let admin: { context: BrowserContext; page: Page };

async function login(who: { user: string; password: string }): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await newDashboardPage(browser, baseUrl);
  const answer = await opened.context.request.post('/api/login', { data: who, headers: { Origin: baseUrl } });
  expect(answer.status(), await answer.text()).toBe(200);
  return opened;
}

beforeAll(async () => {
  const dir = tempDir('apps-page');
  const storeDir = join(dir, 'store');
  const trusted = makeKey(dir, 'trusted');
  await packApp('chain-a', trusted.key, storeDir);
  await packApp('chain-a', trusted.key, storeDir, { version: '1.1.0' });
  await packApp('chain-b', trusted.key, storeDir);
  await packApp('chain-c', trusted.key, storeDir, { name: 'chain-d', requires: [{ role: 'delta', range: '^1.0.0' }] });
  store = await AppStoreServer.start({ dir: storeDir, log: () => undefined });

  const usersFile = join(dir, 'users.json');
  writeUsers(usersFile, [
    { name: ADMIN.user, role: 'administrator', password: await hashPassword(ADMIN.password) },
    { name: OPERATOR.user, role: 'operator', password: await hashPassword(OPERATOR.password) },
  ]);
  const portFile = join(dir, 'port');
  const appManagerConfig = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-manager'), settings: { appsDir: join(dir, 'apps'), storeUrl: store.url, trustedKeys: trusted.publicKeyFile, healthWindowMs: 1500, supervisor: 'root/apps', shutdownMs: 3000 } },
    'app-manager.config.json',
  );
  const dashboardConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'dashboard'), settings: { host: '127.0.0.1', port: 0, portFile, usersFile } }, 'dashboard.config.json');
  agent = await startAgent(await newDomain(), dir, {
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'app-manager', module: 'app-manager', config: appManagerConfig },
      { name: 'dashboard', module: DASHBOARD_MODULE, config: dashboardConfig },
      { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
    ],
  });
  await agent.peer.module('app-manager', undefined, 20_000, agent.process);
  await agent.peer.module('dashboard', undefined, 20_000, agent.process);
  const port = await until(() => (existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) || undefined : undefined), 'the port file', 10_000, agent.process);
  baseUrl = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
  admin = await login(ADMIN);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await store?.close();
  await killAll();
  removeTempDirs();
});

const row = (page: Page, name: string) => page.locator(`[data-test=app-row][data-name="${name}"]`);

/** Waits for the operation shown in the sheet to end; returns its state. */
async function operationEnd(page: Page): Promise<string> {
  const operation = page.locator('[data-test=operation]');
  await operation.and(page.locator('[data-state="succeeded"], [data-state="failed"]')).waitFor({ timeout: OPERATION_MS });
  return (await operation.getAttribute('data-state')) ?? '';
}

async function planSteps(page: Page): Promise<string[]> {
  return page.locator('[data-test=plan-step]').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-action')} ${r.getAttribute('data-name')} ${r.getAttribute('data-version')}`));
}

async function stagesOf(page: Page): Promise<string[]> {
  return page.locator('[data-test=operation-event]').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-stage')} ${r.getAttribute('data-name')}`));
}

async function configOf(name: string): Promise<unknown> {
  const apps = (await (await admin.context.request.get('/api/apps')).json()) as { name: string; config: unknown }[];
  return apps.find((app) => app.name === name)?.config;
}

describe('Apps page as an administrator', () => {
  it('installs an app at a version range through the plan and its configuration form', async () => {
    const { page } = admin;
    await page.goto('/apps');
    await page.locator('[data-test=catalogue-row][data-name="chain-a"]').waitFor();
    expect(await page.locator('[data-test=catalogue-row][data-name="chain-a"]').getAttribute('data-versions')).toBe('1.1.0 1.0.0');
    await page.locator('[data-test=catalogue-install][data-name="chain-a"]').click();
    expect(await page.locator('[data-test=install-flow]').getAttribute('data-step')).toBe('choose');
    await page.locator('[data-test=install-range]').fill('~1.0.0');
    await page.locator('[data-test=install-plan]').click();
    await page.locator('[data-test=plan-step]').first().waitFor();
    expect(await planSteps(page)).toEqual(['install chain-a 1.0.0']);
    await page.locator('[data-test=install-next]').click();

    const form = page.locator('[data-test=config-section][data-name="chain-a"]');
    expect(await form.locator('[name="step"]').inputValue()).toBe('1');
    await form.locator('[name="maxStep"]').fill('-1');
    expect(await form.locator('[data-path="maxStep"] > [data-test=field-problem]').allTextContents()).toEqual(['must be at least 0']);
    await page.locator('[data-test=install-confirm]:disabled').waitFor();
    await form.locator('[name="maxStep"]').fill('50');
    await form.locator('[name="step"]').fill('2');
    await screenshot(page, 'apps-install-configure');
    await page.locator('[data-test=install-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    expect(await page.locator('[data-test=install-flow]').getAttribute('data-step')).toBe('result');
    expect(await stagesOf(page)).toEqual(expect.arrayContaining(['installed chain-a', 'registered chain-a']));
    await page.locator('[data-test=install-close]').click();
    await row(page, 'chain-a').and(page.locator('[data-state="Running"]')).waitFor();
    expect(await row(page, 'chain-a').getAttribute('data-version')).toBe('1.0.0');
    expect(await configOf('chain-a')).toMatchObject({ step: 2, maxStep: 50 });
  });

  it('names the problems of a plan that cannot be carried out, and goes no further', async () => {
    const { page } = admin;
    await page.locator('[data-test=install-open]').click();
    await page.locator('[data-test=install-app]').selectOption('chain-d');
    await page.locator('[data-test=install-plan]').click();
    await page.locator('[data-test=plan-problem]').first().waitFor();
    expect((await page.locator('[data-test=plan-problem]').allTextContents()).join(' ')).toContain('delta');
    expect(await page.locator('[data-test=install-next]').isDisabled()).toBe(true);
    await page.locator('[data-test=sheet-close]').click();
    await page.locator('[data-test=install-flow]').waitFor({ state: 'detached' });
  });

  it('installs an app whose dependency is there: the plan keeps it and asks only the new app\'s configuration', async () => {
    const { page } = admin;
    await page.locator('[data-test=install-open]').click();
    await page.locator('[data-test=install-app]').selectOption('chain-b');
    await page.locator('[data-test=install-plan]').click();
    await page.locator('[data-test=plan-step]').first().waitFor();
    expect(await planSteps(page)).toEqual(['keep chain-a 1.0.0', 'install chain-b 1.0.0']);
    expect(await page.locator('[data-test=plan-step][data-name="chain-a"] td').last().textContent()).toMatch(/alpha/);
    await page.locator('[data-test=install-next]').click();
    expect(await page.locator('[data-test=config-section]').evaluateAll((sections) => sections.map((s) => s.getAttribute('data-name')))).toEqual(['chain-b']);
    await page.locator('[data-test=install-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    expect(await page.locator('[data-test=result-app]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')).sort())).toEqual(['chain-a', 'chain-b']);
    await screenshot(page, 'apps-install-result');
    await page.locator('[data-test=install-close]').click();
    await row(page, 'chain-b').and(page.locator('[data-state="Running"]')).waitFor();
  });

  it('upgrades to the version it names, rolls back to the version it names, configures', async () => {
    const { page } = admin;
    expect(await row(page, 'chain-a').locator('[data-test=app-rollback]').isDisabled()).toBe(true);
    await row(page, 'chain-a').locator('[data-test=app-upgrade]').click();
    expect(await page.locator('[data-test=upgrade-target]').textContent()).toBe('1.1.0');
    await page.locator('[data-test=upgrade-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    await page.locator('[data-test=action-close]').click();
    await row(page, 'chain-a').and(page.locator('[data-version="1.1.0"]')).waitFor();

    await row(page, 'chain-a').locator('[data-test=app-rollback]').click();
    expect(await page.locator('[data-test=rollback-target]').textContent()).toBe('1.0.0');
    await page.locator('[data-test=rollback-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    await page.locator('[data-test=action-close]').click();
    await row(page, 'chain-a').and(page.locator('[data-version="1.0.0"]')).waitFor();

    await row(page, 'chain-a').locator('[data-test=app-configure]').click();
    const form = page.locator('[data-test=action-configure] [data-test=schema-form]');
    expect(await form.locator('[name="step"]').inputValue()).toBe('2');
    await form.locator('[name="step"]').fill('x');
    await page.locator('[data-test=config-save]:disabled').waitFor();
    await form.locator('[name="step"]').fill('4');
    await page.locator('[data-test=config-save]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    await page.locator('[data-test=action-close]').click();
    expect(await configOf('chain-a')).toMatchObject({ step: 4 });
  }, 120_000);

  it('stops, starts and removes an app (typing its name)', async () => {
    const { page } = admin;
    await row(page, 'chain-b').locator('[data-test=app-stop]').click();
    await page.locator('[data-test=stop-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    await page.locator('[data-test=action-close]').click();
    await row(page, 'chain-b').and(page.locator('[data-state="Stopped"]')).waitFor();
    await row(page, 'chain-b').locator('[data-test=app-start]').click();
    await page.locator('[data-test=start-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    await page.locator('[data-test=action-close]').click();
    await row(page, 'chain-b').and(page.locator('[data-state="Running"]')).waitFor();

    await row(page, 'chain-b').locator('[data-test=app-remove]').click();
    await page.locator('[data-test=remove-confirm]:disabled').waitFor();
    await page.locator('[data-test=remove-name]').fill('chain-');
    await page.locator('[data-test=remove-confirm]:disabled').waitFor();
    await page.locator('[data-test=remove-name]').fill('chain-b');
    await page.locator('[data-test=remove-confirm]').click();
    expect(await operationEnd(page)).toBe('succeeded');
    await page.locator('[data-test=action-close]').click();
    await row(page, 'chain-b').waitFor({ state: 'detached' });
    await screenshot(page, 'apps-page');
  }, 90_000);
});

describe('Apps page as an operator', () => {
  it('shows the tables without actions, and the API refuses a plan with 403', async () => {
    const operator = await login(OPERATOR);
    await operator.page.goto('/apps');
    await row(operator.page, 'chain-a').waitFor();
    await operator.page.locator('[data-test=catalogue-row]').first().waitFor();
    expect(await operator.page.locator('[data-test=install-open]').count()).toBe(0);
    expect(await operator.page.locator('[data-test=catalogue-install]').count()).toBe(0);
    expect(await operator.page.locator('[data-test=app-configure], [data-test=app-remove], [data-test=app-upgrade]').count()).toBe(0);
    expect(await operator.page.locator('[data-test=page-title]').textContent()).toBe('Apps');
    const session = (await (await operator.context.request.get('/api/session')).json()) as { csrfToken: string };
    const refused = await operator.context.request.post('/api/apps/plan', { data: { name: 'chain-b' }, headers: { Origin: baseUrl, 'X-CSRF-Token': session.csrfToken } });
    expect(refused.status()).toBe(403);
    await screenshot(operator.page, 'apps-page-operator');
    await operator.context.close();
  });
});
