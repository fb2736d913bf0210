// Requests that read entries: GetMostRecentEntry and GetEntriesOfTimeSpan. (AddEntry goes
// through ./entry-writer.ts.) A span holding more entries than one reply may carry is answered
// with the oldest ones and truncated: true, so the caller pages on; it is not an error.

import type { EntriesReply, Entry, GetEntriesOfTimeSpan, GetMostRecentEntry, MostRecentEntryReply } from '../../schemas/generated/messages.js';
import { requireDataPoint } from './data-point-requests.js';
import { checkSpan } from './request-checks.js';
import type { StorageContext } from './storage-context.js';

export class EntryRequests {
  constructor(private readonly context: StorageContext) {}

  mostRecent(request: GetMostRecentEntry): MostRecentEntryReply {
    requireDataPoint(this.context, request.dataPoint);
    const point = this.context.store().mostRecent(request.dataPoint);
    const reply: MostRecentEntryReply = { dataPoint: request.dataPoint };
    if (point) reply.entry = { timestampMs: point.timestampMs, value: point.value };
    return reply;
  }

  /** limit 0 means the module's own limit (maxEntriesPerReply); a larger limit is capped to it. */
  entriesOfTimeSpan(request: GetEntriesOfTimeSpan): EntriesReply {
    const name = request.dataPoint;
    requireDataPoint(this.context, name);
    const span = checkSpan(request.fromMs, request.toMs, name);
    const ceiling = this.context.settings().maxEntriesPerReply;
    const limit = request.limit > 0 ? Math.min(request.limit, ceiling) : ceiling;
    const result = this.context.store().range(name, span.fromMs, span.toMs, limit);
    const entries: Entry[] = new Array<Entry>(result.timestamps.length);
    for (let i = 0; i < entries.length; i++) entries[i] = { timestampMs: result.timestamps[i]!, value: result.values[i]! };
    return { dataPoint: name, entries, truncated: result.truncated };
  }
}
