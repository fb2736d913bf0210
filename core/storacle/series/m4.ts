/**
 * M4 downsampling of [fromMs, toMs) fed slice by slice, in time order (see Series.m4 for the
 * rules). Built for spans of millions of entries: the state of the current bucket lives in
 * fields that the hot loops copy into locals (no closure context on the per-entry path); a
 * bucket's end within a slice is found by binary search on the bucket function, so the
 * per-entry work is the min/max scan of the values alone; the result goes into two
 * preallocated Float64Arrays (no per-bucket arrays, no sort: the four picks are ordered by
 * construction).
 */
export class M4Builder {
  private readonly last: number;
  private readonly width: number;
  private outTs: Float64Array;
  private outVs: Float64Array;
  private size = 0;
  /** Entries taken so far. */
  private taken = 0;
  private bucket = -1;
  private firstT = 0;
  private firstV = 0;
  private lastT = 0;
  private lastV = 0;
  /** NaN while the bucket has only NaN values so far. */
  private minV = Number.NaN;
  private minT = 0;
  private maxV = Number.NaN;
  private maxT = 0;

  /** `capacity`: a bound on the entries of the span (the output holds at most 4 * pixels). */
  constructor(
    private readonly fromMs: number,
    toMs: number,
    private readonly pixels: number,
    capacity: number,
  ) {
    this.last = pixels - 1;
    this.width = toMs - fromMs;
    const size = Math.max(0, Math.min(4 * pixels, capacity));
    this.outTs = new Float64Array(size);
    this.outVs = new Float64Array(size);
  }

  /** The bucket of timestamp t (monotone in t: every step of the formula is). */
  private bucketOf(t: number): number {
    return Math.min(this.last, Math.floor(((t - this.fromMs) * this.pixels) / this.width));
  }

  /** Takes entries [start, end) of two columns; every timestamp in the span and after those taken before. */
  take(ts: Float64Array, vs: Float64Array, start: number, end: number): void {
    if (end > start) this.taken += end - start;
    let i = start;
    while (i < end) {
      const b = this.bucketOf(ts[i]);
      if (b !== this.bucket) {
        this.flush();
        this.bucket = b;
        this.firstT = ts[i];
        this.firstV = vs[i];
        this.minV = Number.NaN;
        this.maxV = Number.NaN;
      }
      // j: first index of [i, end) in a later bucket (end if none).
      let j = end;
      if (b !== this.last && this.bucketOf(ts[end - 1]) !== b) {
        let lo = i + 1;
        let hi = end - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (this.bucketOf(ts[mid]) !== b) hi = mid;
          else lo = mid + 1;
        }
        j = lo;
      }
      this.scan(ts, vs, i, j);
      this.lastT = ts[j - 1];
      this.lastV = vs[j - 1];
      i = j;
    }
  }

  /** Smallest and largest non-NaN value of [i, j), the earliest on ties, into the bucket's state. */
  private scan(ts: Float64Array, vs: Float64Array, i: number, j: number): void {
    let k = i;
    let mn = this.minV;
    let mx = this.maxV;
    let mnAt = -1;
    let mxAt = -1;
    if (Number.isNaN(mn)) {
      while (k < j && Number.isNaN(vs[k])) k++;
      if (k === j) return;
      mn = vs[k];
      mx = mn;
      mnAt = k;
      mxAt = k;
      k++;
    }
    // mn <= mx, so one value is never both; NaN fails both comparisons and is never chosen.
    for (; k < j; k++) {
      const v = vs[k];
      if (v < mn) {
        mn = v;
        mnAt = k;
      } else if (v > mx) {
        mx = v;
        mxAt = k;
      }
    }
    if (mnAt >= 0) {
      this.minV = mn;
      this.minT = ts[mnAt];
    }
    if (mxAt >= 0) {
      this.maxV = mx;
      this.maxT = ts[mxAt];
    }
  }

  private emit(t: number, v: number): void {
    // Timestamps are unique within a series, so an equal timestamp is the same entry.
    if (this.size > 0 && this.outTs[this.size - 1] === t) return;
    if (this.size === this.outTs.length) this.grow();
    this.outTs[this.size] = t;
    this.outVs[this.size] = v;
    this.size++;
  }

  private grow(): void {
    const ts = new Float64Array(Math.max(16, this.outTs.length * 2));
    const vs = new Float64Array(ts.length);
    ts.set(this.outTs);
    vs.set(this.outVs);
    this.outTs = ts;
    this.outVs = vs;
  }

  /** Writes the current bucket's picks in time order: first, min and max (earlier first), last. */
  private flush(): void {
    if (this.bucket < 0) return;
    // A previous bucket's last pick is earlier than this bucket's first entry, so emit's
    // "same as the previous" check only ever merges picks of this bucket.
    this.emit(this.firstT, this.firstV);
    const hasMin = !Number.isNaN(this.minV);
    const hasMax = !Number.isNaN(this.maxV);
    if (hasMin && hasMax && this.maxT < this.minT) {
      this.emit(this.maxT, this.maxV);
      this.emit(this.minT, this.minV);
    } else {
      if (hasMin) this.emit(this.minT, this.minV);
      if (hasMax) this.emit(this.maxT, this.maxV);
    }
    this.emit(this.lastT, this.lastV);
  }

  /** The downsampled columns, in time order, and how many entries they were chosen from. */
  finish(): { timestamps: Float64Array; values: Float64Array; sourceEntries: number } {
    this.flush();
    this.bucket = -1;
    return { timestamps: this.outTs.slice(0, this.size), values: this.outVs.slice(0, this.size), sourceEntries: this.taken };
  }
}
