/**
 * What `npm run bench:grid-model` measures and how often, full and --quick.
 * Ours and the Python peers are given the same sizes and repetitions, and
 * every measurement runs once unmeasured first (warm-up) and reports the
 * median of `runs` readings.
 */

export interface GridModelPlan {
  /** Elements of the simulated feeder whose CIM (EQ + SSH) is parsed beside the public files. */
  readonly cimElements: number;
  readonly cimRuns: number;
  /** Elements of the feeder whose dense matrix is built (the 1,000). */
  readonly matrixElements: number;
  readonly matrixRuns: number;
  /** Elements of the feeder whose labels are built and queried pair by pair (the 10,000). */
  readonly pairsElements: number;
  /** Random (a, b) pairs answered after the build. */
  readonly pairCount: number;
  readonly pairsRuns: number;
  /** Elements of the feeder whose switches are changed, the matrix kept current. */
  readonly switchElements: number;
  /** Switching devices asked of the simulator for that feeder. */
  readonly switchDevices: number;
  /** Open/close changes; the median per change is reported. */
  readonly switchChanges: number;
  /** Monitoring-point profiles, and samples in each (43,200 = a month at one minute). */
  readonly profiles: number;
  readonly samplesPerProfile: number;
  readonly profileRuns: number;
}

export const FULL: GridModelPlan = {
  cimElements: 10_000,
  cimRuns: 5,
  matrixElements: 1_000,
  matrixRuns: 5,
  pairsElements: 10_000,
  pairCount: 1_000_000,
  pairsRuns: 3,
  switchElements: 1_000,
  switchDevices: 40,
  switchChanges: 200,
  profiles: 100,
  samplesPerProfile: 43_200,
  profileRuns: 3,
};

export const QUICK: GridModelPlan = {
  cimElements: 1_000,
  cimRuns: 2,
  matrixElements: 1_000,
  matrixRuns: 2,
  pairsElements: 1_000,
  pairCount: 100_000,
  pairsRuns: 1,
  switchElements: 1_000,
  switchDevices: 40,
  switchChanges: 50,
  profiles: 10,
  samplesPerProfile: 43_200,
  profileRuns: 1,
};

export const planOf = (quick: boolean): GridModelPlan => (quick ? QUICK : FULL);

/** The simulator's seed for every feeder of the benchmark (each size is its own feeder). */
export const SEED = 6;

/** 10000 -> "10,000" */
export const count = (n: number): string => n.toLocaleString('en-US');
