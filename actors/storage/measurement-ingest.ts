// MeasurementEvents on the measurement topics (and AddEntry sent without a reply wanted) are
// stored like AddEntry, but nobody hears of a failure: the module counts every refused entry and
// logs it at most once a minute per data point and reason. Unknown data points are not created.

import type { MessageMeta } from '../../core/actor/index.js';
import { StoreError } from '../../core/storacle/store/api.js';
import type { EntryWriter } from './entry-writer.js';
import type { ThrottledLog } from './throttled-log.js';

export class MeasurementIngest {
  constructor(
    private readonly writer: EntryWriter,
    private readonly refusals: ThrottledLog,
  ) {}

  /** Entries refused so far (unknown data point, bad timestamp, store failure). */
  get refused(): number {
    return this.refusals.count;
  }

  /** Stores the entry without waiting for its acknowledgement (no one waits for it). */
  take(dataPoint: string, timestampMs: number, value: number, meta: MessageMeta, via: string): void {
    try {
      this.writer.write(dataPoint, timestampMs, value).catch((error: unknown) => this.refuse(dataPoint, error, meta, via));
    } catch (error) {
      this.refuse(dataPoint, error, meta, via);
    }
  }

  private refuse(dataPoint: string, error: unknown, meta: MessageMeta, via: string): void {
    const code = error instanceof StoreError ? error.code : 'Internal';
    const message = error instanceof Error ? error.message : String(error);
    const what = code === 'NotFound' ? `${via} for an unknown data point dropped (data points are not created implicitly)` : `${via} refused`;
    this.refusals.warn(`${code}\u0000${dataPoint}`, `${what}; logged at most once a minute per data point`, { dataPoint, code, reason: message, sender: meta.sender });
  }
}
