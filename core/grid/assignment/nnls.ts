/**
 * Non-negative least squares in Gram form: minimise ½xᵀGx − hᵀx with x ≥ 0
 * (G = AᵀA, h = Aᵀr), by cyclic projected coordinate descent. G is small
 * (buildings × buildings), so each sweep is cheap; it converges for any
 * positive semi-definite G and needs no factorisation.
 */
export function nnlsGram(gram: Float64Array, h: Float64Array, size: number, maxSweeps = 500, tolerance = 1e-9): Float64Array {
  const x = new Float64Array(size);
  // gradient g = Gx − h, kept up to date as coordinates move
  const gradient = new Float64Array(size);
  for (let i = 0; i < size; i++) gradient[i] = -h[i]!;
  let scale = 0;
  for (let i = 0; i < size; i++) scale = Math.max(scale, Math.abs(h[i]!));
  if (scale === 0) return x;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let largestStep = 0;
    for (let i = 0; i < size; i++) {
      const diagonal = gram[i * size + i]!;
      if (!(diagonal > 0)) continue;
      const next = Math.max(0, x[i]! - gradient[i]! / diagonal);
      const step = next - x[i]!;
      if (step === 0) continue;
      x[i] = next;
      const row = i * size;
      for (let j = 0; j < size; j++) gradient[j] = gradient[j]! + gram[row + j]! * step;
      const moved = Math.abs(step) * diagonal;
      if (moved > largestStep) largestStep = moved;
    }
    if (largestStep <= tolerance * scale) break;
  }
  return x;
}
