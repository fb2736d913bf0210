/**
 * The dashboard's apps and operations routes against a real AppManager: a host agent (`gridlink
 * up`) runs the AppManager, the dashboard and an empty `apps` supervisor; a real App Store serves
 * the signed example apps chain-a <- chain-b <- chain-c (packed in the test). Catalogue with
 * parsed schemas, plan, install of chain-c with its dependencies and their configuration forms
 * (checked with ajv first: 422 naming the app), progress as operation events, configure, upgrade
 * to a published 1.1.0 and roll back to 1.0.0 (RevertApp), stop/start, removal; an operator is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppView, CatalogueView, InstallPlanView, OperationView } from '../../actors/dashboard/api.js';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { removeTempDirs, tempDir, writeConfig } from '../actor/helpers.js';
import { packApp } from '../provisioning/app-manager-helpers.js';
import { packChain, STORE_TOKEN } from '../provisioning/gateway-helpers.js';
import { killAll } from '../support/processes.js';
import { newDomain, startAgent, type Agent } from '../supervisor/helpers.js';
import { DASHBOARD_MODULE, dashboardConfig, DashboardClient, dashboardUrl } from './route-helpers.js';
import type { SigningKey } from '../../core/provisioning/package/index.js';

let store: RunningAppStore;
let agent: Agent;
let key: SigningKey;
let admin: DashboardClient;
let operator: DashboardClient;

beforeAll(async () => {
  const chain = await packChain();
  key = chain.key;
  const dir = tempDir('dash-apps');
  store = await AppStoreServer.start({ dir: chain.storeDir, publishToken: STORE_TOKEN, log: () => undefined });
  const managerConfig = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-manager'), settings: { appsDir: join(dir, 'apps'), storeUrl: store.url, trustedKeys: chain.trustedKeys, healthWindowMs: 1000, supervisor: 'root/apps', shutdownMs: 3000 } },
    'app-manager.config.json',
  );
  const { configPath, portFile } = await dashboardConfig(dir, ['administrator', 'operator'], { timeouts: { operationMs: 60_000 } });
  agent = await startAgent(await newDomain(), dir, {
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'app-manager', module: 'app-manager', config: managerConfig },
      { name: 'dashboard', module: DASHBOARD_MODULE, config: configPath },
      { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
    ],
  });
  await agent.peer.module('app-manager', undefined, 20_000, agent.process);
  await agent.peer.module('dashboard', undefined, 20_000, agent.process);
  const url = await dashboardUrl(portFile, agent.process);
  admin = await DashboardClient.login(url, 'administrator1');
  operator = await DashboardClient.login(url, 'operator1');
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await store?.close();
  await killAll();
  removeTempDirs();
});

const byName = (apps: AppView[]): Map<string, AppView> => new Map(apps.map((app) => [app.name, app]));

/** Sends an operation, expects 202 and a running OperationView, waits for its end. */
async function operation(method: string, path: string, body?: unknown, stages: readonly string[] = []): Promise<OperationView> {
  const answer = await admin.request<OperationView>(method, path, body);
  expect(answer.status, JSON.stringify(answer.json)).toBe(202);
  expect(answer.json).toMatchObject({ state: 'running', by: 'administrator1' });
  return admin.finished(answer.json.operationId, stages);
}

