/**
 * The dashboard's read and alarm routes against real modules under a host agent (`gridlink up`:
 * alarms and the dashboard): GET /api/modules (the registry), GET /api/hosts (status and tree),
 * the alarms routes against the real alarms module — list with filters, acknowledge by the
 * session's user (and the audit entry), the module's refusals mapped (404 unknown key, 409
 * wrong state, 422 bad input), shelve and unshelve, the substation state, the notifications the
 * dashboard kept — and the alarm changes on the live socket.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView, ApiError, AuditEntry, HostView, LiveMessage, ModuleView } from '../../actors/dashboard/api.js';
import { RawEvent } from '../../schemas/generated/messages.js';
import { removeTempDirs, until, writeConfig } from '../actor/helpers.js';
import { ALARMS_MODULE } from '../alarms-module/helpers.js';
import { killAll } from '../support/processes.js';
import { newDomain, startAgent, tempDir, type Agent } from '../supervisor/helpers.js';
import { dashboardConfig, dashboardUrl, DashboardClient, DASHBOARD_MODULE, eventually, USERS, writeTestUsers, type LiveClient } from './backend-helpers.js';

let agent: Agent;
let url: string;
let olga: DashboardClient;
let live: LiveClient;
const password = (name: string): string => USERS.find((u) => u.name === name)!.password;

async function client(name: string): Promise<DashboardClient> {
  const c = new DashboardClient(url);
  expect((await c.login(name, password(name))).status).toBe(200);
  return c;
}

/** Publishes a raise on alarms/raw until the dashboard lists it (publications before a subscription is up are lost). */
async function raise(key: string, severity: RawEvent['severity'] = 'Major', group = 'feeder:F1'): Promise<AlarmView> {
  const event: RawEvent = { key, kind: 'Raise', severity, audience: 'FieldEngineer', category: 'grid', source: 'F1.L1.voltage', group, message: `${key}: 254 V above the band`, value: 254, hasValue: true, atMs: Date.now() };
  return eventually(async () => {
    agent.peer.bus.publish('alarms/raw', RawEvent, { ...event, atMs: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (await olga.get<AlarmView[]>(`/api/alarms?prefix=${encodeURIComponent(key)}`)).json.find((a) => a.key === key);
  }, `alarm ${key} listed`);
}

beforeAll(async () => {
  const domain = await newDomain();
  const dir = tempDir('dashboard-routes');
  const { configPath, portFile, usersFile } = dashboardConfig(dir);
  await writeTestUsers(usersFile);
  const alarmsConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'alarms'), settings: { flood: { graceMs: 0 }, tickMs: 200 } }, 'alarms.config.json');
  agent = await startAgent(domain, dir, {
    strategy: 'one_for_one',
    intensity: 10,
    periodMs: 60_000,
    children: [
      { name: 'alarms', module: ALARMS_MODULE, config: alarmsConfig },
      { name: 'dashboard', module: DASHBOARD_MODULE, config: configPath },
    ],
  });
  url = await dashboardUrl(portFile, agent.process);
  olga = await client('olga');
  live = await olga.live();
  await until(() => agent.peer.bus.registry.list().some((r) => r.name === 'alarms' && r.state === 'running'), 'alarms running', 20_000);
}, 30_000);

afterAll(async () => {
  live?.close();
  await agent?.stop();
  await killAll();
  removeTempDirs();
});

