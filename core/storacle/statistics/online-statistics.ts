/**
 * On-line statistics of one data point, updated one entry at a time or in
 * bulk from typed arrays, mergeable, and persistable.
 *
 * Memory is O(1) per data point (8 KiB for the open block, see below) except for the histogram, whose number of
 * bins is bounded (see {@link HistogramOptions.maxBins}).
 *
 * Definitions:
 * - Values: NaN values are counted in `nanCount`, ±Infinity in
 *   `infiniteCount`; neither enters count, min, max, the moments, the
 *   histogram or the autocorrelation. Both still count as entries for the
 *   update frequency and the arrival delay (they did arrive).
 * - Mean and variance: entries are taken in blocks of 512; each block's
 *   moments are computed in two passes (block-moments.ts) and merged with the
 *   pairwise formula of Chan, Golub & LeVeque (1979), as `merge` does. Both
 *   are stable for large offsets. Reading the state (snapshot, serialize,
 *   merge, histogramOptions) closes the current block: that changes only the
 *   rounding of later results. The open block is kept in two Float64Arrays of
 *   512 (8 KiB per instance, allocated by the first entry that does not
 *   complete a whole block); addMany reads whole blocks from its arguments.
 *   Variance is the sample variance (divided by count − 1).
 * - Confidence intervals of the mean: mean ± q · s / √n with q Student's t
 *   quantile for n − 1 degrees of freedom (the normal quantile from 10⁴
 *   degrees of freedom on; see quantiles.ts).
 * - Effective sample size: consecutive finite values are autocorrelated
 *   (1 Hz measurements). ρ is the lag-1 autocorrelation, estimated on line as
 *   the Pearson correlation of the pairs (x[i−1], x[i]) of consecutive finite
 *   values (a bivariate Welford update). For an AR(1) process the variance of
 *   the mean is inflated by (1 + ρ)/(1 − ρ), hence
 *   n_eff = n (1 − ρ)/(1 + ρ) (e.g. Wilks, Statistical Methods in the
 *   Atmospheric Sciences, eq. 5.12). ρ is clamped to [0, 0.999]: a negative ρ
 *   never makes the interval narrower than the plain one; n_eff is clamped to
 *   [2, n]. The effective interval is mean ± t(n_eff − 1) · s / √n_eff.
 * - Update frequency: (entries − 1) / (last timestamp − first timestamp),
 *   per second; the mean interval is its inverse in ms. "First" and "last"
 *   are the smallest and largest timestamps seen.
 * - Arrival delay: arrival − timestamp in ms, over the entries that were
 *   given an arrival time.
 * - `merge(other)` treats `other`'s entries as following this one's in time:
 *   that matters only for the lag-1 pair that spans the boundary. All other
 *   results are independent of the order.
 */
import type { ConfidenceInterval, StatisticsReply } from '../../../schemas/generated/messages.js';
import { tQuantile } from './quantiles.js';
import { SparseHistogram, type HistogramConfig, type HistogramOptions, type HistogramSnapshot } from './histogram.js';
import { StatisticsFormatError, crc32 } from './persistence.js';
import { decodeCompactFields, encodeCompactFields } from './compact-fields.js';
import { blockMoments, emptyMoments, type Moments } from './block-moments.js';

export type { HistogramConfig, HistogramOptions, HistogramSnapshot } from './histogram.js';

/**
 * Entries per block of the bulk arithmetic. Blocks are cut at fixed positions of the entry
 * stream (every BLOCK entries since the state was last read), whether the entries came one
 * at a time or in bulk, so add() and addMany() give identical results.
 */
const BLOCK = 512;

/** Scratch for one block's moments and delay sums (single-threaded, never kept across calls). */
const blockScratch: Moments = emptyMoments();
const delayScratch = new Float64Array(4);

/**
 * Count, sum, min and max of arrival − timestamp over [start, end) where the arrival time
 * is finite, into delayScratch[0..3] (one loop straight over the caller's columns).
 */
function delaySums(ts: Float64Array, arrival: Float64Array, start: number, end: number): void {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = start; k < end; k++) {
    const a = arrival[k];
    if (!(a - a === 0)) continue;
    const d = a - ts[k];
    n++;
    sum += d;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  delayScratch[0] = n;
  delayScratch[1] = sum;
  delayScratch[2] = min;
  delayScratch[3] = max;
}

/** Smallest and largest timestamp found by timestampRange. */
const rangeScratch = new Float64Array(2);

