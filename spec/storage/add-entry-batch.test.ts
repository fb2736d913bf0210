/**
 * AddEntryBatch against the real storage module in its own process (on disk, ack durable, as
 * `npm start` runs it): entries of several data points in one request, stored per data point,
 * EntryAdded per stored entry; a batch with any bad part is refused whole (nothing stored) with
 * an ErrorReply naming the data point and the entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../core/bus/index.js';
import { AddEntryBatch, CreateDataPoint, EntryAdded, GetEntriesOfTimeSpan } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { ask, askError, newDomain, startStorage } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
const added: EntryAdded[] = [];

beforeAll(async () => {
  domain = await newDomain('storage-batch');
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('storage/observe/*', (delivery: Delivery) => {
    if (delivery.type === EntryAdded.name) added.push(EntryAdded.decode(delivery.body));
  });
  await startStorage(peer, domain, { maxEntriesPerReply: 1000, statusIntervalMs: 0 });
  for (const dataPoint of ['rtu1.p1', 'rtu1.q1', 'rtu1.u1', 'warmup']) await ask(peer, CreateDataPoint, { dataPoint, existOk: false });
  // The subscription travels after the connection is up: store warm-up entries until one is heard.
  const deadline = Date.now() + 10_000;
  for (let t = 1; !added.some((e) => e.dataPoint === 'warmup'); t++) {
    if (Date.now() > deadline) throw new Error('no EntryAdded of the warm-up within 10 s');
    await ask(peer, AddEntryBatch, { dataPoints: ['warmup'], pointIndex: [0], timestampsMs: [t], values: [0] });
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

async function entriesOf(dataPoint: string): Promise<[number, number][]> {
  const reply = await ask(peer, GetEntriesOfTimeSpan, { dataPoint, limit: 0 });
  return (reply.entries ?? []).map((e) => [e.timestampMs, e.value]);
}

describe('AddEntryBatch', () => {
  it('stores the entries of several data points in one request and counts appended and duplicates over the batch', async () => {
    // Like an RTU's ASDU: several objects per timestamp, interleaved.
    const reply = await ask(peer, AddEntryBatch, {
      dataPoints: ['rtu1.p1', 'rtu1.q1'],
      pointIndex: [0, 1, 0, 1, 0],
      timestampsMs: [1000, 1000, 2000, 2000, 3000],
      values: [12.5, -3, 12.75, -3.25, 13],
    });
    expect(reply).toEqual({ dataPoint: '', appended: 5, duplicates: 0 });
    expect(await entriesOf('rtu1.p1')).toEqual([[1000, 12.5], [2000, 12.75], [3000, 13]]);
    expect(await entriesOf('rtu1.q1')).toEqual([[1000, -3], [2000, -3.25]]);

    // A re-sent flush (a gateway that did not hear the reply): the stored entries are duplicates.
    const again = await ask(peer, AddEntryBatch, { dataPoints: ['rtu1.q1', 'rtu1.p1'], pointIndex: [1, 0, 1], timestampsMs: [3000, 2000, 4000], values: [13, -3.25, 14] });
    expect(again).toEqual({ dataPoint: '', appended: 1, duplicates: 2 });
    // Entries of one data point out of time order inside the batch are stored in order.
    expect(await ask(peer, AddEntryBatch, { dataPoints: ['rtu1.u1'], pointIndex: [0, 0, 0], timestampsMs: [3000, 1000, 2000], values: [231, 229, 230] })).toMatchObject({ appended: 3 });
    expect(await entriesOf('rtu1.u1')).toEqual([[1000, 229], [2000, 230], [3000, 231]]);
    // An empty batch is answered, not refused.
    expect(await ask(peer, AddEntryBatch, {})).toEqual({ dataPoint: '', appended: 0, duplicates: 0 });
  });

  it('publishes EntryAdded for each stored entry on its data point\'s observer topic, none for duplicates', async () => {
    await until(() => added.filter((e) => e.dataPoint.startsWith('rtu1.')).length >= 9, 'EntryAdded of the stored entries');
    const seen = added.filter((e) => e.dataPoint.startsWith('rtu1.')).map((e) => `${e.dataPoint}@${e.timestampMs}=${e.value}`);
    expect(seen.sort()).toEqual(
      ['rtu1.p1@1000=12.5', 'rtu1.p1@2000=12.75', 'rtu1.p1@3000=13', 'rtu1.p1@4000=14', 'rtu1.q1@1000=-3', 'rtu1.q1@2000=-3.25', 'rtu1.u1@1000=229', 'rtu1.u1@2000=230', 'rtu1.u1@3000=231'].sort(),
    );
    expect(added.every((e) => e.arrivalMs > 0)).toBe(true);
  });

  it('refuses a batch with any bad part whole, naming the data point and the entry', async () => {
    const before = { p1: await entriesOf('rtu1.p1'), q1: await entriesOf('rtu1.q1') };
    const good = { dataPoints: ['rtu1.p1', 'rtu1.q1'], pointIndex: [0, 1], timestampsMs: [10_000, 10_000], values: [1, 2] };

    const unknown = await askError(peer, AddEntryBatch, { ...good, dataPoints: ['rtu1.p1', 'rtu9.x'] });
    expect(unknown).toMatchObject({ code: 'NotFound', dataPoint: 'rtu9.x' });

    const outside = await askError(peer, AddEntryBatch, { ...good, pointIndex: [0, 2] });
    expect(outside.code).toBe('InvalidArgument');
    expect(outside.message).toMatch(/entry 1: point_index 2 is outside data_points/);

    const lengths = await askError(peer, AddEntryBatch, { ...good, values: [1] });
    expect(lengths.code).toBe('InvalidArgument');
    expect(lengths.message).toMatch(/pair by index/);

    const nan = await askError(peer, AddEntryBatch, { ...good, timestampsMs: [10_000, Number.NaN] });
    expect(nan).toMatchObject({ code: 'InvalidArgument', dataPoint: 'rtu1.q1' });
    expect(nan.message).toMatch(/entry 1: .*finite/);

    const badName = await askError(peer, AddEntryBatch, { ...good, dataPoints: ['rtu1.p1', 'rtu 1'] });
    expect(badName.message).toMatch(/white space/);
    const twice = await askError(peer, AddEntryBatch, { ...good, dataPoints: ['rtu1.p1', 'rtu1.p1'] });
    expect(twice).toMatchObject({ code: 'InvalidArgument', dataPoint: 'rtu1.p1' });

    // Two values for one timestamp of one data point: the store would take one and refuse the other.
    const conflict = await askError(peer, AddEntryBatch, { dataPoints: ['rtu1.p1', 'rtu1.q1'], pointIndex: [0, 1, 0], timestampsMs: [10_000, 10_000, 10_000], values: [1, 2, 5] });
    expect(conflict).toMatchObject({ code: 'InvalidArgument', dataPoint: 'rtu1.p1' });
    expect(conflict.message).toMatch(/entries 0 and 2 have the same timestamp/);

    // maxEntriesPerReply is 1000 in this module.
    const many = 1001;
    const tooMany = await askError(peer, AddEntryBatch, {
      dataPoints: ['rtu1.p1'],
      pointIndex: new Array<number>(many).fill(0),
      timestampsMs: Array.from({ length: many }, (_, i) => 20_000 + i),
      values: new Array<number>(many).fill(1),
    });
    expect(tooMany.message).toMatch(/at most 1000/);

    // Nothing of the refused batches was stored; the module still answers.
    expect(await entriesOf('rtu1.p1')).toEqual(before.p1);
    expect(await entriesOf('rtu1.q1')).toEqual(before.q1);
    expect(await ask(peer, AddEntryBatch, good)).toEqual({ dataPoint: '', appended: 2, duplicates: 0 });
  });

  it('stores a gateway-sized flush of 1,000 entries over 100 data points', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `rtu2.m${i}`);
    for (const dataPoint of names) await ask(peer, CreateDataPoint, { dataPoint, existOk: false });
    const pointIndex: number[] = [];
    const timestampsMs: number[] = [];
    const values: number[] = [];
    for (let k = 0; k < 10; k++) {
      for (let p = 0; p < names.length; p++) {
        pointIndex.push(p);
        timestampsMs.push(50_000 + k * 100);
        values.push(p + k / 10);
      }
    }
    expect(await ask(peer, AddEntryBatch, { dataPoints: names, pointIndex, timestampsMs, values })).toEqual({ dataPoint: '', appended: 1000, duplicates: 0 });
    expect(await entriesOf('rtu2.m42')).toEqual(Array.from({ length: 10 }, (_, k) => [50_000 + k * 100, 42 + k / 10]));
  });
});
