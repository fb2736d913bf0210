import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Storacle, StoreError } from '../../core/storacle/index.js';
import type { StoreErrorCode } from '../../core/storacle/index.js';
import { prng } from '../../tools/bench/prng.js';

function codeOf(f: () => unknown): StoreErrorCode | 'no error' | 'not a StoreError' {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof StoreError ? e.code : 'not a StoreError';
  }
}

/** A Writable that accepts `highWaterMark` bytes, then takes its time: write() returns false often. */
class SlowSink extends Writable {
  text = '';
  /** 'drain' is only emitted after a write() returned false. */
  drains = 0;
  constructor() {
    super({ highWaterMark: 256, decodeStrings: false });
    this.on('drain', () => this.drains++);
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    setImmediate(() => {
      this.text += chunk.toString();
      cb();
    });
  }
}

const T0 = 1_700_000_000_000;

describe('Storacle (RAM only): catalogue', () => {
  it('creates, describes, lists and refuses data points with the right codes', async () => {
    const store = await Storacle.open();
    expect(store.dataDir).toBeUndefined();
    const { created, info } = store.createDataPoint('feeder1/p', { tags: ['b', 'a', 'a'], unit: 'kW', description: 'active power' });
    expect(created).toBe(true);
    expect(info).toMatchObject({ name: 'feeder1/p', tags: ['a', 'b'], unit: 'kW', description: 'active power', entryCount: 0 });
    expect(info.firstTimestampMs).toBeUndefined();
    expect(store.exists('feeder1/p')).toBe(true);
    expect(store.exists('nope')).toBe(false);
    expect(codeOf(() => store.createDataPoint('feeder1/p'))).toBe('AlreadyExists');
    const again = store.createDataPoint('feeder1/p', { unit: 'MW' }, true);
    expect(again.created).toBe(false);
    expect(again.info.unit).toBe('kW');
    expect(codeOf(() => store.createDataPoint(''))).toBe('InvalidArgument');
    expect(codeOf(() => store.createDataPoint('x', { histogram: { binWidth: -1 } }))).toBe('InvalidArgument');
    expect(store.exists('x')).toBe(false);
    expect(codeOf(() => store.info('nope'))).toBe('NotFound');
    expect(codeOf(() => store.append('nope', 1, 1))).toBe('NotFound');
    store.createDataPoint('a', { tags: ['c'] });
    expect(store.dataPoints().map((d) => d.name)).toEqual(['a', 'feeder1/p']);
    expect(store.tags()).toEqual(['a', 'b', 'c']);
    expect(store.tags('feeder1/p')).toEqual(['a', 'b']);
    expect(codeOf(() => store.tags('nope'))).toBe('NotFound');
    expect(store.mostRecent('a')).toBeUndefined();
    expect(store.range('a', 0, 10).timestamps.length).toBe(0);
    expect(store.statistics('a').entries).toBe(0);
    expect(codeOf(() => store.updateTags('a', ['x'], 'merge' as 'add'))).toBe('InvalidArgument');
    expect(codeOf(() => store.dataPoints(['c'], 'some' as 'any'))).toBe('InvalidArgument');
    expect(codeOf(() => store.createDataPoint('t', { tags: [''] }))).toBe('InvalidArgument');
  });

  it('updates tags (add, remove, replace) and metadata', async () => {
    const store = await Storacle.open();
    store.createDataPoint('p', { tags: ['x', 'y'] });
    expect(store.updateTags('p', ['z', 'x'], 'add')).toEqual({ tags: ['x', 'y', 'z'], added: ['z'], removed: [] });
    expect(store.updateTags('p', ['y', 'w'], 'remove')).toEqual({ tags: ['x', 'z'], added: [], removed: ['y'] });
    expect(store.updateTags('p', ['k'], 'replace')).toEqual({ tags: ['k'], added: ['k'], removed: ['x', 'z'] });
    expect(store.dataPoints(['x'])).toEqual([]);
    expect(store.dataPoints(['k']).map((d) => d.name)).toEqual(['p']);
    expect(store.tags()).toEqual(['k']);
    expect(codeOf(() => store.updateTags('q', ['k'], 'add'))).toBe('NotFound');
    const info = store.updateMetadata('p', { unit: 'V', description: 'voltage', histogram: { binWidth: 0.5 } });
    expect(info).toMatchObject({ unit: 'V', description: 'voltage', tags: ['k'] });
    expect(codeOf(() => store.updateMetadata('p', { histogram: { binWidth: 0 } }))).toBe('InvalidArgument');
  });

  it('dataPoints any/all agree with a brute-force reference over random tag sets', async () => {
    const store = await Storacle.open();
    const r = prng(7);
    const tagsOf = new Map<string, Set<string>>();
    const vocabulary = Array.from({ length: 30 }, (_, i) => `t${i}`);
    for (let i = 0; i < 2000; i++) {
      const tags = vocabulary.filter(() => r() < 0.1);
      const name = `dp${i.toString().padStart(4, '0')}`;
      store.createDataPoint(name, { tags });
      tagsOf.set(name, new Set(tags));
    }
    for (let q = 0; q < 200; q++) {
      const asked = vocabulary.filter(() => r() < 0.08).concat(r() < 0.2 ? ['unknown'] : []);
      if (asked.length === 0) continue;
      for (const match of ['any', 'all'] as const) {
        const expected = [...tagsOf.entries()]
          .filter(([, set]) => (match === 'any' ? asked.some((t) => set.has(t)) : asked.every((t) => set.has(t))))
          .map(([name]) => name)
          .sort();
        expect(store.dataPoints(asked, match).map((d) => d.name), `${match} ${asked.join(',')}`).toEqual(expected);
      }
    }
    expect(store.dataPoints([], 'all').length).toBe(2000);
  });
});