describe('apps through the dashboard', () => {
  it('lists the catalogue with each entry\'s configuration schema and defaults parsed, and no apps yet', async () => {
    const catalogue = await admin.get<CatalogueView>('/api/catalogue');
    expect(catalogue.status).toBe(200);
    expect(catalogue.json.storeUrl).toBe(store.url);
    const a = catalogue.json.entries.find((e) => e.name === 'chain-a')!;
    expect(a).toMatchObject({ version: '1.0.0', provides: ['alpha 1.0.0'], requires: [] });
    expect(a.defaultConfig).toMatchObject({ step: 1, maxStep: 100 });
    expect(a.configSchema).toMatchObject({ type: 'object', properties: { step: { type: 'integer' } } });
    expect(catalogue.json.entries.find((e) => e.name === 'chain-b')!.requires).toEqual(['alpha ^1.0.0']);
    expect((await operator.get<AppView[]>('/api/apps')).json).toEqual([]);
  });

  it('plans chain-c with its providers first, refuses a configuration its schema refuses, and an operator', async () => {
    const plan = await admin.request<InstallPlanView>('POST', '/api/apps/plan', { name: 'chain-c' });
    expect(plan.status, JSON.stringify(plan.json)).toBe(200);
    expect(plan.json.steps.map((s) => `${s.action} ${s.name}`)).toEqual(['install chain-a', 'install chain-b', 'install chain-c']);
    expect(plan.json.problems).toEqual([]);

    const bad = await admin.request('POST', '/api/apps/install', { name: 'chain-c', planId: plan.json.planId, configs: { 'chain-a': { step: 'five' } } });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ code: 'InvalidArgument' });
    expect((bad.json as { message: string }).message).toMatch(/chain-a.*\/step must be integer/);
    const extra = await admin.request('POST', '/api/apps/install', { name: 'chain-c', planId: plan.json.planId, configs: { 'chain-a': { nonsense: 1 } } });
    expect(extra.status).toBe(422);
    expect((extra.json as { message: string }).message).toMatch(/chain-a.*additional properties/);

    const refused = await operator.request('POST', '/api/apps/install', { name: 'chain-c', planId: plan.json.planId });
    expect(refused.status).toBe(403);
    expect((await operator.request('POST', '/api/apps/plan', { name: 'chain-c' })).status).toBe(403);
    expect((await admin.get<AppView[]>('/api/apps')).json).toEqual([]);
  });

  it('installs the plan with a configuration for the app and one for a dependency; progress comes as events of the operation', async () => {
    const plan = (await admin.request<InstallPlanView>('POST', '/api/apps/plan', { name: 'chain-c' })).json;
    const expected = ['chain-a', 'chain-b', 'chain-c'].flatMap((name) => [`installed ${name}`, `registered ${name}`]).concat('configured chain-a');
    const done = await operation('POST', '/api/apps/install', { name: 'chain-c', planId: plan.planId, configs: { 'chain-c': { step: 3 }, 'chain-a': { step: 5 } } }, expected);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.kind).toBe('install');
    const stages = done.events.map((e) => `${e.stage} ${e.name}`);
    for (const name of ['chain-a', 'chain-b', 'chain-c']) {
      expect(stages).toContain(`installed ${name}`);
      expect(stages).toContain(`registered ${name}`);
    }
    expect(stages).toContain('configured chain-a');
    const result = byName(done.result!);
    expect([...result.keys()].sort()).toEqual(['chain-a', 'chain-b', 'chain-c']);

    const apps = byName((await operator.get<AppView[]>('/api/apps')).json);
    expect(apps.get('chain-c')).toMatchObject({ state: 'Running', version: '1.0.0', requires: ['beta ^1.0.0'] });
    expect(apps.get('chain-c')!.config).toMatchObject({ step: 3 });
    expect(apps.get('chain-a')!.config).toMatchObject({ step: 5 });
    expect(apps.get('chain-b')!.config).toEqual({ refuseShutdown: '' });
    expect(apps.get('chain-a')!.configSchema).toMatchObject({ type: 'object' });
  });

  it('reconfigures an app after checking the form against its schema', async () => {
    const bad = await admin.request('PUT', '/api/apps/chain-a/config', { config: { maxStep: -1 } });
    expect(bad.status).toBe(422);
    expect((bad.json as { message: string }).message).toMatch(/chain-a.*maxStep must be >= 0/);
    const done = await operation('PUT', '/api/apps/chain-a/config', { config: { step: 7 } }, ['configured']);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result![0]!.config).toMatchObject({ step: 7 });
    expect(done.events.map((e) => e.stage)).toContain('configured');
    expect((await admin.request('PUT', '/api/apps/nothing/config', { config: {} })).status).toBe(404);
  });

  it('upgrades chain-a to a published 1.1.0 and rolls it back to 1.0.0, keeping its settings', async () => {
    const file = await packApp('chain-a', key, tempDir('dash-release'), { version: '1.1.0' });
    const published = await fetch(`${store.url}/packages`, { method: 'POST', headers: { Authorization: `Bearer ${STORE_TOKEN}` }, body: readFileSync(file) });
    expect(published.ok).toBe(true);

    const upgraded = await operation('POST', '/api/apps/chain-a/upgrade', {});
    expect(upgraded.state, JSON.stringify(upgraded.error)).toBe('succeeded');
    const after = byName((await admin.get<AppView[]>('/api/apps')).json).get('chain-a')!;
    expect(after).toMatchObject({ version: '1.1.0', otherVersions: ['1.0.0'], state: 'Running' });

    const rolledBack = await operation('POST', '/api/apps/chain-a/rollback', {}, ['reverting', 'health-ok']);
    expect(rolledBack.state, JSON.stringify(rolledBack.error)).toBe('succeeded');
    expect(rolledBack.kind).toBe('rollback');
    const back = byName((await admin.get<AppView[]>('/api/apps')).json).get('chain-a')!;
    // RevertApp: 1.1.0 is kept in turn, so the page can go forward again.
    expect(back).toMatchObject({ version: '1.0.0', otherVersions: ['1.1.0'], state: 'Running' });
    expect(back.config).toMatchObject({ step: 7 });
    const stages = rolledBack.events.map((e) => e.stage);
    expect(stages).toEqual(expect.arrayContaining(['reverting', 'stopped', 'registered', 'health-ok']));
    // The kept version goes back into service as it is: no removal, no download.
    for (const stage of ['removed', 'downloading']) expect(stages).not.toContain(stage);

    // Nothing older is kept for chain-c: a clear refusal, nothing started.
    const none = await admin.request('POST', '/api/apps/chain-c/rollback', {});
    expect(none.status).toBe(409);
    expect(none.json).toMatchObject({ code: 'Conflict', message: 'chain-c 1.0.0 has no other version kept to go back to' });
  });

  it('stops, starts and removes an app; a start of a removed app fails as its operation, with the AppManager\'s code', async () => {
    const stopped = await operation('POST', '/api/apps/chain-c/stop', {});
    expect(stopped.state, JSON.stringify(stopped.error)).toBe('succeeded');
    expect(stopped.result![0]).toMatchObject({ name: 'chain-c', state: 'Stopped' });
    const started = await operation('POST', '/api/apps/chain-c/start', {});
    expect(started.state, JSON.stringify(started.error)).toBe('succeeded');
    expect(byName(started.result!).get('chain-c')).toMatchObject({ state: 'Running' });

    const removed = await operation('DELETE', '/api/apps/chain-c', undefined, ['stopped', 'removed']);
    expect(removed.state, JSON.stringify(removed.error)).toBe('succeeded');
    expect(removed.events.map((e) => e.stage)).toEqual(expect.arrayContaining(['stopped', 'removed']));
    expect(byName((await admin.get<AppView[]>('/api/apps')).json).has('chain-c')).toBe(false);

    const gone = await admin.request('POST', '/api/apps/chain-c/start', {});
    expect(gone.status).toBe(202);
    const failed = await admin.finished((gone.json as OperationView).operationId);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'NotFound' } });

    const operations = await operator.get<OperationView[]>('/api/operations');
    expect(operations.json[0]!.operationId).toBe(failed.operationId);
    expect((await operator.get('/api/operations/no-such-operation')).status).toBe(404);
    expect((await operator.request('DELETE', '/api/apps/chain-b')).status).toBe(403);
  });
});
