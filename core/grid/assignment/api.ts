/**
 * The contract of building assignment (BEMS-AA): to which grid monitoring
 * point is each building connected? Implemented in core/grid/assignment;
 * served by actors/bems-aa (in worker threads); used offline by
 * `gridlink assess` and bench:grid-apps.
 *
 * Inputs are aligned profiles on one common grid: the buildings' profiles
 * (from BRM) and the residual profiles of the monitoring points (from GRM,
 * each the load of the buildings between a point and its measured
 * sub-branches). research/grid.md §3.4 measured the methods: plain argmax
 * correlation is weak when a residual holds many buildings; subtracting each
 * assigned building before the next choice ("explain away") or solving a
 * least-squares problem is far better.
 */
import type { AlignedProfile } from '../profiles/api.js';

export type AssignmentMethod = 'pearson' | 'spearman' | 'iterative' | 'least-squares';

export interface AssignmentOptions {
  readonly method: AssignmentMethod;
  /** Below this score a building is reported but not assigned. */
  readonly minScore?: number;
  /** Lags tried in slots (±), for building clocks that are off. */
  readonly maxLagSlots?: number;
  /** Compare first differences instead of levels (removes the common daily shape). */
  readonly differences?: boolean;
  /** Candidate monitoring points per building (absent: all). */
  readonly candidates?: ReadonlyMap<string, readonly string[]>;
}

export interface Assignment {
  readonly building: string;
  /** undefined when no point scored at least minScore. */
  readonly monitoringPoint: string | undefined;
  readonly score: number;
  readonly runnerUp: string | undefined;
  readonly runnerUpScore: number;
  readonly assigned: boolean;
}

export type AssignBuildings = (
  buildings: readonly AlignedProfile[],
  residuals: readonly AlignedProfile[],
  options: AssignmentOptions,
) => readonly Assignment[];
