/**
 * What `npm run bench:grid-apps` measures, full and --quick. Ours and the
 * peers see the same cases (same seeds, same exported numbers).
 */
import type { AssignmentMethod } from '../../../core/grid/assignment/api.js';

export interface GridAppsPlan {
  /** MPs on the IEEE feeder (the transformer plus the largest branch heads); grid.md §3.4's 6, 11 and 54. */
  readonly ieeeMps: readonly number[];
  /** Relative MP noise. */
  readonly ieeeNoise: readonly number[];
  /** Minutes per slot. */
  readonly ieeeResolutionsMin: readonly number[];
  /** Noise draws per setting; a row is the share correct over all of them. */
  readonly ieeeNoiseSeeds: number;
  /** The MP count of the run-time rows (the largest candidate set). */
  readonly timingMps: number;
  /** Timed assignments per method (median reported, after one unmeasured). */
  readonly timingRuns: number;
  /** Simulated feeders for the assignment rows (seeds 1..n). */
  readonly simulatedSeeds: number;
  /** Simulated feeders for the SSD rows: per seed one run without flips, one with 1, one with 2. */
  readonly ssdSeeds: number;
}

export const FULL: GridAppsPlan = {
  ieeeMps: [6, 11, 54],
  ieeeNoise: [0, 0.01, 0.05],
  ieeeResolutionsMin: [1, 15],
  ieeeNoiseSeeds: 3,
  timingMps: 54,
  timingRuns: 5,
  simulatedSeeds: 10,
  ssdSeeds: 100,
};

export const QUICK: GridAppsPlan = {
  ieeeMps: [6],
  ieeeNoise: [0.05],
  ieeeResolutionsMin: [1, 15],
  ieeeNoiseSeeds: 1,
  timingMps: 54,
  timingRuns: 2,
  simulatedSeeds: 2,
  ssdSeeds: 3,
};

export const planOf = (quick: boolean): GridAppsPlan => (quick ? QUICK : FULL);

export const METHODS: readonly AssignmentMethod[] = ['pearson', 'spearman', 'iterative', 'least-squares'];

/** The noise of the timing case and of the goal rows. */
export const GOAL_NOISE = 0.05;

/** Row key of an IEEE accuracy row. */
export const ieeeRowKey = (mps: number, noise: number, resolutionMin: number, method: AssignmentMethod): string =>
  `ieee:${mps}:${Math.round(noise * 100)}:${resolutionMin}:${method}`;
export const timeRowKey = (method: AssignmentMethod): string => `time:${method}`;
export const simulatedRowKey = (method: AssignmentMethod): string => `simulated:${method}`;

export const SSD_ROWS = ['ssd:single', 'ssd:double', 'ssd:singleExact', 'ssd:doubleExact', 'ssd:unobservable', 'ssd:falseUnflipped', 'ssd:falseOthers', 'ssd:time'] as const;
export type SsdRow = (typeof SSD_ROWS)[number];
