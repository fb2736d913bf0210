/**
 * Installing on other hosts over real separate "machines": two hosts b and c (network namespaces
 * on one bridge, each with its own OpenSSH server) get a host agent bootstrapped over SSH from a
 * copy of this installation's runtime, with an AppManager in its tree (its settings and the
 * trusted key written over SSH). This side runs host a: its own agent and AppManager, the App
 * Store bound on the bridge address (the remote AppManagers download from it over HTTP), and the
 * test's bus peer. Every request goes to a's AppManager; pinned to b, the chain runs on b; with
 * least-loaded the choice is explained; StopApp is forwarded; a host that is gone is Unavailable.
 * Root and iproute2 needed, as CI runs. The same on loopback: remote-install-loopback.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../core/bus/bus.js';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import { bootstrapHost, describeRuntime, HostMonitor, parseInventory, type BootstrapResult, type InventoryHost, type RuntimeBundle } from '../../core/provisioning/rollout/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { AppErrorReply, AppEvent, GetApps, InstallApp, StopApp, TreeReply, TreeRequest, type ChildInfo } from '../../schemas/generated/messages.js';
import { startGridlink, writeConfig } from '../actor/helpers.js';
import { createBridgedHosts, NamespaceSshServer, type BridgedHost } from '../support/netns-hosts.js';
import { uniqueCluster, type LineProcess } from '../support/processes.js';
import { askAt, makeKey, packApp, refusalOf } from './app-manager-helpers.js';

const net = createBridgedHosts(['b', 'c']);
const hostC = net.hosts[1];
const work = mkdtempSync('/tmp/gl-remote-install-');
const cluster = uniqueCluster('remote-install');
const busPort = 5900 + Math.floor(Math.random() * 200);
const servers: NamespaceSshServer[] = [];
const agents = new Map<string, BootstrapResult>();
const events: AppEvent[] = [];
let bus: Bus;
let monitor: HostMonitor;
let bundle: RuntimeBundle;
let store: RunningAppStore;
let localAgent: LineProcess;
let localAgentId = '';
let trustedPem = '';

/** The AppManager children of a host agent's root: the AppManager and the supervisor its apps go under. */
function appManagerChildren(config: string): Record<string, unknown>[] {
  return [
    { name: 'app-manager', module: 'app-manager', config },
    { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
  ];
}

function appManagerConfig(installDir: string, trustedKeys: string): string {
  return `${JSON.stringify({ stateDir: `${installDir}/state/app-manager`, settings: { appsDir: `${installDir}/apps`, storeUrl: store.url, trustedKeys, healthWindowMs: 1000, supervisor: 'root/apps', shutdownMs: 3000 } }, null, 2)}\n`;
}

function inventoryHost(host: BridgedHost, server: NamespaceSshServer): InventoryHost {
  const inventory = parseInventory(
    {
      defaults: { user: 'root', installDir: join(work, host.name, 'gridlink'), bus: { cluster, port: busPort } },
      hosts: [{ name: host.name, address: host.address, privateKey: server.keys.clientKeyPath, hostKeys: [server.keys.hostKeyFingerprint], bus: { interface: host.device } }],
    },
    'test inventory',
    work,
  );
  return inventory.hosts[0];
}

async function tree(agentId: string): Promise<ChildInfo> {
  const reply = await bus.request(`supervisor@${agentId}`, TreeRequest, {}, TreeReply, { timeoutMs: 5000 });
  if (!reply.root) throw new Error('TreeReply without a root');
  return reply.root;
}

function node(root: ChildInfo, path: string): ChildInfo | undefined {
  if (root.path === path) return root;
  for (const child of root.children ?? []) {
    const found = node(child, path);
    if (found) return found;
  }
  return undefined;
}

async function runningAppManager(agentId: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = node(await tree(agentId), 'root/app-manager');
    if (info?.state === 'Running' && info.moduleId && bus.registry.get(info.moduleId)) return info.moduleId;
    if (Date.now() > deadline) throw new Error(`no AppManager running under agent ${agentId} within ${timeoutMs} ms (${info?.state ?? 'not in the tree'} ${info?.lastExit ?? ''})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Asks the AppManager of this side (host a), by bus id: every host's holds role app-manager. */
async function askA<T, R>(type: RequestType<T, R>, value: T, timeoutMs = 90_000): Promise<R> {
  return askAt(bus, `app-manager@${await runningAppManager(localAgentId)}`, type, value, timeoutMs);
}

function refusalA<T, R>(type: RequestType<T, R>, value: T): Promise<AppErrorReply> {
  return refusalOf(askA(type, value), type.name);
}

beforeAll(async () => {
  const keys = join(work, 'keys');
  mkdirSync(keys, { recursive: true });
  const trusted = makeKey(keys, 'publisher');
  trustedPem = readFileSync(trusted.publicKeyFile, 'utf8');
  const storeDir = join(work, 'store');
  for (const app of ['chain-a', 'chain-b', 'chain-c']) await packApp(app, trusted.key, storeDir);
  // On the bridge address: the AppManagers in the namespaces download from it.
  store = await AppStoreServer.start({ dir: storeDir, host: net.local.address, port: 0, log: () => undefined });

  for (const host of net.hosts) servers.push(await NamespaceSshServer.start(host, join(work, host.name, 'sshd')));
  bus = await Bus.start({ name: 'remote-install-test', version: '0.0.0', discovery: { port: busPort, cluster, interface: net.local.device } });
  monitor = new HostMonitor(bus, { staleAfterMs: 6000 });
  bus.subscribe('app-manager/events', (delivery) => events.push(AppEvent.decode(delivery.body)));
  bundle = await describeRuntime(resolve('.'));

  // Host a: this side's agent and AppManager, on the bridge.
  const localDir = join(work, 'a');
  mkdirSync(localDir, { recursive: true });
  const localConfig = writeConfig(localDir, JSON.parse(appManagerConfig(localDir, trusted.publicKeyFile)) as Record<string, unknown>, 'app-manager.config.json');
  const treeFile = writeConfig(localDir, { root: { name: 'root', strategy: 'one_for_one', children: appManagerChildren(localConfig) }, logs: { dir: join(localDir, 'logs'), maxBytes: 65_536, keep: 2 } }, 'tree.json');
  localAgent = startGridlink(['up', treeFile, '--cluster', cluster, '--port', String(busPort), '--interface', net.local.device], {
    cwd: localDir,
    label: 'gridlink up (a)',
    env: { GRIDLINK_HOST_NAME: 'a', GRIDLINK_HOST_STATUS_MS: '1000' },
  });
  localAgentId = (await monitor.waitFor('a', (h) => !h.lost, 30_000)).status.agentId ?? '';

  // Hosts b and c over SSH, each with its AppManager (settings and trusted key written over SSH).
  await Promise.all(
    net.hosts.map(async (host, i) => {
      const installDir = join(work, host.name, 'gridlink');
      const result = await bootstrapHost(inventoryHost(host, servers[i]), {
        runtimeRoot: resolve('.'),
        bundle,
        monitor,
        joinTimeoutMs: 30_000,
        env: { GRIDLINK_HOST_STATUS_MS: '1000' },
        files: { 'app-manager.config.json': appManagerConfig(installDir, `${installDir}/trusted.pem`), 'trusted.pem': trustedPem },
        rootChildren: appManagerChildren(`${installDir}/app-manager.config.json`),
      });
      agents.set(host.name, result);
    }),
  );
  for (const agentId of [localAgentId, ...[...agents.values()].map((a) => a.agentId)]) await runningAppManager(agentId);
  // Subscriptions travel after the connection is up: ask for something refused (it ends with an AppEvent "error") until one arrives.
  const deadline = Date.now() + 15_000;
  for (let n = 1; !events.some((e) => e.operationId?.startsWith('warm-up')); n++) {
    if (Date.now() > deadline) throw new Error('no AppEvent from the AppManager within 15 s');
    await askA(StopApp, { name: 'app-manager', force: false, operationId: `warm-up-${n}` }, 5000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 150_000);

afterAll(async () => {
  await localAgent?.kill('SIGTERM').catch(() => undefined);
  monitor?.close();
  await bus?.close('test done');
  await store?.close();
  net.destroy();
  rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('AppManager: installing on hosts bootstrapped over SSH', () => {
  it('installs the chain pinned to b: b\'s AppManager downloads, verifies and runs it under b\'s agent', async () => {
    const reply = await askA(InstallApp, { name: 'chain-c', start: true, host: 'pinned:b', operationId: 'pin-b' });
    expect(reply.apps?.map((a) => `${a.name} ${a.version} ${a.state} ${a.host}`)).toEqual(['chain-a 1.0.0 Running b', 'chain-b 1.0.0 Running b', 'chain-c 1.0.0 Running b']);
    expect(reply.message).toMatch(/^pinned to b: host b: load [\d.]+\/\d+ CPUs/);
    expect(events.filter((e) => e.operationId === 'pin-b' && e.stage === 'verified').map((e) => e.name)).toEqual(['chain-a', 'chain-b', 'chain-c']);
    const onB = await tree(agents.get('b')!.agentId);
    for (const app of ['chain-a', 'chain-b', 'chain-c']) expect(node(onB, `root/apps/app-${app}-1.0.0`)?.state).toBe('Running');
    // Installed in b's folder (the namespaces share this file system), nowhere else.
    expect(existsSync(join(work, 'b', 'gridlink', 'apps', 'chain-c', '1.0.0'))).toBe(true);
    expect(existsSync(join(work, 'a', 'apps', 'chain-c'))).toBe(false);
    expect(existsSync(join(work, 'c', 'gridlink', 'apps', 'chain-c'))).toBe(false);
    const listed = await askA(GetApps, { host: 'b' });
    expect(listed.apps?.map((a) => `${a.name} ${a.host}`)).toEqual(['chain-a b', 'chain-b b', 'chain-c b']);
  }, 90_000);

  it('least-loaded chooses among a, b and c and explains the choice', async () => {
    // b runs its AppManager and three apps, a and c only their AppManager; ties go by name.
    const reply = await askA(InstallApp, { name: 'chain-a', start: true, host: 'least-loaded', operationId: 'least' });
    if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[remote-install] ${reply.message ?? ''}\n`);
    const chosen = /^least-loaded chose (\w+): /.exec(reply.message ?? '')?.[1];
    expect(['a', 'c']).toContain(chosen);
    for (const host of ['a', 'b', 'c']) expect(reply.message).toMatch(new RegExp(`host ${host}: load [\\d.]+/\\d+ CPUs, .* modules? \\(score [\\d.]+\\)`));
    expect(reply.message).toMatch(/host b: .*, 4 modules \(score/);
    expect(reply.apps?.map((a) => `${a.name} ${a.state} ${a.host}`)).toEqual([`chain-a Running ${chosen}`]);
    const agentId = chosen === 'a' ? localAgentId : agents.get(chosen!)!.agentId;
    expect(node(await tree(agentId), 'root/apps/app-chain-a-1.0.0')?.state).toBe('Running');
  }, 90_000);

  it('forwards StopApp to b: the app stops there', async () => {
    const reply = await askA(StopApp, { name: 'chain-c', host: 'b', force: false, operationId: 'stop-b' });
    expect(reply.apps?.map((a) => `${a.name} ${a.state} ${a.host}`)).toEqual(['chain-c Stopped b']);
    expect(node(await tree(agents.get('b')!.agentId), 'root/apps/app-chain-c-1.0.0')?.state).toBe('Stopped');
  }, 60_000);

  it('a host that is gone (its processes killed) is Unavailable, naming it', async () => {
    net.killAllIn(hostC);
    let refusal = await refusalA(StopApp, { name: 'chain-a', host: 'c', force: false });
    for (const deadline = Date.now() + 20_000; !/is lost/.test(refusal.message ?? '') && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 300));
      refusal = await refusalA(StopApp, { name: 'chain-a', host: 'c', force: false });
    }
    expect(refusal.code).toBe('Unavailable');
    expect(refusal.message).toMatch(/^host c is lost: /);
    const pinned = await refusalA(InstallApp, { name: 'chain-b', start: true, host: 'pinned:c' });
    expect(pinned.code).toBe('Unavailable');
    expect(pinned.message).toMatch(/pinned host "c" is lost/);
  }, 60_000);
});
