/**
 * GetDownsampled against the real storage module in its own process: the M4 reply compared with
 * M4 computed here from the raw entries (GetEntriesOfTimeSpan), source_entries in its three cases,
 * and the ErrorReply for each bad request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddEntries, CreateDataPoint, GetDownsampled, GetEntriesOfTimeSpan } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, TestPeer, type Domain } from '../actor/helpers.js';
import { ask, askError, newDomain, startStorage } from './helpers.js';

const START = 1_764_000_000_000;
const STEP = 1000;
/** More than the module's "cheap count" limit of 100,000, so a partial span of most of it answers 0. */
const ENTRIES = 150_000;
const BATCH = 50_000;

let domain: Domain;
let peer: TestPeer;

/** A wave with a spike every 7,919 entries, so minima and maxima fall inside buckets, not at their ends. */
function valueAt(i: number): number {
  return Math.round((230 + 5 * Math.sin(i / 500) + (i % 7919 === 0 ? 40 : 0) - (i % 6007 === 0 ? 30 : 0)) * 100) / 100;
}

/** M4 as schemas/storage.fbs defines it, by brute force: first, min, max, last of each bucket, in time order, without repeats. */
function m4(timestamps: number[], values: number[], from: number, to: number, pixels: number): { t: number[]; v: number[] } {
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    if (t < from || t >= to) continue;
    const b = Math.min(pixels - 1, Math.floor(((t - from) * pixels) / (to - from)));
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(i);
  }
  const t: number[] = [];
  const v: number[] = [];
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    const list = buckets.get(b)!;
    let min = list[0]!;
    let max = list[0]!;
    for (const i of list) {
      if (values[i]! < values[min]!) min = i;
      if (values[i]! > values[max]!) max = i;
    }
    const picked = [...new Set([list[0]!, min, max, list[list.length - 1]!])].sort((x, y) => x - y);
    for (const i of picked) {
      t.push(timestamps[i]!);
      v.push(values[i]!);
    }
  }
  return { t, v };
}

beforeAll(async () => {
  domain = await newDomain('storage-downsampled');
  peer = await TestPeer.start(domain);
  await startStorage(peer, domain, { inMemory: true });
  await ask(peer, CreateDataPoint, { dataPoint: 'feeder.p', unit: 'kW', existOk: false });
  await ask(peer, CreateDataPoint, { dataPoint: 'empty.p', existOk: false });
  for (let start = 0; start < ENTRIES; start += BATCH) {
    const timestampsMs: number[] = [];
    const values: number[] = [];
    for (let i = start; i < start + BATCH; i++) {
      timestampsMs.push(START + i * STEP);
      values.push(valueAt(i));
    }
    const reply = await ask(peer, AddEntries, { dataPoint: 'feeder.p', timestampsMs, values }, 20_000);
    expect(reply.appended).toBe(BATCH);
  }
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('GetDownsampled', () => {
  it('keeps first, min, max and last of each pixel bucket, oldest first, like M4 computed from the raw entries', async () => {
    const from = START + 20_000 * STEP + 500;
    const to = START + 80_000 * STEP;
    const pixels = 300;
    const raw = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'feeder.p', fromMs: from, toMs: to, limit: 0 }, 10_000);
    expect(raw.truncated).toBe(false);
    const timestamps = raw.entries!.map((e) => e.timestampMs);
    const values = raw.entries!.map((e) => e.value);
    const expected = m4(timestamps, values, from, to, pixels);

    const reply = await ask(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs: from, toMs: to, pixels }, 10_000);
    expect(reply.dataPoint).toBe('feeder.p');
    expect(reply.timestampsMs).toEqual(expected.t);
    expect(reply.values).toEqual(expected.v);
    expect(reply.timestampsMs!.length).toBeLessThanOrEqual(4 * pixels);
    // The spikes inside the span survive downsampling.
    expect(Math.max(...reply.values!)).toBe(Math.max(...values));
    expect(Math.min(...reply.values!)).toBe(Math.min(...values));
    // 60,000 entries lie in the span (from is half a step after entry 20,000).
    expect(reply.sourceEntries).toBe(59_999);
  });

  it('tells source_entries for a span holding every entry and for any partial span (counted while downsampling)', async () => {
    const whole = await ask(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs: START - 1, toMs: START + ENTRIES * STEP, pixels: 1000 }, 10_000);
    expect(whole.sourceEntries).toBe(ENTRIES);
    expect(whole.timestampsMs![0]).toBe(START);
    expect(whole.timestampsMs![whole.timestampsMs!.length - 1]).toBe(START + (ENTRIES - 1) * STEP);

    const most = await ask(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs: START + 10 * STEP, toMs: START + ENTRIES * STEP, pixels: 1000 }, 10_000);
    expect(most.sourceEntries).toBe(ENTRIES - 10);
    expect(most.timestampsMs![0]).toBe(START + 10 * STEP);

    const before = await ask(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs: 0, toMs: START, pixels: 10 });
    expect(before).toMatchObject({ dataPoint: 'feeder.p', sourceEntries: 0 });
    expect(before.timestampsMs ?? []).toEqual([]);

    const empty = await ask(peer, GetDownsampled, { dataPoint: 'empty.p', fromMs: 0, toMs: START, pixels: 10 });
    expect(empty.timestampsMs ?? []).toEqual([]);
    expect(empty.sourceEntries).toBe(0);
  });

  it('one pixel keeps at most four entries: the span\'s first, smallest, largest and last', async () => {
    const from = START;
    const to = START + 10_000 * STEP;
    const reply = await ask(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs: from, toMs: to, pixels: 1 });
    const all = Array.from({ length: 10_000 }, (_, i) => valueAt(i));
    expect(reply.timestampsMs![0]).toBe(from);
    expect(reply.timestampsMs![reply.timestampsMs!.length - 1]).toBe(to - STEP);
    expect(reply.values).toContain(Math.max(...all));
    expect(reply.values).toContain(Math.min(...all));
    expect(reply.timestampsMs!.length).toBeLessThanOrEqual(4);
  });

  it('refuses an empty or inverted span, pixels 0 or above 100,000, and an unknown data point', async () => {
    for (const [fromMs, toMs, pixels, reason] of [
      [START, START, 10, /must be before to_ms/],
      [START + 1, START, 10, /must be before to_ms/],
      [START, START + 1000, 0, /pixels is 0/],
      [START, START + 1000, 100_001, /pixels is 100001/],
      [Number.NaN, START, 10, /from_ms is NaN/],
    ] as const) {
      const error = await askError(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs, toMs, pixels });
      expect(error, `${fromMs} ${toMs} ${pixels}`).toMatchObject({ code: 'InvalidArgument', dataPoint: 'feeder.p' });
      expect(error.message).toMatch(reason);
    }
    expect(await askError(peer, GetDownsampled, { dataPoint: 'nothing.here', fromMs: 0, toMs: 1, pixels: 10 })).toMatchObject({ code: 'NotFound', dataPoint: 'nothing.here' });
    // 100,000 pixels is allowed.
    const widest = await ask(peer, GetDownsampled, { dataPoint: 'feeder.p', fromMs: START, toMs: START + 1000 * STEP, pixels: 100_000 });
    expect(widest.timestampsMs).toHaveLength(1000);
    expect(widest.sourceEntries).toBe(1000);
  });
});
