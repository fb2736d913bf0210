/** Rows, run counts and time limits of `npm run bench:provision`. */
export type Row = 'installP50' | 'upgradeGapP50';

export interface ProvisionPlan {
  /** Install + upgrade cycles. */
  runs: number;
  /** The health window the AppManager holds a new version in (the probe keeps asking meanwhile). */
  healthWindowMs: number;
}

export function planOf(quick: boolean): ProvisionPlan {
  return { runs: quick ? 3 : 10, healthWindowMs: 500 };
}

/** Per cycle: an install (a few s at worst), an upgrade, a removal; plus the start of the host agent. */
export function measurementTimeoutMs(plan: ProvisionPlan): number {
  return 60_000 + plan.runs * 20_000;
}

export interface ProvisionSamples {
  installMs: number[];
  upgradeGapMs: number[];
}

export function cycleLine(subject: string, run: number, runs: number, installMs: number, gapMs: number, served: { beforeGap: number; afterGap: number }): string {
  // The new version starts from the saved count: 1 means nothing was restored. Answers the old
  // version gave after saving its state are not in it (lost = before - after + 1).
  const lost = served.beforeGap - served.afterGap + 1;
  const handoff = served.afterGap <= 1 ? 'STATE NOT HANDED OVER' : lost > 0 ? `state handed over; ${lost} answers given after the save are not in it` : 'state handed over';
  return `${subject} ${run}/${runs}: install of the chain ${installMs.toFixed(0)} ms, upgrade unavailable ${gapMs.toFixed(0)} ms (served count ${served.beforeGap} before, ${served.afterGap} after: ${handoff})`;
}
