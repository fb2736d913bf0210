/**
 * Every request type of role storage against the real module in its own process (a RAM-only
 * store here; spec/storage/restart.test.ts covers the disk): the answers, and the ErrorReply
 * with its code, reason and data point for each kind of bad request. The process must survive
 * all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddEntries,
  AddEntry,
  ConfigApplied,
  ConfigChanged,
  CreateDataPoint,
  ExistsDataPoint,
  GetDataPoints,
  GetEntriesOfTimeSpan,
  GetMostRecentEntry,
  GetStatistics,
  GetTags,
  GetTopology,
  PutTopology,
  UpdateTags,
} from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { logLine, removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { ask, askError, newDomain, startStorage, type RunningStorage } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let storage: RunningStorage;

beforeAll(async () => {
  domain = await newDomain('storage-requests');
  peer = await TestPeer.start(domain);
  storage = await startStorage(peer, domain, { inMemory: true, maxEntriesPerReply: 5, maxTopologyBytes: 1000 });
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('data points and tags', () => {
  it('CreateDataPoint creates once, refuses a second time unless exist_ok, and checks names and tags', async () => {
    expect(await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u1', tags: ['voltage', 'feeder3'], unit: 'V', description: 'phase 1', existOk: false })).toEqual({ message: 'created' });
    expect(await askError(peer, CreateDataPoint, { dataPoint: 'meterA.u1', existOk: false })).toMatchObject({ code: 'AlreadyExists', dataPoint: 'meterA.u1' });
    expect(await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u1', existOk: true, tags: ['other'] })).toEqual({ message: 'already existed' });
    await ask(peer, CreateDataPoint, { dataPoint: 'meterA.i1', tags: ['current', 'feeder3'], unit: 'A', existOk: false });
    await ask(peer, CreateDataPoint, { dataPoint: 'meterB.u1', tags: ['voltage'], existOk: false });
    await ask(peer, CreateDataPoint, { dataPoint: 'loose', existOk: false });

    for (const [dataPoint, reason] of [
      ['', /empty/],
      ['meter A', /white space/],
      ['meter\u0001', /control character/],
      ['x'.repeat(201), /at most 200/],
      ['meter*', /reserved/],
    ] as const) {
      const error = await askError(peer, CreateDataPoint, { dataPoint, existOk: false });
      expect(error.code, dataPoint).toBe('InvalidArgument');
      expect(error.message).toMatch(reason);
    }
    for (const [tags, reason] of [
      [[''], /a tag is empty/],
      [['ok', 'bad\u0007'], /control character/],
      [['t'.repeat(101)], /at most 100/],
      [[' padded'], /white space/],
    ] as const) {
      const error = await askError(peer, CreateDataPoint, { dataPoint: 'meterC.u1', tags: [...tags], existOk: false });
      expect(error).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterC.u1' });
      expect(error.message).toMatch(reason);
    }
    expect((await ask(peer, ExistsDataPoint, { dataPoint: 'meterC.u1' })).exists).toBe(false);
  });

  it('ExistsDataPoint, GetDataPoints (any/all) and GetTags answer from the catalogue', async () => {
    expect(await ask(peer, ExistsDataPoint, { dataPoint: 'meterA.u1' })).toEqual({ dataPoint: 'meterA.u1', exists: true });
    expect(await ask(peer, ExistsDataPoint, { dataPoint: 'meterZ.u9' })).toEqual({ dataPoint: 'meterZ.u9', exists: false });

    const all = await ask(peer, GetDataPoints, { match: 'Any' });
    expect(all.dataPoints?.map((p) => p.name)).toEqual(['loose', 'meterA.i1', 'meterA.u1', 'meterB.u1']);
    const u1 = all.dataPoints?.find((p) => p.name === 'meterA.u1');
    expect(u1).toMatchObject({ tags: ['feeder3', 'voltage'], unit: 'V', description: 'phase 1', entryCount: 0n });
    expect(u1?.firstTimestampMs).toBeUndefined();

    const any = await ask(peer, GetDataPoints, { tags: ['voltage', 'current'], match: 'Any' });
    expect(any.dataPoints?.map((p) => p.name)).toEqual(['meterA.i1', 'meterA.u1', 'meterB.u1']);
    const both = await ask(peer, GetDataPoints, { tags: ['voltage', 'feeder3'], match: 'All' });
    expect(both.dataPoints?.map((p) => p.name)).toEqual(['meterA.u1']);
    expect(await askError(peer, GetDataPoints, { tags: [''], match: 'Any' })).toMatchObject({ code: 'InvalidArgument' });

    expect(await ask(peer, GetTags, {})).toEqual({ tags: ['current', 'feeder3', 'voltage'] });
    expect(await ask(peer, GetTags, { dataPoint: 'meterA.i1' })).toEqual({ dataPoint: 'meterA.i1', tags: ['current', 'feeder3'] });
    expect(await askError(peer, GetTags, { dataPoint: 'meterZ.u9' })).toMatchObject({ code: 'NotFound', dataPoint: 'meterZ.u9' });
  });

  it('UpdateTags adds, removes and replaces; unknown data points and bad tags are refused', async () => {
    expect(await ask(peer, UpdateTags, { dataPoint: 'meterB.u1', tags: ['feeder4', 'voltage'], mode: 'Add' })).toEqual({ dataPoint: 'meterB.u1', tags: ['feeder4', 'voltage'] });
    expect(await ask(peer, UpdateTags, { dataPoint: 'meterB.u1', tags: ['voltage', 'absent'], mode: 'Remove' })).toEqual({ dataPoint: 'meterB.u1', tags: ['feeder4'] });
    expect(await ask(peer, UpdateTags, { dataPoint: 'meterB.u1', tags: ['voltage', 'feeder3'], mode: 'Replace' })).toEqual({ dataPoint: 'meterB.u1', tags: ['feeder3', 'voltage'] });
    expect(await askError(peer, UpdateTags, { dataPoint: 'nobody', tags: ['x'], mode: 'Add' })).toMatchObject({ code: 'NotFound', dataPoint: 'nobody' });
    expect(await askError(peer, UpdateTags, { dataPoint: 'meterB.u1', tags: ['\n'], mode: 'Add' })).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterB.u1' });
    expect(await ask(peer, GetTags, { dataPoint: 'meterB.u1' })).toEqual({ dataPoint: 'meterB.u1', tags: ['feeder3', 'voltage'] });
  });
});

describe('entries', () => {
  it('AddEntry stores an entry of a known data point and refuses unknown points and non-finite timestamps', async () => {
    for (let i = 0; i < 8; i++) {
      expect(await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1000 * (i + 1), value: 230 + i })).toEqual({ message: 'stored' });
    }
    expect(await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 8000, value: 237 })).toEqual({ message: 'duplicate (already stored)' });
    expect(await askError(peer, AddEntry, { dataPoint: 'meterZ.u9', timestampMs: 1, value: 1 })).toMatchObject({ code: 'NotFound', dataPoint: 'meterZ.u9' });
    for (const timestampMs of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = await askError(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs, value: 1 });
      expect(error).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterA.u1' });
      expect(error.message).toMatch(/finite/);
    }
    const info = (await ask(peer, GetDataPoints, { tags: ['voltage'], match: 'Any' })).dataPoints?.find((p) => p.name === 'meterA.u1');
    expect(info).toMatchObject({ entryCount: 8n, firstTimestampMs: 1000, lastTimestampMs: 8000 });
  });

  it('AddEntries stores many entries of one data point in one request; a bad entry refuses the whole request', async () => {
    const reply = await ask(peer, AddEntries, { dataPoint: 'meterB.u1', timestampsMs: [1000, 2000, 3000], values: [229.5, 229.75, 230] });
    expect(reply).toEqual({ dataPoint: 'meterB.u1', appended: 3, duplicates: 0 });
    expect(await ask(peer, AddEntries, { dataPoint: 'meterB.u1', timestampsMs: [3000, 4000], values: [230, 231] })).toEqual({ dataPoint: 'meterB.u1', appended: 1, duplicates: 1 });

    const mismatch = await askError(peer, AddEntries, { dataPoint: 'meterB.u1', timestampsMs: [5000, 6000], values: [1] });
    expect(mismatch).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterB.u1' });
    expect(mismatch.message).toMatch(/pair by index/);
    // maxEntriesPerReply is 5 in this module.
    const tooMany = await askError(peer, AddEntries, { dataPoint: 'meterB.u1', timestampsMs: [5, 6, 7, 8, 9, 10], values: [1, 2, 3, 4, 5, 6] });
    expect(tooMany.message).toMatch(/at most 5/);
    const bad = await askError(peer, AddEntries, { dataPoint: 'meterB.u1', timestampsMs: [5000, Number.NaN], values: [1, 2] });
    expect(bad).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterB.u1' });
    expect(bad.message).toMatch(/timestamps_ms\[1\]/);
    expect(await askError(peer, AddEntries, { dataPoint: 'meterZ.u9', timestampsMs: [1], values: [1] })).toMatchObject({ code: 'NotFound', dataPoint: 'meterZ.u9' });

    // Nothing of the refused requests was stored.
    const stored = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterB.u1', limit: 0 });
    expect(stored.entries?.map((e) => [e.timestampMs, e.value])).toEqual([[1000, 229.5], [2000, 229.75], [3000, 230], [4000, 231]]);
  });

  it('GetMostRecentEntry answers the newest entry, none for an empty point, NotFound for an unknown one', async () => {
    expect(await ask(peer, GetMostRecentEntry, { dataPoint: 'meterA.u1' })).toEqual({ dataPoint: 'meterA.u1', entry: { timestampMs: 8000, value: 237 } });
    expect(await ask(peer, GetMostRecentEntry, { dataPoint: 'loose' })).toEqual({ dataPoint: 'loose' });
    expect(await askError(peer, GetMostRecentEntry, { dataPoint: 'meterZ.u9' })).toMatchObject({ code: 'NotFound', dataPoint: 'meterZ.u9' });
  });

  it('GetEntriesOfTimeSpan: half-open spans, limits, truncation at maxEntriesPerReply, refused spans', async () => {
    const span = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: 2000, toMs: 4000, limit: 0 });
    expect(span).toEqual({ dataPoint: 'meterA.u1', entries: [{ timestampMs: 2000, value: 231 }, { timestampMs: 3000, value: 232 }], truncated: false });
    const limited = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: 2000, limit: 2 });
    expect(limited.entries?.map((e) => e.timestampMs)).toEqual([2000, 3000]);
    expect(limited.truncated).toBe(true);
    // No limit, and a limit above the module's: both capped to maxEntriesPerReply (5 here), truncated.
    for (const limit of [0, 1_000_000]) {
      const capped = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', limit });
      expect(capped.entries?.map((e) => e.timestampMs)).toEqual([1000, 2000, 3000, 4000, 5000]);
      expect(capped.truncated).toBe(true);
    }
    const rest = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: 5000.5, limit: 0 });
    expect(rest).toMatchObject({ truncated: false, entries: [{ timestampMs: 6000 }, { timestampMs: 7000 }, { timestampMs: 8000 }] });
    expect(await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: 3000, toMs: 3000, limit: 0 })).toEqual({ dataPoint: 'meterA.u1', entries: [], truncated: false });

    const inverted = await askError(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: 5000, toMs: 1000, limit: 0 });
    expect(inverted).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterA.u1' });
    expect(inverted.message).toMatch(/inverted/);
    expect(await askError(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: Number.NaN, limit: 0 })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', toMs: Number.POSITIVE_INFINITY, limit: 0 })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterZ.u9', limit: 0 })).toMatchObject({ code: 'NotFound', dataPoint: 'meterZ.u9' });
  });
});

describe('statistics', () => {
  it('GetStatistics over every entry and over a span, with equal-width bins over the requested edges', async () => {
    // meterA.u1 holds 230..237 at 1 s .. 8 s.
    const all = await ask(peer, GetStatistics, { dataPoint: 'meterA.u1', histogramBins: 4 });
    expect(all).toMatchObject({ dataPoint: 'meterA.u1', count: 8n, min: 230, max: 237, mean: 233.5 });
    expect(all.variance).toBeCloseTo(6, 10);
    expect(all.updateFrequencyHz).toBeCloseTo(1, 10);
    expect(all.histogram).toEqual({ binEdges: [230, 231.75, 233.5, 235.25, 237], counts: [2n, 2n, 2n, 2n], below: 0n, above: 0n });
    expect(all.confidence95!.low).toBeLessThan(233.5);
    expect(all.confidence95!.high).toBeGreaterThan(233.5);

    const span = await ask(peer, GetStatistics, { dataPoint: 'meterA.u1', fromMs: 2000, toMs: 5000, histogramBins: 2, histogramMin: 231.5, histogramMax: 233.5 });
    expect(span).toMatchObject({ count: 3n, min: 231, max: 233, mean: 232 });
    expect(span.histogram).toEqual({ binEdges: [231.5, 232.5, 233.5], counts: [1n, 1n], below: 1n, above: 0n });

    const empty = await ask(peer, GetStatistics, { dataPoint: 'loose', histogramBins: 10 });
    expect(empty).toEqual({ dataPoint: 'loose', count: 0n });

    expect(await askError(peer, GetStatistics, { dataPoint: 'meterA.u1', histogramBins: 0 })).toMatchObject({ code: 'InvalidArgument', dataPoint: 'meterA.u1' });
    expect(await askError(peer, GetStatistics, { dataPoint: 'meterA.u1', histogramBins: 10_001 })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, GetStatistics, { dataPoint: 'meterA.u1', histogramBins: 5, histogramMin: 5, histogramMax: 1 })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, GetStatistics, { dataPoint: 'meterA.u1', histogramBins: 5, fromMs: 9, toMs: 1 })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, GetStatistics, { dataPoint: 'meterZ.u9', histogramBins: 5 })).toMatchObject({ code: 'NotFound', dataPoint: 'meterZ.u9' });
  });
});

describe('topology', () => {
  it('GetTopology answers the tag graph, filtered by tags', async () => {
    const graph = await ask(peer, GetTopology, { match: 'Any' });
    expect(graph.groups).toEqual([
      { tag: 'current', dataPoints: ['meterA.i1'] },
      { tag: 'feeder3', dataPoints: ['meterA.i1', 'meterA.u1', 'meterB.u1'] },
      { tag: 'voltage', dataPoints: ['meterA.u1', 'meterB.u1'] },
    ]);
    expect(graph.untagged).toEqual(['loose']);
    const voltage = await ask(peer, GetTopology, { tags: ['voltage'], match: 'Any' });
    expect(voltage.groups?.map((g) => g.tag)).toEqual(['feeder3', 'voltage']);
    expect(voltage.untagged).toEqual([]);
  });

  it('PutTopology stores and replaces files; GetTopology with file reads them back; bad names and sizes are refused', async () => {
    const cim = new TextEncoder().encode('<rdf:RDF><cim:ACLineSegment rdf:ID="_L1"/></rdf:RDF>');
    expect(await ask(peer, PutTopology, { file: 'feeder3.xml', content: cim })).toEqual({ message: 'stored' });
    const back = await ask(peer, GetTopology, { file: 'feeder3.xml', match: 'Any' });
    expect(back.file).toBe('feeder3.xml');
    expect(new TextDecoder().decode(back.content)).toBe('<rdf:RDF><cim:ACLineSegment rdf:ID="_L1"/></rdf:RDF>');
    expect(back.files).toEqual(['feeder3.xml']);
    expect(await ask(peer, PutTopology, { file: 'feeder3.xml', content: new Uint8Array([1, 2, 3]) })).toEqual({ message: 'replaced' });
    expect((await ask(peer, GetTopology, { file: 'feeder3.xml', match: 'Any' })).content).toEqual(new Uint8Array([1, 2, 3]));
    expect((await ask(peer, GetTopology, { match: 'Any' })).files).toEqual(['feeder3.xml']);

    expect(await askError(peer, GetTopology, { file: 'other.xml', match: 'Any' })).toMatchObject({ code: 'NotFound' });
    for (const file of ['../etc/passwd', 'a/b.xml', '', '..', 'bad\u0000name']) {
      expect((await askError(peer, PutTopology, { file, content: cim })).code, file).toBe('InvalidArgument');
    }
    expect(await askError(peer, GetTopology, { file: '../x', match: 'Any' })).toMatchObject({ code: 'InvalidArgument' });
    expect(await askError(peer, PutTopology, { file: 'empty.xml' })).toMatchObject({ code: 'InvalidArgument' });
    // maxTopologyBytes is 1000 in this test.
    const big = await askError(peer, PutTopology, { file: 'big.xml', content: new Uint8Array(1001) });
    expect(big.code).toBe('ResourceExhausted');
    expect(big.message).toMatch(/maxTopologyBytes/);
  });

  it('takes new limits at run time (ConfigChanged) and says which settings wait for a restart', async () => {
    const configJson = JSON.stringify({ settings: { inMemory: true, maxEntriesPerReply: 3, maxTopologyBytes: 1000, ack: 'visible' } });
    const applied = await peer.bus.request('config@storage', ConfigChanged, { module: 'storage', configJson, revision: 1 }, ConfigApplied, { timeoutMs: 5000 });
    expect(applied.applied).toBe(true);
    const capped = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', limit: 0 });
    expect(capped.entries).toHaveLength(3);
    expect(capped.truncated).toBe(true);
    await logLine(storage.process, /storage settings changed that take effect at the next start \{settings=ack\}/);
    const refused = JSON.stringify({ settings: { inMemory: true, maxEntriesPerReply: -1 } });
    await peer.bus.request('config@storage', ConfigChanged, { module: 'storage', configJson: refused, revision: 2 }, ConfigApplied, { timeoutMs: 5000 });
    await logLine(storage.process, /storage settings change ignored \{error=storage settings: "maxEntriesPerReply" must be an integer/);
    expect((await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', limit: 0 })).entries).toHaveLength(3);
  });

  it('is still the same process after every refused request', async () => {
    expect(storage.process.child.exitCode).toBeNull();
    await peer.module('storage', storage.process.pid, 2000);
    // The one error line is the refused settings change above.
    expect(storage.process.stderr.filter((line) => / ERROR /.test(line) && !line.includes('settings change ignored'))).toEqual([]);
  });
});
