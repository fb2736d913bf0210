import { describe, expect, it } from 'vitest';
import { Series, SeriesAppendError } from '../../core/storacle/series/index.js';
import { prng } from '../../tools/bench/prng.js';
import { m4Reference, type Ref } from './m4-reference.js';

/** A 1 Hz random walk at 0.01 resolution, starting at t0. */
function randomWalk(count: number, seed: number, t0 = 1_700_000_000_000): Ref[] {
  const r = prng(seed);
  const out: Ref[] = [];
  let n = 23_000;
  for (let i = 0; i < count; i++) {
    n += Math.floor(r() * 7) - 3;
    out.push({ t: t0 + i * 1000, v: n / 100 });
  }
  return out;
}

function filterRef(ref: Ref[], from: number, to: number): Ref[] {
  return ref.filter((e) => e.t >= from && e.t < to);
}

function columns(refs: Ref[]): { timestamps: number[]; values: number[] } {
  return { timestamps: refs.map((e) => e.t), values: refs.map((e) => e.v) };
}

function plain(c: { timestamps: Float64Array; values: Float64Array }): { timestamps: number[]; values: number[] } {
  return { timestamps: Array.from(c.timestamps), values: Array.from(c.values) };
}

function load(ref: Ref[], chunkSize: number): Series {
  const s = new Series({ chunkSize });
  for (const e of ref) expect(s.append(e.t, e.v, e.t + 5)).toBe('appended');
  return s;
}

describe('Series range and mostRecent against a reference array', () => {
  const ref = randomWalk(5000, 1);
  const s = load(ref, 512);
  const t0 = ref[0].t;
  const tEnd = ref[ref.length - 1].t;

  it('seals every chunkSize entries and keeps the rest in the head', () => {
    expect(s.count).toBe(5000);
    expect(s.chunkCount).toBe(Math.floor(5000 / 512));
    expect(s.headLength).toBe(5000 % 512);
  });

  it('range equals a filter of the reference for random spans', () => {
    const r = prng(2);
    for (let k = 0; k < 300; k++) {
      const a = t0 - 20_000 + Math.floor(r() * (tEnd - t0 + 40_000));
      const len = Math.floor(r() * (k % 3 === 0 ? 300_000 : k % 3 === 1 ? 2_000_000 : 6_000_000));
      const from = a;
      const to = a + len;
      expect(plain(s.range(from, to)), `[${from}, ${to})`).toEqual(columns(filterRef(ref, from, to)));
    }
  });

  it('range: inside one chunk, across chunks, exact bounds, empty, before and after all data', () => {
    const cases: Array<[number, number]> = [
      [t0 + 10_000, t0 + 20_000], // inside the first chunk
      [t0 + 500_000, t0 + 530_000], // across the first chunk boundary (entry 512)
      [t0 + 100_000, t0 + 4_900_500], // across many chunks and into the head
      [t0 + 4_990_000, tEnd + 1], // head only, to the end (inclusive of the last via +1)
      [t0, tEnd], // exclusive end drops the last entry
      [t0 + 1000, t0 + 1000], // empty span
      [t0 + 1500, t0 + 1900], // non-empty span that contains no entry
      [t0 - 100_000, t0], // before all data
      [tEnd + 1, tEnd + 100_000], // after all data
      [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY], // everything
    ];
    for (const [from, to] of cases) {
      expect(plain(s.range(from, to)), `[${from}, ${to})`).toEqual(columns(filterRef(ref, from, to)));
    }
    expect(s.range(t0, tEnd).timestamps.length).toBe(4999);
    expect(s.range(t0 - 100_000, t0).timestamps.length).toBe(0);
  });

  it('keeps per-chunk metadata and decodes only the chunks a span touches', () => {
    const fresh = load(ref, 512);
    const info = fresh.chunkInfo();
    expect(info.length).toBe(9);
    for (let c = 0; c < info.length; c++) {
      const slice = ref.slice(c * 512, (c + 1) * 512);
      expect(info[c].count).toBe(512);
      expect(info[c].firstTs).toBe(slice[0].t);
      expect(info[c].lastTs).toBe(slice[511].t);
      expect(info[c].minValue).toBe(Math.min(...slice.map((e) => e.v)));
      expect(info[c].maxValue).toBe(Math.max(...slice.map((e) => e.v)));
    }
    expect(fresh.decodeCount).toBe(0);
    fresh.range(t0 + 10_000, t0 + 20_000); // inside chunk 0
    expect(fresh.decodeCount).toBe(1);
    fresh.range(t0 + 500_000, t0 + 530_000); // chunks 0 and 1
    expect(fresh.decodeCount).toBe(3);
    fresh.range(t0 + 4_700_000, tEnd + 1); // head only
    expect(fresh.decodeCount).toBe(3);
    fresh.range(t0 - 100_000, t0); // before all data
    expect(fresh.decodeCount).toBe(3);
    fresh.m4(t0 + 1_100_000, t0 + 1_600_000, 5); // chunks 2 and 3
    expect(fresh.decodeCount).toBe(5);
  });

  it('range rejects from > to and NaN bounds with a RangeError', () => {
    expect(() => s.range(t0 + 1, t0)).toThrow(RangeError);
    expect(() => s.range(t0 + 1, t0)).toThrow(/after its end/);
    expect(() => s.range(Number.NaN, t0)).toThrow(RangeError);
  });

  it('mostRecent is the latest entry, from the head or from the last chunk', () => {
    expect(s.mostRecent()).toEqual({ timestampMs: tEnd, value: ref[ref.length - 1].v });
    expect(new Series().mostRecent()).toBeUndefined();
    const sealed = load(ref.slice(0, 1024), 512); // exactly two chunks, empty head
    expect(sealed.headLength).toBe(0);
    expect(sealed.mostRecent()).toEqual({ timestampMs: ref[1023].t, value: ref[1023].v });
  });

  it('statistics follow the appended entries, with the given arrival times', () => {
    const snap = s.statistics.snapshot();
    expect(snap.count).toBe(5000);
    const mean = ref.reduce((acc, e) => acc + e.v, 0) / ref.length;
    expect(snap.mean).toBeCloseTo(mean, 9);
  });
});

