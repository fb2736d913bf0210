/**
 * Moments of one block of values, computed in two passes, for OnlineStatistics to merge
 * (Chan et al.) instead of updating Welford's recurrence value by value.
 *
 * Why: Welford costs a division per value and a dependency chain through the running
 * mean; over a block the sums are independent, then one merge per block. Two passes with
 * the classic correction term (Σ(x − mean))²/n are at least as accurate as Welford.
 * Blocks are small (OnlineStatistics uses 512 entries), so the second pass reads from L1.
 *
 * Non-finite values are skipped (counted in nanCount / infiniteCount). The lag-1 pairs are
 * (a, b) = consecutive finite values of the block; the pair that spans the boundary to the
 * previous block is the caller's business.
 */

/** The moment fields OnlineStatistics merges; the same meaning as its fields of that name. */
export interface Moments {
  n: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  firstValue: number;
  lastValue: number;
  pairs: number;
  meanA: number;
  meanB: number;
  m2A: number;
  m2B: number;
  cAB: number;
  nanCount: number;
  infiniteCount: number;
}

export function emptyMoments(): Moments {
  return {
    n: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity, firstValue: NaN, lastValue: NaN,
    pairs: 0, meanA: 0, meanB: 0, m2A: 0, m2B: 0, cAB: 0, nanCount: 0, infiniteCount: 0,
  };
}

/** Fills `out` with the moments of `values[start .. end)` (overwriting every field). */
export function blockMoments(values: Float64Array, start: number, end: number, out: Moments): Moments {
  return finiteBlockMoments(values, start, end, out) ?? generalBlockMoments(values, start, end, out);
}

/**
 * The common case, a block of only finite values, without a finiteness test per value:
 * a NaN or ±Infinity anywhere (or an overflowing sum) makes the sum non-finite, and
 * then this returns undefined and the general path takes the block.
 */
function finiteBlockMoments(values: Float64Array, start: number, end: number, out: Moments): Moments | undefined {
  const n = end - start;
  if (n < 2) return undefined;
  // Pass 1: the sum, in two independent addition chains (twice as fast as one).
  let sum0 = 0;
  let sum1 = 0;
  let k = start;
  for (const stop = end - 1; k < stop; k += 2) {
    sum0 += values[k];
    sum1 += values[k + 1];
  }
  if (k < end) sum0 += values[k];
  const sum = sum0 + sum1;
  if (!(sum - sum === 0)) return undefined;
  const firstValue = values[start];
  const lastValue = values[end - 1];
  const mean = sum / n;
  const p = n - 1;
  // Pass 2 over the inner values (all but the first and the last): deviations d from
  // the block mean, their squares, lag-1 products, extremes. The a-side of the pairs is
  // first + inner, the b-side inner + last; with the common shift `mean`,
  // Σ(a − ā)² = Σ(a − mean)² − (Σ(a − mean))²/p exactly, and likewise for b and the
  // products. Summing the ends apart keeps an outlier at either end out of the
  // subtraction. (One loop with three accumulators: the textbook version with deviations
  // from each side's own mean needs seven, and TurboFan then spilled them, measured 1.6×
  // slower.)
  innerSums(values, start, end, mean);
  const dFirst = firstValue - mean;
  const dLast = lastValue - mean;
  const s2 = sums[0];
  const s1 = sums[1];
  const cross = sums[2] + sums[3] * dLast; // + the pair (last inner, last)
  const min = Math.min(firstValue, lastValue, sums[4]);
  const max = Math.max(firstValue, lastValue, sums[5]);
  const s2A = dFirst * dFirst + s2;
  const s1A = dFirst + s1;
  const s2B = s2 + dLast * dLast;
  const s1B = s1 + dLast;
  const m2 = s2A + dLast * dLast;
  const dev = s1A + dLast;
  out.n = n;
  out.nanCount = 0;
  out.infiniteCount = 0;
  out.min = min;
  out.max = max;
  out.firstValue = firstValue;
  out.lastValue = lastValue;
  out.mean = mean;
  out.m2 = Math.max(0, m2 - (dev * dev) / n);
  out.pairs = p;
  out.meanA = (sum - lastValue) / p;
  out.meanB = (sum - firstValue) / p;
  out.m2A = Math.max(0, s2A - (s1A * s1A) / p);
  out.m2B = Math.max(0, s2B - (s1B * s1B) / p);
  out.cAB = cross - (s1A * s1B) / p;
  return out;
}

/** Results of innerSums: Σd², Σd, Σ d_(i−1)·d_i (from the first value on), last inner d, min, max. */
const sums = new Float64Array(6);

