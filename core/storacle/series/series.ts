import { MAX_CHUNK_RECORDS, decodeChunk, encodeChunk } from '../codec/index.js';
import { OnlineStatistics } from '../statistics/index.js';
import type { StatisticsOptions } from '../statistics/index.js';

/** Default number of entries per sealed chunk. */
export const DEFAULT_CHUNK_SIZE = 4096;

const INITIAL_HEAD_CAPACITY = 64;
const BYTES_PER_HEAD_ENTRY = 16;

/** Options of a {@link Series}. */
export interface SeriesOptions {
  /** Entries per sealed chunk, an integer in 1..MAX_CHUNK_RECORDS; default 4096. */
  chunkSize?: number;
  /** Passed to the series' {@link OnlineStatistics}. */
  statistics?: StatisticsOptions;
}

/** One entry. */
export interface SeriesPoint {
  timestampMs: number;
  value: number;
}

/** Two equally long columns, timestamps ascending. */
export interface SeriesColumns {
  timestamps: Float64Array;
  values: Float64Array;
}

/** What {@link Series.append} did with an entry. */
export type AppendResult = 'appended' | 'duplicate';

/** An entry the append policy refuses (too old, or a changed value for a stored timestamp). */
export class SeriesAppendError extends Error {
  override readonly name = 'SeriesAppendError';
  constructor(
    message: string,
    readonly timestampMs: number,
    readonly value: number,
  ) {
    super(message);
  }
}

/** What is kept beside a sealed chunk's bytes, so queries can skip it without decoding. */
export interface ChunkInfo {
  readonly count: number;
  readonly byteLength: number;
  readonly firstTs: number;
  readonly lastTs: number;
  /** Smallest and largest value (NaN values ignored; +Infinity/-Infinity if all are NaN). */
  readonly minValue: number;
  readonly maxValue: number;
}

/** A sealed chunk and what queries need to know about it without decoding it. */
interface ChunkEntry {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly firstTs: number;
  readonly lastTs: number;
  readonly minValue: number;
  readonly maxValue: number;
  readonly lastValue: number;
}

/** Index of the first element of a[lo..hi) that is >= x (hi if none). */
function lowerBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkSpan(fromMs: number, toMs: number): void {
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new RangeError(`span bounds must be numbers, got [${fromMs}, ${toMs})`);
  if (fromMs > toMs) throw new RangeError(`span start ${fromMs} is after its end ${toMs}`);
}

/**
 * The entries of one data point in memory: sealed, compressed chunks plus an
 * open head buffer that is sealed every `chunkSize` entries.
 *
 * Append policy:
 * - timestamps must be finite; values may be any double;
 * - an entry newer than everything stored is appended to the head (fast path);
 * - an older entry goes into the head at its sorted place if it is newer than the
 *   last sealed chunk's last timestamp (the head is kept sorted at all times, so a
 *   chunk is always sealed sorted and chunks never overlap);
 * - an entry with the timestamp of a stored entry is ignored if its value is the
 *   same (`Object.is`: NaN equals NaN, 0 differs from -0) and rejected with a
 *   {@link SeriesAppendError} otherwise: entries are immutable. This holds for
 *   sealed entries too (their chunk is decoded to check);
 * - any other entry at or before the last sealed timestamp is rejected with a
 *   {@link SeriesAppendError}.
 * Rejected and ignored entries change nothing, statistics included.
 */
export class Series {
  readonly chunkSize: number;
  readonly statistics: OnlineStatistics;
  private readonly chunks: ChunkEntry[] = [];
  private headTs: Float64Array;
  private headValues: Float64Array;
  private headCount = 0;
  private sealedCount = 0;
  private sealedBytes = 0;
  private decodes = 0;

