/**
 * Scores of every (building, monitoring point) pair in flat typed arrays,
 * row = building, column = point; pairs a building may not go to (not among
 * its candidates) stay NaN and are never chosen.
 */
import { bestLaggedPearson } from './correlation.js';

export class ScoreTable {
  readonly scores: Float64Array;
  readonly lags: Int32Array;
  /** 1 where the building may go to the point. */
  readonly allowed: Uint8Array;

  constructor(
    readonly buildings: number,
    readonly points: number,
    allowed: Uint8Array,
  ) {
    this.scores = new Float64Array(buildings * points).fill(Number.NaN);
    this.lags = new Int32Array(buildings * points);
    this.allowed = allowed;
  }

  /** Recomputes one pair from the series: building row b, point column m. */
  compute(b: number, m: number, building: Float64Array, residual: Float64Array, maxLag: number): void {
    const i = b * this.points + m;
    if (this.allowed[i] === 0) return;
    const { score, lag } = bestLaggedPearson(building, residual, maxLag);
    this.scores[i] = score;
    this.lags[i] = lag;
  }

  score(b: number, m: number): number {
    return this.scores[b * this.points + m]!;
  }

  lag(b: number, m: number): number {
    return this.lags[b * this.points + m]!;
  }

  /** The best and second-best columns of a row (−1 when there is none). */
  topTwo(b: number): { best: number; second: number } {
    let best = -1;
    let second = -1;
    const row = b * this.points;
    for (let m = 0; m < this.points; m++) {
      const s = this.scores[row + m]!;
      if (s !== s) continue;
      if (best < 0 || s > this.scores[row + best]!) {
        second = best;
        best = m;
      } else if (second < 0 || s > this.scores[row + second]!) {
        second = m;
      }
    }
    return { best, second };
  }
}
