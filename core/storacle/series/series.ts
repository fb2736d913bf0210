import { CorruptChunkError, MAX_CHUNK_RECORDS, chunkRecordCount, decodeChunk, decodeChunkInto, encodeChunk } from '../codec/index.js';
import { OnlineStatistics } from '../statistics/index.js';
import type { StatisticsOptions } from '../statistics/index.js';
import { ChunkTable, NO_FILE } from './chunk-table.js';
import { M4Builder } from './m4.js';
import type { ChunkMeta } from './chunk-table.js';

/** Default number of entries per sealed chunk. */
export const DEFAULT_CHUNK_SIZE = 4096;

const INITIAL_HEAD_CAPACITY = 64;
const BYTES_PER_HEAD_ENTRY = 16;

/**
 * Where the bytes of chunks that are not resident in RAM come from (the store's segment files).
 * `file` and `offset` are whatever the owner passed to attachChunk/setChunkLocation.
 */
export interface ChunkLoader {
  /** The chunk's bytes, or undefined if they cannot be read (reported by the loader). */
  load(file: number, offset: number, byteLength: number): Uint8Array | undefined;
  /** The bytes were read but do not decode (CRC mismatch...); the chunk is skipped. */
  corrupt(file: number, offset: number, byteLength: number, error: CorruptChunkError): void;
  /** The chunks of a file attached as an extent, oldest first (undefined if unreadable: reported by the loader). */
  index(file: number): ReadonlyArray<{ readonly chunkOffset: number; readonly meta: ChunkMeta }> | undefined;
}

/**
 * A whole file of sealed chunks known only by its summary; its chunk list is asked from the
 * loader when a query reaches it. Keeps the RAM cost of old, sealed files per file, not per chunk.
 */
export interface Extent {
  readonly file: number;
  readonly firstTs: number;
  readonly lastTs: number;
  readonly count: number;
  readonly byteLength: number;
  readonly lastValue: number;
}

/** A chunk a query visits: one of the chunk table (table >= 0) or one listed for an extent. */
interface ChunkRef {
  readonly firstTs: number;
  readonly lastTs: number;
  readonly count: number;
  readonly byteLength: number;
  readonly file: number;
  readonly offset: number;
  readonly table: number;
}

/** Options of a {@link Series}. */
export interface SeriesOptions {
  /** Entries per sealed chunk, an integer in 1..MAX_CHUNK_RECORDS; default 4096. */
  chunkSize?: number;
  /** Passed to the series' {@link OnlineStatistics}. */
  statistics?: StatisticsOptions;
  /** Statistics restored from a snapshot; used instead of new ones (then `statistics` is ignored). */
  restoredStatistics?: OnlineStatistics;
  /** Reads chunks that were evicted from RAM; required before evictResident is used. */
  loader?: ChunkLoader;
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

/** `m4`'s result: the kept entries and the number of entries of the span they were chosen from. */
export interface DownsampledColumns extends SeriesColumns {
  /** Entries read in the span (those of unreadable or corrupt chunks are not). */
  sourceEntries: number;
}

/** `rangeLimited`'s result: the oldest `limit` entries and whether more lie in the span. */
export interface LimitedColumns extends SeriesColumns {
  truncated: boolean;
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
 * The entries of one data point: sealed, compressed chunks plus an open head buffer that is
 * sealed every `chunkSize` entries. Sealed chunks may be held in RAM or, once their owner has
 * written them elsewhere (setChunkLocation) and evicted them (evictResident), only be known by
 * location and read through the {@link ChunkLoader} when a query needs them.
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
  private readonly chunks = new ChunkTable();
  /** Older files as extents (all before every chunk of the table), oldest first. */
  private readonly extents: Extent[] = [];
  private readonly loader: ChunkLoader | undefined;
  private headTs: Float64Array;
  private headValues: Float64Array;
  private headCount = 0;
  private sealedCount = 0;
  private sealedBytes = 0;
  private decodes = 0;
  /**
   * Newest timestamp ever sealed. It never goes back, not even when chunks are removed
   * (released files): an entry at or before it cannot enter the head again, so a chunk never
   * lands in a period whose file was already handed over.
   */
  private sealedThrough = Number.NEGATIVE_INFINITY;

