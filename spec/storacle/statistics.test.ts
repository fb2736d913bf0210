import { describe, expect, it } from 'vitest';
import {
  OnlineStatistics,
  StatisticsFormatError,
  crc32,
  tQuantile,
  type StatisticsSnapshot,
} from '../../core/storacle/statistics/index.js';
import { prng as rng } from '../../tools/bench/prng.js';

// ---------------------------------------------------------------- helpers

/** Standard normal deviates (Box–Muller). */
function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function randomWalk(n: number, seed: number, start = 0, step = 1): Float64Array {
  const g = gaussian(seed);
  const out = new Float64Array(n);
  let x = start;
  for (let i = 0; i < n; i++) {
    x += step * g();
    out[i] = x;
  }
  return out;
}

function ar1(n: number, phi: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const out = new Float64Array(n);
  let x = g() / Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    x = phi * x + g();
    out[i] = x;
  }
  return out;
}

function seconds(n: number, startMs = 1_700_000_000_000, stepMs = 1000): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = startMs + i * stepMs;
  return out;
}

/** Neumaier-compensated sum. */
function sum(xs: ArrayLike<number>, f: (x: number) => number = (x) => x): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = f(xs[i]);
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

interface Reference {
  count: number;
  nan: number;
  inf: number;
  min: number;
  max: number;
  mean: number;
  variance: number;
  lag1: number;
}

/** Two-pass reference over the same data. */
function reference(values: ArrayLike<number>): Reference {
  const finite: number[] = [];
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else finite.push(v);
  }
  const n = finite.length;
  const mean = sum(finite) / n;
  // Second pass, with the classic correction term for the rounding of the mean.
  const dev = sum(finite, (x) => x - mean);
  const variance = (sum(finite, (x) => (x - mean) ** 2) - (dev * dev) / n) / (n - 1);
  // Pearson correlation of consecutive finite pairs, two passes.
  const a = finite.slice(0, -1);
  const b = finite.slice(1);
  const ma = sum(a) / a.length;
  const mb = sum(b) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return {
    count: n,
    nan,
    inf,
    min: finite.reduce((m, x) => Math.min(m, x), Infinity),
    max: finite.reduce((m, x) => Math.max(m, x), -Infinity),
    mean,
    variance,
    lag1: sab / Math.sqrt(saa * sbb),
  };
}

function referenceHistogram(values: ArrayLike<number>, origin: number, width: number): Map<number, number> {
  const bins = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const k = Math.floor((v - origin) / width);
    bins.set(k, (bins.get(k) ?? 0) + 1);
  }
  return bins;
}

function denseToMap(s: StatisticsSnapshot): Map<number, number> {
  const h = s.histogram;
  if (h === undefined) throw new Error('no histogram');
  const bins = new Map<number, number>();
  h.counts.forEach((c, i) => {
    if (c > 0) bins.set(Math.round((h.binEdges[i] - h.origin) / h.binWidth), c);
  });
  return bins;
}

function expectRelClose(actual: number | undefined, expected: number, rel: number): void {
  expect(actual).toBeDefined();
  const a = actual as number;
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  expect(Math.abs(a - expected) / scale).toBeLessThanOrEqual(rel);
}

function statsOf(values: Float64Array, options?: ConstructorParameters<typeof OnlineStatistics>[0]): OnlineStatistics {
  const s = new OnlineStatistics(options);
  s.addMany(seconds(values.length), values);
  return s;
}

function expectMatchesReference(s: StatisticsSnapshot, values: Float64Array, rel = 1e-10): Reference {
  const r = reference(values);
  expect(s.count).toBe(r.count);
  expect(s.nanCount).toBe(r.nan);
  expect(s.infiniteCount).toBe(r.inf);
  expect(s.entries).toBe(values.length);
  expect(s.min).toBe(r.min);
  expect(s.max).toBe(r.max);
  expectRelClose(s.mean, r.mean, rel);
  expectRelClose(s.variance, r.variance, rel);
  expectRelClose(s.stdDeviation, Math.sqrt(r.variance), rel);
  const se = Math.sqrt(r.variance / r.count);
  const h95 = tQuantile(0.975, r.count - 1) * se;
  const h99 = tQuantile(0.995, r.count - 1) * se;
  expectRelClose(s.confidence95?.low, r.mean - h95, rel);
  expectRelClose(s.confidence95?.high, r.mean + h95, rel);
  expectRelClose(s.confidence99?.low, r.mean - h99, rel);
  expectRelClose(s.confidence99?.high, r.mean + h99, rel);
  expectRelClose(s.lag1Autocorrelation, r.lag1, 1e-8);
  return r;
}

