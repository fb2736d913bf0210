import { Module, type Declarations } from '../../../core/actor/index.js';
import type { BusError } from '../../../core/bus/index.js';
import { CreateDataPoint, MeasurementEvent } from '../../../schemas/generated/messages.js';

export interface GeneratorSettings {
  /** The data point it measures. */
  dataPoint: string;
  /** The tag the data point is created with. */
  tag: string;
  /** Where the measurements go. */
  topic: string;
  intervalMs: number;
  /** The simulated voltage swings around this value. */
  nominalVolts: number;
}

/**
 * The introductory use case of the Gridlink paper, part one: a meter that
 * makes sure its data point exists on role `storage` (asking again until a
 * storage module answers) and publishes a MeasurementEvent every interval on
 * topic `measurements`.
 */
export default class Generator extends Module<GeneratorSettings> {
  static override info = { name: 'generator', version: '0.1.0', description: 'publishes simulated voltage measurements of meterA.u1' };
  static override defaults: Record<string, unknown> = {
    dataPoint: 'meterA.u1',
    tag: 'voltage',
    topic: 'measurements',
    intervalMs: 1000,
    nominalVolts: 230,
  } satisfies GeneratorSettings;

  private created = false;
  private published = 0;
  private lastFailure = '';

  override declare(on: Declarations): void {
    on.publishes(this.config.topic);
  }

  override start(): void {
    void this.ensureDataPoint();
    this.every(this.config.intervalMs, () => {
      if (!this.created) void this.ensureDataPoint();
      this.measure();
    });
  }

  override configChanged(next: GeneratorSettings, previous: GeneratorSettings): void {
    if (next.dataPoint !== previous.dataPoint || next.tag !== previous.tag) this.created = false;
    this.log.info('settings changed', { dataPoint: next.dataPoint, intervalMs: next.intervalMs });
  }

  override saveState(): unknown {
    return { published: this.published };
  }

  override restoreState(state: unknown): void {
    const published = (state as { published?: unknown } | undefined)?.published;
    if (typeof published === 'number') this.published = published;
  }

  /** Storage may come later than the generator: say so once, then retry quietly. */
  override onError(error: BusError): void {
    if (error.code === this.lastFailure) {
      this.log.debug('storage still not answering', { code: error.code });
      return;
    }
    this.lastFailure = error.code;
    this.log.warn(`cannot create the data point yet (${error.code}); retrying at every measurement`, { detail: error.message });
  }

  private async ensureDataPoint(): Promise<void> {
    const { dataPoint, tag } = this.config;
    const reply = await this.request('storage', CreateDataPoint, { dataPoint, tags: [tag], unit: 'V', existOk: true }, { timeoutMs: 5000 });
    if (reply && !this.created) {
      this.created = true;
      this.lastFailure = '';
      this.log.info('data point ready on role storage', { dataPoint, tag, storage: reply.message ?? 'ok' });
    }
  }

  private measure(): void {
    const { dataPoint, topic, nominalVolts } = this.config;
    // A slow daily-like swing plus noise, so plots look like a feeder.
    const t = Date.now();
    const value = nominalVolts + 4 * Math.sin(t / 60_000) + (Math.random() - 0.5);
    this.publish(topic, MeasurementEvent, { dataPoint, timestampMs: t, value: Math.round(value * 100) / 100 });
    this.published++;
    if (this.published % 60 === 1) this.log.info('publishing', { dataPoint, topic, published: this.published });
  }
}
