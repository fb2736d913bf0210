/**
 * Quantiles of the standard normal and Student's t distributions, for the
 * confidence intervals of the mean.
 *
 * Sources of the formulas (all public, re-derived here; no code copied):
 * - Normal CDF: the everywhere-convergent series
 *   Φ(x) = 1/2 + φ(x) · Σ_{k≥0} x^(2k+1) / (1·3·5···(2k+1))
 *   (Abramowitz & Stegun, Handbook of Mathematical Functions, 26.2.10 family),
 *   inverted by bisection. Exact to double precision for |x| ≤ 9.
 * - Student's t CDF for integer ν: the closed forms of A&S 26.7.3 (odd ν) and
 *   26.7.4 (even ν) for A(t|ν) = P(|T| ≤ t), with θ = atan(t / √ν),
 *   inverted by bisection. Used for ν ≤ EXACT_T_MAX_DF.
 * - Larger ν: the Cornish–Fisher expansion of A&S 26.7.5,
 *   t ≈ z + g1/ν + g2/ν² + g3/ν³ + g4/ν⁴ (error far below 1e-9 for ν > 100).
 * - ν ≥ NORMAL_MIN_DF: the normal quantile itself (relative difference to t
 *   below 2·10⁻⁴ at 99.5 %).
 */

/** Largest degrees of freedom for which the t quantile inverts the exact CDF. */
export const EXACT_T_MAX_DF = 100;
/** From this many degrees of freedom on, the t quantile is the normal quantile. */
export const NORMAL_MIN_DF = 10_000;

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Standard normal cumulative distribution function Φ(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 9) return 1;
  if (x < -9) return 0;
  // Series in positive terms only: no cancellation.
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 500; k++) {
    term *= x2 / (2 * k + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return 0.5 + INV_SQRT_2PI * Math.exp(-x2 / 2) * sum;
}

function checkProbability(p: number): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
}

/** Bisection of a monotonically increasing f on [lo, hi] for f(x) = target. */
function bisect(f: (x: number) => number, target: number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Quantile of the standard normal distribution: z with Φ(z) = p. */
export function normalQuantile(p: number): number {
  checkProbability(p);
  if (p === 0.5) return 0;
  if (p < 0.5) return -normalQuantile(1 - p);
  return bisect(normalCdf, p, 0, 9);
}

/**
 * A(t|ν) = P(|T| ≤ t) for integer ν ≥ 1 and t ≥ 0 (A&S 26.7.3 / 26.7.4).
 */
export function studentTwoSidedCdf(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (t <= 0) return 0;
  if (t === Number.POSITIVE_INFINITY) return 1;
  const theta = Math.atan(t / Math.sqrt(df));
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  const c2 = c * c;
  if (df % 2 === 1) {
    if (df === 1) return (2 / Math.PI) * theta;
    // 1 + (2/3)c² + (2·4)/(3·5)c⁴ + … + (2·4···(ν−3))/(3·5···(ν−2)) c^(ν−3)
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= df - 3; k += 2) {
      term *= (k / (k + 1)) * c2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * c * sum);
  }
  // 1 + (1/2)c² + (1·3)/(2·4)c⁴ + … + (1·3···(ν−3))/(2·4···(ν−2)) c^(ν−2)
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= df - 3; k += 2) {
    term *= (k / (k + 1)) * c2;
    sum += term;
  }
  return s * sum;
}

/**
 * Quantile of Student's t distribution with `df` degrees of freedom: t with
 * P(T ≤ t) = p. Non-integer `df` is rounded down (a wider, conservative
 * interval), which matters for the effective-sample-size variant.
 */
export function tQuantile(p: number, df: number): number {
  checkProbability(p);
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be at least 1, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  if (df >= NORMAL_MIN_DF) return normalQuantile(p);
  const nu = Math.floor(df);
  if (nu <= EXACT_T_MAX_DF) {
    if (nu === 1) return Math.tan(Math.PI * (p - 0.5));
    const target = 2 * p - 1;
    let hi = 2;
    while (studentTwoSidedCdf(hi, nu) < target) hi *= 2;
    return bisect((t) => studentTwoSidedCdf(t, nu), target, 0, hi);
  }
  const z = normalQuantile(p);
  const z2 = z * z;
  const z3 = z2 * z;
  const z5 = z3 * z2;
  const z7 = z5 * z2;
  const z9 = z7 * z2;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / nu + g2 / nu ** 2 + g3 / nu ** 3 + g4 / nu ** 4;
}
