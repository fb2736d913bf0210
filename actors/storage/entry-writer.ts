// The one way an entry reaches the store, whether it came as an AddEntry request, an AddEntry
// send or a MeasurementEvent: checked, appended with its arrival time, and announced to the
// data point's observers once the store has acknowledged it (so an observer never sees an entry
// a crash could still take back).

import type { StoracleApi } from '../../core/storacle/store/api.js';
import { StoreError } from '../../core/storacle/store/api.js';
import type { ObserverEvents } from './observer-events.js';
import { checkDataPointName, checkTimestamp } from './request-checks.js';

export type AppendOutcome = 'appended' | 'duplicate';

export class EntryWriter {
  constructor(
    private readonly store: () => StoracleApi,
    private readonly events: ObserverEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Throws StoreError at once for a bad entry or an unknown data point; otherwise returns the
   * store's acknowledgement (per its ack mode), which may still reject (a refused entry, a disk
   * failure).
   */
  write(dataPoint: string, timestampMs: number, value: number): Promise<AppendOutcome> {
    checkDataPointName(dataPoint);
    checkTimestamp(timestampMs, 'timestamp_ms', dataPoint);
    const store = this.store();
    if (!store.exists(dataPoint)) throw new StoreError('NotFound', `no data point ${dataPoint}; create it first (CreateDataPoint)`, dataPoint);
    const arrivalMs = this.now();
    return store.append(dataPoint, timestampMs, value, arrivalMs).then((outcome) => {
      if (outcome === 'appended') this.events.entryAdded(dataPoint, timestampMs, value, arrivalMs);
      return outcome;
    });
  }
}