// ---------------------------------------------------------------- tests

describe('OnlineStatistics against a two-pass reference', () => {
  it('matches on a random walk', () => {
    const values = randomWalk(20_000, 1, 100, 0.5);
    const s = statsOf(values).snapshot();
    expectMatchesReference(s, values);
    expect(s.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('matches one entry at a time exactly as in bulk', () => {
    const values = randomWalk(5000, 2);
    const ts = seconds(values.length);
    const one = new OnlineStatistics();
    for (let i = 0; i < values.length; i++) one.add(ts[i], values[i]);
    const bulk = new OnlineStatistics();
    bulk.addMany(ts, values);
    expect(one.snapshot()).toEqual(bulk.snapshot());
  });

  it('is exact on a constant series', () => {
    const values = new Float64Array(1000).fill(230.25);
    const s = statsOf(values).snapshot();
    expect(s.count).toBe(1000);
    expect(s.mean).toBe(230.25);
    expect(s.variance).toBe(0);
    expect(s.stdDeviation).toBe(0);
    expect(s.confidence95).toEqual({ low: 230.25, high: 230.25 });
    expect(s.confidence99Effective).toEqual({ low: 230.25, high: 230.25 });
    expect(s.lag1Autocorrelation).toBeUndefined();
    expect(s.effectiveSampleSize).toBe(1000);
    expect(s.histogram?.counts).toEqual([1000]);
    expect(s.histogram?.binEdges).toEqual([230, 231]);
  });

  it('stays accurate for 230 V ± 0.01 over 10^7 points', () => {
    const n = 10_000_000;
    const u = rng(3);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = 230 + 0.02 * (u() - 0.5);
    const s = statsOf(values, { histogram: { binWidth: 0.001, origin: 230 } }).snapshot();
    const r = expectMatchesReference(s, values, 1e-9);
    // The uniform variance is 0.02²/12; the naive Σx² − n·mean² formula loses it.
    expectRelClose(s.variance, 0.0004 / 12, 1e-2);
    const naive = (sum(values, (x) => x * x) - n * r.mean * r.mean) / (n - 1);
    expect(Math.abs(naive - r.variance) / r.variance).toBeGreaterThan(Math.abs((s.variance as number) - r.variance) / r.variance);
    expect(s.histogram?.counts.length).toBe(20);
  }, 60_000);

  it('counts NaN and ±Infinity separately and leaves them out of the moments', () => {
    const values = randomWalk(3000, 4);
    for (let i = 0; i < values.length; i += 7) values[i] = Number.NaN;
    for (let i = 3; i < values.length; i += 11) values[i] = i % 2 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const s = statsOf(values).snapshot();
    const r = expectMatchesReference(s, values);
    expect(r.nan).toBeGreaterThan(0);
    expect(r.inf).toBeGreaterThan(0);
    expect(s.count + s.nanCount + s.infiniteCount).toBe(3000);
    expect(Number.isFinite(s.max)).toBe(true);
    expect(s.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(r.count);
    // Every entry counts for the update frequency.
    expect(s.updateFrequencyHz).toBeCloseTo(1, 12);
  });

  it('handles a single entry', () => {
    const s = new OnlineStatistics({ histogram: { binWidth: 0.5 } });
    s.add(1000, 3.3, 1250);
    const snap = s.snapshot();
    expect(snap).toMatchObject({ count: 1, min: 3.3, max: 3.3, mean: 3.3, delayCount: 1, delayMeanMs: 250 });
    expect(snap.variance).toBeUndefined();
    expect(snap.confidence95).toBeUndefined();
    expect(snap.effectiveSampleSize).toBeUndefined();
    expect(snap.updateFrequencyHz).toBeUndefined();
    expect(snap.histogram?.binEdges).toEqual([3, 3.5]);
    expect(snap.histogram?.counts).toEqual([1]);
  });

  it('handles no entries, and entries that are all NaN', () => {
    const empty = new OnlineStatistics().snapshot();
    expect(empty).toEqual({ count: 0, nanCount: 0, infiniteCount: 0, entries: 0, delayCount: 0 });
    expect(JSON.parse(JSON.stringify(empty))).toEqual(empty);
    const nans = new OnlineStatistics();
    nans.addMany(seconds(3), new Float64Array([NaN, NaN, NaN]));
    const s = nans.snapshot();
    expect(s).toMatchObject({ count: 0, nanCount: 3, entries: 3 });
    expect(s.mean).toBeUndefined();
    expect(s.histogram).toBeUndefined();
    expect(s.updateFrequencyHz).toBeCloseTo(1, 12);
  });

  it('rejects non-finite timestamps without changing anything', () => {
    const s = new OnlineStatistics();
    s.add(0, 1);
    const before = s.snapshot();
    expect(() => s.add(Number.NaN, 1)).toThrow(RangeError);
    expect(() => s.addMany(new Float64Array([1, 2, Infinity]), new Float64Array([1, 2, 3]))).toThrow(RangeError);
    expect(() => s.addMany(new Float64Array([1, 2]), new Float64Array([1]))).toThrow(RangeError);
    expect(s.snapshot()).toEqual(before);
  });
});

describe('timing', () => {
  it('measures update frequency and arrival delay', () => {
    const n = 600;
    const ts = seconds(n, 1_700_000_000_000, 500); // 2 Hz
    const values = randomWalk(n, 5);
    const arrival = new Float64Array(n);
    const u = rng(6);
    const delays: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = Math.round(5 + 200 * u());
      delays.push(d);
      arrival[i] = ts[i] + d;
    }
    const s = new OnlineStatistics();
    s.addMany(ts, values, arrival);
    const snap = s.snapshot();
    expect(snap.updateFrequencyHz).toBeCloseTo(2, 12);
    expect(snap.meanIntervalMs).toBeCloseTo(500, 9);
    expect(snap.delayCount).toBe(n);
    expect(snap.delayMinMs).toBe(Math.min(...delays));
    expect(snap.delayMaxMs).toBe(Math.max(...delays));
    expect(snap.delayMeanMs).toBeCloseTo(sum(delays) / n, 9);
    expect(snap.firstTimestampMs).toBe(ts[0]);
    expect(snap.lastTimestampMs).toBe(ts[n - 1]);
  });

  it('leaves entries without an arrival time out of the delay', () => {
    const s = new OnlineStatistics();
    s.add(0, 1, 10);
    s.add(1000, 1);
    s.add(2000, 1, Number.NaN);
    s.add(3000, 1, 3030);
    expect(s.snapshot()).toMatchObject({ delayCount: 2, delayMeanMs: 20, delayMinMs: 10, delayMaxMs: 30, entries: 4 });
  });
});

describe('histogram', () => {
  it('equals a reference binning with a configured width and origin', () => {
    const values = randomWalk(10_000, 7, 50, 0.3);
    values[17] = Number.NaN;
    const s = statsOf(values, { histogram: { binWidth: 0.25, origin: 0.1 } }).snapshot();
    expect(s.histogram?.binWidth).toBe(0.25);
    expect(denseToMap(s)).toEqual(referenceHistogram(values, 0.1, 0.25));
    const h = s.histogram;
    expect(h?.binEdges.length).toBe((h?.counts.length ?? 0) + 1);
    expect(h?.binEdges[0]).toBeLessThanOrEqual(s.min as number);
    expect(h?.binEdges[h.binEdges.length - 1]).toBeGreaterThan(s.max as number);
  });

  it('doubles its bin width when the span would exceed maxBins, keeping the counts exact', () => {
    const values = randomWalk(20_000, 8, 0, 2);
    const s = statsOf(values, { histogram: { binWidth: 0.1, origin: -0.05, maxBins: 64 } });
    const snap = s.snapshot();
    const { binWidth, level } = s.histogramOptions;
    expect(level).toBeGreaterThan(0);
    expect(binWidth).toBe(0.1 * 2 ** level);
    expect(snap.histogram?.counts.length).toBeLessThanOrEqual(64);
    expect(snap.histogram?.counts.length).toBeGreaterThan(16);
    expect(denseToMap(snap)).toEqual(referenceHistogram(values, -0.05, binWidth));
    expect(snap.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('takes values at the edge of the double range without hanging (the bin number of 1e308 at width 0.5 overflows)', () => {
    const values = new Float64Array([230.5, 1e308, 231, -1e308, 229.75, Number.MAX_VALUE]);
    for (const add of ['one by one', 'in a block'] as const) {
      const s = new OnlineStatistics({ histogram: { binWidth: 0.5, origin: 0 } });
      if (add === 'in a block') s.addMany(seconds(values.length), values);
      else values.forEach((v, k) => s.add(k * 1000, v));
      const snap = s.snapshot();
      expect(snap.count, add).toBe(values.length);
      expect(snap.max, add).toBe(Number.MAX_VALUE);
      // Every value is binned: the width grew until ±1e308 fit in maxBins bins.
      expect(snap.histogram?.counts.reduce((a, b) => a + b, 0), add).toBe(values.length);
      expect(s.histogramOptions.binWidth, add).toBeGreaterThan(1e304);
    }
    // A value whose distance from the origin overflows fits no bin: left out of the histogram only.
    const far = new OnlineStatistics({ histogram: { binWidth: 1, origin: -1e308 } });
    far.add(0, 1e308);
    far.add(1000, 5);
    expect(far.snapshot().count).toBe(2);
    expect(far.snapshot().histogram?.counts.reduce((a, b) => a + b, 0)).toBe(1);
    // 5 lies 1e308 widths from that origin, past 2^53 where bin numbers stop being integers: binned after coarsening.
    expect(far.histogramOptions.binWidth).toBeGreaterThan(1e290);
  });

  it('rejects bad configurations', () => {
    expect(() => new OnlineStatistics({ histogram: { binWidth: 0 } })).toThrow(RangeError);
    expect(() => new OnlineStatistics({ histogram: { binWidth: Number.NaN } })).toThrow(RangeError);
    expect(() => new OnlineStatistics({ histogram: { maxBins: 1 } })).toThrow(RangeError);
    const a = new OnlineStatistics({ histogram: { origin: 0 } });
    const b = new OnlineStatistics({ histogram: { origin: 0.5 } });
    expect(() => a.merge(b)).toThrow(RangeError);
  });
});

describe('merge', () => {
  function chunked(values: Float64Array, sizes: number[], options?: ConstructorParameters<typeof OnlineStatistics>[0]): OnlineStatistics {
    const ts = seconds(values.length);
    const total = new OnlineStatistics(options);
    let at = 0;
    for (const size of sizes) {
      const part = new OnlineStatistics(options);
      part.addMany(ts.subarray(at, at + size), values.subarray(at, at + size), ts.subarray(at, at + size).map((t) => t + 40));
      total.merge(part);
      at += size;
    }
    expect(at).toBe(values.length);
    return total;
  }

  it('equals sequential addition over chunks of any size', () => {
    const values = randomWalk(10_000, 9, 230, 0.01);
    for (let i = 5; i < values.length; i += 97) values[i] = Number.NaN;
    values[4000] = Number.NEGATIVE_INFINITY;
    const sizes = [0, 1, 2, 997, 0, 3000, 1, 6000 - 1];
    const merged = chunked(values, sizes, { histogram: { binWidth: 0.002, origin: 230 } }).snapshot();
    const sequential = new OnlineStatistics({ histogram: { binWidth: 0.002, origin: 230 } });
    const ts = seconds(values.length);
    sequential.addMany(ts, values, ts.map((t) => t + 40));
    const seq = sequential.snapshot();
    expectMatchesReference(merged, values);
    for (const key of ['count', 'nanCount', 'infiniteCount', 'entries', 'min', 'max', 'delayCount', 'delayMinMs', 'delayMaxMs', 'firstTimestampMs', 'lastTimestampMs'] as const) {
      expect(merged[key]).toBe(seq[key]);
    }
    for (const key of ['mean', 'variance', 'lag1Autocorrelation', 'effectiveSampleSize', 'updateFrequencyHz', 'delayMeanMs'] as const) {
      expectRelClose(merged[key], seq[key] as number, 1e-10);
    }
    expect(merged.histogram).toEqual(seq.histogram);
  });

  it('merges histograms that coarsened to different widths', () => {
    const values = randomWalk(8000, 10, 0, 3);
    const options = { histogram: { binWidth: 0.1, maxBins: 100 } };
    const merged = chunked(values, [10, 7990], options);
    const width = merged.histogramOptions.binWidth;
    expect(merged.histogramOptions.level).toBeGreaterThan(0);
    expect(denseToMap(merged.snapshot())).toEqual(referenceHistogram(values, 0, width));
  });

  it('coarsens while merging when the union spans more than maxBins', () => {
    const options = { histogram: { binWidth: 0.1, maxBins: 100 } };
    const u = rng(17);
    const low = new Float64Array(3000).map(() => 5 * u());
    const high = new Float64Array(3000).map(() => 8 + 5 * u());
    const a = statsOf(low, options);
    const b = statsOf(high, options);
    expect(a.histogramOptions.level).toBe(0);
    expect(b.histogramOptions.level).toBe(0);
    a.merge(b);
    const width = a.histogramOptions.binWidth;
    expect(a.histogramOptions.level).toBe(1);
    const all = new Float64Array(6000);
    all.set(low);
    all.set(high, 3000);
    const snap = a.snapshot();
    expect(denseToMap(snap)).toEqual(referenceHistogram(all, 0, width));
    expect(snap.histogram?.counts.length).toBeLessThanOrEqual(100);
  });

  it('merges with itself as with a copy', () => {
    const values = randomWalk(1000, 18);
    const a = statsOf(values, { histogram: { maxBins: 8 } });
    const copy = OnlineStatistics.deserialize(a.serialize());
    a.merge(a);
    copy.merge(OnlineStatistics.deserialize(copy.serialize()));
    expect(a.snapshot()).toEqual(copy.snapshot());
    expect(a.snapshot().count).toBe(2000);
    expect(a.snapshot().histogram?.counts.reduce((x, y) => x + y, 0)).toBe(2000);
  });

  it('leaves the other side unchanged', () => {
    const a = statsOf(randomWalk(100, 11));
    const b = statsOf(randomWalk(100, 12));
    const before = b.snapshot();
    a.merge(b);
    expect(b.snapshot()).toEqual(before);
    expect(a.snapshot().count).toBe(200);
  });
});

describe('confidence intervals with the effective sample size', () => {
  it('are wider than the plain ones on an AR(1) series', () => {
    const phi = 0.9;
    const s = statsOf(ar1(50_000, phi, 13)).snapshot();
    expect(s.lag1Autocorrelation).toBeGreaterThan(0.88);
    expect(s.lag1Autocorrelation).toBeLessThan(0.92);
    const rho = s.lag1Autocorrelation as number;
    expectRelClose(s.effectiveSampleSize, (50_000 * (1 - rho)) / (1 + rho), 1e-12);
    const plain = (s.confidence95?.high as number) - (s.confidence95?.low as number);
    const eff = (s.confidence95Effective?.high as number) - (s.confidence95Effective?.low as number);
    // √((1 + ρ)/(1 − ρ)) ≈ 4.36 for ρ = 0.9.
    expect(eff / plain).toBeGreaterThan(4);
    expect(eff / plain).toBeLessThan(4.8);
    expect((s.confidence99Effective?.high as number) - (s.confidence99Effective?.low as number)).toBeGreaterThan(eff);
  });

  it('are close to the plain ones on white noise', () => {
    const g = gaussian(14);
    const values = new Float64Array(50_000).map(() => g());
    const s = statsOf(values).snapshot();
    expect(Math.abs(s.lag1Autocorrelation as number)).toBeLessThan(0.02);
    const plain = (s.confidence95?.high as number) - (s.confidence95?.low as number);
    const eff = (s.confidence95Effective?.high as number) - (s.confidence95Effective?.low as number);
    expect(eff / plain).toBeGreaterThanOrEqual(1);
    expect(eff / plain).toBeLessThan(1.03);
  });

  it('cover the true mean of AR(1) series about 95 % of the time, the plain ones far less', () => {
    const runs = 300;
    let plainHits = 0;
    let effHits = 0;
    for (let k = 0; k < runs; k++) {
      const s = statsOf(ar1(2000, 0.8, 100 + k)).snapshot();
      if ((s.confidence95?.low as number) <= 0 && 0 <= (s.confidence95?.high as number)) plainHits++;
      if ((s.confidence95Effective?.low as number) <= 0 && 0 <= (s.confidence95Effective?.high as number)) effHits++;
    }
    expect(plainHits / runs).toBeLessThan(0.7);
    expect(effHits / runs).toBeGreaterThan(0.9);
    expect(effHits / runs).toBeLessThanOrEqual(0.99);
  });
});

describe('persistence', () => {
  function sample(): OnlineStatistics {
    const values = randomWalk(5000, 15, 230, 0.01);
    values[10] = Number.NaN;
    values[11] = Number.POSITIVE_INFINITY;
    const ts = seconds(values.length);
    const s = new OnlineStatistics({ histogram: { binWidth: 0.001, origin: 229.9995, maxBins: 50 } });
    s.addMany(ts, values, ts.map((t) => t + 12));
    return s;
  }

  it('round-trips exactly, and the copy keeps accumulating like the original', () => {
    const original = sample();
    const bytes = original.serialize();
    const copy = OnlineStatistics.deserialize(bytes);
    expect(copy.snapshot()).toEqual(original.snapshot());
    expect(copy.histogramOptions).toEqual(original.histogramOptions);
    expect(copy.serialize()).toEqual(bytes);
    const more = randomWalk(500, 16, 230, 0.01);
    const ts = seconds(500, 1_800_000_000_000);
    original.addMany(ts, more);
    copy.addMany(ts, more);
    expect(copy.snapshot()).toEqual(original.snapshot());
  });

  it('reads version 1 records (every field a raw double) to the same statistics, and version 2 is several times smaller', () => {
    const original = sample();
    const v1 = original.serialize(1);
    const v2 = original.serialize();
    expect(new DataView(v1.buffer, v1.byteOffset).getUint16(4, true)).toBe(1);
    expect(new DataView(v2.buffer, v2.byteOffset).getUint16(4, true)).toBe(2);
    expect(OnlineStatistics.deserialize(v1).snapshot()).toEqual(original.snapshot());
    expect(OnlineStatistics.deserialize(v1).serialize()).toEqual(v2);
    expect(v2.length * 2).toBeLessThan(v1.length);
  });

  it('round-trips special values bit-exactly in the compact version (NaN, ±Infinity, -0, large and subnormal values, one entry)', () => {
    for (const values of [
      [Number.NaN, 1, Number.POSITIVE_INFINITY, -0, 2],
      [-0],
      [1e9, -1e9, 5e-324, 0.1 + 0.2],
      [Number.NEGATIVE_INFINITY, 3.25],
      [0.053, 0.053, 0.152, 0.053],
    ]) {
      const s = new OnlineStatistics({ histogram: { binWidth: 0.5 } });
      values.forEach((v, i) => s.add(1_767_225_600_000 + i * 60_000, v, 1_767_225_600_000 + i * 60_000 + 0.5));
      const bytes = s.serialize();
      const copy = OnlineStatistics.deserialize(bytes);
      expect(copy.serialize()).toEqual(bytes);
      expect(copy.serialize(1)).toEqual(s.serialize(1));
    }
  });

  it('round-trips empty statistics', () => {
    const empty = new OnlineStatistics();
    const copy = OnlineStatistics.deserialize(empty.serialize());
    expect(copy.snapshot()).toEqual(empty.snapshot());
    copy.add(0, 5);
    expect(copy.snapshot().mean).toBe(5);
  });

  it('detects every single flipped byte, truncation and foreign input', () => {
    const bytes = sample().serialize();
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x20;
      expect(() => OnlineStatistics.deserialize(bad)).toThrow(StatisticsFormatError);
    }
    expect(() => OnlineStatistics.deserialize(bytes.subarray(0, bytes.length - 8))).toThrow(StatisticsFormatError);
    expect(() => OnlineStatistics.deserialize(new Uint8Array(3))).toThrow(/too short/);
    expect(() => OnlineStatistics.deserialize(new TextEncoder().encode('hello, statistics'))).toThrow(/magic/);
  });

  it('names an unknown version even with a valid checksum', () => {
    const bytes = sample().serialize();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setUint16(4, 99, true);
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expect(() => OnlineStatistics.deserialize(bytes)).toThrow(/unsupported version 99/);
  });

  it('rejects a record with a valid checksum but impossible counts', () => {
    // Version 1: every field a double at a fixed offset.
    const bytes = sample().serialize(1);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setFloat64(8, 12.5, true); // count
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expect(() => OnlineStatistics.deserialize(bytes)).toThrow(/bad counts/);
    view.setFloat64(8, 7, true);
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expect(() => OnlineStatistics.deserialize(bytes)).toThrow(/inconsistent counts/);
  });

  it('uses the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('StatisticsReply', () => {
  it('is filled from the snapshot with bigint counts', () => {
    const s = statsOf(new Float64Array([1, 2, 2, 3.5]), { histogram: { binWidth: 1 } });
    const reply = s.toReply('meterA.u1');
    expect(reply.dataPoint).toBe('meterA.u1');
    expect(reply.count).toBe(4n);
    expect(reply.mean).toBe(2.125);
    expect(reply.histogram?.binEdges).toEqual([1, 2, 3, 4]);
    expect(reply.histogram?.counts).toEqual([1n, 2n, 1n]);
    expect(reply.histogram?.below).toBe(0n);
    expect(reply.updateFrequencyHz).toBeCloseTo(1, 12);
    expect(reply.confidence95?.low).toBeLessThan(2.125);
    expect(reply.delayMeanMs).toBeUndefined();
    expect(new OnlineStatistics().toReply('x')).toEqual({ dataPoint: 'x', count: 0n });
  });
});