  constructor(options: SeriesOptions = {}) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_RECORDS) {
      throw new RangeError(`chunkSize must be an integer in 1..${MAX_CHUNK_RECORDS}, got ${chunkSize}`);
    }
    this.chunkSize = chunkSize;
    this.statistics = new OnlineStatistics(options.statistics);
    const capacity = Math.min(INITIAL_HEAD_CAPACITY, chunkSize);
    this.headTs = new Float64Array(capacity);
    this.headValues = new Float64Array(capacity);
  }

  /** Entries stored (sealed and in the head). */
  get count(): number {
    return this.sealedCount + this.headCount;
  }

  /** Sealed chunks. */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Chunks decoded so far by queries and duplicate checks (diagnostics: shows what was skipped). */
  get decodeCount(): number {
    return this.decodes;
  }

  /** Metadata of the sealed chunks, oldest first. */
  chunkInfo(): ChunkInfo[] {
    return this.chunks.map((c) => ({
      count: c.count,
      byteLength: c.bytes.byteLength,
      firstTs: c.firstTs,
      lastTs: c.lastTs,
      minValue: c.minValue,
      maxValue: c.maxValue,
    }));
  }

  /** Entries in the open head. */
  get headLength(): number {
    return this.headCount;
  }

  /** Compressed bytes of the sealed chunks plus 16 bytes per head entry. */
  byteSize(): number {
    return this.sealedBytes + this.headCount * BYTES_PER_HEAD_ENTRY;
  }

  /** Last sealed timestamp, or -Infinity while nothing is sealed. */
  private get sealedLastTs(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last === undefined ? Number.NEGATIVE_INFINITY : last.lastTs;
  }

  /**
   * Applies the append policy (see the class comment) to one entry.
   * `arrivalMs` (default `Date.now()`) goes to the statistics' arrival delay.
   */
  append(timestampMs: number, value: number, arrivalMs: number = Date.now()): AppendResult {
    if (!Number.isFinite(timestampMs)) {
      throw new SeriesAppendError(`timestamp must be finite, got ${timestampMs}`, timestampMs, value);
    }
    const n = this.headCount;
    if (n > 0 ? timestampMs > this.headTs[n - 1] : timestampMs > this.sealedLastTs) {
      this.insertHead(n, timestampMs, value);
    } else if (timestampMs > this.sealedLastTs) {
      const at = lowerBound(this.headTs, timestampMs, 0, n);
      if (at < n && this.headTs[at] === timestampMs) return this.duplicate(this.headValues[at], timestampMs, value);
      this.insertHead(at, timestampMs, value);
    } else {
      const stored = this.sealedValueAt(timestampMs);
      if (stored !== undefined) return this.duplicate(stored, timestampMs, value);
      throw new SeriesAppendError(
        `entry at ${timestampMs} is not after the last sealed timestamp ${this.sealedLastTs}; sealed entries are immutable`,
        timestampMs,
        value,
      );
    }
    this.statistics.add(timestampMs, value, arrivalMs);
    if (this.headCount >= this.chunkSize) this.seal();
    return 'appended';
  }

  /** Seals the head into a chunk now, whatever its length (nothing happens if it is empty). */
  seal(): void {
    const n = this.headCount;
    if (n === 0) return;
    const ts = this.headTs.subarray(0, n);
    const vs = this.headValues.subarray(0, n);
    let minValue = Number.POSITIVE_INFINITY;
    let maxValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = vs[i];
      if (v < minValue) minValue = v;
      if (v > maxValue) maxValue = v;
    }
    const bytes = encodeChunk(ts, vs);
    this.chunks.push({ bytes, count: n, firstTs: ts[0], lastTs: ts[n - 1], minValue, maxValue, lastValue: vs[n - 1] });
    this.sealedCount += n;
    this.sealedBytes += bytes.byteLength;
    this.headCount = 0;
  }

  /** The entry with the latest timestamp, or undefined if the series is empty. */
  mostRecent(): SeriesPoint | undefined {
    const n = this.headCount;
    if (n > 0) return { timestampMs: this.headTs[n - 1], value: this.headValues[n - 1] };
    const last = this.chunks[this.chunks.length - 1];
    return last === undefined ? undefined : { timestampMs: last.lastTs, value: last.lastValue };
  }

  /** Entries with fromMs <= timestamp < toMs, ascending. Throws a RangeError if fromMs > toMs or a bound is NaN. */
  range(fromMs: number, toMs: number): SeriesColumns {
    checkSpan(fromMs, toMs);
    const parts: SeriesColumns[] = [];
    let total = 0;
    this.visit(fromMs, toMs, (ts, vs, start, end) => {
      parts.push({ timestamps: ts.subarray(start, end), values: vs.subarray(start, end) });
      total += end - start;
    });
    const timestamps = new Float64Array(total);
    const values = new Float64Array(total);
    let at = 0;
    for (const p of parts) {
      timestamps.set(p.timestamps, at);
      values.set(p.values, at);
      at += p.timestamps.length;
    }
    return { timestamps, values };
  }

  /**
   * M4 downsampling of [fromMs, toMs): the span is cut into `pixels` equal time
   * buckets (entry t goes to floor((t - fromMs) * pixels / (toMs - fromMs))); each
   * non-empty bucket contributes its first and last entry and an entry with its
   * minimum and its maximum value (the earliest one on ties; NaN values are never
   * chosen as minimum or maximum). An entry chosen for several roles appears once;
   * the result is in time order. Throws a RangeError for a non-finite or reversed
   * span or a pixel count that is not a positive integer.
   */
  m4(fromMs: number, toMs: number, pixels: number): SeriesColumns {
    checkSpan(fromMs, toMs);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new RangeError(`m4 needs a finite span, got [${fromMs}, ${toMs})`);
    if (!Number.isInteger(pixels) || pixels < 1) throw new RangeError(`pixels must be a positive integer, got ${pixels}`);
    const outTs: number[] = [];
    const outVs: number[] = [];
    const width = toMs - fromMs;
    // State of the current bucket; positions are [timestamp, value] of the chosen entries.
    let bucket = -1;
    let firstT = 0, firstV = 0, lastT = 0, lastV = 0;
    let minT = 0, minV = Number.NaN, maxT = 0, maxV = Number.NaN;
    const flush = (): void => {
      if (bucket < 0) return;
      const picks: Array<[number, number]> = [[firstT, firstV]];
      if (!Number.isNaN(minV)) picks.push([minT, minV]);
      if (!Number.isNaN(maxV)) picks.push([maxT, maxV]);
      picks.push([lastT, lastV]);
      picks.sort((a, b) => a[0] - b[0]);
      // Timestamps are unique within a series, so equal timestamps mean the same entry.
      let prev = Number.NaN;
      for (const [t, v] of picks) {
        if (t === prev) continue;
        outTs.push(t);
        outVs.push(v);
        prev = t;
      }
    };
    this.visit(fromMs, toMs, (ts, vs, start, end) => {
      for (let i = start; i < end; i++) {
        const t = ts[i];
        const v = vs[i];
        const b = Math.min(pixels - 1, Math.floor(((t - fromMs) * pixels) / width));
        if (b !== bucket) {
          flush();
          bucket = b;
          firstT = t;
          firstV = v;
          minV = Number.NaN;
          maxV = Number.NaN;
        }
        lastT = t;
        lastV = v;
        if (!Number.isNaN(v)) {
          if (Number.isNaN(minV) || v < minV) {
            minV = v;
            minT = t;
          }
          if (Number.isNaN(maxV) || v > maxV) {
            maxV = v;
            maxT = t;
          }
        }
      }
    });
    flush();
    return { timestamps: Float64Array.from(outTs), values: Float64Array.from(outVs) };
  }

  /**
   * Calls `f` with the in-span slice [start, end) of every chunk and of the head
   * that has entries in [fromMs, toMs), in time order. Chunks whose first/last
   * timestamps lie outside the span are not decoded.
   */
  private visit(
    fromMs: number,
    toMs: number,
    f: (timestamps: Float64Array, values: Float64Array, start: number, end: number) => void,
  ): void {
    if (fromMs >= toMs) return;
    // First chunk whose last timestamp is >= fromMs.
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid].lastTs < fromMs) lo = mid + 1;
      else hi = mid;
    }
    for (let c = lo; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (chunk.firstTs >= toMs) return;
      const { timestamps, values } = this.decode(chunk);
      const start = chunk.firstTs >= fromMs ? 0 : lowerBound(timestamps, fromMs, 0, chunk.count);
      const end = chunk.lastTs < toMs ? chunk.count : lowerBound(timestamps, toMs, start, chunk.count);
      if (start < end) f(timestamps, values, start, end);
    }
    const n = this.headCount;
    if (n === 0) return;
    const start = lowerBound(this.headTs, fromMs, 0, n);
    const end = lowerBound(this.headTs, toMs, start, n);
    if (start < end) f(this.headTs, this.headValues, start, end);
  }

  private decode(chunk: ChunkEntry): { timestamps: Float64Array; values: Float64Array } {
    this.decodes++;
    return decodeChunk(chunk.bytes);
  }

  private duplicate(stored: number, timestampMs: number, value: number): AppendResult {
    if (Object.is(stored, value)) return 'duplicate';
    throw new SeriesAppendError(
      `entry at ${timestampMs} already stored with value ${stored}, refusing ${value}: entries are immutable`,
      timestampMs,
      value,
    );
  }

  /** Value of the sealed entry at exactly `timestampMs`, if any (decodes at most one chunk). */
  private sealedValueAt(timestampMs: number): number | undefined {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid].lastTs < timestampMs) lo = mid + 1;
      else hi = mid;
    }
    const chunk = this.chunks[lo];
    if (chunk === undefined || chunk.firstTs > timestampMs) return undefined;
    const { timestamps, values } = this.decode(chunk);
    const at = lowerBound(timestamps, timestampMs, 0, chunk.count);
    return at < chunk.count && timestamps[at] === timestampMs ? values[at] : undefined;
  }

  private insertHead(at: number, timestampMs: number, value: number): void {
    const n = this.headCount;
    if (n === this.headTs.length) {
      const capacity = Math.min(this.chunkSize, this.headTs.length * 2);
      const ts = new Float64Array(capacity);
      const vs = new Float64Array(capacity);
      ts.set(this.headTs.subarray(0, n));
      vs.set(this.headValues.subarray(0, n));
      this.headTs = ts;
      this.headValues = vs;
    }
    if (at < n) {
      this.headTs.copyWithin(at + 1, at, n);
      this.headValues.copyWithin(at + 1, at, n);
    }
    this.headTs[at] = timestampMs;
    this.headValues[at] = value;
    this.headCount = n + 1;
  }
}
