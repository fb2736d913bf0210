import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../core/bus/index.js';
import { peerStats, startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

afterAll(killAll);

describe('CurveZMQ', () => {
  it('keyed peers talk; a peer whose key is not in the keyring can neither connect nor appear in the registry', async () => {
    const port = await freeUdpPort();
    const cluster = uniqueCluster('curve');
    const a = generateKeyPair();
    const b = generateKeyPair();
    const intruder = generateKeyPair();
    const allowed = [a.publicKey, b.publicKey];
    const pa = await startPeer({
      bus: { name: 'a', discovery: { port, cluster }, keyring: { ...a, allowed } },
      declaration: { roles: [{ name: 'echo', requestTypes: ['gridlink.test.Echo'] }] },
    });
    const pb = await startPeer({ bus: { name: 'b', discovery: { port, cluster }, keyring: { ...b, allowed } }, declaration: {} });
    // The intruder knows a's and b's public keys and tries anyway.
    const pc = await startPeer({ bus: { name: 'c', discovery: { port, cluster }, keyring: { ...intruder, allowed } }, declaration: {} });

    await pb.waitFor((e) => e.event === 'join' && e.name === 'a', 5000, 'a joins b');
    const reply = pb.next((e) => e.event === 'reply' || e.event === 'request-failed', 5000, 'reply');
    pb.command({ cmd: 'request', role: 'echo', type: 'gridlink.test.Echo', body: Buffer.from('over curve').toString('base64'), tag: 1 });
    const answer = await reply;
    expect(answer.event).toBe('reply');
    expect(Buffer.from(String(answer.body), 'base64').toString()).toBe('over curve');

    await new Promise((r) => setTimeout(r, 2500)); // several beacon rounds
    for (const peer of [pa, pb]) {
      const names = (await peerStats(peer)).registry.map((r) => r.name).sort();
      expect(names).toEqual(['a', 'b']);
    }
    expect((await peerStats(pc)).registry.map((r) => r.name)).toEqual(['c']);
    const failed = pc.next((e) => e.event === 'request-failed', 5000, 'intruder request');
    pc.command({ cmd: 'request', role: 'echo', type: 'gridlink.test.Echo', body: '', tag: 2 });
    expect((await failed).error).toBe('NoHandlersError');
  });
});
