/**
 * The dashboard's live socket (/api/live) under a real host agent (`gridlink up`: the dashboard and
 * a victim module, examples/generator): the socket needs the session cookie and the dashboard's
 * own Origin; a victim killed with SIGKILL shows as a registry `leave` (with the registry's reason)
 * and a supervisor event, then its restarted successor as a `join`; host messages carry the
 * supervision tree; logging out closes the socket.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostView, LiveMessage, TreeNodeView } from '../../actors/dashboard/api.js';
import { removeTempDirs, writeConfig } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { newDomain, startAgent, tempDir, type Agent } from '../supervisor/helpers.js';
import { dashboardConfig, dashboardUrl, DashboardClient, DASHBOARD_MODULE, USERS, writeTestUsers, type LiveClient } from './backend-helpers.js';

let agent: Agent;
let url: string;
const password = (name: string): string => USERS.find((u) => u.name === name)!.password;

type Of<K extends LiveMessage['type']> = Extract<LiveMessage, { type: K }>;
const is =
  <K extends LiveMessage['type']>(type: K, match: (m: Of<K>) => boolean = () => true) =>
  (m: LiveMessage): m is Of<K> =>
    m.type === type && match(m as Of<K>);

function findNode(node: TreeNodeView, path: string): TreeNodeView | undefined {
  if (node.path === path) return node;
  for (const child of node.children ?? []) {
    const found = findNode(child, path);
    if (found) return found;
  }
  return undefined;
}

async function client(name: string): Promise<DashboardClient> {
  const c = new DashboardClient(url);
  expect((await c.login(name, password(name))).status).toBe(200);
  return c;
}

beforeAll(async () => {
  const domain = await newDomain();
  const dir = tempDir('dashboard-live');
  const { configPath, portFile, usersFile } = dashboardConfig(dir, { livePingMs: 500 });
  await writeTestUsers(usersFile);
  const victimConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'victim'), settings: { intervalMs: 60_000 } }, 'victim.config.json');
  agent = await startAgent(domain, dir, {
    strategy: 'one_for_one',
    intensity: 100,
    periodMs: 60_000,
    backoff: { minMs: 50, maxMs: 200, randomFactor: 0, resetAfterMs: 10_000 },
    children: [
      { name: 'victim', module: 'examples/generator', config: victimConfig },
      { name: 'dashboard', module: DASHBOARD_MODULE, config: configPath },
    ],
  });
  url = await dashboardUrl(portFile, agent.process);
}, 30_000);

afterAll(async () => {
  await agent?.stop();
  await killAll();
  removeTempDirs();
});

describe('dashboard live socket', () => {
  it('refuses a socket without a session (401) and one from a foreign Origin (403)', async () => {
    await expect(new DashboardClient(url).live()).rejects.toThrow('401');
    const olga = await client('olga');
    await expect(olga.live({ origin: 'http://evil.example' })).rejects.toThrow('403');
    const own = await olga.live({ origin: url });
    own.close();
  });

  it('shows a module killed with SIGKILL leaving (with the reason), the exit, and its successor joining; hosts carry the tree', async () => {
    const olga = await client('olga');
    const live: LiveClient = await olga.live();
    const hosts = await olga.get<HostView[]>('/api/hosts');
    expect(hosts.status).toBe(200);
    expect(hosts.json).toHaveLength(1);
    const victim = findNode(hosts.json[0]!.tree, 'root/victim')!;
    expect(victim).toMatchObject({ kind: 'worker', state: 'running', module: 'examples/generator' });
    expect(victim.pid).toBeGreaterThan(0);

    process.kill(victim.pid!, 'SIGKILL');
    const leave = await live.waitFor(is('registry', (m) => m.change === 'leave' && m.module.pid === victim.pid), 'a registry leave of the victim', 20_000);
    expect(leave.module.name).toBe('generator');
    expect(leave.reason).toBeTruthy();
    const exited = await live.waitFor(is('supervisor', (m) => m.child === 'root/victim' && m.kind === 'Exited'), 'the supervisor event of the exit', 20_000);
    expect(exited.pid).toBe(victim.pid);
    const join = await live.waitFor(is('registry', (m) => m.change !== 'leave' && m.module.name === 'generator' && m.module.pid !== victim.pid), 'the successor joining', 20_000);
    expect(join.module.pid).toBeGreaterThan(0);
    // HostStatus every 2 s becomes a host message with the tree, while a browser listens.
    const host = await live.waitFor(is('host', (m) => findNode(m.host.tree, 'root/victim')?.pid === join.module.pid), 'a host message with the new victim', 15_000);
    expect(host.host.agentId).toBe(hosts.json[0]!.agentId);
    expect(findNode(host.host.tree, 'root/dashboard')?.state).toBe('running');
    live.close();
  });

  it('closes the socket when its session ends (logout)', async () => {
    const erik = await client('erik');
    const live = await erik.live();
    expect((await erik.post('/api/logout', {})).status).toBe(204);
    const closed = await live.closed;
    expect(closed.code).toBe(4401);
  });
});
