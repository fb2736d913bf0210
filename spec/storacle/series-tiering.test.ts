import { describe, expect, it } from 'vitest';
import { CorruptChunkError } from '../../core/storacle/codec/index.js';
import { Series, SeriesAppendError } from '../../core/storacle/series/index.js';
import type { ChunkLoader, ChunkMeta } from '../../core/storacle/series/index.js';
import { prng } from '../../tools/bench/prng.js';

const valueAt = (t: number): number => Math.round(Math.sin(t / 1000) * 1e4) / 100;

describe('Series.appendMany', () => {
  it('agrees with a model of the append policy on random overlapping batches, all or nothing', () => {
    const r = prng(11);
    const bulk = new Series({ chunkSize: 37 });
    const model = new Map<number, number>(); // timestamp -> value
    let newest = 0;
    let refusals = 0;
    for (let round = 0; round < 300; round++) {
      // A batch starting around the newest entry: duplicates, out-of-order entries, new ones,
      // and now and then a changed value.
      const start = Math.max(0, newest - Math.floor(r() * 60));
      const n = 1 + Math.floor(r() * 60);
      const ts: number[] = [];
      for (let t = start; ts.length < n; t += Math.floor(r() * 3)) ts.push(t * 1000);
      const vs = ts.map((t) => (r() < 0.01 ? -1 : valueAt(t)));
      // Model: a stored timestamp must keep its value; a new one must be after the sealed floor.
      const floor = bulk.sealedLastTs;
      let refused = false;
      const expected = { appended: 0, duplicates: 0 };
      const batch = new Map<number, number>();
      for (let i = 0; i < ts.length; i++) {
        const stored = model.get(ts[i]) ?? batch.get(ts[i]);
        if (stored !== undefined) {
          if (!Object.is(stored, vs[i])) refused = true;
          expected.duplicates++;
        } else if (ts[i] <= floor) {
          refused = true;
        } else {
          batch.set(ts[i], vs[i]);
          expected.appended++;
        }
      }
      const before = { count: bulk.count, stats: bulk.statistics.snapshot() };
      if (refused) {
        refusals++;
        expect(() => bulk.appendMany(Float64Array.from(ts), Float64Array.from(vs), 0)).toThrow(SeriesAppendError);
        expect(bulk.count).toBe(before.count);
        expect(bulk.statistics.snapshot()).toEqual(before.stats);
        continue;
      }
      const seen: number[] = [];
      expect(bulk.appendMany(Float64Array.from(ts), Float64Array.from(vs), 0, (t) => seen.push(t))).toEqual(expected);
      expect(seen.sort((a, b) => a - b)).toEqual([...batch.keys()].sort((a, b) => a - b));
      for (const [t, v] of batch) model.set(t, v);
      newest = Math.max(newest, ts[ts.length - 1] / 1000);
      expect(bulk.headLength).toBeLessThan(37);
    }
    expect(refusals).toBeGreaterThan(0);
    const sorted = [...model.keys()].sort((a, b) => a - b);
    const all = bulk.range(-Infinity, Infinity);
    expect(Array.from(all.timestamps)).toEqual(sorted);
    expect(Array.from(all.values)).toEqual(sorted.map((t) => model.get(t)));
    expect(bulk.statistics.snapshot().entries).toBe(model.size);
  });

  it('refuses decreasing timestamps, unequal lengths and a changed value, all or nothing', () => {
    const s = new Series({ chunkSize: 8 });
    s.appendMany(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0);
    const stats = s.statistics.snapshot();
    expect(() => s.appendMany(Float64Array.from([11, 10.5]), Float64Array.from([1, 1]))).toThrow(RangeError);
    expect(() => s.appendMany(Float64Array.from([11]), Float64Array.from([1, 1]))).toThrow(RangeError);
    expect(() => s.appendMany(Float64Array.from([10, 11, 12]), Float64Array.from([99, 11, 12]))).toThrow(SeriesAppendError);
    expect(() => s.appendMany(Float64Array.from([3, 11]), Float64Array.from([3.5, 11]))).toThrow(SeriesAppendError); // sealed, changed
    expect(() => s.appendMany(Float64Array.from([11, 11]), Float64Array.from([1, 2]))).toThrow(SeriesAppendError);
    expect(s.count).toBe(10);
    expect(s.statistics.snapshot()).toEqual(stats);
    expect(s.appendMany(Float64Array.from([3, 11, 11]), Float64Array.from([3, 1, 1]))).toEqual({ appended: 1, duplicates: 2 });
  });
});

