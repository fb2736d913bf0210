/** Turns a choice (a point and a runner-up, by column) into the contract's Assignment. */
import type { Assignment } from './api.js';

/**
 * score is the best score even when it is below minScore (then the building
 * is reported unassigned, with no point); runnerUp is always the second best.
 */
export function outcome(
  building: string,
  points: readonly string[],
  best: number,
  bestScore: number,
  second: number,
  secondScore: number,
  minScore: number,
): Assignment {
  const hasBest = best >= 0 && bestScore === bestScore;
  const assigned = hasBest && bestScore >= minScore;
  const hasSecond = second >= 0 && secondScore === secondScore;
  return {
    building,
    monitoringPoint: assigned ? points[best] : undefined,
    score: hasBest ? bestScore : Number.NaN,
    runnerUp: hasSecond ? points[second] : undefined,
    runnerUpScore: hasSecond ? secondScore : Number.NaN,
    assigned,
  };
}
