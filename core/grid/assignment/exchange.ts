/**
 * The exchange pass after iterative's greedy choices: a local search on the
 * least-squares objective with every coefficient 0 or 1, i.e. the total
 * residual energy E = Σ_m Σ_t (r_m(t) − r̄_m)² where r_m is a point's residual
 * with its assigned buildings subtracted. Two moves: a building to another
 * point, and two buildings of different points swapped (single moves get
 * stuck when the greedy pass mixed up two similar buildings). With
 * d the profile put into r (+) or taken out (−), E changes by
 * 2·C(r, d) + V(d) (C, V: centred sums), so every candidate move costs O(1)
 * from two tables: C(r_m, b) for every point and building, and the centred
 * Gram matrix of the buildings. Buildings' unusable slots count as their
 * mean here (as in the subtraction); a residual's unusable slots are left out.
 */

import { centredWithGapsAtMean } from './usable-mean.js';

const MAX_SWEEPS = 30;

/** Σ_t b(t)·(r(t) − r̄) over r's usable slots (b already centred). */
function crossSum(centred: Float64Array, residual: Float64Array): number {
  let count = 0;
  let sr = 0;
  let sb = 0;
  let sbr = 0;
  for (let k = 0; k < residual.length; k++) {
    const r = residual[k]!;
    if (r !== r) continue;
    const b = centred[k]!;
    count++;
    sr += r;
    sb += b;
    sbr += b * r;
  }
  return count > 0 ? sbr - (sb * sr) / count : 0;
}

function moveInto(residual: Float64Array, centred: Float64Array, original: Float64Array, sign: number): void {
  // The subtraction uses the building's own values; a constant does not change any centred sum.
  for (let k = 0; k < residual.length; k++) {
    const b = original[k]!;
    residual[k] = residual[k]! + sign * (b === b ? b : centred[k]!);
  }
}

/**
 * Improves pointOf (−1: unassigned, left alone) in place. `residuals` are
 * the points' residuals with nothing subtracted (copied here). Moves
 * respect `allowed` (building-major, points per row). Lags are not used.
 */
export function exchangeAssignments(buildingSeries: readonly Float64Array[], residuals: readonly Float64Array[], pointOf: Int32Array, allowed: Uint8Array): { energy: number } {
  const buildings = buildingSeries.length;
  const points = residuals.length;
  const centred = buildingSeries.map(centredWithGapsAtMean);
  const residualSeries = residuals.map((residual) => residual.slice());
  for (let b = 0; b < buildings; b++) if (pointOf[b]! >= 0) moveInto(residualSeries[pointOf[b]!]!, centred[b]!, buildingSeries[b]!, -1);
  const gram = new Float64Array(buildings * buildings);
  for (let i = 0; i < buildings; i++) {
    for (let j = i; j < buildings; j++) {
      const a = centred[i]!;
      const b = centred[j]!;
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      gram[i * buildings + j] = dot;
      gram[j * buildings + i] = dot;
    }
  }
  const cross = new Float64Array(buildings * points);
  const refresh = (m: number): void => {
    for (let b = 0; b < buildings; b++) cross[b * points + m] = crossSum(centred[b]!, residualSeries[m]!);
  };
  for (let m = 0; m < points; m++) refresh(m);
  const v = (b: number): number => gram[b * buildings + b]!;
  const c = (m: number, b: number): number => cross[b * points + m]!;

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let improved = false;
    for (let x = 0; x < buildings; x++) {
      const m = pointOf[x]!;
      if (m < 0) continue;
      const threshold = 1e-9 * (v(x) + 1e-12);
      // x back into r_m: 2C(r_m, x) + V(x); x out of r_o: −2C(r_o, x) + V(x).
      const putBack = 2 * c(m, x) + v(x);
      let bestGain = threshold;
      let bestPoint = -1;
      let bestPartner = -1;
      for (let o = 0; o < points; o++) {
        if (o === m || allowed[x * points + o] === 0) continue;
        const gain = -(putBack - 2 * c(o, x) + v(x));
        if (gain > bestGain) {
          bestGain = gain;
          bestPoint = o;
          bestPartner = -1;
        }
      }
      for (let y = 0; y < buildings; y++) {
        const o = pointOf[y]!;
        if (o < 0 || o === m || allowed[x * points + o] === 0 || allowed[y * points + m] === 0) continue;
        // r_m gets d = x − y back, r_o gets −d: 2C(r_m, d) + V(d) − 2C(r_o, d) + V(d).
        const vd = v(x) + v(y) - 2 * gram[x * buildings + y]!;
        const change = 2 * (c(m, x) - c(m, y)) + vd - 2 * (c(o, x) - c(o, y)) + vd;
        if (-change > bestGain) {
          bestGain = -change;
          bestPoint = o;
          bestPartner = y;
        }
      }
      if (bestPoint < 0) continue;
      moveInto(residualSeries[m]!, centred[x]!, buildingSeries[x]!, 1);
      moveInto(residualSeries[bestPoint]!, centred[x]!, buildingSeries[x]!, -1);
      pointOf[x] = bestPoint;
      if (bestPartner >= 0) {
        moveInto(residualSeries[bestPoint]!, centred[bestPartner]!, buildingSeries[bestPartner]!, 1);
        moveInto(residualSeries[m]!, centred[bestPartner]!, buildingSeries[bestPartner]!, -1);
        pointOf[bestPartner] = m;
      }
      refresh(m);
      refresh(bestPoint);
      improved = true;
    }
    if (!improved) break;
  }
  return { energy: residualSeries.reduce((sum, residual) => sum + energy(residual), 0) };
}

/** Σ (r − r̄)² over the usable slots: what is left unexplained. */
export function energy(residual: Float64Array): number {
  let count = 0;
  let sum = 0;
  let squares = 0;
  for (let k = 0; k < residual.length; k++) {
    const r = residual[k]!;
    if (r !== r) continue;
    count++;
    sum += r;
    squares += r * r;
  }
  return count > 0 ? squares - (sum * sum) / count : 0;
}