/**
 * Smallest and largest of `ts` into rangeScratch; returns the index of the first
 * non-finite timestamp, or -1. A function of its own: inlined into addMany, the same loop
 * was at times compiled to code five times slower (measured, 2 vs 11 ms a month).
 */
function timestampRange(ts: Float64Array): number {
  let min = Infinity;
  let max = -Infinity;
  const n = ts.length;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (!(t - t === 0)) return i;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  rangeScratch[0] = min;
  rangeScratch[1] = max;
  return -1;
}

/** Bounds for ρ in the effective sample size. */
const RHO_MIN = 0;
const RHO_MAX = 0.999;

/** Options of an {@link OnlineStatistics}. */
export interface StatisticsOptions {
  /** Histogram configuration; default: bin width 1, origin 0, at most 10000 bins. */
  histogram?: HistogramConfig;
}

/** Plain JSON-safe snapshot; the fields named like StatisticsReply's mean the same. */
export interface StatisticsSnapshot {
  /** Finite values covered. */
  count: number;
  /** NaN values seen (excluded from everything else but timing). */
  nanCount: number;
  /** ±Infinity values seen (excluded from everything else but timing). */
  infiniteCount: number;
  /** All entries: count + nanCount + infiniteCount. */
  entries: number;
  min?: number;
  max?: number;
  mean?: number;
  variance?: number;
  stdDeviation?: number;
  histogram?: HistogramSnapshot;
  confidence95?: ConfidenceInterval;
  confidence99?: ConfidenceInterval;
  /** Lag-1 autocorrelation of consecutive finite values (unclamped). */
  lag1Autocorrelation?: number;
  /** n (1 − ρ)/(1 + ρ) with ρ and the result clamped (see the module comment). */
  effectiveSampleSize?: number;
  confidence95Effective?: ConfidenceInterval;
  confidence99Effective?: ConfidenceInterval;
  firstTimestampMs?: number;
  lastTimestampMs?: number;
  updateFrequencyHz?: number;
  meanIntervalMs?: number;
  /** Entries that had an arrival time. */
  delayCount: number;
  delayMeanMs?: number;
  delayMinMs?: number;
  delayMaxMs?: number;
}

function interval(mean: number, halfWidth: number): ConfidenceInterval {
  return { low: mean - halfWidth, high: mean + halfWidth };
}

export class OnlineStatistics {
  // Moments of the finite values.
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = Number.NEGATIVE_INFINITY;
  private nanCount = 0;
  private infiniteCount = 0;
  // Lag-1 pairs (a = previous finite value, b = this one), bivariate Welford.
  private pairs = 0;
  private meanA = 0;
  private meanB = 0;
  private m2A = 0;
  private m2B = 0;
  private cAB = 0;
  private firstValue = Number.NaN;
  private lastValue = Number.NaN;
  // Timing over all entries.
  private entries = 0;
  private firstTs = Number.POSITIVE_INFINITY;
  private lastTs = Number.NEGATIVE_INFINITY;
  private delayN = 0;
  private delayMean = 0;
  private delayMin = Number.POSITIVE_INFINITY;
  private delayMax = Number.NEGATIVE_INFINITY;
  private readonly histogram: SparseHistogram;
  // Entries of the open block (values, and arrival − timestamp or NaN), allocated on first use.
  private pendingValues: Float64Array | undefined;
  private pendingDelays: Float64Array | undefined;
  private pendingLength = 0;

  constructor(options: StatisticsOptions = {}) {
    this.histogram = new SparseHistogram(options.histogram ?? {});
  }

  /** The histogram's configuration (its bin width may have grown, see maxBins). */
  get histogramOptions(): HistogramOptions {
    this.flush();
    return this.histogram.options();
  }

  /** Adds one entry. Throws a RangeError for a non-finite timestamp. */
  add(timestampMs: number, value: number, arrivalMs?: number): void {
    if (!Number.isFinite(timestampMs)) throw new RangeError(`timestamp must be finite, got ${timestampMs}`);
    this.entries++;
    if (timestampMs < this.firstTs) this.firstTs = timestampMs;
    if (timestampMs > this.lastTs) this.lastTs = timestampMs;
    this.addPending(timestampMs, value, arrivalMs ?? Number.NaN);
    if (this.pendingLength === BLOCK) this.flush();
  }

