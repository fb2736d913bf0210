import { Module } from '../../../core/actor/index.js';
import type { BusError } from '../../../core/bus/index.js';
import { GetMostRecentEntry } from '../../../schemas/generated/messages.js';

export interface MonitorSettings {
  dataPoint: string;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * The introductory use case, part two: every second it asks role `storage`
 * for the most recent entry of meterA.u1, with a 5 s timeout, and leaves every
 * failure (no storage, timeout, error reply) to the module's default error
 * handler.
 */
export default class Monitor extends Module<MonitorSettings> {
  static override info = { name: 'monitor', version: '0.1.0', description: 'asks storage for the latest value of meterA.u1 every second' };
  static override defaults: Record<string, unknown> = { dataPoint: 'meterA.u1', intervalMs: 1000, timeoutMs: 5000 } satisfies MonitorSettings;

  private failures = 0;
  private streak = 0;

  override start(): void {
    this.every(this.config.intervalMs, () => this.poll());
  }

  /**
   * The default error handler: every failed request ends here. It logs the
   * first failure of a streak and then every tenth, so an absent storage
   * does not flood the log.
   */
  override onError(error: BusError): void {
    this.failures++;
    this.streak++;
    if (this.streak === 1 || this.streak % 10 === 0) {
      this.log.warn(`storage did not answer (${error.code})`, { failures: this.failures, streak: this.streak, detail: error.message });
    }
  }

  private async poll(): Promise<void> {
    const { dataPoint, timeoutMs } = this.config;
    const reply = await this.request('storage', GetMostRecentEntry, { dataPoint }, { timeoutMs });
    if (!reply) return;
    if (this.streak > 0) this.log.info('storage answers again', { after: this.streak });
    this.streak = 0;
    if (reply.entry) {
      this.log.info('most recent entry', { dataPoint, value: reply.entry.value, ageMs: Date.now() - reply.entry.timestampMs });
    } else {
      this.log.info('no entry yet', { dataPoint });
    }
  }
}
