/**
 * 'iterative': global greedy explain-away (grid.md §3.4 method B, 55/55 on
 * the IEEE EU LV feeder at 1 min with 0–5 % meter noise). Repeatedly take
 * the (building, point) pair with the highest correlation among the
 * buildings left, assign it, subtract the building's profile (at its best
 * lag) from that point's residual, and recompute that point's column only.
 * Subtracting makes the rest of the residual stand out for the buildings
 * that remain: a residual of many buildings shrinks to the last one. The
 * greedy pass stops when the best pair left is below minScore.
 *
 * Greedy choices made early can be wrong when buildings share a daily shape
 * (a small residual correlates with any building that follows the shape),
 * and the error then spreads. So, without a lag search (maxLagSlots 0):
 * the greedy pass runs from two starts — on the series as configured and on
 * the other shape (levels ↔ first differences: differences see past the
 * shared shape, levels past white meter noise) — and a third start is the
 * least-squares method's choice; each start is improved by
 * the exchange pass (exchange.ts: moves and swaps that lower the residual
 * energy on levels), and the start with less energy left wins (the
 * configured one on a tie). A building's score is then the correlation of
 * its series with its point's residual with every other assigned building
 * subtracted (what is left for it to explain); the runner-up is the other
 * point whose final residual it correlates with best. With a lag search
 * only the greedy pass runs and the scores are those at the moment of the
 * choice (the runner-up: the second-best point then).
 *
 * The subtraction uses coefficient 1: building meters and monitoring points
 * measure the same quantity in the same unit (kW). A building slot that is
 * not usable is subtracted as the building's mean, so the residual keeps the
 * slot (it would otherwise be lost for every building still to come).
 */
import type { Assignment } from './api.js';
import { pearsonAtLag } from './correlation.js';
import { exchangeAssignments } from './exchange.js';
import { outcome } from './outcome.js';
import { ScoreTable } from './score-table.js';
import { meanOfUsable } from './usable-mean.js';

/** residual[k + lag] −= building[k]; the residual's unusable slots stay unusable. */
function subtractInPlace(residual: Float64Array, building: Float64Array, lag: number): void {
  const n = residual.length;
  const mean = meanOfUsable(building);
  const from = lag < 0 ? -lag : 0;
  const to = lag > 0 ? n - lag : n;
  for (let k = from; k < to; k++) {
    const b = building[k]!;
    residual[k + lag] = residual[k + lag]! - (b === b ? b : mean);
  }
}

/** The series of one shape: buildings and (unconsumed) residuals. */
export interface ShapedSeries {
  readonly buildings: readonly Float64Array[];
  readonly residuals: readonly Float64Array[];
}

interface GreedyResult {
  /** Column per building, −1 when the pass stopped before it. */
  readonly pointOf: Int32Array;
  readonly score: Float64Array;
  readonly runnerUp: Int32Array;
  readonly runnerUpScore: Float64Array;
  readonly table: ScoreTable;
}

function greedy(series: ShapedSeries, allowed: Uint8Array, maxLag: number, minScore: number): GreedyResult {
  const buildings = series.buildings.length;
  const points = series.residuals.length;
  const residuals = series.residuals.map((residual) => residual.slice());
  const table = new ScoreTable(buildings, points, allowed);
  for (let b = 0; b < buildings; b++) for (let m = 0; m < points; m++) table.compute(b, m, series.buildings[b]!, residuals[m]!, maxLag);
  const pointOf = new Int32Array(buildings).fill(-1);
  const score = new Float64Array(buildings).fill(Number.NaN);
  const runnerUp = new Int32Array(buildings).fill(-1);
  const runnerUpScore = new Float64Array(buildings).fill(Number.NaN);
  for (let round = 0; round < buildings; round++) {
    let bestB = -1;
    let bestM = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let b = 0; b < buildings; b++) {
      if (pointOf[b] !== -1) continue;
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
    const top = table.topTwo(bestB);
    const second = top.second === bestM ? top.best : top.second;
    pointOf[bestB] = bestM;
    score[bestB] = bestScore;
    runnerUp[bestB] = second;
    runnerUpScore[bestB] = second >= 0 ? table.score(bestB, second) : Number.NaN;
    subtractInPlace(residuals[bestM]!, series.buildings[bestB]!, table.lag(bestB, bestM));
    for (let b = 0; b < buildings; b++) if (pointOf[b] === -1) table.compute(b, bestM, series.buildings[b]!, residuals[bestM]!, maxLag);
  }
  return { pointOf, score, runnerUp, runnerUpScore, table };
}

