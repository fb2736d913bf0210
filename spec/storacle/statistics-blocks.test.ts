import { describe, expect, it } from 'vitest';
import { OnlineStatistics, type StatisticsSnapshot } from '../../core/storacle/statistics/index.js';
import { prng } from '../../tools/bench/prng.js';

const T0 = Date.UTC(2026, 10, 1);

function seconds(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => T0 + i * 1000);
}

/** 1 Hz voltage at 0.01 V resolution, a walk that stays near 230 V (printed like a meter). */
function voltage(n: number, seed: number): Float64Array {
  const rnd = prng(seed);
  const v = new Float64Array(n);
  let units = 23_000;
  for (let i = 0; i < n; i++) {
    units += Math.round((rnd() * 2 - 1) * 2);
    units += Math.round((23_000 - units) * 0.001);
    v[i] = Number((units / 100).toFixed(2));
  }
  return v;
}

/** Kahan-compensated sum, for the reference. */
function accurateSum(xs: number[]): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

interface Reference {
  count: number;
  min: number;
  max: number;
  mean: number;
  variance: number;
  lag1: number;
  bins: Map<number, number>;
}

/** Two-pass reference, and the histogram binned one value at a time by the definition. */
function reference(values: Float64Array, origin: number, width: number): Reference {
  const finite = Array.from(values).filter((x) => Number.isFinite(x));
  const n = finite.length;
  const mean = accurateSum(finite) / n;
  const dev = accurateSum(finite.map((x) => x - mean));
  const variance = (accurateSum(finite.map((x) => (x - mean) ** 2)) - (dev * dev) / n) / (n - 1);
  const a = finite.slice(0, -1);
  const b = finite.slice(1);
  const ma = accurateSum(a) / a.length;
  const mb = accurateSum(b) / b.length;
  const sab = accurateSum(a.map((x, i) => (x - ma) * ((b[i] as number) - mb)));
  const saa = accurateSum(a.map((x) => (x - ma) ** 2));
  const sbb = accurateSum(b.map((x) => (x - mb) ** 2));
  const bins = new Map<number, number>();
  for (const x of finite) {
    const k = Math.floor((x - origin) / width);
    bins.set(k, (bins.get(k) ?? 0) + 1);
  }
  return {
    count: n,
    min: finite.reduce((m, x) => (x < m ? x : m), Infinity),
    max: finite.reduce((m, x) => (x > m ? x : m), -Infinity),
    mean,
    variance,
    lag1: sab / Math.sqrt(saa * sbb),
    bins,
  };
}

function histogramMap(s: StatisticsSnapshot): Map<number, number> {
  const h = s.histogram;
  if (h === undefined) throw new Error('no histogram');
  const bins = new Map<number, number>();
  h.counts.forEach((c, i) => {
    if (c > 0) bins.set(Math.round(((h.binEdges[i] as number) - h.origin) / h.binWidth), c);
  });
  return bins;
}

