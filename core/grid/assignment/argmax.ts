/**
 * 'pearson' and 'spearman': each building goes to the point whose residual
 * it correlates with best (grid.md §3.4 method A). Independent choices: fast
 * and simple, but weak when a residual holds many buildings, since one
 * building is then a small part of it.
 */
import type { Assignment } from './api.js';
import { outcome } from './outcome.js';
import type { ScoreTable } from './score-table.js';

export function argmaxAssignments(
  table: ScoreTable,
  buildingSeries: readonly Float64Array[],
  residualSeries: readonly Float64Array[],
  buildingIds: readonly string[],
  pointIds: readonly string[],
  maxLag: number,
  minScore: number,
): Assignment[] {
  for (let b = 0; b < buildingSeries.length; b++) {
    for (let m = 0; m < residualSeries.length; m++) table.compute(b, m, buildingSeries[b]!, residualSeries[m]!, maxLag);
  }
  return buildingIds.map((id, b) => {
    const { best, second } = table.topTwo(b);
    return outcome(id, pointIds, best, best >= 0 ? table.score(b, best) : Number.NaN, second, second >= 0 ? table.score(b, second) : Number.NaN, minScore);
  });
}
