/**
 * 'least-squares': each point's residual is explained as a non-negative
 * combination of the buildings' profiles, r_m ≈ Σ_b x_bm · p_b + c, one
 * NNLS problem per point (all of them on the same centred Gram matrix, so
 * the constant c is free). A building that is below point m shows up with a
 * coefficient near 1 there and near 0 elsewhere; it goes to the point where
 * its coefficient is largest, and the score is that coefficient (runner-up:
 * the second largest). Per-point problems rather than one joint assignment:
 * they need no integer programming and a coefficient far from 1 everywhere
 * is itself a finding (a building whose meter is not in kW, or not below any
 * measured point).
 *
 * Slots: a residual's unusable slots are left out of its problem; a
 * building's unusable slot is filled with the building's mean (it then
 * adds nothing after centring), because dropping every slot where any of
 * 50 buildings has a gap would drop most of them. Lags are not searched.
 */
import type { Assignment } from './api.js';
import { nnlsGram } from './nnls.js';
import { outcome } from './outcome.js';
import { filledWithMean } from './usable-mean.js';

export function leastSquaresAssignments(
  buildingSeries: readonly Float64Array[],
  residualSeries: readonly Float64Array[],
  allowed: Uint8Array,
  buildingIds: readonly string[],
  pointIds: readonly string[],
  minScore: number,
): Assignment[] {
  const size = buildingSeries.length;
  const points = residualSeries.length;
  const slots = size > 0 ? buildingSeries[0]!.length : 0;
  const filled = buildingSeries.map(filledWithMean);
  // Raw sums over all slots; each point removes its own unusable slots from a copy.
  const rawGram = new Float64Array(size * size);
  const rawSum = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const a = filled[i]!;
    let s = 0;
    for (let k = 0; k < slots; k++) s += a[k]!;
    rawSum[i] = s;
    for (let j = i; j < size; j++) {
      const b = filled[j]!;
      let dot = 0;
      for (let k = 0; k < slots; k++) dot += a[k]! * b[k]!;
      rawGram[i * size + j] = dot;
      rawGram[j * size + i] = dot;
    }
  }
  const coefficients = new Float64Array(size * points).fill(Number.NaN);
  const gram = new Float64Array(size * size);
  const sums = new Float64Array(size);
  const h = new Float64Array(size);
  for (let m = 0; m < points; m++) {
    const r = residualSeries[m]!;
    gram.set(rawGram);
    sums.set(rawSum);
    let count = slots;
    let rSum = 0;
    for (let k = 0; k < slots; k++) {
      const v = r[k]!;
      if (v === v) {
        rSum += v;
        continue;
      }
      count--;
      for (let i = 0; i < size; i++) {
        const a = filled[i]![k]!;
        sums[i] = sums[i]! - a;
        for (let j = 0; j < size; j++) gram[i * size + j] = gram[i * size + j]! - a * filled[j]![k]!;
      }
    }
    if (count < 8) continue;
    for (let i = 0; i < size; i++) {
      const a = filled[i]!;
      let dot = 0;
      for (let k = 0; k < slots; k++) {
        const v = r[k]!;
        if (v === v) dot += a[k]! * v;
      }
      h[i] = dot - (sums[i]! * rSum) / count;
    }
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) gram[i * size + j] = gram[i * size + j]! - (sums[i]! * sums[j]!) / count;
    }
    // Buildings not allowed at this point get a zero column: their coefficient stays 0.
    for (let i = 0; i < size; i++) {
      if (allowed[i * points + m] === 1) continue;
      h[i] = 0;
      for (let j = 0; j < size; j++) {
        gram[i * size + j] = 0;
        gram[j * size + i] = 0;
      }
    }
    const x = nnlsGram(gram, h, size);
    for (let i = 0; i < size; i++) if (allowed[i * points + m] === 1) coefficients[i * points + m] = x[i]!;
  }
  return buildingIds.map((id, b) => {
    let best = -1;
    let second = -1;
    for (let m = 0; m < points; m++) {
      const c = coefficients[b * points + m]!;
      if (c !== c) continue;
      if (best < 0 || c > coefficients[b * points + best]!) {
        second = best;
        best = m;
      } else if (second < 0 || c > coefficients[b * points + second]!) second = m;
    }
    const score = (m: number): number => (m >= 0 ? coefficients[b * points + m]! : Number.NaN);
    return outcome(id, pointIds, best, score(best), second, score(second), minScore);
  });
}