describe('Series.rangeLimited', () => {
  it('returns the oldest `limit` entries of the span and says whether more exist', () => {
    const s = new Series({ chunkSize: 50 });
    const ts = Float64Array.from({ length: 1234 }, (_, i) => i * 10);
    s.appendMany(ts, ts.map(valueAt), 0);
    const r = prng(5);
    for (let k = 0; k < 300; k++) {
      const from = Math.floor(r() * 13000) - 200;
      const to = from + Math.floor(r() * 5000);
      const limit = Math.floor(r() * 400);
      const inSpan = Array.from(ts).filter((t) => t >= from && t < to);
      const want = limit === 0 ? inSpan : inSpan.slice(0, limit);
      const got = s.rangeLimited(from, to, limit);
      expect(Array.from(got.timestamps), `[${from}, ${to}) limit ${limit}`).toEqual(want);
      expect(Array.from(got.values)).toEqual(want.map(valueAt));
      expect(got.truncated).toBe(want.length < inSpan.length);
    }
  });
});

/** A loader backed by a Map, standing in for segment files. */
class MapLoader implements ChunkLoader {
  readonly bytes = new Map<string, Uint8Array>();
  loads = 0;
  corrupted: Array<[number, number]> = [];
  load(file: number, offset: number): Uint8Array | undefined {
    this.loads++;
    return this.bytes.get(`${file}:${offset}`);
  }
  /** Chunk lists of files folded into extents. */
  readonly lists = new Map<number, Array<{ chunkOffset: number; meta: ChunkMeta }>>();
  index(file: number): Array<{ chunkOffset: number; meta: ChunkMeta }> | undefined {
    return this.lists.get(file);
  }
  corrupt(file: number, offset: number, _len: number, error: CorruptChunkError): void {
    expect(error).toBeInstanceOf(CorruptChunkError);
    this.corrupted.push([file, offset]);
  }
}

function persistAll(s: Series, loader: MapLoader, file: number): void {
  for (const i of s.unlocatedChunks()) {
    const meta = s.chunkMeta(i);
    const bytes = s.chunkBytes(i) as Uint8Array;
    loader.bytes.set(`${file}:${meta.firstTs}`, bytes);
    expect(s.locateChunk(meta.firstTs, file, meta.firstTs)).toBe(true);
  }
}

