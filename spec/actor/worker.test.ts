/**
 * CPU-heavy work in a worker thread (comlink): the probe hands a naive
 * Fibonacci to its worker (spec/fixtures/modules/fib-worker.ts). The handler
 * that starts the job does not wait for it, so the module's mailbox takes
 * other requests while the worker computes; the result comes back into the
 * mailbox and is published on "probe/results".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeasurementEvent } from '../../schemas/generated/messages.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { removeTempDirs, startProbe, TestPeer, until, type Domain, type RunningProbe } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let probe: RunningProbe;

/** fib(n) as the test computes it, iteratively. */
function fib(n: number): number {
  let [a, b] = [0, 1];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

const results: MeasurementEvent[] = [];
/** What reached this test first: replies to pings ("ping") or the result publication ("result"). */
const order: string[] = [];

beforeAll(async () => {
  domain = { port: await freeUdpPort(), cluster: uniqueCluster('actor-worker') };
  peer = await TestPeer.start(domain);
  // Subscribed before the probe exists: ZeroMQ hands the subscription to its publisher as soon as they connect.
  peer.bus.subscribe('probe/results', (delivery) => {
    results.push(MeasurementEvent.decode(delivery.body));
    order.push('result');
  });
  probe = await startProbe(peer, domain);
});

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('CPU work in a comlink worker thread', () => {
  it('returns the right result while the module keeps answering other requests', async () => {
    // fib(39) is about 10^8 calls: long enough that the pings below come back while it runs.
    const job = await peer.value(probe.address, 'fib:39');
    expect(job).toBe(1);
    for (let i = 0; i < 5; i++) {
      // Answered by the mailbox while the worker is busy: the job is still running when each reply is made.
      expect(await peer.value(probe.address, 'jobs')).toBe(1);
      expect(await peer.value(probe.address, 'increment')).toBe(i + 1);
      order.push('ping');
    }

    await until(() => results.length > 0, 'the result publication', 20_000, probe.process);
    expect(results).toEqual([{ dataPoint: 'fib:39', timestampMs: job, value: fib(39) }]);
    expect(order).toEqual(['ping', 'ping', 'ping', 'ping', 'ping', 'result']);
    expect(await peer.value(probe.address, 'jobs')).toBe(0);
  });

  it('a handler may also await the worker and reply with its result', async () => {
    expect(await peer.value(probe.address, 'fib-wait:30')).toBe(fib(30));
    expect(await peer.value(probe.address, 'fib-wait:1')).toBe(1);
  });
});
