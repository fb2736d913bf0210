import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../core/bus/index.js';
import { BusStatsReply, BusStatsRequest } from '../../schemas/generated/messages.js';
import { startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

afterAll(killAll);

describe('backpressure', () => {
  it('a stuck subscriber never blocks the publisher: publications beyond the high-water mark are dropped, counted, and visible on role "bus"', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('hwm');
    const small = { highWaterMark: 4 };
    const subscriber = await startPeer({ bus: { name: 'stuck', discovery: { port, cluster }, ...small }, declaration: { topics: ['flood'] } });
    const publisher = await startPeer({ bus: { name: 'flooder', discovery: { port, cluster }, ...small }, declaration: {} });
    await publisher.waitFor((e) => e.event === 'join' && e.name === 'stuck', 5000, 'join');
    await new Promise((r) => setTimeout(r, 300));

    const total = 300;
    const unblocked = subscriber.next((e) => e.event === 'unblocked', 20_000, 'unblocked');
    subscriber.command({ cmd: 'block', ms: 2500 });
    await new Promise((r) => setTimeout(r, 100));
    const flooded = publisher.next((e) => e.event === 'published-each', 10_000, 'flood done');
    publisher.command({ cmd: 'publish-each', topic: 'flood', type: 'gridlink.test.Flood', bytes: 64 * 1024, count: total });
    // The publisher finishes while the subscriber is still stuck: it never waited.
    await flooded;
    expect(subscriber.events.some((e) => e.event === 'unblocked')).toBe(false);
    await unblocked;

    // Every publication is either delivered or counted as dropped.
    const client = await Bus.start({ name: 'inspector', discovery: { port, cluster } });
    const until = Date.now() + 5000;
    while (!client.registry.list().some((r) => r.name === 'flooder') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const stats = await client.request('bus@flooder', BusStatsRequest, {}, BusStatsReply);
    const dropped = stats.counters?.find((c) => c.name === 'droppedPublications')?.value ?? -1;
    expect(stats.module).toBe('flooder');
    expect(dropped).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    const delivered = subscriber.events.filter((e) => e.event === 'publication').length;
    expect(delivered + dropped).toBe(total);
    await client.close();
  });
});
