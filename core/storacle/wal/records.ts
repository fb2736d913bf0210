// The payload of a frame: the records of one group, in the order they were appended, as runs
//
//   entry run: [kind u8 = 1][count u32 LE][count x (seriesId u32, timestampMs f64, value f64, arrivalMs f64)]
//   meta run:  [kind u8 = 2][length u32 LE][length opaque bytes]
//
// Entries are fixed 28-byte records: writing them is four DataView stores and no allocation,
// and a short-lived log does not need the codec's compression. Consecutive entries share one
// run header, so the per-entry cost stays 28 bytes while meta records still interleave in order.

export const RUN_ENTRIES = 1;
export const RUN_META = 2;
export const RUN_HEADER_BYTES = 5;
export const ENTRY_BYTES = 28;

/** What replay hands each record to (the public WalVisitor has the same shape). */
export interface RecordSink {
  entry(seriesId: number, timestampMs: number, value: number, arrivalMs: number): void;
  meta(payload: Uint8Array): void;
}

/** Why a CRC-valid payload is still not a sequence of runs (a writer bug), or undefined if it is. */
export function payloadDefect(view: DataView, start: number, end: number): string | undefined {
  let at = start;
  while (at < end) {
    if (end - at < RUN_HEADER_BYTES) return `run header cut at payload byte ${at - start}`;
    const kind = view.getUint8(at);
    const count = view.getUint32(at + 1, true);
    const bytes = kind === RUN_ENTRIES ? count * ENTRY_BYTES : kind === RUN_META ? count : -1;
    if (bytes < 0) return `unknown run kind ${kind} at payload byte ${at - start}`;
    if (bytes > end - at - RUN_HEADER_BYTES) return `run longer than its frame at payload byte ${at - start}`;
    at += RUN_HEADER_BYTES + bytes;
  }
  return undefined;
}

/** Walks a payload that {@link payloadDefect} accepted; returns the number of records. */
export function replayPayload(bytes: Uint8Array, view: DataView, start: number, end: number, sink: RecordSink): number {
  let records = 0;
  let at = start;
  while (at < end) {
    const kind = view.getUint8(at);
    const count = view.getUint32(at + 1, true);
    at += RUN_HEADER_BYTES;
    if (kind === RUN_ENTRIES) {
      for (let i = 0; i < count; i++, at += ENTRY_BYTES) {
        sink.entry(view.getUint32(at, true), view.getFloat64(at + 4, true), view.getFloat64(at + 12, true), view.getFloat64(at + 20, true));
      }
      records += count;
    } else {
      // A copy: the segment's buffer is dropped after replay, the store may keep the payload.
      sink.meta(bytes.slice(at, at + count));
      at += count;
      records++;
    }
  }
  return records;
}
