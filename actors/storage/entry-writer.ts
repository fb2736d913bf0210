// The one way an entry reaches the store, whether it came as an AddEntry request, an AddEntry
// send or a MeasurementEvent: checked, appended with its arrival time, and announced to the
// data point's observers once the store has acknowledged it (so an observer never sees an entry
// a crash could still take back).

import type { StoracleApi } from '../../core/storacle/store/api.js';
import { StoreError } from '../../core/storacle/store/api.js';
import type { CheckedBatch } from './batch-check.js';
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

  /**
   * Many entries of one data point (AddEntries): every entry is checked before any is
   * appended, so a bad one refuses the whole request and stores nothing; the appends of one
   * call share one group commit. Resolves with the counts once all are acknowledged.
   */
  writeMany(dataPoint: string, timestamps: readonly number[], values: readonly number[], limit: number): Promise<{ appended: number; duplicates: number }> {
    checkDataPointName(dataPoint);
    if (timestamps.length !== values.length) {
      throw new StoreError('InvalidArgument', `timestamps_ms has ${timestamps.length} entries but values has ${values.length}; they pair by index`, dataPoint);
    }
    if (timestamps.length > limit) {
      throw new StoreError('InvalidArgument', `${timestamps.length} entries in one AddEntries; at most ${limit} (maxEntriesPerReply) — split the request`, dataPoint);
    }
    for (let i = 0; i < timestamps.length; i++) checkTimestamp(timestamps[i]!, `timestamps_ms[${i}]`, dataPoint);
    const store = this.store();
    if (!store.exists(dataPoint)) throw new StoreError('NotFound', `no data point ${dataPoint}; create it first (CreateDataPoint)`, dataPoint);
    const arrivalMs = this.now();
    const acks: Promise<AppendOutcome>[] = new Array<Promise<AppendOutcome>>(timestamps.length);
    for (let i = 0; i < timestamps.length; i++) {
      const timestampMs = timestamps[i]!;
      const value = values[i]!;
      acks[i] = store.append(dataPoint, timestampMs, value, arrivalMs).then((outcome) => {
        if (outcome === 'appended') this.events.entryAdded(dataPoint, timestampMs, value, arrivalMs);
        return outcome;
      });
    }
    return Promise.all(acks).then((outcomes) => {
      let appended = 0;
      for (const outcome of outcomes) if (outcome === 'appended') appended++;
      return { appended, duplicates: outcomes.length - appended };
    });
  }

  /**
   * Entries of many data points (AddEntryBatch, a gateway's flush): entry i belongs to
   * dataPoints[pointIndex[i]]. The whole batch is checked before anything is appended (see
   * ./batch-check.ts), then the entries are appended in their order, sharing one group commit.
   * EntryAdded goes out per appended entry, like AddEntries, but from one loop after the single
   * acknowledgement instead of one continuation per entry (cheap at tens of thousands a second).
   */
  writeBatch(batch: CheckedBatch): Promise<{ appended: number; duplicates: number }> {
    const store = this.store();
    const { dataPoints, pointIndex, timestamps, values } = batch;
    const arrivalMs = this.now();
    const acks: Promise<AppendOutcome>[] = new Array<Promise<AppendOutcome>>(timestamps.length);
    for (let i = 0; i < timestamps.length; i++) {
      try {
        acks[i] = store.append(dataPoints[pointIndex[i]!]!, timestamps[i]!, values[i]!, arrivalMs);
      } catch (error) {
        // Only the store knows its sealed chunks: an entry older than one it has sealed is refused
        // here, after the entries before it were appended (said in the README).
        if (error instanceof StoreError) throw new StoreError(error.code, `entry ${i}: ${error.message}`, dataPoints[pointIndex[i]!]);
        throw error;
      }
    }
    return Promise.all(acks).then((outcomes) => {
      let appended = 0;
      for (let i = 0; i < outcomes.length; i++) {
        if (outcomes[i] !== 'appended') continue;
        appended++;
        this.events.entryAdded(dataPoints[pointIndex[i]!]!, timestamps[i]!, values[i]!, arrivalMs);
      }
      return { appended, duplicates: outcomes.length - appended };
    });
  }
}
