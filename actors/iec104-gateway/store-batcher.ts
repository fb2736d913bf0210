// Collects the gateway's values and writes them to storage in AddEntryBatch requests: every
// flushIntervalMs, or as soon as maxBatch are waiting. Storage's data points are created first
// (CreateDataPoint exist_ok). Nothing is given up because storage is slow or away: a batch that
// fails stays at the front of the queue and is tried again with a growing pause; only when more
// than maxPending values wait are the oldest dropped, counted and logged. A batch storage refuses
// for its content is split in halves until the refused entry is alone; that one entry is dropped
// (and logged) so one bad value never holds back the others.

import type { Logger } from '../../core/log/logger.js';
import type { AddEntryBatch } from '../../schemas/generated/messages.js';
import { StorageFailure, toStorageFailure, type DataPointSpec, type StorageClient } from './storage-client.js';

export interface StoreBatcherOptions {
  readonly client: StorageClient;
  readonly log: Logger;
  readonly dataPoints: readonly DataPointSpec[];
  readonly flushIntervalMs: number;
  readonly maxBatch: number;
  readonly maxPending: number;
  readonly retryMaxMs: number;
}

export interface StoreBatcherCounters {
  /** Entries storage acknowledged (appended or duplicates of stored ones). */
  stored: number;
  /** Entries waiting, the batch in flight included. */
  pending: number;
  /** Entries dropped because more than maxPending waited. */
  dropped: number;
  /** Entries storage refused on their own (after splitting), dropped. */
  refused: number;
  /** Batches that failed and were tried again. */
  retries: number;
  batches: number;
  /** Data points created (or found existing) at storage. */
  created: number;
}

const FIRST_RETRY_MS = 100;
const CREATE_CONCURRENCY = 16;
/** Repeated warnings (drops, an ongoing outage) are summarised at most this often. */
const SUMMARY_EVERY_MS = 30_000;

/** The waiting entries, oldest first, in three parallel columns consumed from `head`. */
class EntryQueue {
  private names: string[] = [];
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;

  get length(): number {
    return this.names.length - this.head;
  }

  push(name: string, timeMs: number, value: number): void {
    this.names.push(name);
    this.times.push(timeMs);
    this.values.push(value);
  }

  /** The first `count` entries after `skip` as an AddEntryBatch (data points in order of appearance). */
  batch(count: number): AddEntryBatch {
    const index = new Map<string, number>();
    const dataPoints: string[] = [];
    const pointIndex = new Array<number>(count);
    const start = this.head;
    for (let i = 0; i < count; i++) {
      const name = this.names[start + i];
      let at = index.get(name);
      if (at === undefined) {
        at = dataPoints.length;
        index.set(name, at);
        dataPoints.push(name);
      }
      pointIndex[i] = at;
    }
    return { dataPoints, pointIndex, timestampsMs: this.times.slice(start, start + count), values: this.values.slice(start, start + count) };
  }

  entry(offset: number): { name: string; timeMs: number; value: number } {
    const at = this.head + offset;
    return { name: this.names[at], timeMs: this.times[at], value: this.values[at] };
  }

  /** Removes `count` entries starting `from` entries after the head. */
  remove(from: number, count: number): void {
    if (count <= 0) return;
    if (from === 0) {
      this.head += count;
      if (this.head > 4096 && this.head * 2 > this.names.length) this.compact();
      return;
    }
    const at = this.head + from;
    this.names.splice(at, count);
    this.times.splice(at, count);
    this.values.splice(at, count);
  }

  private compact(): void {
    this.names = this.names.slice(this.head);
    this.times = this.times.slice(this.head);
    this.values = this.values.slice(this.head);
    this.head = 0;
  }
}