  /**
   * Adds many entries from columns of equal length. Timestamps are checked
   * before anything is changed, so a RangeError leaves the state untouched.
   */
  addMany(timestamps: Float64Array, values: Float64Array, arrivalMs?: Float64Array): void {
    const len = timestamps.length;
    if (values.length !== len || (arrivalMs !== undefined && arrivalMs.length !== len)) {
      throw new RangeError('timestamps, values and arrival times must have the same length');
    }
    const bad = timestampRange(timestamps);
    if (bad >= 0) throw new RangeError(`timestamp ${bad} must be finite, got ${timestamps[bad]}`);
    this.entries += len;
    if (len > 0) {
      this.firstTs = Math.min(this.firstTs, rangeScratch[0]);
      this.lastTs = Math.max(this.lastTs, rangeScratch[1]);
    }
    let i = 0;
    // Complete the open block first, so blocks stay where add() would cut them.
    if (this.pendingLength > 0) {
      i = Math.min(len, BLOCK - this.pendingLength);
      for (let k = 0; k < i; k++) this.addPending(timestamps[k], values[k], arrivalMs === undefined ? Number.NaN : arrivalMs[k]);
      if (this.pendingLength === BLOCK) this.flush();
    }
    for (; len - i >= BLOCK; i += BLOCK) {
      this.absorbValues(values, i, i + BLOCK);
      if (arrivalMs !== undefined) {
        delaySums(timestamps, arrivalMs, i, i + BLOCK);
        this.mergeDelays(delayScratch[0], delayScratch[1], delayScratch[2], delayScratch[3]);
      }
    }
    for (; i < len; i++) this.addPending(timestamps[i], values[i], arrivalMs === undefined ? Number.NaN : arrivalMs[i]);
  }

  /**
   * Appends to the open block (NaN arrival: none); the timing counters and closing a
   * full block are the caller's.
   */
  private addPending(timestampMs: number, value: number, arrivalMs: number): void {
    if (this.pendingValues === undefined || this.pendingDelays === undefined) {
      this.pendingValues = new Float64Array(BLOCK);
      this.pendingDelays = new Float64Array(BLOCK);
    }
    const k = this.pendingLength++;
    this.pendingValues[k] = value;
    this.pendingDelays[k] = arrivalMs - arrivalMs === 0 ? arrivalMs - timestampMs : Number.NaN;
  }

  /** Closes the open block: its values and delays enter the state. */
  private flush(): void {
    const n = this.pendingLength;
    if (n === 0 || this.pendingValues === undefined || this.pendingDelays === undefined) return;
    this.pendingLength = 0;
    this.absorbValues(this.pendingValues, 0, n);
    this.absorbDelays(this.pendingDelays, 0, n);
  }

  private absorbValues(values: Float64Array, start: number, end: number): void {
    const b = blockMoments(values, start, end, blockScratch);
    this.nanCount += b.nanCount;
    this.infiniteCount += b.infiniteCount;
    if (b.n === 0) return;
    this.histogram.addBlock(values, start, end, b.min, b.max, b.n);
    this.combine(b);
  }

