// GetDownsampled: M4 of a span for a chart `pixels` wide (Storacle's m4(): per time bucket the
// first, last, smallest and largest entry), so a browser draws a month of 1 Hz data from at most
// 4 * pixels entries instead of 2.6 million.
//
// source_entries is told only when it costs little: a span covering every entry of the data point
// takes the catalogue's entry count; a span holding at most COUNTED_SPAN_LIMIT entries is counted
// by reading them (bounded work); anything larger answers 0 rather than decoding the span twice.

import { StoreError } from '../../core/storacle/store/api.js';
import type { DownsampledReply, GetDownsampled } from '../../schemas/generated/messages.js';
import { requireDataPoint } from './data-point-requests.js';
import { checkTimestamp } from './request-checks.js';
import type { StorageContext } from './storage-context.js';

export const MAX_PIXELS = 100_000;
/** Spans with at most this many entries get an exact source_entries. */
export const COUNTED_SPAN_LIMIT = 100_000;

export class DownsampledRequest {
  constructor(private readonly context: StorageContext) {}

  answer(request: GetDownsampled): DownsampledReply {
    const name = request.dataPoint;
    requireDataPoint(this.context, name);
    const from = checkTimestamp(request.fromMs, 'from_ms', name);
    const to = checkTimestamp(request.toMs, 'to_ms', name);
    if (from >= to) throw new StoreError('InvalidArgument', `from_ms ${from} must be before to_ms ${to} (the span is half-open and may not be empty)`, name);
    const pixels = request.pixels;
    if (!Number.isInteger(pixels) || pixels < 1 || pixels > MAX_PIXELS) {
      throw new StoreError('InvalidArgument', `pixels is ${pixels}; it must be 1 to ${MAX_PIXELS}`, name);
    }
    const store = this.context.store();
    const kept = store.m4(name, from, to, pixels);
    return {
      dataPoint: name,
      timestampsMs: Array.from(kept.timestamps),
      values: Array.from(kept.values),
      sourceEntries: this.sourceEntries(name, from, to),
    };
  }

  private sourceEntries(name: string, from: number, to: number): number {
    const store = this.context.store();
    const info = store.info(name);
    if (info.firstTimestampMs === undefined || info.lastTimestampMs === undefined) return 0;
    if (to <= info.firstTimestampMs || from > info.lastTimestampMs) return 0;
    if (from <= info.firstTimestampMs && to > info.lastTimestampMs) return info.entryCount;
    const counted = store.range(name, from, to, COUNTED_SPAN_LIMIT);
    return counted.truncated ? 0 : counted.timestamps.length;
  }
}
