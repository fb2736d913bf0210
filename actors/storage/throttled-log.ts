// Failures that arrive as a stream (measurements of an unknown data point, AddEntry sends that
// cannot be answered) are counted always and logged at most once per key and interval, so a
// misconfigured meter publishing every 100 ms does not fill the log.

import type { Logger } from '../../core/log/logger.js';

/** Keys remembered at most; beyond, failures are still counted but logged under one shared key. */
const MAX_KEYS = 10_000;

export class ThrottledLog {
  private readonly lastLogged = new Map<string, { atMs: number; suppressed: number }>();
  private total = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Failures seen so far (logged or not). */
  get count(): number {
    return this.total;
  }

  warn(key: string, message: string, fields: Record<string, unknown>): void {
    this.total++;
    const slot = this.lastLogged.has(key) || this.lastLogged.size < MAX_KEYS ? key : '\u0000other';
    const now = this.now();
    const last = this.lastLogged.get(slot);
    if (last && now - last.atMs < this.intervalMs) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.lastLogged.set(slot, { atMs: now, suppressed: 0 });
    this.log.warn(message, { ...fields, ...(suppressed > 0 ? { sinceLastLog: suppressed } : {}), total: this.total });
  }
}