/** Scores of the final assignment (see the file comment), on the configured series. */
function finalOutcomes(series: ShapedSeries, pointOf: Int32Array, allowed: Uint8Array, buildingIds: readonly string[], pointIds: readonly string[], minScore: number): Assignment[] {
  const points = series.residuals.length;
  const residuals = series.residuals.map((residual) => residual.slice());
  pointOf.forEach((m, b) => {
    if (m >= 0) subtractInPlace(residuals[m]!, series.buildings[b]!, 0);
  });
  const scores = new Float64Array(points);
  return buildingIds.map((id, b) => {
    const own = pointOf[b]!;
    const building = series.buildings[b]!;
    for (let m = 0; m < points; m++) {
      if (allowed[b * points + m] === 0) {
        scores[m] = Number.NaN;
      } else if (m === own) {
        // Its own residual with the building put back: what is left for it to explain.
        const mine = residuals[m]!.slice();
        for (let k = 0; k < mine.length; k++) mine[k] = mine[k]! + (building[k] === building[k] ? building[k]! : 0);
        scores[m] = pearsonAtLag(building, mine, 0);
      } else {
        scores[m] = pearsonAtLag(building, residuals[m]!, 0);
      }
    }
    let best = own;
    let second = -1;
    for (let m = 0; m < points; m++) {
      const s = scores[m]!;
      if (s !== s || m === own) continue;
      if (own < 0 && (best < 0 || s > scores[best]!)) {
        second = best;
        best = m;
      } else if (second < 0 || s > scores[second]!) {
        second = m;
      }
    }
    const score = (m: number): number => (m >= 0 ? scores[m]! : Number.NaN);
    // A building the greedy pass never reached (it stopped at minScore) stays unassigned: reported with its best.
    if (own < 0) return { ...outcome(id, pointIds, best, score(best), second, score(second), minScore), monitoringPoint: undefined, assigned: false };
    return outcome(id, pointIds, best, score(best), second, score(second), minScore);
  });
}

export function explainAwayAssignments(
  configured: ShapedSeries,
  /** The other shape (levels ↔ differences), for the second start; undefined: one start only. */
  other: ShapedSeries | undefined,
  /** Levels (measured values) for the exchange pass. */
  levels: ShapedSeries,
  /** Further starts (column per building, −1: none), e.g. least squares' choice. */
  extraStarts: readonly Int32Array[],
  allowed: Uint8Array,
  buildingIds: readonly string[],
  pointIds: readonly string[],
  maxLag: number,
  minScore: number,
): Assignment[] {
  const first = greedy(configured, allowed, maxLag, minScore);
  if (maxLag > 0 || other === undefined) {
    return buildingIds.map((id, b) => {
      if (first.pointOf[b]! >= 0) return outcome(id, pointIds, first.pointOf[b]!, first.score[b]!, first.runnerUp[b]!, first.runnerUpScore[b]!, minScore);
      const { best, second } = first.table.topTwo(b);
      const score = (m: number): number => (m >= 0 ? first.table.score(b, m) : Number.NaN);
      return outcome(id, pointIds, best, score(best), second, score(second), minScore);
    });
  }
  // Further starts only place buildings the first greedy pass placed: minScore keeps its meaning.
  const placed = (start: Int32Array): Int32Array => start.map((m, b) => (first.pointOf[b]! >= 0 ? m : -1));
  const starts = [first.pointOf.slice(), placed(greedy(other, allowed, 0, minScore).pointOf), ...extraStarts.map(placed)];
  let chosen = starts[0]!;
  let least = Number.POSITIVE_INFINITY;
  for (const start of starts) {
    const { energy } = exchangeAssignments(levels.buildings, levels.residuals, start, allowed);
    if (energy < least) {
      least = energy;
      chosen = start;
    }
  }
  return finalOutcomes(configured, chosen, allowed, buildingIds, pointIds, minScore);
}
