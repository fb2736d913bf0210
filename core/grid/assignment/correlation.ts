/**
 * Pearson correlation of two series over the slots both have (NaN = left
 * out pairwise), with the second series shifted by a lag. One pass, five
 * running sums, no allocation: this is the inner loop of every method.
 */

/** Fewer common slots than this and a pair gets no score. */
export const MIN_COMMON_SLOTS = 8;

/**
 * corr(x[k], y[k + lag]) over the k where both are numbers; NaN when fewer
 * than MIN_COMMON_SLOTS remain or either side is constant there.
 */
export function pearsonAtLag(x: Float64Array, y: Float64Array, lag: number): number {
  const n = x.length;
  const from = lag < 0 ? -lag : 0;
  const to = lag > 0 ? n - lag : n;
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = from; k < to; k++) {
    const a = x[k]!;
    const b = y[k + lag]!;
    // NaN fails both comparisons with itself: a === a is false exactly for NaN.
    if (a !== a || b !== b) continue;
    count++;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  if (count < MIN_COMMON_SLOTS) return Number.NaN;
  const cov = sxy - (sx * sy) / count;
  const vx = sxx - (sx * sx) / count;
  const vy = syy - (sy * sy) / count;
  if (!(vx > 0 && vy > 0)) return Number.NaN;
  return cov / Math.sqrt(vx * vy);
}

export interface LaggedScore {
  readonly score: number;
  readonly lag: number;
}

/** The best correlation over lags −maxLag..maxLag (lag 0 wins ties). NaN score when no lag gives one. */
export function bestLaggedPearson(x: Float64Array, y: Float64Array, maxLag: number): LaggedScore {
  let best = pearsonAtLag(x, y, 0);
  let bestLag = 0;
  for (let d = 1; d <= maxLag; d++) {
    for (const lag of [-d, d]) {
      const score = pearsonAtLag(x, y, lag);
      if (score === score && !(score <= best)) {
        best = score;
        bestLag = lag;
      }
    }
  }
  return { score: best, lag: bestLag };
}
