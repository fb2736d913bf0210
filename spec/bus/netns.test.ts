import { afterAll, describe, expect, it } from 'vitest';
import { peerStats, startPeer } from '../support/bus-peers.js';
import { createHostPair } from '../support/netns.js';
import { killAll, uniqueCluster } from '../support/processes.js';

const pair = createHostPair();
afterAll(async () => {
  await killAll();
  pair.destroy();
});

async function waitForNames(peer: Parameters<typeof peerStats>[0], names: string[], maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  for (;;) {
    const seen = (await peerStats(peer)).registry.map((r) => r.name).sort();
    if (seen.join() === [...names].sort().join()) return;
    if (Date.now() > until) throw new Error(`registry is [${seen.join(', ')}], expected [${names.join(', ')}]`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('two hosts (network namespaces joined by veth)', () => {
  const [hostA, hostB] = pair.hosts;

  it('modules discover each other by LAN beacon and talk over TCP', async () => {
    const cluster = uniqueCluster('lan');
    const discovery = (host: typeof hostA) => ({ port: 5670, cluster, interface: host.device });
    const a = await startPeer(
      { bus: { name: 'on-a', discovery: discovery(hostA) }, declaration: { roles: [{ name: 'echo', requestTypes: ['gridlink.test.Echo'] }] } },
      { wrap: hostA.wrap },
    );
    const b = await startPeer({ bus: { name: 'on-b', discovery: discovery(hostB) }, declaration: {} }, { wrap: hostB.wrap });
    await waitForNames(a, ['on-a', 'on-b'], 5000);
    await waitForNames(b, ['on-a', 'on-b'], 5000);
    const record = (await a.waitFor((e) => e.event === 'ready')).record as { routerEndpoints: string[] };
    expect(record.routerEndpoints.some((e) => e.startsWith(`tcp://${hostA.address}:`))).toBe(true);

    const reply = b.next((e) => e.event === 'reply' || e.event === 'request-failed', 5000, 'reply');
    b.command({ cmd: 'request', role: 'echo', type: 'gridlink.test.Echo', body: Buffer.from('across hosts').toString('base64'), tag: 1 });
    const answer = await reply;
    expect(answer.event).toBe('reply');
    expect(Buffer.from(String(answer.body), 'base64').toString()).toBe('across hosts');
  });

  it('a static seed endpoint joins a module whose beacons cannot be heard', async () => {
    const a = await startPeer(
      { bus: { name: 'seeded-a', discovery: { port: 5671, cluster: uniqueCluster('seed-a'), interface: hostA.device } }, declaration: {} },
      { wrap: hostA.wrap },
    );
    const record = (await a.waitFor((e) => e.event === 'ready')).record as { routerEndpoints: string[] };
    const lanEndpoint = record.routerEndpoints.find((e) => e.startsWith(`tcp://${hostA.address}:`))!;
    // Another cluster name: b ignores a's beacons and reaches it only through the seed.
    const b = await startPeer(
      { bus: { name: 'seeded-b', discovery: { port: 5671, cluster: uniqueCluster('seed-b'), interface: hostB.device, seeds: [{ endpoint: lanEndpoint }] } }, declaration: {} },
      { wrap: hostB.wrap },
    );
    await waitForNames(b, ['seeded-a', 'seeded-b'], 5000);
    await waitForNames(a, ['seeded-a', 'seeded-b'], 5000);
  });
});