export class StoreBatcher {
  readonly counters: StoreBatcherCounters = { stored: 0, pending: 0, dropped: 0, refused: 0, retries: 0, batches: 0, created: 0 };
  private readonly queue = new EntryQueue();
  private readonly options: StoreBatcherOptions;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  /** Entries at the front of the queue that are in the request under way (0: none). */
  private inFlight = 0;
  private flushing: Promise<void> | undefined;
  private pointsReady = false;
  private creating: Promise<void> | undefined;
  /** The largest batch to send now: maxBatch, halved while looking for a refused entry. */
  private batchLimit: number;
  private retryDelayMs = 0;
  private outageSince: number | undefined;
  private lastOutageLog = 0;
  private lastDropLog = 0;
  private droppedSinceLog = 0;
  private stopped = false;
  /** The data points were created again after storage did not know one, and no batch passed since. */
  private recreatedSinceSuccess = false;

  constructor(options: StoreBatcherOptions) {
    this.options = options;
    this.log = options.log;
    this.batchLimit = options.maxBatch;
  }

  /** Creates the data points at storage (tried again until it answers) and starts the periodic flush. */
  start(): void {
    this.timer = setInterval(() => this.flushSoon(), this.options.flushIntervalMs);
    this.timer.unref?.();
    void this.ensurePoints();
  }

  add(dataPoint: string, timestampMs: number, value: number): void {
    if (this.stopped) return;
    this.queue.push(dataPoint, timestampMs, value);
    const waiting = this.queue.length;
    if (waiting > this.options.maxPending) this.dropOldest(waiting - this.options.maxPending);
    this.counters.pending = this.queue.length;
    if (this.queue.length - this.inFlight >= this.options.maxBatch) this.flushSoon();
  }