/**
 * Sums over values[start + 1 .. end − 1) of d = v − mean: d², d, the products with the
 * previous d (the first one with values[start]'s), and the extremes; sums[3] is the last
 * inner d (the first value's if there is none).
 */
function innerSums(values: Float64Array, start: number, end: number, mean: number): void {
  let s2 = 0;
  let s1 = 0;
  let cross = 0;
  let min = Infinity;
  let max = -Infinity;
  let prev = values[start] - mean;
  for (let j = start + 1, stop = end - 1; j < stop; j++) {
    const v = values[j];
    const d = v - mean;
    s2 += d * d;
    s1 += d;
    cross += prev * d;
    prev = d;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  sums[0] = s2;
  sums[1] = s1;
  sums[2] = cross;
  sums[3] = prev;
  sums[4] = min;
  sums[5] = max;
}

/** Any block: non-finite values skipped and counted. */
function generalBlockMoments(values: Float64Array, start: number, end: number, out: Moments): Moments {
  // Pass 1: counts, sum, extremes. `v - v === 0` holds exactly for finite v.
  let n = 0;
  let nan = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = start; k < end; k++) {
    const v = values[k];
    if (v - v === 0) {
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    } else if (v !== v) {
      nan++;
    }
  }
  out.n = n;
  out.nanCount = nan;
  out.infiniteCount = end - start - n - nan;
  out.min = min;
  out.max = max;
  out.m2 = 0;
  out.pairs = 0;
  out.meanA = 0;
  out.meanB = 0;
  out.m2A = 0;
  out.m2B = 0;
  out.cAB = 0;
  if (n === 0) {
    out.mean = 0;
    out.firstValue = NaN;
    out.lastValue = NaN;
    return out;
  }
  let first = start;
  while (!(values[first] - values[first] === 0)) first++;
  let last = end - 1;
  while (!(values[last] - values[last] === 0)) last--;
  const firstValue = values[first];
  const lastValue = values[last];
  out.firstValue = firstValue;
  out.lastValue = lastValue;
  // Sums of values near ±1.8e308 overflow; Welford's running mean does not.
  if (!(sum - sum === 0)) return welfordMoments(values, first, last + 1, out);
  const mean = sum / n;
  if (n === 1) {
    out.mean = firstValue; // sum / 1, but keeps -0 the way Welford's first update does
    return out;
  }
  // Pass 2: deviations from the means, with the correction terms for their rounding.
  const p = n - 1;
  const meanA = (sum - lastValue) / p; // a = every finite value but the last
  const meanB = (sum - firstValue) / p; // b = every finite value but the first
  let m2 = 0;
  let dev = 0;
  let m2A = 0;
  let m2B = 0;
  let cAB = 0;
  let devA = 0;
  let devB = 0;
  // The first finite value opens the chain of pairs as their first `a`.
  let prevA = firstValue - meanA;
  {
    const d = firstValue - mean;
    m2 += d * d;
    dev += d;
  }
  for (let k = first + 1; k <= last; k++) {
    const v = values[k];
    if (!(v - v === 0)) continue;
    const d = v - mean;
    m2 += d * d;
    dev += d;
    const b = v - meanB;
    m2A += prevA * prevA;
    devA += prevA;
    m2B += b * b;
    devB += b;
    cAB += prevA * b;
    prevA = v - meanA;
  }
  out.mean = mean;
  out.m2 = Math.max(0, m2 - (dev * dev) / n);
  out.pairs = p;
  out.meanA = meanA;
  out.meanB = meanB;
  out.m2A = Math.max(0, m2A - (devA * devA) / p);
  out.m2B = Math.max(0, m2B - (devB * devB) / p);
  out.cAB = cAB - (devA * devB) / p;
  return out;
}

/** Slow path for huge values: the same results by Welford's updates (univariate and bivariate). */
function welfordMoments(values: Float64Array, start: number, end: number, out: Moments): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let p = 0;
  let meanA = 0;
  let meanB = 0;
  let m2A = 0;
  let m2B = 0;
  let cAB = 0;
  let prev = NaN;
  for (let k = start; k < end; k++) {
    const v = values[k];
    if (!(v - v === 0)) continue;
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
    if (n > 1) {
      p++;
      const da = prev - meanA;
      meanA += da / p;
      const db = v - meanB;
      meanB += db / p;
      m2A += da * (prev - meanA);
      m2B += db * (v - meanB);
      cAB += da * (v - meanB);
    }
    prev = v;
  }
  out.mean = mean;
  out.m2 = m2;
  out.pairs = p;
  out.meanA = meanA;
  out.meanB = meanB;
  out.m2A = m2A;
  out.m2B = m2B;
  out.cAB = cAB;
  return out;
}