describe('Series with chunks outside RAM', () => {
  it('evicted chunks are read through the loader; queries stay exact', () => {
    const loader = new MapLoader();
    const s = new Series({ chunkSize: 20, loader });
    const ts = Float64Array.from({ length: 500 }, (_, i) => i * 1000);
    s.appendMany(ts, ts.map(valueAt), 0);
    const reference = s.range(-Infinity, Infinity);
    expect(s.unlocatedChunks().length).toBe(25);
    persistAll(s, loader, 7);
    expect(s.unlocatedChunks()).toEqual([]);
    s.evictResident(2);
    expect(loader.loads).toBe(0);
    expect(s.range(-Infinity, Infinity)).toEqual(reference);
    expect(loader.loads).toBe(23);
    expect(s.mostRecent()).toEqual({ timestampMs: 499_000, value: valueAt(499_000) });
    expect(s.m4(0, 500_000, 5).timestamps.length).toBeGreaterThan(0);
    // A chunk whose bytes are damaged is skipped and reported, the rest is returned.
    const damaged = new Uint8Array(loader.bytes.get('7:100000') as Uint8Array);
    damaged[50] ^= 1;
    loader.bytes.set('7:100000', damaged);
    const r = s.range(-Infinity, Infinity);
    expect(r.timestamps.length).toBe(480);
    expect(loader.corrupted).toEqual([[7, 100_000]]);
  });

  it('attached chunks rebuild a series; removed chunks keep the sealed floor', () => {
    const loader = new MapLoader();
    const source = new Series({ chunkSize: 10, loader });
    const ts = Float64Array.from({ length: 100 }, (_, i) => i);
    source.appendMany(ts, ts.map((t) => t * 2), 0);
    persistAll(source, loader, 1);
    const rebuilt = new Series({ chunkSize: 10, loader });
    for (let i = 0; i < source.chunkCount; i++) rebuilt.attachChunk(source.chunkMeta(i), 1, source.chunkMeta(i).firstTs);
    expect(() => rebuilt.attachChunk(source.chunkMeta(3), 1, 30)).toThrow(RangeError);
    expect(rebuilt.count).toBe(100);
    expect(rebuilt.range(-Infinity, Infinity)).toEqual(source.range(-Infinity, Infinity));
    expect(rebuilt.append(50, 100)).toBe('duplicate');
    expect(rebuilt.removeChunks((_file, offset) => offset >= 50)).toBe(50);
    expect(rebuilt.count).toBe(50);
    expect(rebuilt.sealedLastTs).toBe(99);
    expect(() => rebuilt.append(60, 120)).toThrow(SeriesAppendError);
    expect(rebuilt.append(100, 1)).toBe('appended');
    const fresh = new Series({ chunkSize: 10 });
    fresh.raiseSealedFloor(500);
    expect(() => fresh.append(400, 1)).toThrow(SeriesAppendError);
    expect(() => fresh.appendMany(Float64Array.from([400]), Float64Array.from([1]))).toThrow(SeriesAppendError);
    expect(fresh.append(501, 1)).toBe('appended');
  });

  it('files folded into extents are listed through the loader only when a query reaches them', () => {
    const loader = new MapLoader();
    const s = new Series({ chunkSize: 10, loader });
    const ts = Float64Array.from({ length: 95 }, (_, i) => i * 1000);
    s.appendMany(ts, ts.map(valueAt), 0);
    const reference = s.range(-Infinity, Infinity);
    // Chunks 0-3 go to "file" 1, 4-8 to file 2 (entries 90..94 stay in the head).
    for (const i of s.unlocatedChunks()) {
      const meta = s.chunkMeta(i);
      const file = i < 4 ? 1 : 2;
      loader.bytes.set(`${file}:${meta.firstTs}`, s.chunkBytes(i) as Uint8Array);
      s.locateChunk(meta.firstTs, file, meta.firstTs);
    }
    const list1 = s.chunksInFile(1);
    expect(list1.length).toBe(4);
    loader.lists.set(1, list1);
    expect(s.foldFile(2)).toBe(false); // not the oldest chunks of the table
    expect(s.foldFile(1)).toBe(true);
    expect(s.extentCount).toBe(1);
    expect(s.chunkCount).toBe(5);
    expect(s.count).toBe(95);
    expect(s.firstTimestamp).toBe(0);
    expect(s.range(-Infinity, Infinity)).toEqual(reference);
    expect(s.rangeLimited(5000, 95_000, 7).timestamps[6]).toBe(11_000);
    expect(s.append(12_000, valueAt(12_000))).toBe('duplicate');
    expect(() => s.append(12_000, 1234)).toThrow(SeriesAppendError);
    // A fresh series rebuilt from the extent alone.
    const rebuilt = new Series({ chunkSize: 10, loader });
    rebuilt.attachExtent({ file: 1, firstTs: 0, lastTs: 39_000, count: 40, byteLength: 1, lastValue: valueAt(39_000) });
    expect(rebuilt.mostRecent()).toEqual({ timestampMs: 39_000, value: valueAt(39_000) });
    expect(rebuilt.range(0, 40_000)).toEqual(s.range(0, 40_000));
    expect(() => rebuilt.attachExtent({ file: 3, firstTs: 39_000, lastTs: 50_000, count: 1, byteLength: 1, lastValue: 0 })).toThrow(RangeError);
    expect(rebuilt.removeChunks((file) => file === 1)).toBe(40);
    expect(rebuilt.count).toBe(0);
    expect(rebuilt.mostRecent()).toBeUndefined();
    expect(rebuilt.sealedLastTs).toBe(39_000);
  });
});
