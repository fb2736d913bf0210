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

describe('the other built-in proxies', () => {
  it('reroute sends a role\'s requests to another role; drop with rate 1 loses every publication; rename maps data point names', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('proxy-more');
    const target = await startPeer({
      bus: { name: 'new-echo', discovery: { port, cluster } },
      declaration: { roles: [{ name: 'echo-v2', requestTypes: ['gridlink.test.Echo'] }], topics: ['values'] },
    });
    const caller = await startPeer({
      bus: { name: 'caller', discovery: { port, cluster } },
      declaration: {},
      proxies: { outbound: [{ kind: 'reroute', from: 'echo', to: 'echo-v2' }] },
    });
    await caller.waitFor((e) => e.event === 'join' && e.name === 'new-echo', 5000, 'join');
    const reply = caller.next((e) => e.event === 'reply' || e.event === 'request-failed', 5000, 'reply');
    caller.command({ cmd: 'request', role: 'echo', type: 'gridlink.test.Echo', body: Buffer.from('rerouted').toString('base64'), tag: 1 });
    const answer = await reply;
    expect(answer.event).toBe('reply');
    expect(Buffer.from(String(answer.body), 'base64').toString()).toBe('rerouted');

    // drop: rate 1 on the caller's publications of one type; another type still passes.
    const swapped = caller.next((e) => e.event === 'proxies', 5000, 'swap');
    caller.command({ cmd: 'proxies', config: { outbound: [{ kind: 'drop', rate: 1, types: ['gridlink.test.Lost'] }] } });
    await swapped;
    await new Promise((r) => setTimeout(r, 300));
    caller.command({ cmd: 'publish', topic: 'values', type: 'gridlink.test.Lost', body: Buffer.from('x').toString('base64'), count: 20 });
    caller.command({ cmd: 'publish', topic: 'values', type: 'gridlink.test.Kept', body: Buffer.from('y').toString('base64') });
    await target.waitFor((e) => e.event === 'publication' && e.type === 'gridlink.test.Kept', 5000, 'kept publication');
    expect(target.events.filter((e) => e.event === 'publication' && e.type === 'gridlink.test.Lost')).toHaveLength(0);
  });

  it('rename maps data point names inside schema messages on the way out', async () => {
    const { MeasurementEvent } = await import('../../schemas/generated/messages.js');
    const port = await freeUdpPort();
    const cluster = uniqueCluster('rename');
    const receiver = await startPeer({ bus: { name: 'receiver', discovery: { port, cluster } }, declaration: { topics: ['measurements'] } });
    const sender = await startPeer({
      bus: { name: 'vendor-gateway', discovery: { port, cluster } },
      declaration: {},
      proxies: { outbound: [{ kind: 'rename', map: { U_L1: 'meterA.u1' } }] },
    });
    await sender.waitFor((e) => e.event === 'join' && e.name === 'receiver', 5000, 'join');
    await new Promise((r) => setTimeout(r, 300));
    const body = Buffer.from(MeasurementEvent.encode({ dataPoint: 'U_L1', timestampMs: 1_700_000_000_000, value: 231.5 }));
    sender.command({ cmd: 'publish', topic: 'measurements', type: MeasurementEvent.name, body: body.toString('base64') });
    const event = await receiver.waitFor((e) => e.event === 'publication', 5000, 'publication');
    const value = MeasurementEvent.decode(Buffer.from(String(event.body), 'base64'));
    expect(value).toEqual({ dataPoint: 'meterA.u1', timestampMs: 1_700_000_000_000, value: 231.5 });
  });
});