describe('dashboard routes', () => {
  it('GET /api/modules: the registry with roles, pids and hosts', async () => {
    const answer = await olga.get<ModuleView[]>('/api/modules');
    expect(answer.status).toBe(200);
    const alarms = answer.json.find((m) => m.name === 'alarms')!;
    expect(alarms.roles).toContain('alarms');
    expect(alarms.state).toBe('running');
    expect(alarms.publishes).toContain('alarms/changes');
    const dashboard = answer.json.find((m) => m.name === 'dashboard')!;
    expect(dashboard.topics).toEqual(expect.arrayContaining(['supervisor/events', 'alarms/changes']));
    expect(answer.json.some((m) => m.roles.includes('supervisor'))).toBe(true);
    for (const module of answer.json) expect(module.pid).toBeGreaterThan(0);
  });

  it('GET /api/hosts: the host with its status and the supervision tree', async () => {
    const answer = await olga.get<HostView[]>('/api/hosts');
    expect(answer.status).toBe(200);
    expect(answer.json).toHaveLength(1);
    const host = answer.json[0]!;
    expect(host.agentId).toBe(agent.peer.bus.registry.holders('supervisor')[0]!.id);
    expect(host.cpuCount).toBeGreaterThan(0);
    expect(host.totalMemoryBytes).toBeGreaterThan(host.freeMemoryBytes);
    expect(host.tree).toMatchObject({ path: 'root', kind: 'supervisor', state: 'running' });
    const children = host.tree.children ?? [];
    expect(children.map((c) => c.path).sort()).toEqual(['root/alarms', 'root/dashboard']);
    for (const child of children) expect(child).toMatchObject({ kind: 'worker', state: 'running', restarts: 0 });
    expect(children.find((c) => c.path === 'root/dashboard')!.pid).toBe(agent.peer.bus.registry.list().find((r) => r.name === 'dashboard')!.pid);
  });

  it('lists, acknowledges (by the session user, audited), shelves and unshelves alarms; live alarm messages', async () => {
    const key = `spec:routes:${Date.now()}`;
    const raised = await raise(key);
    expect(raised).toMatchObject({ key, state: 'Raised', severity: 'Major', audience: 'FieldEngineer', group: 'feeder:F1', value: 254, active: true });
    await live.waitFor((m: LiveMessage): m is Extract<LiveMessage, { type: 'alarm' }> => m.type === 'alarm' && m.alarm.key === key && m.isNew, 'the live alarm');

    const ack = await olga.post<AlarmView>('/api/alarms/ack', { key, comment: 'crew on the way' });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ key, state: 'Acknowledged', by: 'olga', comment: 'crew on the way' });
    await live.waitFor((m: LiveMessage): m is Extract<LiveMessage, { type: 'alarm' }> => m.type === 'alarm' && m.alarm.key === key && m.alarm.state === 'Acknowledged', 'the live acknowledgement');
    const ada = await client('ada');
    const audit = await ada.get<AuditEntry[]>(`/api/audit?action=alarm-ack&user=olga`);
    expect(audit.json[0]).toMatchObject({ user: 'olga', role: 'operator', action: 'alarm-ack', target: key, outcome: 'ok' });

    // Filters: Acknowledged only finds it; Raised only does not.
    expect((await olga.get<AlarmView[]>(`/api/alarms?states=Acknowledged&prefix=${encodeURIComponent(key)}`)).json.map((a) => a.key)).toEqual([key]);
    expect((await olga.get<AlarmView[]>(`/api/alarms?states=Raised&prefix=${encodeURIComponent(key)}`)).json).toEqual([]);
    const badFilter = await olga.get<ApiError>('/api/alarms?states=Sleeping');
    expect(badFilter.status).toBe(422);

    const shelved = await olga.post<AlarmView>('/api/alarms/shelve', { key, untilMs: Date.now() + 3_600_000, comment: 'maintenance' });
    expect(shelved.status).toBe(200);
    expect(shelved.json).toMatchObject({ state: 'Shelved', by: 'olga' });
    expect(shelved.json.shelvedUntilMs).toBeGreaterThan(Date.now());
    const unshelved = await olga.post<AlarmView>('/api/alarms/unshelve', { key });
    expect(unshelved.status).toBe(200);
    expect(unshelved.json.state).not.toBe('Shelved');
    expect(unshelved.json.shelvedUntilMs).toBe(0);
  });

  it("maps the alarms module's refusals: unknown key 404, wrong state 409, bad input 422", async () => {
    const unknown = await olga.post<ApiError>('/api/alarms/ack', { key: 'spec:no-such-alarm' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('NotFound');
    const key = `spec:routes:twice:${Date.now()}`;
    await raise(key);
    expect((await olga.post('/api/alarms/ack', { key })).status).toBe(200);
    const again = await olga.post<ApiError>('/api/alarms/ack', { key });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('Conflict');
    const past = await olga.post<ApiError>('/api/alarms/shelve', { key, untilMs: Date.now() - 60_000 });
    expect(past.status).toBe(422);
    const noKey = await olga.post<ApiError>('/api/alarms/ack', {});
    expect(noKey.status).toBe(422);
    expect(noKey.json.message).toContain('"key"');
  });

  it('GET /api/alarms/state and /api/alarms/notifications', async () => {
    const key = `spec:routes:critical:${Date.now()}`;
    // A group of its own: flood protection lets only a few notifications per group through.
    const group = `feeder:N${Date.now()}`;
    await raise(key, 'Critical', group);
    const state = await olga.get<{ active: number; unacknowledged: number; worst: string }>('/api/alarms/state');
    expect(state.status).toBe(200);
    expect(state.json.active).toBeGreaterThanOrEqual(1);
    expect(state.json.worst).toBe('Critical');
    type Note = { kind: string; text: string; group: string };
    const notifications = await eventually(async () => {
      const answer = await olga.get<Note[]>('/api/alarms/notifications');
      return answer.json.some((n) => n.text.includes(key)) ? answer.json : undefined;
    }, `a notification of ${key}`);
    expect(notifications).toContainEqual(expect.objectContaining({ kind: 'Alarm', group, text: expect.stringContaining(key) }));
  });
});
