/**
 * The dashboard's live socket (/api/live) under a real host agent (`gridlink up`: the dashboard and
 * a victim module, examples/generator): the socket needs the session cookie and the dashboard's
 * own Origin; a victim killed with SIGKILL shows as a registry `leave` (with the registry's reason)
 * and a supervisor event, then its restarted successor as a `join`; host messages carry the
 * supervision tree; logging out closes the socket; a browser that stops reading is dropped while
 * the others keep receiving.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostView, LiveMessage, TreeNodeView } from '../../actors/dashboard/api.js';
import { SupervisorEvent } from '../../schemas/generated/messages.js';
import { removeTempDirs, until, writeConfig } from '../actor/helpers.js';
import { killAll } from '../support/processes.js';
import { newDomain, QUICK_RESTARTS, startAgent, tempDir, type Agent } from '../supervisor/helpers.js';
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
  const { configPath, portFile, usersFile } = dashboardConfig(dir, { livePingMs: 500, liveMaxBufferedBytes: 1_048_576 });
  await writeTestUsers(usersFile);
  const victimConfig = writeConfig(dir, { stateDir: join(dir, 'state', 'victim'), settings: { intervalMs: 60_000 } }, 'victim.config.json');
  agent = await startAgent(domain, dir, {
    ...QUICK_RESTARTS,
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

  it('drops a browser that stops reading (bounded buffer) while the others keep receiving', async () => {
    const olga = await client('olga');
    const reader = await olga.live();
    const port = Number(new URL(url).port);
    // A socket that completes the WebSocket handshake and then never reads again.
    const stalled = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write(
      `GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\nCookie: ${olga.cookie}\r\n\r\n`,
    );
    const handshake = await new Promise<string>((resolve) => stalled.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    expect(handshake).toMatch(/^HTTP\/1\.1 101/);
    stalled.pause();
    let stalledClosed = false;
    stalled.once('close', () => (stalledClosed = true));
    // 640 supervisor events of 32 KiB (20 MB: more than the kernel's socket buffers hold) published on
    // the bus as an agent would, in bursts of 320 KiB, well below the 1 MiB limit for a reading browser.
    const big = 'x'.repeat(32_768);
    for (let i = 0; i < 640; i++) {
      agent.peer.bus.publish('supervisor/events', SupervisorEvent, { host: 'spec', kind: 'Started', child: `root/flood-${i}`, pid: i, exitCode: -1, message: big, atMs: Date.now() });
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await until(() => agent.logFile('root/dashboard').includes('live socket dropped: the browser does not keep up'), 'the slow socket dropped in the log', 20_000);
    stalled.resume();
    await until(() => stalledClosed, 'the stalled socket closed', 10_000);
    // The reading browser got the flood to its end.
    await reader.waitFor(is('supervisor', (m) => m.child === 'root/flood-639'), 'the last flood event', 20_000);
    reader.close();
  });
});