function relativeError(actual: number | undefined, expected: number): number {
  if (actual === undefined) return Infinity;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

function expectReference(s: StatisticsSnapshot, values: Float64Array, origin: number, width: number, rel = 1e-10): void {
  const r = reference(values, origin, width);
  expect(s.count).toBe(r.count);
  expect(s.min).toBe(r.min);
  expect(s.max).toBe(r.max);
  expect(relativeError(s.mean, r.mean)).toBeLessThanOrEqual(rel);
  expect(relativeError(s.variance, r.variance)).toBeLessThanOrEqual(rel);
  expect(relativeError(s.lag1Autocorrelation, r.lag1)).toBeLessThanOrEqual(1e-8);
  expect(s.histogram?.binWidth).toBe(width);
  expect(histogramMap(s)).toEqual(r.bins);
}

describe('OnlineStatistics in blocks', () => {
  it('gives identical results whether entries come one at a time or in batches of any size', () => {
    const rnd = prng(1);
    const n = 5000;
    const ts = seconds(n);
    const values = voltage(n, 2);
    for (let i = 3; i < n; i += 211) values[i] = Number.NaN;
    values[1500] = Number.POSITIVE_INFINITY;
    const arrival = ts.map((t, i) => (i % 7 === 0 ? Number.NaN : t + 20 + (i % 13)));
    const options = { histogram: { binWidth: 0.05, origin: 229.975 } };
    const one = new OnlineStatistics(options);
    for (let i = 0; i < n; i++) one.add(ts[i] as number, values[i] as number, arrival[i]);
    const expected = one.snapshot();
    for (let round = 0; round < 6; round++) {
      const s = new OnlineStatistics(options);
      let at = 0;
      while (at < n) {
        const size = Math.min(n - at, Math.floor(rnd() ** 2 * 1500));
        if (rnd() < 0.3) {
          for (let k = at; k < at + size; k++) s.add(ts[k] as number, values[k] as number, arrival[k]);
        } else {
          s.addMany(ts.subarray(at, at + size), values.subarray(at, at + size), arrival.subarray(at, at + size));
        }
        at += size;
      }
      expect(s.snapshot()).toEqual(expected);
    }
    expectReference(expected, values, 229.975, 0.05);
  });

  it('matches the reference for blocks with NaN and ±Infinity anywhere, and for all-non-finite blocks', () => {
    const n = 3000;
    const values = voltage(n, 3);
    const rnd = prng(4);
    for (let i = 0; i < n; i++) if (rnd() < 0.02) values[i] = rnd() < 0.5 ? Number.NaN : -Infinity;
    values[0] = Number.NaN; // first and last of a block
    values[511] = Infinity;
    values[512] = Number.NaN;
    values.fill(Number.NaN, 1024, 1536); // one whole block without a finite value
    values[1536] = Number.NaN;
    const s = new OnlineStatistics({ histogram: { binWidth: 0.1, origin: 0 } });
    s.addMany(seconds(n), values);
    const snap = s.snapshot();
    expect(snap.nanCount + snap.infiniteCount + snap.count).toBe(n);
    expectReference(snap, values, 0, 0.1);
  });

  it('bins exactly by floor((v − origin) / width), values on bin edges included', () => {
    // Decimal data lands on edges of decimal bins all the time: 230.10 / 0.1 is 2300.9999999999995.
    const widths: Array<[number, number]> = [[0.1, 0], [0.01, 0], [0.3, 0.05], [1, 0], [0.25, -0.125], [0.05, 229.975], [7, 3]];
    for (const [width, origin] of widths) {
      for (const spread of [1, 3, 40]) {
        const rnd = prng(Math.round(width * 1000) + spread);
        const n = 4000;
        const values = new Float64Array(n);
        let units = 23_000;
        for (let i = 0; i < n; i++) {
          units += Math.round((rnd() * 2 - 1) * spread);
          values[i] = Number((units / 100).toFixed(2));
        }
        const s = new OnlineStatistics({ histogram: { binWidth: width, origin, maxBins: 100_000 } });
        s.addMany(seconds(n), values);
        expectReference(s.snapshot(), values, origin, width);
      }
    }
  });

  it('bins negative values, values near zero and tiny widths exactly', () => {
    const rnd = prng(8);
    const n = 2000;
    const values = Float64Array.from({ length: n }, () => (rnd() - 0.5) * 1e-3);
    values[5] = -0;
    values[6] = 0;
    values[7] = Number.MIN_VALUE;
    values[8] = -Number.MIN_VALUE;
    for (const [width, origin] of [[1e-4, 0], [1e-5, 3e-6], [1, 0]] as const) {
      const s = new OnlineStatistics({ histogram: { binWidth: width, origin, maxBins: 100_000 } });
      s.addMany(seconds(n), values);
      const snap = s.snapshot();
      expect(histogramMap(snap)).toEqual(reference(values, origin, width).bins);
      expect(snap.count).toBe(n);
    }
  });

  it('coarsens the histogram in bulk to the same width as one value at a time', () => {
    const n = 6000;
    const values = voltage(n, 9).map((v, i) => v + (i > 4000 ? 50 : 0));
    const options = { histogram: { binWidth: 0.01, origin: 0, maxBins: 64 } };
    const bulk = new OnlineStatistics(options);
    bulk.addMany(seconds(n), values);
    const one = new OnlineStatistics(options);
    for (let i = 0; i < n; i++) one.add(T0 + i * 1000, values[i] as number);
    expect(bulk.histogramOptions).toEqual(one.histogramOptions);
    const width = bulk.histogramOptions.binWidth;
    expect(width).toBeGreaterThan(0.01);
    expect(histogramMap(bulk.snapshot())).toEqual(reference(values, 0, width).bins);
  });

  it('stays accurate for huge values (sums that overflow) and large offsets', () => {
    const n = 1500;
    const rnd = prng(10);
    const huge = Float64Array.from({ length: n }, () => 1.7e308 * (rnd() < 0.5 ? 1 : 0.9));
    const s = new OnlineStatistics({ histogram: { binWidth: 1e306, origin: 0 } });
    s.addMany(seconds(n), huge);
    const snap = s.snapshot();
    expect(snap.count).toBe(n);
    expect(Number.isFinite(snap.mean)).toBe(true);
    expect(snap.mean as number).toBeGreaterThan(1.53e308);
    expect(snap.mean as number).toBeLessThan(1.7e308);
    expect(snap.max).toBe(1.7e308);
    const offset = Float64Array.from({ length: n }, () => 1e6 + (rnd() - 0.5) * 1e-3);
    const t = new OnlineStatistics({ histogram: { binWidth: 1e-4, origin: 1e6, maxBins: 100_000 } });
    t.addMany(seconds(n), offset);
    const r = reference(offset, 1e6, 1e-4);
    expect(relativeError(t.snapshot().variance, r.variance)).toBeLessThan(1e-6);
  });

  it('reading the state in the middle changes no count, extreme or bin, and the moments only by rounding', () => {
    const n = 4000;
    const values = voltage(n, 11);
    const ts = seconds(n);
    const read = new OnlineStatistics({ histogram: { binWidth: 0.1 } });
    const plain = new OnlineStatistics({ histogram: { binWidth: 0.1 } });
    for (let at = 0; at < n; at += 300) {
      read.addMany(ts.subarray(at, at + 300), values.subarray(at, at + 300));
      read.snapshot();
    }
    plain.addMany(ts, values);
    const a = read.snapshot();
    const b = plain.snapshot();
    expect(a.count).toBe(b.count);
    expect(a.min).toBe(b.min);
    expect(a.max).toBe(b.max);
    expect(a.histogram).toEqual(b.histogram);
    expect(relativeError(a.mean, b.mean as number)).toBeLessThan(1e-12);
    expect(relativeError(a.variance, b.variance as number)).toBeLessThan(1e-9);
    expect(relativeError(a.lag1Autocorrelation, b.lag1Autocorrelation as number)).toBeLessThan(1e-9);
  });
});