  /** Delays of one block (NaN: no arrival time): mean by sum, merged like the moments. */
  private absorbDelays(delays: Float64Array, start: number, end: number): void {
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = start; k < end; k++) {
      const d = delays[k];
      if (d !== d) continue;
      n++;
      sum += d;
      if (d < min) min = d;
      if (d > max) max = d;
    }
    this.mergeDelays(n, sum, min, max);
  }

  private mergeDelays(n: number, sum: number, min: number, max: number): void {
    if (n === 0) return;
    const dn = this.delayN + n;
    this.delayMean += (sum / n - this.delayMean) * (n / dn);
    this.delayN = dn;
    if (min < this.delayMin) this.delayMin = min;
    if (max > this.delayMax) this.delayMax = max;
  }

  private addPair(a: number, b: number): void {
    const p = ++this.pairs;
    const da = a - this.meanA;
    this.meanA += da / p;
    const db = b - this.meanB;
    this.meanB += db / p;
    this.m2A += da * (a - this.meanA);
    this.m2B += db * (b - this.meanB);
    this.cAB += da * (b - this.meanB);
  }

  /**
   * Adds the moments of values that follow this one's in time (Chan et al. for the
   * moments and the lag-1 pairs, plus the pair across the boundary). Histogram, counts
   * of non-finite values and timing are the caller's.
   */
  private combine(o: Moments): void {
    if (o.pairs > 0) {
      const p = this.pairs + o.pairs;
      const da = o.meanA - this.meanA;
      const db = o.meanB - this.meanB;
      const f = (this.pairs * o.pairs) / p;
      this.m2A += o.m2A + da * da * f;
      this.m2B += o.m2B + db * db * f;
      this.cAB += o.cAB + da * db * f;
      this.meanA += (da * o.pairs) / p;
      this.meanB += (db * o.pairs) / p;
      this.pairs = p;
    }
    if (this.n > 0 && o.n > 0) this.addPair(this.lastValue, o.firstValue);
    if (o.n > 0) {
      if (this.n === 0) this.firstValue = o.firstValue;
      this.lastValue = o.lastValue;
      const n = this.n + o.n;
      const delta = o.mean - this.mean;
      // Weights as fractions (o.n / n), not delta · o.n / n: with values near ±1.8e308,
      // delta · o.n overflows where the mean itself does not.
      this.m2 += o.m2 + delta * delta * ((this.n * o.n) / n);
      this.mean += delta * (o.n / n);
      this.n = n;
      this.minValue = Math.min(this.minValue, o.min);
      this.maxValue = Math.max(this.maxValue, o.max);
    }
  }

  /**
   * Adds `other`'s entries to this one (Chan et al.), as if they had been
   * added after this one's. `other`'s results are not changed (its open block
   * is closed, as by any read). Throws a RangeError when the histograms'
   * origins, base widths or bin limits differ.
   */
  merge(other: OnlineStatistics): void {
    this.flush();
    // Merging with itself: work from a copy, so nothing is read while it changes.
    if (other === this) other = OnlineStatistics.deserialize(this.serialize());
    other.flush();
    this.histogram.merge(other.histogram);
    this.combine({
      n: other.n, mean: other.mean, m2: other.m2, min: other.minValue, max: other.maxValue,
      firstValue: other.firstValue, lastValue: other.lastValue, pairs: other.pairs,
      meanA: other.meanA, meanB: other.meanB, m2A: other.m2A, m2B: other.m2B, cAB: other.cAB,
      nanCount: other.nanCount, infiniteCount: other.infiniteCount,
    });
    this.nanCount += other.nanCount;
    this.infiniteCount += other.infiniteCount;
    this.entries += other.entries;
    this.firstTs = Math.min(this.firstTs, other.firstTs);
    this.lastTs = Math.max(this.lastTs, other.lastTs);
    if (other.delayN > 0) {
      const dn = this.delayN + other.delayN;
      this.delayMean += ((other.delayMean - this.delayMean) * other.delayN) / dn;
      this.delayN = dn;
      this.delayMin = Math.min(this.delayMin, other.delayMin);
      this.delayMax = Math.max(this.delayMax, other.delayMax);
    }
  }

  /** Lag-1 autocorrelation, or undefined with fewer than two pairs or no spread. */
  private lag1(): number | undefined {
    if (this.pairs < 2 || !(this.m2A > 0) || !(this.m2B > 0)) return undefined;
    const r = this.cAB / Math.sqrt(this.m2A * this.m2B);
    // Values near ±1e308 overflow the moments (Infinity / Infinity): no coefficient then, and
    // the effective sample size falls back to n instead of NaN.
    if (Number.isNaN(r)) return undefined;
    return Math.max(-1, Math.min(1, r));
  }

  /** A plain, JSON-safe picture of the current statistics. */
  snapshot(): StatisticsSnapshot {
    this.flush();
    const n = this.n;
    const s: StatisticsSnapshot = {
      count: n,
      nanCount: this.nanCount,
      infiniteCount: this.infiniteCount,
      entries: this.entries,
      delayCount: this.delayN,
    };
    if (n > 0) {
      s.min = this.minValue;
      s.max = this.maxValue;
      s.mean = this.mean;
      s.histogram = this.histogram.snapshot();
    }
    if (n > 1) {
      const variance = Math.max(0, this.m2 / (n - 1));
      const sd = Math.sqrt(variance);
      s.variance = variance;
      s.stdDeviation = sd;
      const se = sd / Math.sqrt(n);
      s.confidence95 = interval(this.mean, tQuantile(0.975, n - 1) * se);
      s.confidence99 = interval(this.mean, tQuantile(0.995, n - 1) * se);
      const rho = this.lag1();
      if (rho !== undefined) s.lag1Autocorrelation = rho;
      const rc = Math.min(RHO_MAX, Math.max(RHO_MIN, rho ?? 0));
      const nEff = Math.min(n, Math.max(2, (n * (1 - rc)) / (1 + rc)));
      s.effectiveSampleSize = nEff;
      const seEff = sd / Math.sqrt(nEff);
      s.confidence95Effective = interval(this.mean, tQuantile(0.975, nEff - 1) * seEff);
      s.confidence99Effective = interval(this.mean, tQuantile(0.995, nEff - 1) * seEff);
    }
    if (this.entries > 0) {
      s.firstTimestampMs = this.firstTs;
      s.lastTimestampMs = this.lastTs;
    }
    if (this.entries > 1 && this.lastTs > this.firstTs) {
      const span = this.lastTs - this.firstTs;
      s.updateFrequencyHz = ((this.entries - 1) * 1000) / span;
      s.meanIntervalMs = span / (this.entries - 1);
    }
    if (this.delayN > 0) {
      s.delayMeanMs = this.delayMean;
      s.delayMinMs = this.delayMin;
      s.delayMaxMs = this.delayMax;
    }
    return s;
  }

  /** The snapshot as the schema's StatisticsReply for `dataPoint`. */
  toReply(dataPoint: string): StatisticsReply {
    return snapshotToReply(dataPoint, this.snapshot());
  }

  /**
   * Persistent form: see persistence.ts for the layout. Version 2 (compact-fields.ts) by default;
   * version 1 (every field a raw double) is still written on request and read.
   */
  serialize(version: 1 | 2 = FORMAT_VERSION): Uint8Array {
    this.flush();
    const bins = this.histogram.entries();
    const fixed = [
      this.n, this.mean, this.m2, this.minValue, this.maxValue, this.nanCount, this.infiniteCount,
      this.pairs, this.meanA, this.meanB, this.m2A, this.m2B, this.cAB, this.firstValue, this.lastValue,
      this.entries, this.firstTs, this.lastTs, this.delayN, this.delayMean, this.delayMin, this.delayMax,
    ];
    const h = this.histogram.options();
    const head = [h.baseWidth, h.origin, h.maxBins, h.level, bins.length];
    if (version === FORMAT_VERSION) {
      const body = encodeCompactFields({ fixed, head, bins: bins.map(([i, c]): [number, number] => [i, c]) });
      const bytes = new Uint8Array(HEADER_BYTES + body.length + 4);
      const view = new DataView(bytes.buffer);
      bytes.set(MAGIC, 0);
      view.setUint16(4, FORMAT_VERSION, true);
      view.setUint16(6, fixed.length, true);
      bytes.set(body, HEADER_BYTES);
      const o = HEADER_BYTES + body.length;
      view.setUint32(o, crc32(bytes.subarray(0, o)), true);
      return bytes;
    }
    const floats = fixed.length + head.length + 2 * bins.length;
    const bytes = new Uint8Array(HEADER_BYTES + 8 * floats + 4);
    const view = new DataView(bytes.buffer);
    bytes.set(MAGIC, 0);
    view.setUint16(4, FORMAT_VERSION_FLOATS, true);
    view.setUint16(6, fixed.length, true);
    let o = HEADER_BYTES;
    for (const x of fixed) { view.setFloat64(o, x, true); o += 8; }
    for (const x of head) { view.setFloat64(o, x, true); o += 8; }
    for (const [index, count] of bins) {
      view.setFloat64(o, index, true);
      view.setFloat64(o + 8, count, true);
      o += 16;
    }
    view.setUint32(o, crc32(bytes.subarray(0, o)), true);
    return bytes;
  }

  /** Reads what {@link serialize} wrote (either version); throws a StatisticsFormatError on anything else. */
  static deserialize(bytes: Uint8Array): OnlineStatistics {
    if (bytes.length < HEADER_BYTES + 4) throw new StatisticsFormatError(`too short (${bytes.length} bytes)`);
    for (let i = 0; i < MAGIC.length; i++) {
      if (bytes[i] !== MAGIC[i]) throw new StatisticsFormatError('not a statistics record (bad magic)');
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = bytes.length - 4;
    if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end))) {
      throw new StatisticsFormatError('checksum mismatch (corrupt record)');
    }
    const version = view.getUint16(4, true);
    if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_FLOATS) throw new StatisticsFormatError(`unsupported version ${version}`);
    const nFixed = view.getUint16(6, true);
    let f: number[];
    let baseWidth: number;
    let origin: number;
    let maxBins: number;
    let level: number;
    let bins: Array<[number, number]>;
    if (version === FORMAT_VERSION) {
      if (nFixed !== FIXED_FIELDS) throw new StatisticsFormatError('bad layout');
      const fields = decodeCompactFields(bytes, HEADER_BYTES, end, FIXED_FIELDS, (m) => {
        throw new StatisticsFormatError(m);
      });
      f = fields.fixed;
      [baseWidth, origin, maxBins, level] = fields.head;
      bins = fields.bins;
    } else {
      if (nFixed !== FIXED_FIELDS || (end - HEADER_BYTES) % 8 !== 0) throw new StatisticsFormatError('bad layout');
      const floats = (end - HEADER_BYTES) / 8;
      if (floats < FIXED_FIELDS + 5) throw new StatisticsFormatError('truncated');
      let o = HEADER_BYTES;
      const next = (): number => { const x = view.getFloat64(o, true); o += 8; return x; };
      f = [];
      for (let i = 0; i < FIXED_FIELDS; i++) f.push(next());
      baseWidth = next();
      origin = next();
      maxBins = next();
      level = next();
      const binCount = next();
      if (floats !== FIXED_FIELDS + 5 + 2 * binCount) throw new StatisticsFormatError('histogram length does not match');
      bins = [];
      for (let i = 0; i < binCount; i++) bins.push([next(), next()]);
    }
    const s = new OnlineStatistics({ histogram: { binWidth: baseWidth, origin, maxBins } });
    try {
      s.histogram.restore(level, bins);
    } catch (e) {
      throw new StatisticsFormatError(`bad histogram: ${(e as Error).message}`);
    }
    const counts = [f[0], f[5], f[6], f[7], f[15], f[18]];
    if (!counts.every((c) => Number.isInteger(c) && c >= 0)) throw new StatisticsFormatError('bad counts');
    if (f[7] > Math.max(0, f[0] - 1) || f[18] > f[15] || f[0] + f[5] + f[6] !== f[15]) {
      throw new StatisticsFormatError('inconsistent counts');
    }
    [
      s.n, s.mean, s.m2, s.minValue, s.maxValue, s.nanCount, s.infiniteCount,
      s.pairs, s.meanA, s.meanB, s.m2A, s.m2B, s.cAB, s.firstValue, s.lastValue,
      s.entries, s.firstTs, s.lastTs, s.delayN, s.delayMean, s.delayMin, s.delayMax,
    ] = f;
    return s;
  }
}