  constructor(options: SeriesOptions = {}) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_RECORDS) {
      throw new RangeError(`chunkSize must be an integer in 1..${MAX_CHUNK_RECORDS}, got ${chunkSize}`);
    }
    this.chunkSize = chunkSize;
    this.statistics = options.restoredStatistics ?? new OnlineStatistics(options.statistics);
    this.loader = options.loader;
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
    const out: ChunkInfo[] = [];
    for (let i = 0; i < this.chunks.length; i++) {
      const { count, byteLength, firstTs, lastTs, minValue, maxValue } = this.chunks.meta(i);
      out.push({ count, byteLength, firstTs, lastTs, minValue, maxValue });
    }
    return out;
  }

  /** Entries in the open head. */
  get headLength(): number {
    return this.headCount;
  }

  /** Compressed bytes of the sealed chunks plus 16 bytes per head entry. */
  byteSize(): number {
    return this.sealedBytes + this.headCount * BYTES_PER_HEAD_ENTRY;
  }

  /** Newest sealed timestamp (also of removed chunks), or -Infinity while nothing was sealed. */
  get sealedLastTs(): number {
    return this.sealedThrough;
  }

  /** Raises the sealed floor (recovery: what a snapshot says was sealed, even if its files are gone). */
  raiseSealedFloor(timestampMs: number): void {
    if (this.headCount > 0 && timestampMs >= this.headTs[0]) throw new RangeError('the floor would cover head entries');
    if (timestampMs > this.sealedThrough) this.sealedThrough = timestampMs;
  }

  /** Oldest stored timestamp, or undefined if empty. */
  get firstTimestamp(): number | undefined {
    if (this.extents.length > 0) return this.extents[0].firstTs;
    if (this.chunks.length > 0) return this.chunks.firstTs[0];
    return this.headCount > 0 ? this.headTs[0] : undefined;
  }

  /** Newest stored timestamp, or undefined if empty. */
  get lastTimestamp(): number | undefined {
    if (this.headCount > 0) return this.headTs[this.headCount - 1];
    const n = this.chunks.length;
    if (n > 0) return this.chunks.lastTs[n - 1];
    const e = this.extents.length;
    return e > 0 ? this.extents[e - 1].lastTs : undefined;
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

  /**
   * Appends many entries with non-decreasing timestamps, all or nothing: the whole batch is
   * checked against the append policy first, so a SeriesAppendError (or a RangeError for
   * unequal lengths or decreasing timestamps) changes nothing. `onAppended` is called for every
   * entry actually appended (not for duplicates), in order. A batch newer than everything
   * stored takes a bulk path: block copies into the head and one statistics update.
   */
  appendMany(
    timestamps: Float64Array,
    values: Float64Array,
    arrivalMs: number = Date.now(),
    onAppended?: (timestampMs: number, value: number) => void,
  ): { appended: number; duplicates: number } {
    const len = timestamps.length;
    if (values.length !== len) throw new RangeError(`${len} timestamps but ${values.length} values`);
    if (len === 0) return { appended: 0, duplicates: 0 };
    let strictly = true;
    let prev = timestamps[0];
    if (!Number.isFinite(prev)) throw new SeriesAppendError(`timestamp must be finite, got ${prev}`, prev, values[0]);
    for (let i = 1; i < len; i++) {
      const t = timestamps[i];
      if (!Number.isFinite(t)) throw new SeriesAppendError(`timestamp must be finite, got ${t}`, t, values[i]);
      if (t <= prev) {
        if (t < prev) throw new RangeError(`timestamps must be ascending: ${t} after ${prev} at index ${i}`);
        strictly = false;
      }
      prev = t;
    }
    const newest = Math.max(this.lastTimestamp ?? Number.NEGATIVE_INFINITY, this.sealedThrough);
    if (strictly && timestamps[0] > newest) {
      this.appendNewer(timestamps, values, arrivalMs);
      if (onAppended !== undefined) for (let i = 0; i < len; i++) onAppended(timestamps[i], values[i]);
      return { appended: len, duplicates: 0 };
    }
    // Slow path: decide every entry first (without changing anything), then apply.
    const duplicate = new Uint8Array(len);
    const sealedLast = this.sealedLastTs;
    for (let i = 0; i < len; i++) {
      const t = timestamps[i];
      const v = values[i];
      if (i > 0 && timestamps[i - 1] === t) {
        this.duplicate(values[i - 1], t, v);
        duplicate[i] = 1;
      } else if (t <= sealedLast) {
        const stored = this.sealedValueAt(t);
        if (stored === undefined) {
          throw new SeriesAppendError(`entry at ${t} is not after the last sealed timestamp ${sealedLast}; sealed entries are immutable`, t, v);
        }
        this.duplicate(stored, t, v);
        duplicate[i] = 1;
      } else {
        const at = lowerBound(this.headTs, t, 0, this.headCount);
        if (at < this.headCount && this.headTs[at] === t) {
          this.duplicate(this.headValues[at], t, v);
          duplicate[i] = 1;
        }
      }
    }
    // Apply without sealing in between: a seal would move head entries newer than later batch
    // entries into a chunk and make those entries "too old". The head is cut into chunks after.
    let appended = 0;
    for (let i = 0; i < len; i++) {
      if (duplicate[i] === 1) continue;
      const t = timestamps[i];
      const at = lowerBound(this.headTs, t, 0, this.headCount);
      this.ensureHeadCapacity(this.headCount + 1, true);
      this.insertHead(at, t, values[i]);
      this.statistics.add(t, values[i], arrivalMs);
      appended++;
      onAppended?.(t, values[i]);
    }
    while (this.headCount >= this.chunkSize) this.sealFirst(this.chunkSize);
    return { appended, duplicates: len - appended };
  }

  /** Bulk path of appendMany: strictly ascending, all newer than everything stored. */
  private appendNewer(timestamps: Float64Array, values: Float64Array, arrivalMs: number): void {
    const len = timestamps.length;
    let from = 0;
    while (from < len) {
      const room = this.chunkSize - this.headCount;
      const take = Math.min(room, len - from);
      this.ensureHeadCapacity(this.headCount + take);
      this.headTs.set(timestamps.subarray(from, from + take), this.headCount);
      this.headValues.set(values.subarray(from, from + take), this.headCount);
      this.headCount += take;
      from += take;
      if (this.headCount >= this.chunkSize) this.seal();
    }
    const arrivals = new Float64Array(len).fill(arrivalMs);
    this.statistics.addMany(timestamps, values, arrivals);
  }

  /** Seals the head into a chunk now, whatever its length (nothing happens if it is empty). */
  seal(): void {
    this.sealFirst(this.headCount);
  }

  /** Seals the oldest `n` head entries into a chunk; the rest stays in the head. */
  private sealFirst(n: number): void {
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
    this.chunks.push(
      { count: n, byteLength: bytes.byteLength, firstTs: ts[0], lastTs: ts[n - 1], minValue, maxValue, lastValue: vs[n - 1] },
      bytes,
      NO_FILE,
      0,
    );
    this.sealedCount += n;
    this.sealedBytes += bytes.byteLength;
    this.sealedThrough = ts[n - 1];
    const rest = this.headCount - n;
    if (rest > 0) {
      this.headTs.copyWithin(0, n, this.headCount);
      this.headValues.copyWithin(0, n, this.headCount);
    }
    this.headCount = rest;
  }

  // ---- What the owner of a disk tier uses ----

  /** Copies of the head's entries (not yet sealed), ascending. */
  headColumns(): SeriesColumns {
    return { timestamps: this.headTs.slice(0, this.headCount), values: this.headValues.slice(0, this.headCount) };
  }

  /**
   * Puts entries back into an empty head (recovery from a snapshot that kept the head rather
   * than sealing it). The statistics are not touched: they were restored with these entries in.
   */
  restoreHead(timestamps: Float64Array, values: Float64Array): void {
    const n = timestamps.length;
    if (this.headCount > 0) throw new RangeError('restoreHead needs an empty head');
    if (values.length !== n) throw new RangeError(`${n} timestamps but ${values.length} values`);
    if (n === 0) return;
    if (!(timestamps[0] > this.sealedThrough)) throw new RangeError(`head entry ${timestamps[0]} is not after the sealed floor ${this.sealedThrough}`);
    for (let i = 1; i < n; i++) if (!(timestamps[i] > timestamps[i - 1])) throw new RangeError('head entries must be strictly ascending');
    this.ensureHeadCapacity(n, true);
    this.headTs.set(timestamps);
    this.headValues.set(values);
    this.headCount = n;
    while (this.headCount >= this.chunkSize) this.sealFirst(this.chunkSize);
  }

  /** Metadata of sealed chunk i. */
  chunkMeta(i: number): ChunkMeta {
    return this.chunks.meta(i);
  }

  /** File number given to chunk i (NO_FILE while it has none). */
  chunkFile(i: number): number {
    return this.chunks.file[i];
  }

  /** Indexes of the sealed chunks that have no location yet (sealed since the last write), oldest first. */
  unlocatedChunks(): number[] {
    const out: number[] = [];
    for (let i = this.chunks.length - 1; i >= 0 && this.chunks.file[i] === NO_FILE; i--) out.push(i);
    return out.reverse();
  }

  /** Bytes of chunk i (from RAM, or through the loader). */
  chunkBytes(i: number): Uint8Array | undefined {
    return this.chunks.resident[i] ?? this.loader?.load(this.chunks.file[i], this.chunks.offset[i], this.chunks.byteLength[i]);
  }

  /**
   * Records where the chunk starting at `firstTs` was written (found by time, since chunks
   * before it may have been removed while it was being written). False if it is not there.
   */
  locateChunk(firstTs: number, file: number, offset: number): boolean {
    const t = this.chunks;
    const i = t.firstEndingAtOrAfter(firstTs);
    if (i >= t.length || t.firstTs[i] !== firstTs) return false;
    t.file[i] = file;
    t.offset[i] = offset;
    return true;
  }

  /**
   * Adds a chunk known only by location (recovery from segment files). It must lie after every
   * sealed chunk, and the head must be empty.
   */
  attachChunk(meta: ChunkMeta, file: number, offset: number): void {
    if (this.headCount > 0) throw new RangeError('attachChunk needs an empty head');
    if (!(meta.firstTs > this.sealedLastTs) || meta.lastTs < meta.firstTs) {
      throw new RangeError(`chunk [${meta.firstTs}, ${meta.lastTs}] does not follow the last sealed timestamp ${this.sealedLastTs}`);
    }
    this.chunks.push(meta, undefined, file, offset);
    this.sealedThrough = meta.lastTs;
    this.sealedCount += meta.count;
    this.sealedBytes += meta.byteLength;
  }

  /** Chunks located in `file`, oldest first, with their offsets. */
  chunksInFile(file: number): Array<{ chunkOffset: number; meta: ChunkMeta }> {
    const t = this.chunks;
    const out: Array<{ chunkOffset: number; meta: ChunkMeta }> = [];
    for (let i = 0; i < t.length; i++) if (t.file[i] === file) out.push({ chunkOffset: t.offset[i], meta: t.meta(i) });
    return out;
  }

  /** Adds a file known by its summary (recovery); only while no chunk is in the table and the head is empty. */
  attachExtent(extent: Extent): void {
    if (this.headCount > 0 || this.chunks.length > 0) throw new RangeError('attachExtent needs an empty head and chunk table');
    if (!(extent.firstTs > this.sealedLastTs) || extent.lastTs < extent.firstTs) {
      throw new RangeError(`extent [${extent.firstTs}, ${extent.lastTs}] does not follow the last sealed timestamp ${this.sealedLastTs}`);
    }
    this.extents.push({ ...extent });
    this.sealedThrough = extent.lastTs;
    this.sealedCount += extent.count;
    this.sealedBytes += extent.byteLength;
  }

  /**
   * Replaces the table's chunks of `file` by one extent, if they are the oldest chunks of the
   * table (files are folded in time order). Returns whether it did.
   */
  foldFile(file: number): boolean {
    const t = this.chunks;
    let n = 0;
    while (n < t.length && t.file[n] === file) n++;
    if (n === 0 || this.loader === undefined) return false;
    for (let i = n; i < t.length; i++) if (t.file[i] === file) return false;
    let count = 0;
    let byteLength = 0;
    for (let i = 0; i < n; i++) {
      count += t.count[i];
      byteLength += t.byteLength[i];
    }
    const extent: Extent = { file, firstTs: t.firstTs[0], lastTs: t.lastTs[n - 1], count, byteLength, lastValue: t.lastValue[n - 1] };
    t.removeWhere((i) => i < n);
    this.extents.push(extent);
    return true;
  }

  /** Files held as extents. */
  get extentCount(): number {
    return this.extents.length;
  }

  /** Drops the RAM copy of every located chunk but the `keep` newest ones. */
  evictResident(keep: number): void {
    if (this.loader === undefined) throw new RangeError('evictResident needs a loader');
    const t = this.chunks;
    for (let i = t.length - 1 - keep; i >= 0; i--) {
      if (t.resident[i] === undefined) break;
      if (t.file[i] !== NO_FILE) t.resident[i] = undefined;
    }
  }

  /** Forgets every chunk located in a file for which `drop(file)` is true; returns the entries removed. */
  /**
   * Forgets every chunk located in a file for which `drop(file, offset)` is true, and every
   * extent for which `drop(file, -1)` is (a whole file); returns the entries removed.
   */
  removeChunks(drop: (file: number, offset: number) => boolean): number {
    const t = this.chunks;
    const removed = t.removeWhere((i) => t.file[i] !== NO_FILE && drop(t.file[i], t.offset[i]));
    let entries = removed.entries;
    let bytes = removed.bytes;
    for (let e = this.extents.length - 1; e >= 0; e--) {
      const extent = this.extents[e];
      if (!drop(extent.file, -1)) continue;
      entries += extent.count;
      bytes += extent.byteLength;
      this.extents.splice(e, 1);
    }
    this.sealedCount -= entries;
    this.sealedBytes -= bytes;
    return entries;
  }

  // ---- Queries ----

  /** The entry with the latest timestamp, or undefined if the series is empty. */
  mostRecent(): SeriesPoint | undefined {
    const n = this.headCount;
    if (n > 0) return { timestampMs: this.headTs[n - 1], value: this.headValues[n - 1] };
    const c = this.chunks.length;
    if (c > 0) return { timestampMs: this.chunks.lastTs[c - 1], value: this.chunks.lastValue[c - 1] };
    const last = this.extents[this.extents.length - 1];
    return last === undefined ? undefined : { timestampMs: last.lastTs, value: last.lastValue };
  }

  /** Entries with fromMs <= timestamp < toMs, ascending. Throws a RangeError if fromMs > toMs or a bound is NaN. */
  range(fromMs: number, toMs: number): SeriesColumns {
    const { timestamps, values } = this.rangeLimited(fromMs, toMs, 0);
    return { timestamps, values };
  }

  /**
   * The oldest `limit` entries (0: all) with fromMs <= timestamp < toMs, and whether more lie in
   * the span. The result columns are allocated once from the chunk index counts; chunks wholly
   * inside the span are decoded straight into them.
   */
  rangeLimited(fromMs: number, toMs: number, limit: number): LimitedColumns {
    checkSpan(fromMs, toMs);
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    const refs = this.collect(fromMs, toMs, 0);
    let bound = 0;
    for (const r of refs) bound += r.count;
    const headStart = fromMs >= toMs ? 0 : lowerBound(this.headTs, fromMs, 0, this.headCount);
    const headEnd = fromMs >= toMs ? 0 : lowerBound(this.headTs, toMs, headStart, this.headCount);
    bound += headEnd - headStart;
    const cap = limit > 0 ? Math.min(limit, bound) : bound;
    const timestamps = new Float64Array(cap);
    const values = new Float64Array(cap);
    let at = 0;
    let truncated = false;
    for (let k = 0; k < refs.length && !truncated; k++) {
      const r = refs[k];
      const inside = r.firstTs >= fromMs && r.lastTs < toMs;
      if (inside && at + r.count <= cap) {
        const bytes = this.bytesOf(r);
        if (bytes === undefined) continue;
        this.decodes++;
        try {
          at += decodeChunkInto(bytes, timestamps, values, at);
        } catch (e) {
          this.reportCorrupt(r, e);
        }
        continue;
      }
      const decoded = this.decode(r);
      if (decoded === undefined) continue;
      const count = decoded.timestamps.length;
      const start = r.firstTs >= fromMs ? 0 : lowerBound(decoded.timestamps, fromMs, 0, count);
      let stop = r.lastTs < toMs ? count : lowerBound(decoded.timestamps, toMs, start, count);
      if (at + (stop - start) > cap) {
        stop = start + (cap - at);
        truncated = true;
      }
      timestamps.set(decoded.timestamps.subarray(start, stop), at);
      values.set(decoded.values.subarray(start, stop), at);
      at += stop - start;
    }
    if (!truncated && headEnd > headStart) {
      let stop = headEnd;
      if (at + (stop - headStart) > cap) {
        stop = headStart + (cap - at);
        truncated = true;
      }
      timestamps.set(this.headTs.subarray(headStart, stop), at);
      values.set(this.headValues.subarray(headStart, stop), at);
      at += stop - headStart;
    }
    return at === cap
      ? { timestamps, values, truncated }
      : { timestamps: timestamps.slice(0, at), values: values.slice(0, at), truncated };
  }

  /**
   * M4 downsampling of [fromMs, toMs): the span is cut into `pixels` equal time
   * buckets (entry t goes to floor((t - fromMs) * pixels / (toMs - fromMs))); each
   * non-empty bucket contributes its first and last entry and an entry with its
   * minimum and its maximum value (the earliest one on ties; NaN values are never
   * chosen as minimum or maximum). An entry chosen for several roles appears once;
   * the result is in time order, with the count of entries in the span. Throws a
   * RangeError for a non-finite or reversed span or a pixel count that is not a
   * positive integer.
   */
  m4(fromMs: number, toMs: number, pixels: number): DownsampledColumns {
    checkSpan(fromMs, toMs);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new RangeError(`m4 needs a finite span, got [${fromMs}, ${toMs})`);
    if (!Number.isInteger(pixels) || pixels < 1) throw new RangeError(`pixels must be a positive integer, got ${pixels}`);
    const refs = this.collect(fromMs, toMs, 0);
    const n = this.headCount;
    const headStart = fromMs >= toMs ? 0 : lowerBound(this.headTs, fromMs, 0, n);
    const headEnd = fromMs >= toMs ? 0 : lowerBound(this.headTs, toMs, headStart, n);
    let bound = headEnd - headStart;
    let largest = 0;
    for (const r of refs) {
      bound += r.count;
      if (r.count > largest) largest = r.count;
    }
    const builder = new M4Builder(fromMs, toMs, pixels, bound);
    // Every chunk is decoded into the same two columns: no allocation per chunk.
    const scratch: SeriesColumns = { timestamps: new Float64Array(largest), values: new Float64Array(largest) };
    for (const r of refs) {
      const count = this.decodeIntoScratch(r, scratch);
      if (count === undefined) continue;
      const ts = scratch.timestamps;
      const start = r.firstTs >= fromMs ? 0 : lowerBound(ts, fromMs, 0, count);
      const end = r.lastTs < toMs ? count : lowerBound(ts, toMs, start, count);
      if (start < end) builder.take(ts, scratch.values, start, end);
    }
    if (headStart < headEnd) builder.take(this.headTs, this.headValues, headStart, headEnd);
    return builder.finish();
  }

  /**
   * The sealed chunks with entries possibly in [fromMs, toMs), in time order (at most `max`
   * if max > 0): those of the extents that overlap (their chunk lists asked from the loader),
   * then those of the table. Chunks wholly outside the span are not listed, so not decoded.
   */
  private collect(fromMs: number, toMs: number, max: number): ChunkRef[] {
    const out: ChunkRef[] = [];
    if (fromMs >= toMs) return out;
    const ex = this.extents;
    let lo = 0;
    let hi = ex.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ex[mid].lastTs < fromMs) lo = mid + 1;
      else hi = mid;
    }
    for (let e = lo; e < ex.length && ex[e].firstTs < toMs; e++) {
      const list = this.loader?.index(ex[e].file);
      if (list === undefined) continue;
      for (const c of list) {
        const m = c.meta;
        if (m.lastTs < fromMs || m.firstTs >= toMs) continue;
        out.push({ firstTs: m.firstTs, lastTs: m.lastTs, count: m.count, byteLength: m.byteLength, file: ex[e].file, offset: c.chunkOffset, table: -1 });
        if (max > 0 && out.length >= max) return out;
      }
    }
    const t = this.chunks;
    for (let c = t.firstEndingAtOrAfter(fromMs); c < t.length && t.firstTs[c] < toMs; c++) {
      out.push({ firstTs: t.firstTs[c], lastTs: t.lastTs[c], count: t.count[c], byteLength: t.byteLength[c], file: t.file[c], offset: t.offset[c], table: c });
      if (max > 0 && out.length >= max) return out;
    }
    return out;
  }

  private bytesOf(r: ChunkRef): Uint8Array | undefined {
    return r.table >= 0 ? this.chunkBytes(r.table) : this.loader?.load(r.file, r.offset, r.byteLength);
  }

  /**
   * Decodes a chunk into the start of `scratch` (replaced by larger columns if the chunk's header
   * holds more records than they do) and returns its record count; undefined as for decode().
   */
  private decodeIntoScratch(r: ChunkRef, scratch: SeriesColumns): number | undefined {
    const bytes = this.bytesOf(r);
    if (bytes === undefined) return undefined;
    this.decodes++;
    try {
      try {
        return decodeChunkInto(bytes, scratch.timestamps, scratch.values, 0);
      } catch (e) {
        // decodeChunkInto's RangeError: columns too short (checked before anything is written).
        if (!(e instanceof RangeError)) throw e;
        const count = chunkRecordCount(bytes);
        scratch.timestamps = new Float64Array(count);
        scratch.values = new Float64Array(count);
        return decodeChunkInto(bytes, scratch.timestamps, scratch.values, 0);
      }
    } catch (e) {
      this.reportCorrupt(r, e);
      return undefined;
    }
  }

  /** Decodes a chunk; undefined if its bytes are unreadable or corrupt (reported to the loader). */
  private decode(r: ChunkRef): { timestamps: Float64Array; values: Float64Array } | undefined {
    const bytes = this.bytesOf(r);
    if (bytes === undefined) return undefined;
    this.decodes++;
    try {
      return decodeChunk(bytes);
    } catch (e) {
      this.reportCorrupt(r, e);
      return undefined;
    }
  }

  private reportCorrupt(r: ChunkRef, e: unknown): void {
    if (!(e instanceof CorruptChunkError) || this.loader === undefined) throw e;
    this.loader.corrupt(r.file, r.offset, r.byteLength, e);
  }

  /** Value of the sealed entry at exactly `timestampMs`, if any (decodes at most one chunk). */
  private sealedValueAt(timestampMs: number): number | undefined {
    const [r] = this.collect(timestampMs, Number.POSITIVE_INFINITY, 1);
    if (r === undefined || r.firstTs > timestampMs) return undefined;
    const decoded = this.decode(r);
    if (decoded === undefined) return undefined;
    const count = decoded.timestamps.length;
    const at = lowerBound(decoded.timestamps, timestampMs, 0, count);
    return at < count && decoded.timestamps[at] === timestampMs ? decoded.values[at] : undefined;
  }

  private duplicate(stored: number, timestampMs: number, value: number): AppendResult {
    if (Object.is(stored, value)) return 'duplicate';
    throw new SeriesAppendError(
      `entry at ${timestampMs} already stored with value ${stored}, refusing ${value}: entries are immutable`,
      timestampMs,
      value,
    );
  }

  /** Grows the head to hold `needed` entries (beyond chunkSize only if `pastChunkSize`: appendMany's slow path). */
  private ensureHeadCapacity(needed: number, pastChunkSize = false): void {
    if (needed <= this.headTs.length) return;
    let capacity = this.headTs.length;
    while (capacity < needed) capacity *= 2;
    if (!pastChunkSize) capacity = Math.min(this.chunkSize, capacity);
    const ts = new Float64Array(capacity);
    const vs = new Float64Array(capacity);
    ts.set(this.headTs.subarray(0, this.headCount));
    vs.set(this.headValues.subarray(0, this.headCount));
    this.headTs = ts;
    this.headValues = vs;
  }

  private insertHead(at: number, timestampMs: number, value: number): void {
    const n = this.headCount;
    if (n === this.headTs.length) this.ensureHeadCapacity(n + 1);
    if (at < n) {
      this.headTs.copyWithin(at + 1, at, n);
      this.headValues.copyWithin(at + 1, at, n);
    }
    this.headTs[at] = timestampMs;
    this.headValues[at] = value;
    this.headCount = n + 1;
  }
}
