/**
 * What the storage module publishes and takes in, between real processes: observer events per
 * data point (`storage/observe/<name>`, also by prefix) and of general interest
 * (`storage/events`), MeasurementEvents from the measurement topic, and AddEntry sent without a
 * reply wanted. Unknown data points are dropped (not created) and logged once per name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../core/bus/index.js';
import {
  AddEntry,
  CreateDataPoint,
  DataPointCreated,
  EntryAdded,
  ExistsDataPoint,
  GetEntriesOfTimeSpan,
  GetMostRecentEntry,
  MeasurementEvent,
  TagsChanged,
  UpdateTags,
} from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { countLines, logLine, removeTempDirs, TestPeer, until, type Domain } from '../actor/helpers.js';
import { ask, newDomain, startStorage, type RunningStorage } from './helpers.js';

interface Seen {
  topic: string;
  type: string;
  value: DataPointCreated | EntryAdded | TagsChanged;
}

let domain: Domain;
let peer: TestPeer;
let storage: RunningStorage;
const one: Seen[] = [];
const prefix: Seen[] = [];
const global: Seen[] = [];
let warmedUp = false;

function collector(into: Seen[]) {
  return (delivery: Delivery): void => {
    const type = [DataPointCreated, EntryAdded, TagsChanged].find((t) => t.name === delivery.type);
    if (!type) throw new Error(`unexpected ${delivery.type} on ${delivery.target}`);
    const value = type.decode(delivery.body);
    // The warm-up's data points only show that the subscription is up; the tests never see them.
    if (value.dataPoint.startsWith('warmup')) {
      warmedUp = true;
      return;
    }
    into.push({ topic: delivery.target, type: type.name.replace('gridlink.storage.', ''), value });
  };
}

beforeAll(async () => {
  domain = await newDomain('storage-events');
  peer = await TestPeer.start(domain);
  peer.bus.subscribe('storage/observe/meterA.u1', collector(one));
  peer.bus.subscribe('storage/observe/*', collector(prefix));
  peer.bus.subscribe('storage/events', collector(global));
  storage = await startStorage(peer, domain, { inMemory: true });
  // Subscriptions travel after the connection is up: create data points until one's event arrives.
  let n = 0;
  await repeatUntil(() => void ask(peer, CreateDataPoint, { dataPoint: `warmup${++n}`, existOk: true }), () => warmedUp, 'first DataPointCreated on storage/events');
}, 30_000);

/** Does `action` every 25 ms until `done` holds; fails after 10 s. */
async function repeatUntil(action: () => void, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 10 s:\n${storage.process.stderr.slice(-20).join('\n')}`);
    action();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('observer events', () => {
  it('are declared in the registry with the measurement topic', async () => {
    const record = await peer.module('storage', storage.process.pid);
    expect(record.publishes).toEqual(expect.arrayContaining(['storage/events', 'storage/observe/*']));
    expect(record.topics).toContain('measurements');
  });

  it('DataPointCreated goes to the data point topic and storage/events; EntryAdded only to the data point topic', async () => {
    await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u1', tags: ['voltage'], unit: 'V', existOk: false });
    await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u10', tags: ['voltage'], existOk: false });
    await until(() => global.length >= 2 && one.length >= 1 && prefix.length >= 2, 'DataPointCreated events', 5000, storage.process);
    expect(one).toMatchObject([{ topic: 'storage/observe/meterA.u1', type: 'DataPointCreated', value: { dataPoint: 'meterA.u1', tags: ['voltage'], unit: 'V' } }]);
    expect(global.map((s) => [s.topic, s.type, s.value.dataPoint])).toEqual([
      ['storage/events', 'DataPointCreated', 'meterA.u1'],
      ['storage/events', 'DataPointCreated', 'meterA.u10'],
    ]);
    expect((one[0]!.value as DataPointCreated).createdMs).toBeGreaterThan(Date.now() - 60_000);

    const before = Date.now();
    await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1_700_000_000_000, value: 231.25 });
    await ask(peer, AddEntry, { dataPoint: 'meterA.u10', timestampMs: 1_700_000_000_000, value: 1 });
    // A duplicate is not a new entry: no event.
    await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1_700_000_000_000, value: 231.25 });
    await until(() => prefix.filter((s) => s.type === 'EntryAdded').length >= 2, 'EntryAdded on storage/observe/*', 5000, storage.process);
    await until(() => one.some((s) => s.type === 'EntryAdded'), 'EntryAdded on storage/observe/meterA.u1', 5000, storage.process);
    const added = one.filter((s) => s.type === 'EntryAdded');
    expect(added).toHaveLength(1);
    expect(added[0]!.value).toMatchObject({ dataPoint: 'meterA.u1', timestampMs: 1_700_000_000_000, value: 231.25 });
    expect((added[0]!.value as EntryAdded).arrivalMs).toBeGreaterThanOrEqual(before - 1000);
    // The exact topic of meterA.u1 does not hear meterA.u10.
    expect(one.every((s) => s.value.dataPoint === 'meterA.u1')).toBe(true);
    expect(global.some((s) => s.type === 'EntryAdded')).toBe(false);
  });

  it('TagsChanged goes to both topics, only when the tag set changed', async () => {
    await ask(peer, UpdateTags, { dataPoint: 'meterA.u1', tags: ['voltage'], mode: 'Add' });
    await ask(peer, UpdateTags, { dataPoint: 'meterA.u1', tags: ['feeder3'], mode: 'Add' });
    await until(() => global.some((s) => s.type === 'TagsChanged'), 'TagsChanged on storage/events', 5000, storage.process);
    await until(() => one.some((s) => s.type === 'TagsChanged'), 'TagsChanged on the data point topic', 5000, storage.process);
    const changes = global.filter((s) => s.type === 'TagsChanged');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.value).toEqual({ dataPoint: 'meterA.u1', tags: ['feeder3', 'voltage'], added: ['feeder3'], removed: [] });
    expect(one.filter((s) => s.type === 'TagsChanged').map((s) => s.value)).toEqual([changes[0]!.value]);
  });
});

describe('ingestion', () => {
  it('MeasurementEvents on "measurements" are stored and announced like AddEntry', async () => {
    await ask(peer, CreateDataPoint, { dataPoint: 'meterM.p1', existOk: false });
    // The storage module's subscription to this peer may still be on its way: publish until one lands.
    let t = 1_000;
    await repeatUntil(
      () => peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'meterM.p1', timestampMs: t++, value: 0 }),
      () => prefix.some((s) => s.type === 'EntryAdded' && s.value.dataPoint === 'meterM.p1'),
      'a first stored MeasurementEvent',
    );
    for (let i = 0; i < 50; i++) peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'meterM.p1', timestampMs: 10_000 + i, value: 400 + i });
    const stored = await until(
      () => {
        const entries = prefix.filter((s) => s.type === 'EntryAdded' && s.value.dataPoint === 'meterM.p1' && (s.value as EntryAdded).timestampMs >= 10_000);
        return entries.length === 50 ? entries : undefined;
      },
      '50 EntryAdded of meterM.p1',
      10_000,
      storage.process,
    );
    expect(stored.map((s) => (s.value as EntryAdded).value)).toEqual(Array.from({ length: 50 }, (_, i) => 400 + i));
    const read = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterM.p1', fromMs: 10_000, limit: 0 });
    expect(read.entries).toHaveLength(50);
    expect(read.entries![49]).toEqual({ timestampMs: 10_049, value: 449 });
  });

  it('measurements of unknown data points are dropped, not created, and logged once per name', async () => {
    for (let i = 0; i < 20; i++) peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'ghost.u1', timestampMs: i, value: i });
    // A known point after them: once it is stored, the ghosts before it were handled too.
    peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'meterM.p1', timestampMs: 20_000, value: 1 });
    await until(() => prefix.some((s) => s.type === 'EntryAdded' && (s.value as EntryAdded).timestampMs === 20_000), 'the known entry after the ghosts', 5000, storage.process);
    await logLine(storage.process, /MeasurementEvent for an unknown data point dropped.*dataPoint=ghost\.u1/);
    expect(countLines(storage.process, /unknown data point dropped.*ghost\.u1/)).toBe(1);
    expect((await ask(peer, ExistsDataPoint, { dataPoint: 'ghost.u1' })).exists).toBe(false);
    // Nor does the store hold a bad measurement: a NaN timestamp is refused (and logged once).
    peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'meterM.p1', timestampMs: Number.NaN, value: 1 });
    await logLine(storage.process, /MeasurementEvent refused.*dataPoint=meterM\.p1.*code=InvalidArgument/);
  });

  it('AddEntry sent without a reply wanted is stored too; a failure is only logged', async () => {
    peer.bus.send('storage', AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1_700_000_001_000, value: 232.5 });
    peer.bus.send('storage', AddEntry, { dataPoint: 'ghost.u2', timestampMs: 1, value: 1 });
    await logLine(storage.process, /AddEntry \(send\) for an unknown data point dropped.*dataPoint=ghost\.u2/, 5000);
    const latest = await until(
      () => one.find((s) => s.type === 'EntryAdded' && (s.value as EntryAdded).timestampMs === 1_700_000_001_000),
      'the sent entry on the observer topic',
      5000,
      storage.process,
    );
    expect(latest.value).toMatchObject({ value: 232.5 });
    expect(await ask(peer, GetMostRecentEntry, { dataPoint: 'meterA.u1' })).toEqual({ dataPoint: 'meterA.u1', entry: { timestampMs: 1_700_000_001_000, value: 232.5 } });
    expect(storage.process.child.exitCode).toBeNull();
  });
});
