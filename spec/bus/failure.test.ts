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

describe('departure announced by a third party (the supervisor of a dead process)', () => {
  it('every peer drops the module and fails its pending requests within 100 ms, before any heartbeat expiry', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('announce');
    const slowHeartbeat = { intervalMs: 1000, evasiveMs: 5000, expiredMs: 20_000 };
    const client = await Bus.start({ name: 'client', discovery: { port, cluster }, heartbeat: slowHeartbeat });
    const supervisor = await Bus.start({ name: 'supervisor', discovery: { port, cluster }, heartbeat: slowHeartbeat });
    const victim = await startPeer({
      bus: { name: 'victim', discovery: { port, cluster }, heartbeat: slowHeartbeat },
      declaration: { roles: [{ name: 'victim', requestTypes: ['gridlink.test.Never'] }] },
    });
    const until = Date.now() + 5000;
    while ((client.registry.holders('victim').length === 0 || !supervisor.registry.list().some((r) => r.name === 'victim')) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const record = supervisor.registry.list().find((r) => r.name === 'victim')!;
    // Frozen, not dead: its connections stay up, so only the announcement can tell the client.
    process.kill(victim.pid, 'SIGSTOP');
    const pending = client.requestRaw('victim', 'gridlink.test.Never', new Uint8Array(), { timeoutMs: 30_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const announcedAt = Date.now();
    supervisor.announceDeparture(record.id, record.incarnation, 'killed by its supervisor');
    const failure = await pending;
    expect(failure).toBeInstanceOf(PeerGoneError);
    expect(Date.now() - announcedAt).toBeLessThan(100);
    expect(client.registry.list().map((r) => r.name)).not.toContain('victim');
    process.kill(victim.pid, 'SIGCONT');
    await victim.kill();
    await client.close();
    await supervisor.close();
  });
});
