/**
 * One assignment problem with its known answer, as every subject of the
 * benchmark sees it: building profiles and MP residuals on one grid, and
 * for each building the MP it truly hangs below. Ours reads the profiles
 * directly; the Python peers read the same numbers from exported files
 * (export.ts).
 */
import type { AlignedProfile } from '../../../core/grid/profiles/api.js';
import type { Assignment } from '../../../core/grid/assignment/api.js';

export interface AssignmentCase {
  readonly label: string;
  readonly buildings: readonly AlignedProfile[];
  readonly residuals: readonly AlignedProfile[];
  /** Building id → the MP id it is connected below ('' when it has none, e.g. unfed). */
  readonly truth: ReadonlyMap<string, string>;
}

/** Buildings whose assigned MP is the true one (an unassigned building counts as wrong). */
export function correctCount(testCase: AssignmentCase, assignments: readonly Assignment[]): number {
  let correct = 0;
  for (const assignment of assignments) {
    if (assignment.assigned && assignment.monitoringPoint !== undefined && assignment.monitoringPoint === testCase.truth.get(assignment.building)) correct++;
  }
  return correct;
}
