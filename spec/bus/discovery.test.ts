import { afterAll, describe, expect, it } from 'vitest';
import { startPeer, peerStats } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

afterAll(killAll);

async function registryNames(peer: Parameters<typeof peerStats>[0]): Promise<string[]> {
  const { registry } = await peerStats(peer);
  return registry.map((r) => r.name).sort();
}

async function until(condition: () => Promise<boolean>, maxMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    if (await condition()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${maxMs} ms`);
}

describe('discovery (real processes, UDP beacons on loopback)', () => {
  it('three modules find each other within 2 s, and a late joiner sees everyone', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('disc');
    const bus = (name: string) => ({ bus: { name, discovery: { port, cluster } }, declaration: { roles: [{ name: `role-${name}`, requestTypes: [] }] } });
    const peers = await Promise.all(['a', 'b', 'c'].map((n) => startPeer(bus(n))));
    const elapsed = await until(async () => {
      const views = await Promise.all(peers.map(registryNames));
      return views.every((v) => v.join() === 'a,b,c');
    }, 2000);
    expect(elapsed).toBeLessThanOrEqual(2000);

    const late = await startPeer(bus('d'));
    await until(async () => (await registryNames(late)).join() === 'a,b,c,d', 2000);
    // Every earlier module sees the late joiner too.
    await until(async () => (await Promise.all(peers.map(registryNames))).every((v) => v.join() === 'a,b,c,d'), 2000);
    // Records carry what the registry promises.
    const { registry } = await peerStats(late);
    expect(registry.find((r) => r.name === 'a')?.id).toBe(peers[0].id);
  });

  it('modules of another cluster stay invisible', async () => {
    const port = await freeUdpPort();
    const one = await startPeer({ bus: { name: 'x', discovery: { port, cluster: uniqueCluster('one') } }, declaration: {} });
    const two = await startPeer({ bus: { name: 'y', discovery: { port, cluster: uniqueCluster('two') } }, declaration: {} });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await registryNames(one)).toEqual(['x']);
    expect(await registryNames(two)).toEqual(['y']);
  });
});