describe('Storacle (RAM only): entries and queries', () => {
  it('appends, refuses, reports duplicates and answers range, mostRecent, m4 and info', async () => {
    const store = await Storacle.open({ chunkSize: 100 });
    store.createDataPoint('v');
    for (let i = 0; i < 1000; i++) expect(await store.append('v', T0 + i * 1000, i / 10)).toBe('appended');
    expect(await store.append('v', T0 + 5000, 0.5)).toBe('duplicate');
    expect(codeOf(() => store.append('v', T0 + 5000, 0.6))).toBe('InvalidArgument');
    expect(codeOf(() => store.append('v', Number.NaN, 1))).toBe('InvalidArgument');
    expect(store.mostRecent('v')).toEqual({ timestampMs: T0 + 999_000, value: 99.9 });
    const r = store.range('v', T0 + 10_000, T0 + 20_000);
    expect(Array.from(r.timestamps)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + (10 + i) * 1000));
    expect(r.truncated).toBe(false);
    const limited = store.range('v', T0, T0 + 1_000_000, 250);
    expect(limited.timestamps.length).toBe(250);
    expect(limited.timestamps[249]).toBe(T0 + 249_000);
    expect(limited.truncated).toBe(true);
    expect(store.range('v', T0, T0 + 250_000, 250).truncated).toBe(false);
    expect(codeOf(() => store.range('v', 2, 1))).toBe('InvalidArgument');
    expect(codeOf(() => store.range('v', Number.NaN, 1))).toBe('InvalidArgument');
    expect(codeOf(() => store.range('v', 0, 1, -1))).toBe('InvalidArgument');
    const m = store.m4('v', T0, T0 + 1_000_000, 10);
    expect(m.timestamps.length).toBe(20); // a monotone ramp: first = min, last = max in each bucket
    expect(codeOf(() => store.m4('v', T0, T0 + 1, 0))).toBe('InvalidArgument');
    const info = store.info('v');
    expect(info).toMatchObject({ entryCount: 1000, firstTimestampMs: T0, lastTimestampMs: T0 + 999_000 });
  });

  it('appendMany: bulk path, out-of-order batch with duplicates, and all-or-nothing refusal', async () => {
    const store = await Storacle.open({ chunkSize: 64 });
    store.createDataPoint('p');
    const n = 1000;
    const ts = Float64Array.from({ length: n }, (_, i) => T0 + i);
    const vs = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    expect(await store.appendMany('p', ts, vs)).toEqual({ appended: n, duplicates: 0 });
    // Overlapping batch: the first 10 are duplicates of sealed entries, the rest new.
    const ts2 = Float64Array.from({ length: 20 }, (_, i) => T0 + 990 + i);
    const vs2 = Float64Array.from({ length: 20 }, (_, i) => Math.sin(990 + i));
    expect(await store.appendMany('p', ts2, vs2)).toEqual({ appended: 10, duplicates: 10 });
    // A changed value anywhere refuses the whole batch.
    const ts3 = Float64Array.from([T0 + 2000, T0 + 500]);
    expect(codeOf(() => store.appendMany('p', ts3, new Float64Array(2)))).toBe('InvalidArgument');
    const ts4 = Float64Array.from([T0 + 2000, T0 + 2001, T0 + 5]);
    expect(codeOf(() => store.appendMany('p', Float64Array.from([T0 + 2000, T0 + 2001]), new Float64Array(1)))).toBe('InvalidArgument');
    expect(codeOf(() => store.appendMany('p', ts4.subarray(0, 3).sort(), Float64Array.from([1, 2, 3])))).toBe('InvalidArgument');
    expect(store.info('p').entryCount).toBe(1010);
    expect(store.info('p').lastTimestampMs).toBe(T0 + 1009);
    const all = store.range('p', T0, T0 + 2000);
    expect(all.values[500]).toBe(Math.sin(500));
    expect(store.statistics('p').entries).toBe(1010);
  });

  it('statistics: persisted on-line snapshot without a span, computed with one', async () => {
    const store = await Storacle.open();
    store.createDataPoint('s', { histogram: { binWidth: 10 } });
    for (let i = 0; i < 100; i++) await store.append('s', T0 + i * 1000, i);
    const all = store.statistics('s');
    expect(all.count).toBe(100);
    expect(all.mean).toBeCloseTo(49.5, 12);
    expect(all.histogram?.binWidth).toBe(10);
    const span = store.statistics('s', T0, T0 + 10_000, { binWidth: 2 });
    expect(span.count).toBe(10);
    expect(span.mean).toBeCloseTo(4.5, 12);
    expect(span.histogram?.binWidth).toBe(2);
    expect(codeOf(() => store.statistics('s', 5, 1))).toBe('InvalidArgument');
  });

  it('exports CSV sorted by name then time, values round-tripping, honouring back-pressure', async () => {
    const store = await Storacle.open({ chunkSize: 50 });
    store.createDataPoint('b');
    store.createDataPoint('a,quoted');
    const special = [0.1 + 0.2, -0, Number.NaN, Number.POSITIVE_INFINITY, -1e-300, 123456789.123456];
    for (let i = 0; i < 3000; i++) await store.append('b', T0 + i, i % 7 === 0 ? special[(i / 7) % special.length] : i * 0.001);
    await store.append('a,quoted', T0 + 1, 1);
    const sink = new SlowSink();
    const rows = await store.exportCsv(['b', 'a,quoted'], T0, T0 + 100_000, sink);
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(rows).toBe(3001);
    expect(sink.drains).toBeGreaterThan(0);
    const lines = sink.text.trimEnd().split('\n');
    expect(lines[0]).toBe('data_point,timestamp_ms,value');
    expect(lines[1]).toBe(`"a,quoted",${T0 + 1},1`);
    expect(lines.length).toBe(3002);
    const back = store.range('b', T0, T0 + 100_000);
    for (let i = 0; i < 3000; i++) {
      const [name, t, v] = lines[i + 2].split(',');
      expect(name).toBe('b');
      expect(Number(t)).toBe(back.timestamps[i]);
      expect(Object.is(Number(v), back.values[i]), `row ${i}: ${v}`).toBe(true);
    }
    await expect(store.exportCsv(['missing'], 0, 1, sink)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('topology files: stored, listed, replaced; unsafe names refused', async () => {
    const store = await Storacle.open();
    await store.putTopology('grid.xml', new TextEncoder().encode('<cim/>'));
    await store.putTopology('grid.xml', new TextEncoder().encode('<cim v="2"/>'));
    await store.putTopology('b', new Uint8Array([1, 2]));
    expect(store.topologyNames()).toEqual(['b', 'grid.xml']);
    expect(new TextDecoder().decode(store.getTopology('grid.xml'))).toBe('<cim v="2"/>');
    expect(codeOf(() => store.getTopology('nope'))).toBe('NotFound');
    for (const bad of ['', '../x', 'a/b', 'a\\b', '..', 'x..y']) {
      await expect(store.putTopology(bad, new Uint8Array(1)), bad).rejects.toMatchObject({ code: 'InvalidArgument' });
    }
  });

  it('a closed store refuses every call with Unavailable; RAM-only has no sealed files', async () => {
    const store = await Storacle.open();
    store.createDataPoint('p');
    await store.append('p', 1, 1);
    expect(store.sealedFiles()).toEqual([]);
    await expect(store.releaseLocal('chunks/0/1.seg')).rejects.toMatchObject({ code: 'NotFound' });
    await store.checkpoint();
    expect(store.range('p', 0, 10).values[0]).toBe(1);
    await store.close();
    expect(codeOf(() => store.info('p'))).toBe('Unavailable');
    expect(codeOf(() => store.append('p', 2, 2))).toBe('Unavailable');
    await expect(store.close()).resolves.toBeUndefined();
  });
});