  /** Sends what waits now (after the current turn, so values of one ASDU burst go together). */
  flushSoon(): void {
    if (this.soon !== undefined || this.stopped) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      void this.flush();
    });
  }

  /** One flush at a time; resolves when the queue was offered to storage once (or storage is in a retry pause). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timers; tries to hand the rest to storage within `timeoutMs`. Returns how many were left. */
  async stop(timeoutMs: number): Promise<number> {
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    if (this.soon) clearImmediate(this.soon);
    this.soon = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 && this.pointsReady && this.retryTimer === undefined && Date.now() < deadline) {
      const before = this.counters.stored;
      await Promise.race([this.flush(), new Promise((resolve) => setTimeout(resolve, Math.max(1, deadline - Date.now())))]);
      if (this.counters.stored === before) break;
    }
    this.stopped = true;
    clearTimeout(this.retryTimer);
    return this.queue.length;
  }

  private async flushLoop(): Promise<void> {
    if (!this.pointsReady) return void this.ensurePoints();
    while (this.queue.length > 0 && this.retryTimer === undefined && !this.stopped) {
      const count = Math.min(this.queue.length, this.batchLimit);
      this.inFlight = count;
      const batch = this.queue.batch(count);
      try {
        await this.options.client.addBatch(batch);
        this.queue.remove(0, count);
        this.counters.stored += count;
        this.counters.batches++;
        this.recovered();
        this.recreatedSinceSuccess = false;
        // After a split found (or passed) the refused entry, grow back towards maxBatch.
        if (this.batchLimit < this.options.maxBatch) this.batchLimit = Math.min(this.options.maxBatch, this.batchLimit * 2);
      } catch (error) {
        const failure = toStorageFailure(error);
        if (failure.kind === 'closed') {
          this.stopped = true;
          return;
        }
        if (!this.failed(failure, count)) return;
      } finally {
        this.inFlight = 0;
        this.counters.pending = this.queue.length;
      }
      // Only a full batch continues at once; a partial one waits for more (the next tick).
      if (this.queue.length < this.batchLimit && this.batchLimit === this.options.maxBatch) return;
    }
  }

  /** Decides what a failed batch of `count` entries means; true: go on sending now. */
  private failed(failure: StorageFailure, count: number): boolean {
    if (failure.kind === 'unknown-point' && !this.recreatedSinceSuccess) {
      // Storage forgot a data point (an in-memory storage restarted): create them all again, then retry.
      this.recreatedSinceSuccess = true;
      this.log.warn('storage does not know a data point: creating the data points again', { dataPoint: failure.dataPoint ?? '', reason: failure.message });
      this.pointsReady = false;
      void this.ensurePoints();
      return false;
    }
    // Unknown even after creating them again: the point was not created (refused), so its entries are refused too.
    if (failure.kind === 'refused' || failure.kind === 'unknown-point') {
      if (count > 1) {
        this.batchLimit = Math.ceil(count / 2);
        this.log.debug('storage refused a batch; splitting it to find the refused entry', { entries: count, next: this.batchLimit, reason: failure.message });
        return true;
      }
      const entry = this.queue.entry(0);
      this.queue.remove(0, 1);
      this.counters.refused++;
      this.log.warn('storage refused a value: dropped', { dataPoint: entry.name, timestampMs: entry.timeMs, value: entry.value, reason: failure.message });
      return true;
    }
    this.counters.retries++;
    this.retryDelayMs = this.retryDelayMs === 0 ? FIRST_RETRY_MS : Math.min(this.options.retryMaxMs, this.retryDelayMs * 2);
    const now = Date.now();
    if (this.outageSince === undefined) {
      this.outageSince = now;
      this.lastOutageLog = now;
      this.log.warn('storage did not take a batch: keeping the values and trying again', { entries: count, waiting: this.queue.length, retryMs: this.retryDelayMs, reason: failure.message });
    } else if (now - this.lastOutageLog >= SUMMARY_EVERY_MS) {
      this.lastOutageLog = now;
      this.log.warn('storage still does not take values', { sinceMs: now - this.outageSince, waiting: this.queue.length, dropped: this.counters.dropped, reason: failure.message });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, this.retryDelayMs);
    return false;
  }

  private recovered(): void {
    this.retryDelayMs = 0;
    if (this.outageSince === undefined) return;
    this.log.info('storage takes values again', { afterMs: Date.now() - this.outageSince, waiting: this.queue.length - this.inFlight, dropped: this.counters.dropped });
    this.outageSince = undefined;
  }

  /** Drops the oldest entries not in the request under way. */
  private dropOldest(count: number): void {
    this.queue.remove(this.inFlight, count);
    this.counters.dropped += count;
    this.droppedSinceLog += count;
    const now = Date.now();
    if (this.lastDropLog === 0 || now - this.lastDropLog >= SUMMARY_EVERY_MS) {
      this.log.warn('too many values wait for storage: the oldest are dropped', { dropped: this.droppedSinceLog, droppedTotal: this.counters.dropped, maxPending: this.options.maxPending });
      this.lastDropLog = now;
      this.droppedSinceLog = 0;
    }
  }

  /** Creates every data point (exist_ok); on failure tries again after a pause; then flushes. */
  private ensurePoints(): Promise<void> {
    this.creating ??= this.createPoints().finally(() => {
      this.creating = undefined;
    });
    return this.creating;
  }

  private async createPoints(): Promise<void> {
    let delay = FIRST_RETRY_MS * 5;
    let logged = false;
    while (!this.stopped) {
      try {
        const points = this.options.dataPoints;
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < points.length) {
            const point = points[next++];
            try {
              await this.options.client.create(point);
            } catch (error) {
              const failure = toStorageFailure(error);
              if (failure.kind !== 'refused') throw failure;
              // Its values will be refused one by one and logged; the other points go on.
              this.log.error('storage refused to create a data point', { dataPoint: point.name, reason: failure.message });
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(CREATE_CONCURRENCY, points.length) }, worker));
        this.counters.created = points.length;
        this.pointsReady = true;
        if (logged) this.log.info('data points created at storage', { count: points.length });
        this.flushSoon();
        return;
      } catch (error) {
        const failure = toStorageFailure(error);
        if (failure.kind === 'closed') return;
        if (!logged) this.log.warn('could not create the data points at storage yet: values wait', { reason: failure.message, waiting: this.queue.length });
        logged = true;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(this.options.retryMaxMs, delay * 2);
      }
    }
  }
}