/** "GLST": GridLink STatistics. */
const MAGIC = new Uint8Array([0x47, 0x4c, 0x53, 0x54]);
/** Version written: compact fields (compact-fields.ts). */
const FORMAT_VERSION = 2;
/** The first version: every field a raw double (still read). */
const FORMAT_VERSION_FLOATS = 1;
const FIXED_FIELDS = 22;
const HEADER_BYTES = 8;

/** Converts a snapshot to the schema's StatisticsReply (counts as bigint). */
export function snapshotToReply(dataPoint: string, s: StatisticsSnapshot): StatisticsReply {
  const reply: StatisticsReply = { dataPoint, count: BigInt(s.count) };
  if (s.min !== undefined) reply.min = s.min;
  if (s.max !== undefined) reply.max = s.max;
  if (s.mean !== undefined) reply.mean = s.mean;
  if (s.variance !== undefined) reply.variance = s.variance;
  if (s.stdDeviation !== undefined) reply.stdDeviation = s.stdDeviation;
  if (s.histogram !== undefined) {
    reply.histogram = {
      binEdges: s.histogram.binEdges,
      counts: s.histogram.counts.map((c) => BigInt(c)),
      below: BigInt(s.histogram.below),
      above: BigInt(s.histogram.above),
    };
  }
  if (s.confidence95 !== undefined) reply.confidence95 = s.confidence95;
  if (s.confidence99 !== undefined) reply.confidence99 = s.confidence99;
  if (s.updateFrequencyHz !== undefined) reply.updateFrequencyHz = s.updateFrequencyHz;
  if (s.delayMeanMs !== undefined) reply.delayMeanMs = s.delayMeanMs;
  if (s.delayMinMs !== undefined) reply.delayMinMs = s.delayMinMs;
  if (s.delayMaxMs !== undefined) reply.delayMaxMs = s.delayMaxMs;
  return reply;
}
