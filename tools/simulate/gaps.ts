/**
 * Missing samples, as a meter with a flaky link leaves them: runs of
 * consecutive samples (geometric lengths around a mean) at random places,
 * until a given share of the samples is gone.
 */

export interface Series {
  /** ms since the epoch, ascending. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export interface GapOptions {
  /** Share of samples to remove, 0..0.9. */
  readonly rate: number;
  /** Mean length of one gap, in samples (>= 1). */
  readonly meanLength: number;
}

/**
 * The samples left after cutting gaps: exactly round(rate · n) samples are
 * removed (fewer only when the placing gives up after many overlapping tries).
 */
export function withGaps(timestamps: Float64Array, values: Float64Array, gaps: GapOptions, random: () => number): Series {
  const n = values.length;
  const target = Math.round(Math.min(0.9, Math.max(0, gaps.rate)) * n);
  if (target === 0) return { timestamps: timestamps.slice(), values: values.slice() };
  const missing = new Uint8Array(n);
  let removed = 0;
  // P(length = k) = p (1 - p)^(k - 1): mean 1 / p.
  const p = 1 / Math.max(1, gaps.meanLength);
  for (let tries = 0; removed < target && tries < 100 * target; tries++) {
    let length = 1;
    while (random() > p && length < n) length++;
    const start = Math.floor(random() * n);
    for (let i = start; i < Math.min(n, start + length) && removed < target; i++) {
      if (missing[i] === 0) {
        missing[i] = 1;
        removed++;
      }
    }
  }
  const keptTimestamps = new Float64Array(n - removed);
  const keptValues = new Float64Array(n - removed);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (missing[i] === 1) continue;
    keptTimestamps[at] = timestamps[i]!;
    keptValues[at++] = values[i]!;
  }
  return { timestamps: keptTimestamps, values: keptValues };
}
