import { afterAll, describe, expect, it } from 'vitest';
import { Bus, PeerGoneError } from '../../core/bus/index.js';
import { peerStats, startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

afterAll(killAll);

const heartbeat = { intervalMs: 250, evasiveMs: 750, expiredMs: 2000 };

describe('failure detection', () => {
  it('SIGKILL of a peer fails its pending requests at once and removes it from every replica within the expiry', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('kill');
    const client = await Bus.start({ name: 'client', discovery: { port, cluster }, heartbeat });
    const observers = await Promise.all(['o1', 'o2'].map((name) => startPeer({ bus: { name, discovery: { port, cluster }, heartbeat }, declaration: {} })));
    const victim = await startPeer({
      bus: { name: 'victim', discovery: { port, cluster }, heartbeat },
      declaration: { roles: [{ name: 'victim', requestTypes: ['gridlink.test.Never'] }] },
    });
    const until = Date.now() + 5000;
    while (client.registry.holders('victim').length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const observer of observers) {
      const seen = Date.now() + 5000;
      while (!(await peerStats(observer)).registry.some((r) => r.name === 'victim') && Date.now() < seen) await new Promise((r) => setTimeout(r, 50));
    }

    const pending = client.requestRaw('victim', 'gridlink.test.Never', new Uint8Array(), { timeoutMs: 30_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const failure = await pending;
    const failedAfter = Date.now() - killedAt;
    expect(failure).toBeInstanceOf(PeerGoneError);
    // "At once": the broken connection is noticed long before any heartbeat expiry.
    expect(failedAfter).toBeLessThan(heartbeat.evasiveMs);

    const deadline = killedAt + heartbeat.expiredMs + 1000;
    while (client.registry.list().some((r) => r.name === 'victim') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(client.registry.list().map((r) => r.name)).not.toContain('victim');
    for (const observer of observers) {
      let names = (await peerStats(observer)).registry.map((r) => r.name);
      while (names.includes('victim') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        names = (await peerStats(observer)).registry.map((r) => r.name);
      }
      expect(names).not.toContain('victim');
    }
    expect(Date.now() - killedAt).toBeLessThanOrEqual(heartbeat.expiredMs + 1000);
    await client.close();
  });

  it('a module that closes leaves every registry at once', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('leave');
    const client = await Bus.start({ name: 'client', discovery: { port, cluster } });
    const peer = await startPeer({ bus: { name: 'leaver', discovery: { port, cluster } }, declaration: {} });
    const until = Date.now() + 5000;
    while (!client.registry.list().some((r) => r.name === 'leaver') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const closedAt = Date.now();
    peer.command({ cmd: 'close' });
    await peer.exited;
    while (client.registry.list().some((r) => r.name === 'leaver') && Date.now() - closedAt < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(client.registry.list().map((r) => r.name)).not.toContain('leaver');
    expect(Date.now() - closedAt).toBeLessThan(1000);
    await client.close();
  });
});
