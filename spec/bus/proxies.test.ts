import { randomBytes } from 'node:crypto';
import { Subscriber } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

afterAll(killAll);

describe('proxies swapped at run time', () => {
  it('logging, then encryption: the bytes on the wire change, the receiver reads the original', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('proxy');
    const key = randomBytes(32).toString('base64');
    const sender = await startPeer({ bus: { name: 'sender', discovery: { port, cluster } }, declaration: {}, proxies: { outbound: [{ kind: 'log' }] } });
    const receiver = await startPeer({
      bus: { name: 'receiver', discovery: { port, cluster } },
      declaration: { topics: ['wire'] },
      proxies: { inbound: [{ kind: 'encrypt', key }] },
    });
    await sender.waitFor((e) => e.event === 'join' && e.name === 'receiver', 5000, 'receiver join');

    // A raw ZeroMQ subscriber taps the sender's publisher: what travels on the wire.
    const record = (await sender.waitFor((e) => e.event === 'ready')).record as { pubEndpoints: string[] };
    const tap = new Subscriber();
    tap.connect(record.pubEndpoints.find((e) => e.startsWith('tcp://'))!);
    tap.subscribe('wire\u0000');
    await new Promise((r) => setTimeout(r, 500));

    const plain = Buffer.from('meterA.u1=230.5V');
    const publishAndTap = async (): Promise<Buffer> => {
      const delivered = receiver.next((e) => e.event === 'publication', 5000, 'publication');
      sender.command({ cmd: 'publish', topic: 'wire', type: 'gridlink.test.Sample', body: plain.toString('base64') });
      const [, , body] = await tap.receive();
      const event = await delivered;
      expect(Buffer.from(String(event.body), 'base64')).toEqual(plain);
      return body;
    };

    const before = await publishAndTap();
    expect(before.includes(plain)).toBe(true);
    expect(sender.stderr.some((line) => line.includes('out publish gridlink.test.Sample'))).toBe(true);

    const swapped = sender.next((e) => e.event === 'proxies', 5000, 'proxy swap');
    sender.command({ cmd: 'proxies', config: { outbound: [{ kind: 'encrypt', key }] } });
    expect((await swapped).outbound).toEqual(['encrypt']);

    const after = await publishAndTap();
    expect(after.includes(plain)).toBe(false);
    expect(after.equals(before)).toBe(false);
    tap.close();
  });

  it('a receiver with the wrong key drops the sealed message instead of delivering garbage', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('proxy-key');
    const sender = await startPeer({ bus: { name: 'sender', discovery: { port, cluster } }, declaration: {}, proxies: { outbound: [{ kind: 'encrypt', key: randomBytes(32).toString('base64') }] } });
    const receiver = await startPeer({
      bus: { name: 'receiver', discovery: { port, cluster } },
      declaration: { topics: ['wire'] },
      proxies: { inbound: [{ kind: 'encrypt', key: randomBytes(32).toString('base64') }] },
    });
    await sender.waitFor((e) => e.event === 'join' && e.name === 'receiver', 5000, 'receiver join');
    await new Promise((r) => setTimeout(r, 300));
    sender.command({ cmd: 'publish', topic: 'wire', type: 'gridlink.test.Sample', body: Buffer.from('x').toString('base64') });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.events.some((e) => e.event === 'publication')).toBe(false);
    expect(receiver.stderr.some((line) => line.includes('failed authentication'))).toBe(true);
  });
});
