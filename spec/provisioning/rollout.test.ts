/**
 * Multi-host rollout end to end: two hosts (network namespaces on one bridge, each with its own
 * OpenSSH server) and this side (the test process, on the same bridge). Host agents are
 * bootstrapped over SSH from a copy of this installation's runtime, placed modules on the two
 * hosts talk over the bus, placement follows the agents' reports, and a lost host is reported
 * and no longer chosen. Root and iproute2 needed, as CI runs.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../core/bus/bus.js';
import {
  bootstrapHost,
  choosePlacement,
  describeRuntime,
  HostKeyRefusedError,
  HostMonitor,
  parseInventory,
  placeModule,
  PlacementError,
  scanHostKey,
  type BootstrapResult,
  type HostChange,
  type InventoryHost,
  type RuntimeBundle,
} from '../../core/provisioning/rollout/index.js';
import { LogsReply, LogsRequest } from '../../schemas/generated/messages.js';
import { createBridgedHosts, NamespaceSshServer, type BridgedHost } from '../support/netns-hosts.js';
import { uniqueCluster } from '../support/processes.js';

const net = createBridgedHosts(['b', 'c']);
const [hostB, hostC] = net.hosts;
const work = mkdtempSync('/tmp/gl-rollout-');
const cluster = uniqueCluster('rollout');
const busPort = 5700 + Math.floor(Math.random() * 200);
const servers: NamespaceSshServer[] = [];
const changes: HostChange[] = [];
let bus: Bus;
let monitor: HostMonitor;
let bundle: RuntimeBundle;
const agents = new Map<string, BootstrapResult>();

/** The CLI as an administrator runs it (the built dist/), on this side of the bridge. */
async function gridlink(...args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/gridlink.js', ...args], { timeout: 30_000 });
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function inventoryHost(host: BridgedHost, server: NamespaceSshServer, hostKeys = [server.keys.hostKeyFingerprint]): InventoryHost {
  const inventory = parseInventory(
    {
      defaults: { user: 'root', installDir: join(work, host.name, 'gridlink'), bus: { cluster, port: busPort } },
      hosts: [{ name: host.name, address: host.address, privateKey: server.keys.clientKeyPath, hostKeys, bus: { interface: host.device } }],
    },
    'test inventory',
    work,
  );
  return inventory.hosts[0];
}

const bootstrapOptions = () => ({
  runtimeRoot: resolve('.'),
  bundle,
  monitor,
  joinTimeoutMs: 20_000,
  // Reports every second, so a lost host shows within the monitor's 6 s.
  env: { GRIDLINK_HOST_STATUS_MS: '1000' },
  onProgress: (step: string) => {
    if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[rollout ${new Date().toISOString()}] ${step}\n`);
  },
});

beforeAll(async () => {
  for (const host of net.hosts) servers.push(await NamespaceSshServer.start(host, join(work, host.name, 'sshd')));
  bus = await Bus.start({ name: 'rollout-test', version: '0.0.0', discovery: { port: busPort, cluster, interface: net.local.device } });
  // Six reports missed: a slow moment of a busy CI machine is not mistaken for a lost host.
  monitor = new HostMonitor(bus, { staleAfterMs: 6000 });
  monitor.onChange((change) => changes.push(change));
  bundle = await describeRuntime(resolve('.'));
}, 30_000);

afterAll(async () => {
  monitor?.close();
  await bus?.close('test done');
  net.destroy();
  rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('rollout onto two hosts over SSH', () => {
  it('refuses a changed host key and an unpinned one, naming the fingerprints', async () => {
    const [serverB, serverC] = servers;
    expect(await scanHostKey(hostB.address, 22)).toBe(serverB.keys.hostKeyFingerprint);

    const changed = bootstrapHost(inventoryHost(hostB, serverB, [serverC.keys.hostKeyFingerprint]), bootstrapOptions());
    await expect(changed).rejects.toBeInstanceOf(HostKeyRefusedError);
    await expect(changed).rejects.toThrow(serverB.keys.hostKeyFingerprint);
    await expect(changed).rejects.toThrow(serverC.keys.hostKeyFingerprint);
    await expect(changed).rejects.toThrow(/CHANGED/);

    await expect(bootstrapHost(inventoryHost(hostB, serverB, []), bootstrapOptions())).rejects.toThrow(/pins no key for it: refused \(never trusted on first use\)/);
  }, 30_000);

  it('bootstraps an agent on each host from a copied runtime; both join the bus', async () => {
    // An artifact for b (any file: packages are copied, not opened, by the bootstrap).
    const artifact = join(work, 'app-1.0.0.zip');
    writeFileSync(artifact, randomBytes(300_000));
    for (const [i, host] of net.hosts.entries()) {
      const result = await bootstrapHost(inventoryHost(host, servers[i]), { ...bootstrapOptions(), packages: host === hostB ? [artifact] : [] });
      expect(result).toMatchObject({ host: host.name, runtime: 'copied', agent: 'started', digest: bundle.digest });
      expect(result.copiedBytes).toBeGreaterThan(10_000_000);
      // The agent runs from the copied runtime, not from this working tree.
      expect(readlinkSync(`/proc/${result.agentPid}/cwd`)).toBe(join(work, host.name, 'gridlink', `runtime-${bundle.digest}`));
      agents.set(host.name, result);
      if (host === hostB) {
        expect(result.packages).toEqual([join(work, 'b', 'gridlink', 'packages', 'app-1.0.0.zip')]);
        expect(readFileSync(result.packages[0]).equals(readFileSync(artifact))).toBe(true);
      }
    }
    expect(monitor.list().map((h) => [h.name, h.lost])).toEqual([
      ['b', undefined],
      ['c', undefined],
    ]);
    expect(bus.registry.holders('supervisor').map((r) => r.id).sort()).toEqual([agents.get('b')!.agentId, agents.get('c')!.agentId].sort());

    // The same from the command line, with an inventory file.
    const inventoryFile = join(work, 'hosts.json');
    writeFileSync(
      inventoryFile,
      JSON.stringify({
        defaults: { user: 'root', bus: { cluster, port: busPort } },
        hosts: net.hosts.map((host, i) => ({
          name: host.name,
          address: host.address,
          privateKey: servers[i].keys.clientKeyPath,
          hostKeys: [servers[i].keys.hostKeyFingerprint],
          installDir: join(work, host.name, 'gridlink'),
          bus: { interface: host.device },
        })),
      }),
    );
    expect(await gridlink('hosts', 'scan', 'c', '--inventory', inventoryFile)).toEqual([
      { host: 'c', address: hostC.address, port: 22, fingerprint: servers[1].keys.hostKeyFingerprint, pinnedKeys: [servers[1].keys.hostKeyFingerprint], inventory: 'pinned' },
    ]);
    const listed = await gridlink('hosts', 'list', '--inventory', inventoryFile, '--interface', net.local.device, '--discover-ms', '300');
    expect(listed.map((line) => [line.host, line.state, line.agentPid])).toEqual([
      ['b', 'up', agents.get('b')!.agentPid],
      ['c', 'up', agents.get('c')!.agentPid],
    ]);

    // A second bootstrap finds the same runtime (by its digest) and the agent running: nothing is copied or restarted.
    const again = await bootstrapHost(inventoryHost(hostB, servers[0]), bootstrapOptions());
    expect(again).toMatchObject({ runtime: 'present', agent: 'running', copiedBytes: 0, agentPid: agents.get('b')!.agentPid });
  }, 90_000);

  it('places by policy and explains it; a module on b gets answers from one on c', async () => {
    const storage = await placeModule(bus, monitor, { kind: 'pinned', host: 'c' }, { name: 'storage', module: 'examples/memory-storage' });
    expect(storage.decision.host).toBe('c');
    expect(storage.decision.explanation).toMatch(/^pinned to c: host c: load /);
    // The generator creates meterA.u1 on role storage and publishes a measurement every second.
    await placeModule(bus, monitor, { kind: 'pinned', host: 'c' }, { name: 'generator', module: 'examples/generator' });
    expect(monitor.get('c')!.status.runningModules).toBe(2);

    // Load and memory are one machine's here (namespaces share them): the module count decides.
    const placed = await placeModule(bus, monitor, { kind: 'least-loaded' }, { name: 'monitor', module: 'examples/monitor' });
    if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[rollout] ${placed.decision.explanation}\n`);
    expect(placed.decision.host).toBe('b');
    expect(placed.decision.explanation).toMatch(/^least-loaded chose b: host b: load \d+\.\d\d\/\d+ CPUs, \d+\.\d GB free of \d+\.\d GB, 0 modules \(score \d+\.\d\d\); host c: load \d+\.\d\d\/\d+ CPUs, .*, 2 modules/);
    expect(choosePlacement({ kind: 'spread' }, monitor.list()).host).toBe('b');

    // The monitor on b asks role storage (only on c) for meterA.u1 every second and logs the entry it gets.
    const agentB = `supervisor@${agents.get('b')!.agentId}`;
    const deadline = Date.now() + 20_000;
    let lines: string[] = [];
    while (!lines.some((line) => line.includes('most recent entry'))) {
      if (Date.now() > deadline) throw new Error(`the monitor on b never got an answer from storage on c; its log:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 300));
      lines = (await bus.request(agentB, LogsRequest, { child: 'monitor', lines: 50 }, LogsReply)).lines ?? [];
    }
    expect(lines.find((line) => line.includes('most recent entry'))).toMatch(/dataPoint=meterA\.u1, value=\d+/);

    // spread from the command line: b runs 1 module, c 2.
    const [cliPlaced] = await gridlink('hosts', 'place', 'examples/generator', '--name', 'generator-b', '--policy', 'spread', '--cluster', cluster, '--port', String(busPort), '--interface', net.local.device, '--discover-ms', '300');
    expect(cliPlaced).toMatchObject({ host: 'b', policy: 'spread', message: 'added root/generator-b' });
    expect(cliPlaced.explanation).toMatch(/^spread chose b, fewest modules: host b: .*, 1 module; host c: .*, 2 modules$/);
  }, 60_000);

  it('a host whose agent and sshd die is reported lost and no longer chosen', async () => {
    // `gridlink hosts watch` reports it too, as an administrator would see it.
    const watch = spawn(process.execPath, ['bin/gridlink.js', 'hosts', 'watch', '--cluster', cluster, '--port', String(busPort), '--interface', net.local.device, '--stale-ms', '6000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const printed: Record<string, unknown>[] = [];
    watch.on('error', (error) => printed.push({ event: 'spawn-error', message: error.message }));
    createInterface({ input: watch.stdout }).on('line', (line) => line.startsWith('{') && printed.push(JSON.parse(line) as Record<string, unknown>));
    const until = async (what: string, accept: () => boolean): Promise<void> => {
      for (const deadline = Date.now() + 20_000; !accept(); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() > deadline) throw new Error(`gridlink hosts watch printed no ${what}: ${JSON.stringify(printed)}`);
      }
    };
    try {
      await until('"up" of b and c', () => ['b', 'c'].every((name) => printed.some((p) => p.event === 'up' && p.host === name)));
      const lost = new Promise<HostChange>((resolveLost) => monitor.onChange((change) => change.kind === 'lost' && change.host === 'c' && resolveLost(change)));
      net.killAllIn(hostC);
      const change = await lost;
      await until('"lost" of c', () => printed.some((p) => p.event === 'lost' && p.host === 'c'));
      expect(printed.find((p) => p.event === 'lost')).toMatchObject({ host: 'c', reason: expect.stringMatching(/no HostStatus for|left the bus/) });
      expect(printed.some((p) => p.event === 'lost' && p.host === 'b')).toBe(false);
      expect(change.kind === 'lost' && change.reason).toMatch(/no HostStatus for|left the bus/);
    } finally {
      watch.kill('SIGINT');
    }
    expect(monitor.get('c')!.lost).toBeDefined();

    const decision = choosePlacement({ kind: 'least-loaded' }, monitor.list());
    if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[rollout] ${decision.explanation}\n`);
    expect(decision.host).toBe('b');
    expect(decision.explanation).toMatch(/host c: lost \(.*\), excluded/);
    expect(() => choosePlacement({ kind: 'pinned', host: 'c' }, monitor.list())).toThrow(PlacementError);
    expect(() => choosePlacement({ kind: 'pinned', host: 'c' }, monitor.list())).toThrow(/pinned host "c" is lost/);
    const ofC = changes.filter((c) => c.host === 'c').map((c) => c.kind);
    expect([ofC[0], ofC.at(-1)]).toEqual(['up', 'lost']);
  }, 45_000);
});
