/**
 * Two "hosts" side by side on one bus: two real host agents (`gridlink up`, GRIDLINK_HOST_NAME
 * host-a and host-b), each running its own AppManager and its own REST app gateway. Every
 * AppManager holds role `app-manager`, so each gateway must pick its own host's by bus id (the
 * sibling worker of its agent). Shown by stopping host-b's AppManager: host-b's gateway then
 * answers Unavailable instead of handing its request to host-a's AppManager through the role, and
 * is served again once the AppManager is restarted (a new bus id, re-resolved); host-a's gateway
 * is served throughout. Also `host` through a gateway: forwarded to the other host's AppManager.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parentPid } from '../../actors/app-gateway/own-app-manager.js';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { ChildCommand, ChildCommandReply, type ChildAction } from '../../schemas/generated/messages.js';
import { domainFlags, removeTempDirs, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';
import { killAll, type LineProcess } from '../support/processes.js';
import { newDomain } from '../supervisor/helpers.js';
import { makeKey } from './app-manager-helpers.js';
import { ADMIN_TOKEN, GATEWAY_MODULE, http } from './gateway-helpers.js';

interface Host {
  name: string;
  process: LineProcess;
  agentId: string;
  /** Its REST gateway, e.g. http://127.0.0.1:41234. */
  url: string;
}

let domain: Domain;
let peer: TestPeer;
let store: RunningAppStore;
let hostA: Host;
let hostB: Host;

/** The pids of the registered modules named `name` whose parent is `agentPid`. */
const workersOf = (agentPid: number, name: string): number[] =>
  peer.bus.registry
    .list()
    .filter((r) => r.name === name && parentPid(r.pid) === agentPid)
    .map((r) => r.pid);

async function startHost(name: string, trustedKeys: string): Promise<Host> {
  const dir = tempDir(`gw-hosts-${name}`);
  const managerConfig = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-manager'), settings: { appsDir: join(dir, 'apps'), storeUrl: store.url, trustedKeys, supervisor: 'root/apps', shutdownMs: 3000 } },
    'app-manager.config.json',
  );
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ tokens: [{ name: 'admin', token: ADMIN_TOKEN, scopes: ['admin'] }] }));
  const portFile = join(dir, 'gateway.port');
  const gatewayConfig = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-gateway'), settings: { queryTimeoutMs: 10_000, operationTimeoutMs: 30_000, rest: { host: '127.0.0.1', port: 0, tokensFile, portFile } } },
    'app-gateway.config.json',
  );
  const root = {
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'app-manager', module: 'app-manager', config: managerConfig },
      { name: 'app-gateway', module: GATEWAY_MODULE, config: gatewayConfig },
      { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
    ],
  };
  const treeFile = writeConfig(dir, { root, logs: { dir: join(dir, 'logs'), maxBytes: 65_536, keep: 2 } }, 'tree.json');
  const running = startGridlink(['up', treeFile, ...domainFlags(domain)], { cwd: dir, label: `gridlink up (${name})`, env: { GRIDLINK_HOST_NAME: name, GRIDLINK_HOST_STATUS_MS: '500' } });
  await running.waitFor((e) => e.event === 'up', 30_000, '"up"');
  const agentPid = running.child.pid!;
  const agent = await until(() => peer.bus.registry.holders('supervisor').find((r) => r.pid === agentPid), `the agent of ${name}`, 10_000, running);
  await until(() => workersOf(agentPid, 'app-manager').length === 1 && workersOf(agentPid, 'app-gateway').length === 1, `the AppManager and gateway of ${name}`, 20_000, running);
  const port = await until(() => {
    try {
      return readFileSync(portFile, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }, `the gateway port file of ${name}`, 10_000, running);
  return { name, process: running, agentId: agent.id, url: `http://127.0.0.1:${port}` };
}

function command(host: Host, action: ChildAction): Promise<ChildCommandReply> {
  return peer.bus.request(`supervisor@${host.agentId}`, ChildCommand, { child: 'root/app-manager', action, force: true, reason: 'test' }, ChildCommandReply, { timeoutMs: 30_000 });
}

const apps = (host: Host, query = '') => http(host.url, 'GET', `/apps${query}`, { token: ADMIN_TOKEN });

beforeAll(async () => {
  const trusted = makeKey(tempDir('gw-hosts-keys'), 'publisher');
  store = await AppStoreServer.start({ dir: tempDir('gw-hosts-store'), log: () => undefined });
  domain = await newDomain();
  peer = await TestPeer.start(domain, 'spec-gateway-hosts');
  hostA = await startHost('host-a', trusted.publicKeyFile);
  hostB = await startHost('host-b', trusted.publicKeyFile);
}, 90_000);

afterAll(async () => {
  await hostA?.process.kill('SIGTERM');
  await hostB?.process.kill('SIGTERM');
  await peer?.close();
  await store?.close();
  await killAll();
  removeTempDirs();
});

describe('gateways of two hosts on one bus', () => {
  it('reads a parent pid from /proc', () => {
    expect(parentPid(process.pid)).toBe(process.ppid);
    expect(parentPid(hostA.process.child.pid!)).toBe(process.pid);
    expect(parentPid(2 ** 22 + 12_345)).toBeUndefined();
  });

  it('serves both hosts, two AppManagers holding the same role', async () => {
    expect(peer.bus.registry.holders('app-manager')).toHaveLength(2);
    for (const host of [hostA, hostB]) {
      const answer = await apps(host);
      expect({ host: host.name, status: answer.status, apps: answer.body.apps }).toEqual({ host: host.name, status: 200, apps: [] });
    }
  });

  it("passes `host` on: host-a's gateway lists host-b's apps, and names an unknown host Unavailable", async () => {
    const other = await apps(hostA, '?host=host-b');
    expect(other.status).toBe(200);
    expect(other.body.apps).toEqual([]);
    const unknown = await http(hostA.url, 'POST', '/apps/chain-a/stop', { token: ADMIN_TOKEN, body: { host: 'host-z' } });
    expect(unknown.status).toBe(502); // the AppManager answered: a peer behind it is unavailable
    expect(unknown.body.code).toBe('Unavailable');
    expect(unknown.body.message).toMatch(/host-z/);
  }, 30_000);

  it("answers Unavailable on host-b while its AppManager is stopped (not host-a's through the role), and again once it is back", async () => {
    const before = peer.bus.registry.holders('app-manager').find((r) => parentPid(r.pid) === hostB.process.child.pid)!.id;
    expect((await command(hostB, 'Stop')).ok).toBe(true);
    await until(() => !peer.bus.registry.get(before), "host-b's AppManager leaving the bus", 15_000, hostB.process);
    expect(peer.bus.registry.holders('app-manager')).toHaveLength(1);
    const orphaned = await apps(hostB);
    expect(orphaned.status).toBe(503);
    expect(orphaned.body.code).toBe('Unavailable');
    expect(orphaned.body.message).toMatch(/no AppManager runs beside this gateway/);
    expect((await apps(hostA)).status).toBe(200);

    expect((await command(hostB, 'Start')).ok).toBe(true);
    const after = await until(() => peer.bus.registry.holders('app-manager').find((r) => parentPid(r.pid) === hostB.process.child.pid)?.id, "host-b's AppManager back", 20_000, hostB.process);
    expect(after).not.toBe(before);
    const back = await apps(hostB);
    expect(back.status).toBe(200);
    expect(back.body.apps).toEqual([]);
  }, 60_000);
});
