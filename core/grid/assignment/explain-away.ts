/**
 * 'iterative': global greedy explain-away (grid.md §3.4 method B, 55/55 on
 * the IEEE EU LV feeder at 1 min with 0–5 % meter noise). Repeatedly take
 * the (building, point) pair with the highest correlation among the
 * buildings left, assign it, subtract the building's profile (at its best
 * lag) from that point's residual, and recompute that point's column only.
 * Subtracting makes the rest of the residual stand out for the buildings
 * that remain: a residual of many buildings shrinks to the last one.
 *
 * Greedy choices made early can be wrong when buildings share a daily
 * shape (a small residual correlates with any building that follows the
 * shape) and the error then spreads: on the simulator's feeders, whose
 * buildings all follow one shape, this method is weak on levels (README.md);
 * an exchange pass (moving single buildings while the residual energy falls)
 * was tried and did not help, as single moves get stuck.
 *
 * The subtraction uses coefficient 1: building meters and monitoring points
 * measure the same quantity in the same unit (kW). A building slot that is
 * not usable is subtracted as the building's mean, so the residual keeps the
 * slot (it would otherwise be lost for every building still to come).
 */
import type { Assignment } from './api.js';
import { outcome } from './outcome.js';
import type { ScoreTable } from './score-table.js';

function meanOf(values: Float64Array): number {
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

/** residual[k + lag] −= sign · building[k]; the residual's unusable slots stay unusable. */
function subtractInPlace(residual: Float64Array, building: Float64Array, lag: number, sign = 1): void {
  const n = residual.length;
  const mean = meanOf(building);
  const from = lag < 0 ? -lag : 0;
  const to = lag > 0 ? n - lag : n;
  for (let k = from; k < to; k++) {
    const b = building[k]!;
    residual[k + lag] = residual[k + lag]! - sign * (b === b ? b : mean);
  }
}

export function explainAwayAssignments(
  table: ScoreTable,
  buildingSeries: readonly Float64Array[],
  /** Copies: they are consumed. */
  residualSeries: Float64Array[],
  buildingIds: readonly string[],
  pointIds: readonly string[],
  maxLag: number,
  minScore: number,
): Assignment[] {
  const buildings = buildingSeries.length;
  const points = residualSeries.length;
  for (let b = 0; b < buildings; b++) {
    for (let m = 0; m < points; m++) table.compute(b, m, buildingSeries[b]!, residualSeries[m]!, maxLag);
  }
  const result: (Assignment | undefined)[] = new Array<Assignment | undefined>(buildings).fill(undefined);
  const done = new Uint8Array(buildings);
  for (let round = 0; round < buildings; round++) {
    let bestB = -1;
    let bestM = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let b = 0; b < buildings; b++) {
      if (done[b] === 1) continue;
      const row = b * points;
      for (let m = 0; m < points; m++) {
        const s = table.scores[row + m]!;
        if (s > bestScore) {
          bestScore = s;
          bestB = b;
          bestM = m;
        }
      }
    }
    if (bestB < 0 || bestScore < minScore) break;
    const { second } = table.topTwo(bestB);
    const runnerUp = second === bestM ? table.topTwo(bestB).best : second;
    result[bestB] = outcome(buildingIds[bestB]!, pointIds, bestM, bestScore, runnerUp, runnerUp >= 0 ? table.score(bestB, runnerUp) : Number.NaN, minScore);
    done[bestB] = 1;
    subtractInPlace(residualSeries[bestM]!, buildingSeries[bestB]!, table.lag(bestB, bestM));
    for (let b = 0; b < buildings; b++) if (done[b] === 0) table.compute(b, bestM, buildingSeries[b]!, residualSeries[bestM]!, maxLag);
  }
  // Buildings left when the best pair fell below minScore: reported with their best, unassigned.
  return buildingIds.map((id, b) => {
    const chosen = result[b];
    if (chosen !== undefined) return chosen;
    const { best, second } = table.topTwo(b);
    return outcome(id, pointIds, best, best >= 0 ? table.score(b, best) : Number.NaN, second, second >= 0 ? table.score(b, second) : Number.NaN, minScore);
  });
}
