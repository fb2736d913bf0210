// Bus.hasSubscriber: the publisher learns its peers' subscriptions from its XPUB socket, so a
// module can skip encoding events nobody receives (storage's EntryAdded). Two buses in this
// process, joined by discovery on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../core/bus/index.js';
import { freeUdpPort, uniqueCluster } from '../support/processes.js';

let publisher: Bus;
let listener: Bus;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  const port = await freeUdpPort();
  const cluster = uniqueCluster('has-subscriber');
  publisher = await Bus.start({ name: 'publisher', discovery: { port, cluster } });
  listener = await Bus.start({ name: 'listener', discovery: { port, cluster } });
  await until(() => publisher.registry.get(listener.id) !== undefined && listener.registry.get(publisher.id) !== undefined, 'the two buses to meet');
});

afterAll(async () => {
  await listener?.close();
  await publisher?.close();
});

describe('Bus.hasSubscriber', () => {
  it('is false for a topic nobody subscribes to, true once a peer subscribes to it or a prefix of it, false again after it ends', async () => {
    expect(publisher.hasSubscriber('meter/a')).toBe(false);
    const end = listener.subscribe('meter/a', () => undefined);
    await until(() => publisher.hasSubscriber('meter/a'), 'the subscription to reach the publisher');
    // An exact subscription does not match a longer topic.
    expect(publisher.hasSubscriber('meter/ab')).toBe(false);
    end();
    await until(() => !publisher.hasSubscriber('meter/a'), 'the unsubscription to reach the publisher');

    const endPrefix = listener.subscribe('meter/*', () => undefined);
    await until(() => publisher.hasSubscriber('meter/b'), 'the prefix subscription');
    expect(publisher.hasSubscriber('meter/zz/1')).toBe(true);
    expect(publisher.hasSubscriber('other/b')).toBe(false);
    endPrefix();
    await until(() => !publisher.hasSubscriber('meter/b'), 'the prefix unsubscription');
  });

  it('counts a handler in its own process', () => {
    const end = publisher.subscribe('local/x', () => undefined);
    expect(publisher.hasSubscriber('local/x')).toBe(true);
    end();
    expect(publisher.hasSubscriber('local/x')).toBe(false);
  });
});
