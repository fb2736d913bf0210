/**
 * The index of a series' sealed chunks, kept in columns of typed arrays rather than one object
 * per chunk: a year of 1 Hz data is ~7,700 chunks per data point, and a store holds thousands
 * of data points, so the index must cost a few dozen bytes per chunk and no garbage-collected
 * object. The chunk bytes themselves are optional ("resident"): a chunk written to a segment
 * file keeps only its location (file number, byte offset), and is read back on demand.
 */

/** What is known about a sealed chunk without decoding it. */
export interface ChunkMeta {
  readonly count: number;
  readonly byteLength: number;
  readonly firstTs: number;
  readonly lastTs: number;
  /** Smallest and largest value (NaN values ignored; +Infinity/-Infinity if all are NaN). */
  readonly minValue: number;
  readonly maxValue: number;
  /** Value of the entry at lastTs (mostRecent without decoding). */
  readonly lastValue: number;
}

/** Marks a chunk that has no location on disk (yet). */
export const NO_FILE = 0xffffffff;

const INITIAL_CAPACITY = 16;

export class ChunkTable {
  length = 0;
  firstTs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  lastTs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  minValue: Float64Array = new Float64Array(INITIAL_CAPACITY);
  maxValue: Float64Array = new Float64Array(INITIAL_CAPACITY);
  lastValue: Float64Array = new Float64Array(INITIAL_CAPACITY);
  count: Uint32Array = new Uint32Array(INITIAL_CAPACITY);
  byteLength: Uint32Array = new Uint32Array(INITIAL_CAPACITY);
  /** Opaque file number chosen by the owner of the disk tier, or NO_FILE. */
  file: Uint32Array = new Uint32Array(INITIAL_CAPACITY);
  offset: Float64Array = new Float64Array(INITIAL_CAPACITY);
  /** Bytes of the chunks held in RAM; undefined for chunks only on disk. */
  resident: Array<Uint8Array | undefined> = [];

  push(meta: ChunkMeta, bytes: Uint8Array | undefined, file: number, offset: number): number {
    if (this.length === this.count.length) this.grow(this.length * 2);
    const i = this.length++;
    this.firstTs[i] = meta.firstTs;
    this.lastTs[i] = meta.lastTs;
    this.minValue[i] = meta.minValue;
    this.maxValue[i] = meta.maxValue;
    this.lastValue[i] = meta.lastValue;
    this.count[i] = meta.count;
    this.byteLength[i] = meta.byteLength;
    this.file[i] = file;
    this.offset[i] = offset;
    this.resident.push(bytes);
    return i;
  }

  meta(i: number): ChunkMeta {
    return {
      count: this.count[i],
      byteLength: this.byteLength[i],
      firstTs: this.firstTs[i],
      lastTs: this.lastTs[i],
      minValue: this.minValue[i],
      maxValue: this.maxValue[i],
      lastValue: this.lastValue[i],
    };
  }

  /** Index of the first chunk whose lastTs is >= t (length if none). */
  firstEndingAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lastTs[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes every chunk for which `drop(i)` is true; returns [chunks, entries, bytes] removed. */
  removeWhere(drop: (i: number) => boolean): { chunks: number; entries: number; bytes: number } {
    let w = 0;
    let entries = 0;
    let bytes = 0;
    const n = this.length;
    for (let r = 0; r < n; r++) {
      if (drop(r)) {
        entries += this.count[r];
        bytes += this.byteLength[r];
        continue;
      }
      if (w !== r) {
        this.firstTs[w] = this.firstTs[r];
        this.lastTs[w] = this.lastTs[r];
        this.minValue[w] = this.minValue[r];
        this.maxValue[w] = this.maxValue[r];
        this.lastValue[w] = this.lastValue[r];
        this.count[w] = this.count[r];
        this.byteLength[w] = this.byteLength[r];
        this.file[w] = this.file[r];
        this.offset[w] = this.offset[r];
        this.resident[w] = this.resident[r];
      }
      w++;
    }
    this.length = w;
    this.resident.length = w;
    return { chunks: n - w, entries, bytes };
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(capacity);
      b.set(a);
      return b;
    };
    this.firstTs = f64(this.firstTs);
    this.lastTs = f64(this.lastTs);
    this.minValue = f64(this.minValue);
    this.maxValue = f64(this.maxValue);
    this.lastValue = f64(this.lastValue);
    this.offset = f64(this.offset);
    this.count = u32(this.count);
    this.byteLength = u32(this.byteLength);
    this.file = u32(this.file);
  }
}
