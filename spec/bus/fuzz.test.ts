import { createSocket } from 'node:dgram';
import { Dealer, Publisher } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../core/bus/index.js';
import { ControlCodec } from '../../core/bus/control.js';
import { EnvelopeEncoder, MessageKind } from '../../core/bus/envelope.js';
import { hostKey, newModuleId } from '../../core/bus/ids.js';
import { peerStats, startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';
import { prng } from '../../tools/bench/prng.js';

afterAll(killAll);

function randomBuffer(random: () => number, max: number): Buffer {
  const length = Math.floor(random() * max);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

function batch(items: Buffer[], lie = 0): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(item.byteLength + lie, 0);
    parts.push(head, item);
  }
  return Buffer.concat(parts);
}

describe('malformed input', () => {
  it('survives 100,000+ malformed frames on every socket and beacon port, counting them', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('fuzz');
    const target = await startPeer({
      bus: { name: 'target', discovery: { port, cluster } },
      declaration: { roles: [{ name: 'echo', requestTypes: ['gridlink.test.Echo'] }], topics: ['t'] },
    });
    const record = (await target.waitFor((e) => e.event === 'ready')).record as { routerEndpoints: string[]; pubEndpoints: string[] };
    const routerEndpoint = record.routerEndpoints.find((e) => e.startsWith('tcp://'))!;
    const random = prng(20261128);

    // 1. Anonymous garbage on the ROUTER: random identities, frame counts and bytes.
    const stranger = new Dealer({ routingId: 'x'.repeat(32), sendHighWaterMark: 0 });
    stranger.connect(routerEndpoint);
    // 2. A "peer" that says Hello properly, then sends garbage that looks almost right.
    const fakeId = newModuleId();
    const insider = new Dealer({ routingId: fakeId, sendHighWaterMark: 0 });
    insider.connect(routerEndpoint);
    const fakePub = new Publisher({ sendHighWaterMark: 0 });
    await fakePub.bind('tcp://127.0.0.1:0');
    const control = new ControlCodec();
    const encoder = new EnvelopeEncoder(fakeId);
    const hello = control.encode({
      kind: 'hello',
      replyWanted: false,
      record: {
        // On this host (so loopback endpoints are usable); nothing listens on its ROUTER port.
        id: fakeId, incarnation: 1n, name: 'fuzzer', version: '0', host: 'fuzz', hostKey: hostKey(), pid: process.pid,
        routerEndpoints: ['tcp://127.0.0.1:1'], pubEndpoints: [fakePub.lastEndpoint!], roles: [], topics: [], publishes: [],
        state: 'running', seq: 1, curvePublicKey: '',
      },
    });
    await insider.send([encoder.encode(MessageKind.Control, '', control.typeName, 0, 0, 1), batch([Buffer.from(hello)])]);
    await new Promise((r) => setTimeout(r, 500));

    const validEnvelope = Buffer.from(encoder.encode(MessageKind.Request, 'echo', 'gridlink.test.Echo', 0, 0, 1));
    const wrongVersion = Buffer.from(validEnvelope);
    // Every byte equal to 1 (the version byte among them) becomes 2.
    for (let i = 0; i < wrongVersion.length; i++) if (wrongVersion[i] === 1) wrongVersion[i] = 2;

    let sent = 0;
    const generators: (() => (Buffer | string)[])[] = [
      () => [randomBuffer(random, 64)],
      () => [randomBuffer(random, 200), randomBuffer(random, 200)],
      () => [validEnvelope.subarray(0, Math.floor(random() * validEnvelope.length)), Buffer.from('x')],
      () => [Buffer.from(validEnvelope), batch([Buffer.from('abc')], 1 + Math.floor(random() * 1e6))],
      () => [Buffer.from(validEnvelope), randomBuffer(random, 64)],
      () => [wrongVersion, batch([Buffer.from('abc')])],
      () => [Buffer.from(encoder.encode(MessageKind.Control, '', control.typeName, 0, 0, 1)), batch([randomBuffer(random, 100)])],
      () => {
        const flipped = Buffer.from(validEnvelope);
        flipped[Math.floor(random() * flipped.length)] ^= 1 << Math.floor(random() * 8);
        return [flipped, batch([Buffer.from('abc')])];
      },
      () => [Buffer.from(encoder.encode(7 as MessageKind, 'echo', 'x', 0, 0, 1)), batch([Buffer.from('abc')])],
    ];
    const total = 100_000;
    for (let i = 0; i < total; i++) {
      const frames = generators[i % generators.length]();
      const socket = i % 3 === 0 ? stranger : insider;
      await socket.send(frames);
      sent++;
    }
    // Oversized frames: 4 MiB of noise, a few times.
    for (let i = 0; i < 5; i++) await insider.send([randomBuffer(random, 1), Buffer.alloc(4 * 1024 * 1024, 7)]);
    // Garbage publications from the registered fake publisher.
    for (let i = 0; i < 10_000; i++) {
      await fakePub.send(['t\u0000', i % 2 ? randomBuffer(random, 100) : Buffer.from(validEnvelope), randomBuffer(random, 50)]);
    }
    // Garbage beacons.
    const udp = createSocket('udp4');
    for (let i = 0; i < 2000; i++) {
      const data = i % 2 ? randomBuffer(random, 100) : Buffer.concat([Buffer.from('GLB1'), randomBuffer(random, 100)]);
      await new Promise<void>((resolve) => udp.send(data, port, '127.0.0.1', () => resolve()));
    }
    udp.close();
    expect(sent).toBe(total);

    // The target still works: a real client gets its echo.
    const client = await Bus.start({ name: 'client', discovery: { port, cluster } });
    const until = Date.now() + 5000;
    while (client.registry.holders('echo').length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const reply = await client.requestRaw('echo', 'gridlink.test.Echo', Buffer.from('still alive'), { timeoutMs: 5000 });
    expect(Buffer.from(reply.body).toString()).toBe('still alive');

    // The garbage queued before the client's request may still be draining: wait until the count settles.
    let stats = (await peerStats(target)).stats;
    for (let settled = 0; settled < 5; ) {
      await new Promise((r) => setTimeout(r, 100));
      const next = (await peerStats(target)).stats;
      settled = next.malformed === stats.malformed ? settled + 1 : 0;
      stats = next;
    }
    expect(target.child.exitCode).toBeNull();
    // Nearly all of the 112,005 inputs are counted (a bit-flipped envelope can still be
    // well-formed). More than the 102,005 direct frames and beacons together: the
    // garbage publications reached the subscriber socket and were counted too.
    expect(stats.malformed, JSON.stringify(stats)).toBeGreaterThan(102_005);
    // Logged once per source, not once per frame.
    expect(target.stderr.filter((l) => l.includes('malformed')).length).toBeLessThan(20);
    stranger.close();
    insider.close();
    fakePub.close();
    await client.close();
  }, 120_000);
});
