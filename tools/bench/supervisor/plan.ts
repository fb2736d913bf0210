/**
 * What `npm run bench:supervisor` measures and how often: N SIGKILLs of one
 * supervised process, each after the process has run undisturbed for the
 * settle time, and for each kill the two delays below. Shared by both
 * subjects (Gridlink's `gridlink up` and the bare spawn loop) so they are
 * measured alike.
 */
import { summarize } from '../stats.js';

/** Counts and limits of one mode. */
export interface KillPlan {
  /** SIGKILLs in one run (p50/p99 are taken over these). */
  kills: number;
  /**
   * Uptime of the restarted process before the next kill: every restart is
   * then a first crash after a stable run, never a crash loop (no backoff).
   */
  settleMs: number;
  /** Longest wait for both figures of one kill (past the bus heartbeat expiry of 10 s). */
  perKillTimeoutMs: number;
  /** Longest wait for the first start of the supervised process. */
  startTimeoutMs: number;
}

export const QUICK: KillPlan = { kills: 10, settleMs: 1000, perKillTimeoutMs: 15_000, startTimeoutMs: 20_000 };
export const FULL: KillPlan = { kills: 50, settleMs: 1500, perKillTimeoutMs: 15_000, startTimeoutMs: 30_000 };

export const planOf = (quick: boolean): KillPlan => (quick ? QUICK : FULL);

/**
 * Limit of one subject's whole measurement: start-up, every kill at its
 * slowest expected pace, and some slack. A run that takes longer shows n/a.
 */
export function measurementTimeoutMs(plan: KillPlan): number {
  return plan.startTimeoutMs + plan.kills * (plan.settleMs + 2_000) + 15_000;
}

/** The figures of every kill of one run, in milliseconds from the SIGKILL. */
export interface KillSamples {
  /** Until the crash was known: the record left a peer's registry (ours), the loop's 'exit' event (floor). */
  crashKnownMs: number[];
  /** Until the restarted process was visible: running in a peer's registry (ours), its first stdout line (floor). */
  restartVisibleMs: number[];
}

/** The rows of the table. */
export type Row = 'restartP50' | 'restartP99' | 'crashP50' | 'crashP99';

/** p50 and p99 (nearest rank) of both delays. */
export function rowsOf(samples: KillSamples): Record<Row, number> {
  if (samples.crashKnownMs.length === 0 || samples.restartVisibleMs.length === 0) throw new Error('no kill was measured');
  const restart = summarize(samples.restartVisibleMs);
  const crash = summarize(samples.crashKnownMs);
  return { restartP50: restart.p50, restartP99: restart.p99, crashP50: crash.p50, crashP99: crash.p99 };
}

/** "kill 3/10: crash known 1.2 ms, restart visible 45.6 ms" */
export function killLine(index: number, total: number, crashMs: number, restartMs: number): string {
  return `kill ${index}/${total}: crash known ${crashMs.toFixed(1)} ms, restart visible ${restartMs.toFixed(1)} ms`;
}

/** Checks that a list from a worker holds only finite non-negative numbers. */
export function millisecondsList(value: unknown, field: string, from: string): number[] {
  if (!Array.isArray(value) || !value.every((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new Error(`${from}: expected a list of non-negative milliseconds in "${field}", got ${JSON.stringify(value)}`);
  }
  return value;
}
