// GetDownsampled: M4 of a span for a chart `pixels` wide (Storacle's m4(): per time bucket the
// first, last, smallest and largest entry), so a browser draws a month of 1 Hz data from at most
// 4 * pixels entries instead of 2.6 million.
//
// source_entries is the count m4 takes while it reads the span (exact for any span, at no extra
// cost: no second pass over the entries).

import { StoreError } from '../../core/storacle/store/api.js';
import type { DownsampledReply, GetDownsampled } from '../../schemas/generated/messages.js';
import { requireDataPoint } from './data-point-requests.js';
import { checkTimestamp } from './request-checks.js';
import type { StorageContext } from './storage-context.js';

export const MAX_PIXELS = 100_000;

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
    const kept = this.context.store().m4(name, from, to, pixels);
    return {
      dataPoint: name,
      timestampsMs: Array.from(kept.timestamps),
      values: Array.from(kept.values),
      sourceEntries: kept.sourceEntries,
    };
  }
}
