// Nothing is lost while storage is away: the gateway keeps the values, tries again, creates its data
// points again in the new (in-memory, empty) storage and stores every value that came meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLine, removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { newDomain, startStorage, type RunningStorage } from '../storage/helpers.js';
import { entriesOnce, Rtu, startGateway, TypeId, type RunningGateway } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let rtu: Rtu;
let gateway: RunningGateway;
let storage: RunningStorage;

beforeAll(async () => {
  domain = await newDomain('gw104-outage');
  peer = await TestPeer.start(domain);
  storage = await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
  rtu = await Rtu.start({ commonAddress: 5, points: [{ typeId: TypeId.M_ME_NC_1, ioa: 1, value: 10, quality: 0 }] });
  gateway = await startGateway(peer, domain, {
    flushIntervalMs: 50,
    storageTimeoutMs: 1000,
    storageRetryMaxMs: 400,
    links: [{ name: 'rtu-5', host: '127.0.0.1', port: rtu.port, commonAddress: 5, params: { t1: 3000, t2: 500, t3: 5000 }, points: [{ ioa: 1, dataPoint: 'sub5.p' }] }],
  });
}, 30_000);

afterAll(async () => {
  await rtu?.close();
  await peer?.close();
  removeTempDirs();
});

describe('iec104-gateway while storage is away', () => {
  it('keeps the values, creates the data points in the new storage and stores all of them', async () => {
    await entriesOnce(peer, 'sub5.p', 1, gateway.process);
    storage.process.child.kill('SIGKILL');
    await storage.process.exited;
    const t = Date.parse('2024-07-01T00:00:00.000Z');
    for (let i = 0; i < 20; i++) rtu.send(TypeId.M_ME_TF_1, [{ ioa: 1, value: i, quality: 0, timeMs: t + i * 1000 }]);
    await logLine(gateway.process, 'storage did not take a batch', 15_000);

    storage = await startStorage(peer, domain, { inMemory: true, ack: 'visible' });
    const entries = await entriesOnce(peer, 'sub5.p', 20, gateway.process, 20_000);
    expect(entries.map((e) => [e.timestampMs, e.value])).toEqual(Array.from({ length: 20 }, (_, i) => [t + i * 1000, i]));
    await logLine(gateway.process, 'storage takes values again', 5000);
  }, 30_000);
});
