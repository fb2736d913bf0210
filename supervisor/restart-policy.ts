/**
 * The two counters behind restarts: a supervisor's intensity window (more
 * than `intensity` restarts within `periodMs` and it gives up) and a child's
 * exponential backoff with jitter, reset once the child has run stably.
 */
import type { BackoffSpec } from './spec.js';

export class IntensityWindow {
  private readonly restarts: number[] = [];

  constructor(
    private readonly intensity: number,
    private readonly periodMs: number,
  ) {}

  /** Records a restart now; false when that exceeds the intensity (the supervisor must escalate). */
  record(now = Date.now()): boolean {
    this.restarts.push(now);
    while (this.restarts.length > 0 && this.restarts[0]! <= now - this.periodMs) this.restarts.shift();
    return this.restarts.length <= this.intensity;
  }

  reset(): void {
    this.restarts.length = 0;
  }
}

export class Backoff {
  /** Restarts in a row without a stable run in between. */
  private failures = 0;

  constructor(
    private readonly spec: BackoffSpec,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next restart of a child that ran `uptimeMs`: 0 for the first crash after a stable run. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.spec.resetAfterMs) this.failures = 0;
    const n = this.failures++;
    if (n === 0) return 0;
    const base = Math.min(this.spec.maxMs, this.spec.minMs * 2 ** (n - 1));
    return Math.round(Math.min(this.spec.maxMs, base * (1 + this.random() * this.spec.randomFactor)));
  }

  reset(): void {
    this.failures = 0;
  }
}