describe('Series m4', () => {
  const ref = randomWalk(3000, 3);
  const s = load(ref, 256);
  const t0 = ref[0].t;
  const tEnd = ref[ref.length - 1].t;

  it('equals a brute-force reference for random spans and pixel counts', () => {
    const r = prng(4);
    for (let k = 0; k < 200; k++) {
      const from = t0 - 10_000 + Math.floor(r() * (tEnd - t0));
      const to = from + 1 + Math.floor(r() * 3_200_000);
      const pixels = 1 + Math.floor(r() * (k % 2 === 0 ? 20 : 2000));
      expect(plain(s.m4(from, to, pixels)), `[${from}, ${to}) ${pixels}`).toEqual(columns(m4Reference(ref, from, to, pixels)));
    }
  });

  it('gives at most 4 entries per pixel, strictly increasing in time', () => {
    const out = s.m4(t0, tEnd + 1, 10);
    expect(out.timestamps.length).toBeLessThanOrEqual(40);
    expect(out.timestamps.length).toBeGreaterThanOrEqual(20); // 300 entries per bucket: first != last
    for (let i = 1; i < out.timestamps.length; i++) expect(out.timestamps[i]).toBeGreaterThan(out.timestamps[i - 1]);
  });

  it('with more pixels than entries returns every entry once', () => {
    const from = t0 + 100_000;
    const to = t0 + 120_000;
    expect(plain(s.m4(from, to, 1000))).toEqual(columns(filterRef(ref, from, to)));
  });

  it('skips NaN values as min and max and rejects bad arguments', () => {
    const n = new Series({ chunkSize: 4 });
    const nanRef: Ref[] = [
      { t: 0, v: 5 },
      { t: 1, v: Number.NaN },
      { t: 2, v: -1 },
      { t: 3, v: 9 },
      { t: 4, v: 2 },
      { t: 10, v: Number.NaN },
      { t: 11, v: Number.NaN },
    ];
    for (const e of nanRef) n.append(e.t, e.v);
    expect(plain(n.m4(0, 20, 2))).toEqual(columns(m4Reference(nanRef, 0, 20, 2)));
    expect(plain(n.m4(0, 20, 2)).timestamps).toEqual([0, 2, 3, 4, 10, 11]);
    expect(() => n.m4(0, 20, 0)).toThrow(RangeError);
    expect(() => n.m4(0, 20, 1.5)).toThrow(RangeError);
    expect(() => n.m4(20, 0, 4)).toThrow(RangeError);
    expect(() => n.m4(Number.NEGATIVE_INFINITY, 20, 4)).toThrow(/finite span/);
    expect(() => n.m4(0, Number.POSITIVE_INFINITY, 4)).toThrow(RangeError);
    expect(n.m4(5, 5, 4).timestamps.length).toBe(0);
  });
});

