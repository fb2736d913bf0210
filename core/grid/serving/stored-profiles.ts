/**
 * Measured profiles read from role `storage` (GetEntriesOfTimeSpan) into
 * typed arrays. A reply carries at most the store's own limit of entries and
 * says `truncated` when the span holds more; the reader then asks again from
 * just after the last timestamp it got (timestamps are unique per data
 * point in Storacle), so a month at one minute is read whatever the limit.
 * Several profiles are read concurrently, but only a few at a time: each
 * reply may be megabytes, and the store answers them one by one anyway.
 */
import { defer, from, mergeMap, type Observable } from 'rxjs';
import { BusError, RecipientFailureError } from '../../bus/errors.js';
import { ErrorReply, type EntriesReply, type GetEntriesOfTimeSpan } from '../../../schemas/generated/messages.js';
import type { Profile } from '../profiles/api.js';
import { GridRequestError } from './grid-error.js';

/** One profile to read: the id it gets (a monitoring point, a building) and the data point holding it. */
export interface StoredSeries {
  readonly id: string;
  readonly dataPoint: string;
}

/** Asks role storage; rejects with the BusError of a failed request. */
export type AskEntries = (request: GetEntriesOfTimeSpan) => Promise<EntriesReply>;

/** Profiles read at the same time by default. */
export const DEFAULT_READ_CONCURRENCY = 4;

/** Pages read for one profile at most: a guard against a store that keeps answering `truncated` without progress. */
const MAX_PAGES = 10_000;

/** The smallest double above `value`: where the next page starts. */
export function nextTimestamp(value: number): number {
  if (value === 0) return Number.MIN_VALUE;
  const bits = new Float64Array([value]);
  const view = new BigInt64Array(bits.buffer);
  view[0] = view[0]! + (value > 0 ? 1n : -1n);
  return bits[0]!;
}

/**
 * What a failed storage request means for the grid request: the data point
 * missing is NotFound (naming it and what it belongs to); storage absent,
 * silent, gone or refusing for a reason of its own is Unavailable.
 */
export function storageFailure(error: unknown, series: StoredSeries): GridRequestError {
  if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) {
    const reply = ErrorReply.decode(error.replyBody);
    if (reply.code === 'NotFound') {
      return new GridRequestError('NotFound', `the data point ${series.dataPoint} of ${series.id} is not in storage`, series.id);
    }
    return new GridRequestError('Unavailable', `storage refused to read ${series.dataPoint} of ${series.id}: ${reply.code}: ${reply.message ?? ''}`, series.id);
  }
  if (error instanceof BusError) {
    return new GridRequestError('Unavailable', `storage did not answer for ${series.dataPoint} of ${series.id} (${error.code}): ${error.message}`, series.id);
  }
  if (error instanceof GridRequestError) return error;
  return new GridRequestError('Unknown', `reading ${series.dataPoint} of ${series.id} failed: ${error instanceof Error ? error.message : String(error)}`, series.id);
}

/** Reads one data point's entries in [fromMs, toMs), page by page, into a Profile with the series' id. */
export async function readStoredProfile(series: StoredSeries, fromMs: number, toMs: number, ask: AskEntries): Promise<Profile> {
  let timestamps = new Float64Array(0);
  let values = new Float64Array(0);
  let count = 0;
  let pageFrom = fromMs;
  for (let page = 0; page < MAX_PAGES; page++) {
    let reply: EntriesReply;
    try {
      reply = await ask({ dataPoint: series.dataPoint, fromMs: pageFrom, toMs, limit: 0 });
    } catch (error) {
      throw storageFailure(error, series);
    }
    const entries = reply.entries ?? [];
    if (count + entries.length > timestamps.length) {
      // Doubling keeps a many-page read linear; the first page usually is the only one.
      const capacity = Math.max(count + entries.length, timestamps.length * 2);
      const grownTimestamps = new Float64Array(capacity);
      const grownValues = new Float64Array(capacity);
      grownTimestamps.set(timestamps.subarray(0, count));
      grownValues.set(values.subarray(0, count));
      timestamps = grownTimestamps;
      values = grownValues;
    }
    for (const entry of entries) {
      timestamps[count] = entry.timestampMs;
      values[count] = entry.value;
      count++;
    }
    if (!reply.truncated) return { id: series.id, timestamps: timestamps.subarray(0, count), values: values.subarray(0, count) };
    if (entries.length === 0) break;
    pageFrom = nextTimestamp(entries[entries.length - 1]!.timestampMs);
  }
  throw new GridRequestError('Unavailable', `storage kept answering truncated pages for ${series.dataPoint} of ${series.id} without reaching the end of the span`, series.id);
}

/** The series' profiles as they arrive (not in order), at most `concurrency` read at a time. */
export function storedProfiles$(series: readonly StoredSeries[], fromMs: number, toMs: number, ask: AskEntries, concurrency = DEFAULT_READ_CONCURRENCY): Observable<Profile> {
  return from(series).pipe(mergeMap((one) => defer(() => readStoredProfile(one, fromMs, toMs, ask)), concurrency));
}
