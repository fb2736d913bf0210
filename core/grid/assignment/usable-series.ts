/**
 * The series the scores are computed on: one Float64Array per profile with
 * NaN wherever a slot must not take part (GAP, and INTERPOLATED too: an
 * interpolated slot is a guess and would make two smooth guesses correlate),
 * optionally as first differences, optionally as ranks (Spearman).
 */
import type { AlignedProfile } from '../profiles/api.js';
import { Quality } from '../profiles/api.js';

/** Measured values, NaN elsewhere. */
export function measuredValues(profile: AlignedProfile): Float64Array {
  const { values, quality } = profile;
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = quality[k] === Quality.MEASURED ? values[k]! : Number.NaN;
  return out;
}

/** d[k] = v[k] − v[k−1] where both are usable; NaN at slot 0 and next to an unusable slot. */
export function firstDifferences(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  if (values.length > 0) out[0] = Number.NaN;
  for (let k = 1; k < values.length; k++) out[k] = values[k]! - values[k - 1]!;
  return out;
}

/**
 * Ranks (1-based, ties averaged) of the usable slots among themselves,
 * NaN kept. The ranks are taken over each series' own usable slots, not over
 * the slots a pair has in common: exact Spearman would re-rank per pair, which
 * costs a sort per pair; with few gaps the difference is negligible.
 */
export function ranks(values: Float64Array): Float64Array {
  const order: number[] = [];
  for (let k = 0; k < values.length; k++) if (values[k] === values[k]) order.push(k);
  order.sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(values.length).fill(Number.NaN);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) out[order[t]!] = rank;
    i = j + 1;
  }
  return out;
}

export interface SeriesShape {
  readonly differences: boolean;
  readonly ranked: boolean;
}

/** The series of one profile as the correlation methods compare it. */
export function usableSeries(profile: AlignedProfile, shape: SeriesShape): Float64Array {
  let values = measuredValues(profile);
  if (shape.differences) values = firstDifferences(values);
  if (shape.ranked) values = ranks(values);
  return values;
}
