/**
 * Gap slots (NaN) in a building's profile: the methods stand in its mean for
 * them, so a gap neither adds nor takes away load. One place for the mean
 * and the two fillings the methods use.
 */

/** The mean of the slots that hold a number; 0 when none does. */
export function meanOfUsable(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (v === v) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/** A copy with every gap set to the mean of the other slots. */
export function filledWithMean(values: Float64Array): Float64Array {
  const mean = meanOfUsable(values);
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    out[k] = v === v ? v : mean;
  }
  return out;
}

/** A copy centred on that mean, gaps at 0 (the mean, centred). */
export function centredWithGapsAtMean(values: Float64Array): Float64Array {
  const mean = meanOfUsable(values);
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    out[k] = v === v ? v - mean : 0;
  }
  return out;
}
