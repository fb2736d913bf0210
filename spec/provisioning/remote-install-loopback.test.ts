/**
 * Installing on other hosts, with two "hosts" side by side on loopback: two real host agents
 * (`gridlink up`, GRIDLINK_HOST_NAME host-a and host-b, one bus), each running its own AppManager
 * (dist/actors/app-manager) beside an empty `apps` supervisor, and one App Store. Every request
 * goes to host-a's AppManager; those for host-b (named, pinned, or chosen by least-loaded) are
 * forwarded to host-b's AppManager, which downloads and verifies itself. Then host-b's AppManager
 * stops (Unavailable: none on the bus there) and host-b goes away (Unavailable: lost).
 * The same over SSH-bootstrapped hosts in network namespaces: remote-install.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStoreServer, type RunningAppStore } from '../../core/provisioning/app-store/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import {
  AppErrorReply,
  AppEvent,
  AppsReply,
  ChildCommand,
  ChildCommandReply,
  ConfigureApp,
  GetApps,
  InstallApp,
  RemoveApp,
  StartApp,
  StopApp,
  TreeReply,
  TreeRequest,
  type ChildInfo,
} from '../../schemas/generated/messages.js';
import { domainFlags, removeTempDirs, startGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';
import { killAll, type LineProcess } from '../support/processes.js';
import { newDomain } from '../supervisor/helpers.js';
import { askAt, makeKey, packApp, refusalOf } from './app-manager-helpers.js';

interface Host {
  name: string;
  appsDir: string;
  process: LineProcess;
  agentId: string;
}

let domain: Domain;
let peer: TestPeer;
let store: RunningAppStore;
let hostA: Host;
let hostB: Host;
const events: AppEvent[] = [];

/** A host agent named `name` whose tree runs an AppManager (apps under root/apps). */
async function startHost(name: string, trustedKeys: string): Promise<Host> {
  const dir = tempDir(`remote-${name}`);
  const appsDir = join(dir, 'apps');
  const config = writeConfig(
    dir,
    { stateDir: join(dir, 'state', 'app-manager'), settings: { appsDir, storeUrl: store.url, trustedKeys, healthWindowMs: 1000, supervisor: 'root/apps', shutdownMs: 3000 } },
    'app-manager.config.json',
  );
  const root = {
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'app-manager', module: 'app-manager', config },
      { name: 'apps', strategy: 'one_for_one', intensity: 10, periodMs: 10_000, children: [] },
    ],
  };
  const treeFile = writeConfig(dir, { root, logs: { dir: join(dir, 'logs'), maxBytes: 65_536, keep: 2 } }, 'tree.json');
  const running = startGridlink(['up', treeFile, ...domainFlags(domain)], { cwd: dir, label: `gridlink up (${name})`, env: { GRIDLINK_HOST_NAME: name, GRIDLINK_HOST_STATUS_MS: '500' } });
  await running.waitFor((e) => e.event === 'up', 30_000, '"up"');
  const agent = await until(() => peer.bus.registry.holders('supervisor').find((r) => r.pid === running.child.pid), `the agent of ${name}`, 10_000, running);
  const host: Host = { name, appsDir, process: running, agentId: agent.id };
  await waitForAppManager(host);
  return host;
}

