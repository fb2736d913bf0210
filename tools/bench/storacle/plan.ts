/**
 * How much data each part of bench:storacle uses, in --quick (CI) and in full
 * mode. One place, so the table labels, the generators and the measurements
 * agree.
 */

const DAY_MS = 86_400_000;

/** Fixed starting instants of the data sets (all in the past, on whole minutes, none overlapping). */
export const EPOCH = {
  /** IEEE EU LV load shapes: every profile covers this one day. */
  ieee: Date.UTC(2026, 0, 1),
  /** Synthetic 1 Hz channels, regular and jittered (first half, then the second half). */
  synthetic: Date.UTC(2026, 1, 1),
  /** The long 1 Hz series the ingestion rows write and the query rows read. */
  month: Date.UTC(2026, 2, 1),
  /** The series written with durable acknowledgement. */
  durable: Date.UTC(2026, 4, 1),
  /** The single entry of each of the 10,000 tagged data points. */
  tagged: Date.UTC(2026, 5, 1),
} as const;

export interface Plan {
  /** Days of 1 Hz data per synthetic channel in each half of the marginal-bytes method. */
  syntheticDaysPerHalf: number;
  /** Days of 1 Hz data in the long series (ingestion and queries). */
  monthDays: number;
  /** Entries written with durable acknowledgement. */
  durableEntries: number;
  /** Tagged data points for the tag query. */
  taggedDataPoints: number;
  /** Records per write batch (appendMany call, transaction or HTTP POST). */
  batch: number;
  /** Timed repetitions of a fast query and how long the repetitions of one query may take in all. */
  queryRuns: number;
  queryBudgetMs: number;
  /** Limit of one measurement (server start-up excluded). */
  timeoutMs: number;
}

const QUICK: Plan = {
  syntheticDaysPerHalf: 0.5,
  monthDays: 2,
  durableEntries: 100_000,
  taggedDataPoints: 10_000,
  batch: 5_000,
  queryRuns: 20,
  queryBudgetMs: 3_000,
  timeoutMs: 90_000,
};

const FULL: Plan = {
  syntheticDaysPerHalf: 2,
  monthDays: 30,
  durableEntries: 500_000,
  taggedDataPoints: 10_000,
  batch: 5_000,
  queryRuns: 50,
  queryBudgetMs: 8_000,
  timeoutMs: 300_000,
};

export function planOf(quick: boolean): Plan {
  return quick ? QUICK : FULL;
}

export function monthSpan(plan: Plan): { fromMs: number; toMs: number; entries: number } {
  const entries = Math.round(plan.monthDays * 86_400);
  return { fromMs: EPOCH.month, toMs: EPOCH.month + plan.monthDays * DAY_MS, entries };
}

/** "1 month (2,592,000 entries)" or "2 days (172,800 entries)" for the table. */
export function spanLabel(plan: Plan): string {
  const { entries } = monthSpan(plan);
  const days = plan.monthDays === 30 ? '1 month' : `${plan.monthDays} days`;
  return `${days} of 1 Hz (${entries.toLocaleString('en-US')} entries)`;
}
