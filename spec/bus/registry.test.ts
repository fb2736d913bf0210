import { Dealer, Router } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlCodec, type ControlMessage } from '../../core/bus/control.js';
import { EnvelopeEncoder, EnvelopeReader, MessageKind } from '../../core/bus/envelope.js';
import { forEachItem, BatchWriter } from '../../core/bus/batch.js';
import { hostKey, newModuleId } from '../../core/bus/ids.js';
import type { ModuleRecord } from '../../core/bus/registry.js';
import { peerStats, startPeer } from '../support/bus-peers.js';
import { freeUdpPort, killAll, uniqueCluster } from '../support/processes.js';

afterAll(killAll);

/**
 * A hand-made peer speaking the registry protocol frame by frame, so the test
 * controls sequence numbers exactly: it owns a record, sends deltas, and
 * listens on its own ROUTER for what the module sends back.
 */
class ScriptedPeer {
  readonly id = newModuleId();
  readonly router = new Router();
  readonly dealer = new Dealer({ routingId: this.id });
  readonly control = new ControlCodec();
  readonly encoder = new EnvelopeEncoder(this.id);
  readonly received: ControlMessage[] = [];

  async start(target: string): Promise<void> {
    await this.router.bind('tcp://127.0.0.1:0');
    this.dealer.connect(target);
    void (async () => {
      const reader = new EnvelopeReader();
      for await (const [, head, body] of this.router) {
        const envelope = reader.read(head);
        if (envelope.kind === MessageKind.Control) forEachItem(body, envelope.batchCount, (item) => this.received.push(this.control.decode(item)));
      }
    })();
  }

  record(seq: number, roles: string[]): ModuleRecord {
    return {
      id: this.id, incarnation: 1n, name: 'scripted', version: '1', host: 'here', hostKey: hostKey(), pid: process.pid,
      routerEndpoints: [this.router.lastEndpoint!], pubEndpoints: [], roles: roles.map((name) => ({ name, requestTypes: [] })),
      topics: [], publishes: [], state: 'running', seq, curvePublicKey: '',
    };
  }

  async sendControl(message: ControlMessage): Promise<void> {
    const batch = new BatchWriter();
    batch.append(this.control.encode(message), 0);
    await this.dealer.send([this.encoder.encode(MessageKind.Control, '', this.control.typeName, 0, 0, 1), batch.take()]);
  }

  close(): void {
    this.router.close();
    this.dealer.close();
  }
}

async function rolesOf(peer: Parameters<typeof peerStats>[0], id: string): Promise<{ seq: number; roles: string[] } | undefined> {
  return (await peerStats(peer)).registry.find((r) => r.id === id);
}

describe('registry replication', () => {
  it('applies deltas in sequence, asks the owner again after a gap, and takes the full record it gets', async () => {
    const port = await freeUdpPort();
    const module = await startPeer({ bus: { name: 'replica', discovery: { port, cluster: uniqueCluster('reg') } }, declaration: {} });
    const routerEndpoint = ((await module.waitFor((e) => e.event === 'ready')).record as { routerEndpoints: string[] }).routerEndpoints.find((e) => e.startsWith('tcp://'))!;
    const owner = new ScriptedPeer();
    await owner.start(routerEndpoint);

    await owner.sendControl({ kind: 'hello', record: owner.record(1, ['a']), replyWanted: true });
    await module.waitFor((e) => e.event === 'join' && e.id === owner.id, 5000, 'join');
    expect(await rolesOf(module, owner.id)).toMatchObject({ seq: 1, roles: ['a'] });

    // seq 2 follows seq 1: applied.
    await owner.sendControl({ kind: 'delta', id: owner.id, incarnation: 1n, seq: 2, roles: [{ name: 'b', requestTypes: [] }] });
    await module.waitFor((e) => e.event === 'update' && e.id === owner.id, 5000, 'update');
    expect(await rolesOf(module, owner.id)).toMatchObject({ seq: 2, roles: ['b'] });

    // seq 4 after 2: a gap. Not applied; the module asks for the whole record.
    await owner.sendControl({ kind: 'delta', id: owner.id, incarnation: 1n, seq: 4, roles: [{ name: 'd', requestTypes: [] }] });
    const until = Date.now() + 5000;
    while (!owner.received.some((m) => m.kind === 'resync') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(owner.received.find((m) => m.kind === 'resync')).toMatchObject({ kind: 'resync', id: owner.id, haveSeq: 2 });
    expect(await rolesOf(module, owner.id)).toMatchObject({ seq: 2, roles: ['b'] });

    // The owner answers with its full record: the replica catches up.
    await owner.sendControl({ kind: 'hello', record: owner.record(4, ['c', 'd']), replyWanted: false });
    const caughtUp = Date.now() + 5000;
    while ((await rolesOf(module, owner.id))?.seq !== 4 && Date.now() < caughtUp) await new Promise((r) => setTimeout(r, 20));
    expect(await rolesOf(module, owner.id)).toMatchObject({ seq: 4, roles: ['c', 'd'] });

    // A stale delta (seq 3 < 4) changes nothing.
    await owner.sendControl({ kind: 'delta', id: owner.id, incarnation: 1n, seq: 3, roles: [{ name: 'stale', requestTypes: [] }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(await rolesOf(module, owner.id)).toMatchObject({ seq: 4, roles: ['c', 'd'] });

    // Leave removes the record.
    await owner.sendControl({ kind: 'leave', id: owner.id, incarnation: 1n, reason: 'test over' });
    await module.waitFor((e) => e.event === 'leave' && e.id === owner.id, 5000, 'leave');
    owner.close();
  });
});