async function tree(host: Host): Promise<ChildInfo> {
  const reply = await peer.bus.request(`supervisor@${host.agentId}`, TreeRequest, {}, TreeReply, { timeoutMs: 5000 });
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

/** The bus id of the host's AppManager, once it runs. */
async function appManagerOf(host: Host): Promise<string | undefined> {
  const info = node(await tree(host), 'root/app-manager');
  return info?.state === 'Running' && info.moduleId && peer.bus.registry.get(info.moduleId) ? info.moduleId : undefined;
}

async function waitForAppManager(host: Host): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const id = await appManagerOf(host);
    if (id) return id;
    if (Date.now() > deadline) throw new Error(`no AppManager on ${host.name} within 20 s:\n${host.process.stderr.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Asks host-a's AppManager (by bus id: both hold role app-manager). */
async function askA<T, R>(type: RequestType<T, R>, value: T, timeoutMs = 90_000): Promise<R> {
  return askAt(peer.bus, `app-manager@${await waitForAppManager(hostA)}`, type, value, timeoutMs);
}

function refusalA<T, R>(type: RequestType<T, R>, value: T): Promise<AppErrorReply> {
  return refusalOf(askA(type, value), type.name);
}

beforeAll(async () => {
  const keys = tempDir('keys');
  const trusted = makeKey(keys, 'publisher');
  const storeDir = tempDir('store');
  for (const app of ['chain-a', 'chain-b', 'chain-c']) await packApp(app, trusted.key, storeDir);
  store = await AppStoreServer.start({ dir: storeDir, log: () => undefined });
  domain = await newDomain();
  peer = await TestPeer.start(domain, 'spec-remote-install');
  peer.bus.subscribe('app-manager/events', (delivery) => events.push(AppEvent.decode(delivery.body)));
  hostA = await startHost('host-a', trusted.publicKeyFile);
  hostB = await startHost('host-b', trusted.publicKeyFile);
  // Subscriptions travel after the connection is up: ask for something refused (it ends with an AppEvent "error") until one arrives.
  const deadline = Date.now() + 15_000;
  for (let n = 1; !events.some((e) => e.operationId?.startsWith('warm-up')); n++) {
    if (Date.now() > deadline) throw new Error('no AppEvent from the AppManager within 15 s');
    await askA(StopApp, { name: 'app-manager', force: false, operationId: `warm-up-${n}` }, 5000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}, 90_000);

afterAll(async () => {
  for (const host of [hostA, hostB]) await host?.process.kill('SIGTERM').catch(() => undefined);
  await peer?.close();
  await store?.close();
  await killAll();
  removeTempDirs();
});

describe('AppManager: installing on other hosts (two hosts on loopback)', () => {
  it('installs the chain pinned to host-b: it runs there, under host-b\'s agent, installed by host-b\'s AppManager', async () => {
    const reply = await askA(InstallApp, { name: 'chain-c', start: true, host: 'pinned:host-b', operationId: 'pin-b' });
    expect(reply.apps?.map((a) => `${a.name} ${a.version} ${a.state} ${a.host}`)).toEqual(['chain-a 1.0.0 Running host-b', 'chain-b 1.0.0 Running host-b', 'chain-c 1.0.0 Running host-b']);
    expect(reply.operationId).toBe('pin-b');
    expect(reply.message).toMatch(/^pinned to host-b: host host-b: load [\d.]+\/\d+ CPUs/);
    // The placement is announced, then host-b's AppManager reports its own stages under the same operation id.
    const placed = events.find((e) => e.operationId === 'pin-b' && e.stage === 'placed');
    expect(placed?.message).toMatch(/^pinned to host-b/);
    expect(events.filter((e) => e.operationId === 'pin-b' && e.stage === 'registered').map((e) => e.name)).toEqual(['chain-a', 'chain-b', 'chain-c']);

    const onB = await tree(hostB);
    for (const app of ['chain-a', 'chain-b', 'chain-c']) expect(node(onB, `root/apps/app-${app}-1.0.0`)?.state).toBe('Running');
    expect(node(await tree(hostA), 'root/apps')?.children ?? []).toEqual([]);
    expect(existsSync(join(hostB.appsDir, 'chain-c', '1.0.0'))).toBe(true);
    expect(existsSync(join(hostA.appsDir, 'chain-c'))).toBe(false);
  }, 90_000);

  it('lists the apps of host-b through host-a (GetApps with host), and host-a\'s own without', async () => {
    const there = await askA(GetApps, { host: 'host-b' });
    expect(there.apps?.map((a) => `${a.name} ${a.state} ${a.host}`)).toEqual(['chain-a Running host-b', 'chain-b Running host-b', 'chain-c Running host-b']);
    const here = await askA(GetApps, {});
    expect(here.apps ?? []).toEqual([]);
  });

  it('forwards a refusal of host-b\'s AppManager as it is, naming the host', async () => {
    const refusal = await refusalA(RemoveApp, { name: 'chain-c', host: 'host-b', deleteData: false, operationId: 'remove-running' });
    expect(refusal.code).toBe('Conflict');
    expect(refusal.message).toMatch(/^host host-b: /);
    expect(refusal.operationId).toBe('remove-running');
  });

  it('forwards StopApp to host-b: the app stops there', async () => {
    const reply = await askA(StopApp, { name: 'chain-c', host: 'host-b', force: false, operationId: 'stop-b' });
    expect(reply.apps?.map((a) => `${a.name} ${a.state} ${a.host}`)).toEqual(['chain-c Stopped host-b']);
    expect(events.some((e) => e.operationId === 'stop-b' && e.name === 'chain-c' && e.state === 'Stopped')).toBe(true);
    expect(node(await tree(hostB), 'root/apps/app-chain-c-1.0.0')?.state).toBe('Stopped');
  }, 60_000);

  it('forwards StartApp and ConfigureApp to host-b: applied by host-b\'s AppManager there', async () => {
    const started = await askA(StartApp, { name: 'chain-c', host: 'host-b', withDependencies: true, operationId: 'start-b' });
    expect(started.apps?.find((a) => a.name === 'chain-c')).toMatchObject({ state: 'Running', host: 'host-b' });
    expect(node(await tree(hostB), 'root/apps/app-chain-c-1.0.0')?.state).toBe('Running');

    const configured = await askA(ConfigureApp, { name: 'chain-a', host: 'host-b', configJson: '{"step": 2}', operationId: 'config-b' });
    expect(configured.apps?.map((a) => `${a.name} ${a.host} ${JSON.parse(a.configJson ?? '{}').step}`)).toEqual(['chain-a host-b 2']);
    expect(events.find((e) => e.operationId === 'config-b' && e.stage === 'configured')?.message).toMatch(/applied by the running module/);
    const file = JSON.parse(readFileSync(join(hostB.appsDir, 'chain-a', 'config.json'), 'utf8')) as { settings: { step: number } };
    expect(file.settings.step).toBe(2);
    // A schema violation is refused by host-b's AppManager, with its code.
    const refused = await refusalA(ConfigureApp, { name: 'chain-a', host: 'host-b', configJson: '{"step": "two"}' });
    expect(refused.code).toBe('InvalidArgument');
    expect(refused.message).toMatch(/^host host-b: /);
  }, 60_000);

  it('least-loaded chooses the host with the lower score and explains it with every host\'s figures', async () => {
    // host-b runs four modules (its AppManager and the chain), host-a one; the machine's load and memory are shared.
    const reply = await askA(InstallApp, { name: 'chain-a', start: true, host: 'least-loaded', operationId: 'least' });
    expect(reply.message).toMatch(/^least-loaded chose host-a: /);
    expect(reply.message).toMatch(/host host-a: load [\d.]+\/\d+ CPUs, [\d.]+ GB free of [\d.]+ GB, 1 module \(score [\d.]+\)/);
    expect(reply.message).toMatch(/host host-b: .*, 4 modules \(score [\d.]+\)/);
    expect(reply.apps?.map((a) => `${a.name} ${a.state} ${a.host}`)).toEqual(['chain-a Running host-a']);
    expect(node(await tree(hostA), 'root/apps/app-chain-a-1.0.0')?.state).toBe('Running');
    expect(events.find((e) => e.operationId === 'least' && e.stage === 'placed')?.message).toMatch(/^least-loaded chose host-a/);
  }, 90_000);

  it('a host never heard of, a host without an AppManager, and a host that is gone: Unavailable naming the host', async () => {
    const unknown = await refusalA(StopApp, { name: 'chain-a', host: 'host-z', force: false });
    expect(unknown.code).toBe('Unavailable');
    expect(unknown.message).toMatch(/host host-z: no host agent of that name reports on the bus \(known hosts: host-a, host-b\)/);

    const stopped = await peer.bus.request(`supervisor@${hostB.agentId}`, ChildCommand, { child: 'root/app-manager', action: 'Stop', force: true, reason: 'test' }, ChildCommandReply, { timeoutMs: 30_000 });
    expect(stopped.ok).toBe(true);
    const noManager = await refusalA(StopApp, { name: 'chain-a', host: 'host-b', force: false, operationId: 'no-manager' });
    expect(noManager.code).toBe('Unavailable');
    expect(noManager.message).toBe('host host-b: no AppManager runs on the bus there (none in its agent\'s tree)');
    expect(events.find((e) => e.operationId === 'no-manager' && e.stage === 'error')?.message).toMatch(/^Unavailable: host host-b/);

    await hostB.process.kill('SIGTERM');
    // The agent leaves the bus as it stops; host-a's AppManager sees the host lost soon after.
    let gone = await refusalA(StopApp, { name: 'chain-a', host: 'host-b', force: false });
    for (const deadline = Date.now() + 15_000; !/is lost/.test(gone.message ?? '') && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      gone = await refusalA(StopApp, { name: 'chain-a', host: 'host-b', force: false });
    }
    expect(gone.code).toBe('Unavailable');
    expect(gone.message).toMatch(/^host host-b is lost: /);
    // Placement leaves the lost host out.
    const pinned = await refusalA(InstallApp, { name: 'chain-b', start: true, host: 'pinned:host-b' });
    expect(pinned.code).toBe('Unavailable');
    expect(pinned.message).toMatch(/pinned host "host-b" is lost/);
  }, 60_000);
});
