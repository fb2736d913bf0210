import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus, NoHandlersError, RecipientFailureError, TimeoutError } from '../../core/bus/index.js';
import { startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

let port: number;
let cluster: string;
let client: Bus;

beforeAll(async () => {
  port = await freeUdpPort();
  cluster = uniqueCluster('routing');
  client = await Bus.start({ name: 'client', discovery: { port, cluster } });
});

afterAll(async () => {
  await client.close();
  await killAll();
});

async function waitForHolders(role: string, count: number): Promise<void> {
  const until = Date.now() + 5000;
  while (client.registry.holders(role).length < count) {
    if (Date.now() > until) throw new Error(`only ${client.registry.holders(role).length} holders of ${role}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const echoRole = (name: string) => ({ name, requestTypes: ['gridlink.test.Echo', 'gridlink.test.Count', 'gridlink.test.Never', 'gridlink.test.Fail'] });

describe('send and request between processes', () => {
  it('splits requests round-robin across two instances (equal within 1)', async () => {
    const a = await startPeer({ bus: { name: 'echo-a', discovery: { port, cluster } }, declaration: { roles: [echoRole('echo')] } });
    const b = await startPeer({ bus: { name: 'echo-b', discovery: { port, cluster } }, declaration: { roles: [echoRole('echo')] } });
    await waitForHolders('echo', 2);
    const body = Buffer.from('ping');
    for (let i = 0; i < 101; i++) {
      const reply = await client.requestRaw('echo', 'gridlink.test.Echo', body, { timeoutMs: 2000 });
      expect(reply.type).toBe('gridlink.test.EchoReply');
      expect(Buffer.from(reply.body).toString()).toBe('ping');
    }
    // Count goes round-robin too: ask until both instances have answered.
    const seen = new Map<string, number>();
    while (seen.size < 2) {
      const reply = await client.requestRaw('echo', 'gridlink.test.Count', new Uint8Array(), { timeoutMs: 2000 });
      const { echoes, id } = JSON.parse(Buffer.from(reply.body).toString()) as { echoes: number; id: string };
      seen.set(id, echoes);
    }
    const counts = [...seen.values()];
    expect(counts.reduce((x, y) => x + y)).toBe(101);
    expect(Math.abs(counts[0] - counts[1])).toBeLessThanOrEqual(1);
    await a.kill();
    await b.kill();
  });

  it('fails at once with NoHandlers when nobody holds the role', async () => {
    const started = Date.now();
    await expect(client.requestRaw('nobody', 'gridlink.test.Echo', new Uint8Array(), { timeoutMs: 5000 })).rejects.toBeInstanceOf(NoHandlersError);
    expect(Date.now() - started).toBeLessThan(100);
    expect(() => client.sendRaw('nobody', 'gridlink.test.Echo', new Uint8Array())).toThrow(NoHandlersError);
  });

  it('times out, and turns a failing handler into RecipientFailure', async () => {
    const slow = await startPeer({ bus: { name: 'slow', discovery: { port, cluster } }, declaration: { roles: [echoRole('slow')] } });
    await waitForHolders('slow', 1);
    const started = Date.now();
    await expect(client.requestRaw('slow', 'gridlink.test.Never', new Uint8Array(), { timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const failure = await client.requestRaw('slow', 'gridlink.test.Fail', new Uint8Array(), { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RecipientFailureError);
    expect(String((failure as Error).message)).toContain('asked to fail');
    await slow.kill();
  });

  it('delivers a publication to every subscriber process', async () => {
    const subs = await Promise.all(
      ['s1', 's2'].map((name) => startPeer({ bus: { name, discovery: { port, cluster } }, declaration: { topics: ['measurements'] } })),
    );
    const until = Date.now() + 5000;
    while (client.registry.list().filter((r) => r.topics.includes('measurements')).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // SUB connections settle (slow joiner)
    client.publishRaw('measurements', 'gridlink.test.Sample', Buffer.from('hello'));
    for (const sub of subs) {
      const event = await sub.waitFor((e) => e.event === 'publication', 5000, 'publication');
      expect(Buffer.from(String(event.body), 'base64').toString()).toBe('hello');
      expect(event.type).toBe('gridlink.test.Sample');
    }
  });
});