describe('Series append policy', () => {
  it('accepts an out-of-order entry newer than the last sealed chunk into the head, sorted', () => {
    const s = new Series({ chunkSize: 4 });
    for (const t of [10, 20, 30, 40]) s.append(t, t / 10);
    expect(s.chunkCount).toBe(1);
    s.append(60, 6);
    s.append(50, 5); // older than the head's last, newer than the sealed 40
    s.append(45, 4.5);
    s.append(55, 5.5); // fourth head entry: seals
    expect(s.chunkCount).toBe(2);
    expect(s.headLength).toBe(0);
    expect(plain(s.range(0, 100)).timestamps).toEqual([10, 20, 30, 40, 45, 50, 55, 60]);
    expect(plain(s.range(0, 100)).values).toEqual([1, 2, 3, 4, 4.5, 5, 5.5, 6]);
    expect(s.mostRecent()).toEqual({ timestampMs: 60, value: 6 });
    expect(s.count).toBe(8);
  });

  it('the sealed chunk holds its entries sorted', () => {
    const s = new Series({ chunkSize: 3 });
    s.append(3, 30);
    s.append(1, 10);
    s.append(2, 20);
    expect(s.chunkCount).toBe(1);
    expect(s.chunkInfo()[0]).toMatchObject({ count: 3, firstTs: 1, lastTs: 3, minValue: 10, maxValue: 30 });
    expect(Array.from(s.range(0, 10).timestamps)).toEqual([1, 2, 3]);
    expect(Array.from(s.range(0, 10).values)).toEqual([10, 20, 30]);
  });

  it('rejects an entry at or before the last sealed timestamp with a clear error', () => {
    const s = new Series({ chunkSize: 4 });
    for (const t of [10, 20, 30, 40]) s.append(t, 1);
    s.append(50, 1);
    expect(() => s.append(35, 1)).toThrow(SeriesAppendError);
    expect(() => s.append(35, 1)).toThrow(/not after the last sealed timestamp 40/);
    expect(() => s.append(5, 1)).toThrow(SeriesAppendError);
    expect(s.count).toBe(5);
    expect(s.statistics.snapshot().count).toBe(5);
  });

  it('ignores an exact duplicate and rejects a changed value, in the head and in sealed chunks', () => {
    const s = new Series({ chunkSize: 4 });
    for (const t of [10, 20, 30, 40]) s.append(t, t + 0.5);
    s.append(50, 50.5);
    s.append(60, 60.5);
    // head, last entry and an earlier one
    expect(s.append(60, 60.5)).toBe('duplicate');
    expect(s.append(50, 50.5)).toBe('duplicate');
    expect(() => s.append(60, 61)).toThrow(/already stored with value 60.5/);
    expect(() => s.append(50, 0)).toThrow(SeriesAppendError);
    // sealed chunk
    expect(s.append(20, 20.5)).toBe('duplicate');
    expect(s.append(40, 40.5)).toBe('duplicate');
    expect(() => s.append(20, 21)).toThrow(/immutable/);
    // NaN equals NaN, 0 differs from -0
    s.append(70, Number.NaN);
    expect(s.append(70, Number.NaN)).toBe('duplicate');
    s.append(80, 0);
    expect(() => s.append(80, -0)).toThrow(SeriesAppendError);
    expect(s.count).toBe(8);
    expect(s.statistics.snapshot().count + s.statistics.snapshot().nanCount).toBe(8);
    expect(plain(s.range(0, 100)).timestamps).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
  });

  it('rejects non-finite timestamps and bad chunk sizes', () => {
    const s = new Series();
    expect(() => s.append(Number.NaN, 1)).toThrow(SeriesAppendError);
    expect(() => s.append(Number.POSITIVE_INFINITY, 1)).toThrow(SeriesAppendError);
    expect(s.count).toBe(0);
    expect(() => new Series({ chunkSize: 0 })).toThrow(RangeError);
    expect(() => new Series({ chunkSize: 2.5 })).toThrow(RangeError);
    expect(new Series().chunkSize).toBe(4096);
  });

  it('random out-of-order arrivals within the head window match a sorted reference', () => {
    const r = prng(9);
    const s = new Series({ chunkSize: 64 });
    const kept = new Map<number, number>();
    let rejected = 0;
    let sealedLast = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(i * 10 - r() * 300); // up to 30 entries late
      const v = Math.round(r() * 100) / 10;
      const before = s.chunkCount;
      try {
        const res = s.append(t, v);
        if (res === 'appended') kept.set(t, v);
        else expect(kept.get(t)).toBe(v);
      } catch (e) {
        expect(e).toBeInstanceOf(SeriesAppendError);
        // Rejected only if at/before the last sealed timestamp, or a changed value.
        expect(t <= sealedLast || (kept.has(t) && kept.get(t) !== v)).toBe(true);
        rejected++;
      }
      if (s.chunkCount !== before) sealedLast = Math.max(...kept.keys());
    }
    const ref = [...kept.entries()].map(([t, v]) => ({ t, v })).sort((a, b) => a.t - b.t);
    expect(s.count).toBe(ref.length);
    expect(plain(s.range(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY))).toEqual(columns(ref));
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(5000);
  });
});

describe('Series size', () => {
  it('a 1 Hz 0.01-resolution random walk of 100,000 entries costs under 1.0 byte/record once sealed', () => {
    const ref = randomWalk(100_000, 5);
    const s = load(ref, 4096);
    expect(s.byteSize()).toBeGreaterThan(s.headLength * 16); // head is counted
    s.seal();
    expect(s.headLength).toBe(0);
    expect(s.count).toBe(100_000);
    const perRecord = s.byteSize() / s.count;
    expect(perRecord).toBeLessThan(1.0);
    expect(perRecord).toBeGreaterThan(0.05); // the bytes are really counted
    expect(plain(s.range(ref[50_000].t, ref[50_010].t))).toEqual(columns(ref.slice(50_000, 50_010)));
  });
});
