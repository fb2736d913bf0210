// One group commit being filled: the records of every append of a turn (or of the max delay)
// encoded straight into a reusable Buffer behind a reserved frame header, and the one promise
// all of them share. No object is allocated per record; the buffer doubles when full and is
// reused by a later group once its write is done.
import { FRAME_HEADER_BYTES, sealFrame } from './frame.js';
import { ENTRY_BYTES, RUN_ENTRIES, RUN_HEADER_BYTES, RUN_META } from './records.js';

const INITIAL_GROUP_BYTES = 64 * 1024;

export class Group {
  bytes: Buffer;
  private view: DataView;
  /** Bytes used, the reserved frame header included. */
  used = FRAME_HEADER_BYTES;
  records = 0;
  entries = 0;
  private runKind = 0;
  private runCountAt = 0;
  private runCount = 0;
  private settled: Promise<void> | undefined;
  private resolveSettled: (() => void) | undefined;
  private rejectSettled: ((error: Error) => void) | undefined;

  constructor(initialBytes = INITIAL_GROUP_BYTES) {
    this.bytes = Buffer.allocUnsafe(Math.max(initialBytes, FRAME_HEADER_BYTES + RUN_HEADER_BYTES + ENTRY_BYTES));
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  /** The promise every record of this group gets; created with the group's first record. */
  get promise(): Promise<void> {
    if (this.settled === undefined) {
      this.settled = new Promise<void>((resolve, reject) => {
        this.resolveSettled = resolve;
        this.rejectSettled = reject;
      });
      // A caller that drops its promise must not turn an I/O error into an unhandled
      // rejection that kills the process; callers that await it still see the rejection.
      this.settled.catch(() => undefined);
    }
    return this.settled;
  }

  appendEntry(seriesId: number, timestampMs: number, value: number, arrivalMs: number): void {
    if (this.runKind !== RUN_ENTRIES) this.startRun(RUN_ENTRIES, ENTRY_BYTES);
    else if (this.used + ENTRY_BYTES > this.bytes.length) this.grow(ENTRY_BYTES);
    const view = this.view;
    const at = this.used;
    view.setUint32(at, seriesId, true);
    view.setFloat64(at + 4, timestampMs, true);
    view.setFloat64(at + 12, value, true);
    view.setFloat64(at + 20, arrivalMs, true);
    this.used = at + ENTRY_BYTES;
    this.runCount++;
    this.records++;
    this.entries++;
  }

  appendMeta(payload: Uint8Array): void {
    this.finishRun();
    const needed = RUN_HEADER_BYTES + payload.length;
    if (this.used + needed > this.bytes.length) this.grow(needed);
    // A meta run holds exactly one record, so its count field is its byte length.
    this.view.setUint8(this.used, RUN_META);
    this.view.setUint32(this.used + 1, payload.length, true);
    this.bytes.set(payload, this.used + RUN_HEADER_BYTES);
    this.used += needed;
    this.records++;
  }

  /** Completes the frame; returns its length in bytes (from offset 0 of `bytes`). */
  seal(): number {
    this.finishRun();
    sealFrame(this.view, this.bytes, 0, this.used - FRAME_HEADER_BYTES);
    return this.used;
  }

  resolve(): void {
    this.resolveSettled?.();
  }

  reject(error: Error): void {
    this.rejectSettled?.(error);
  }

  /** Empties the group for reuse; its buffer stays. */
  reset(): void {
    this.used = FRAME_HEADER_BYTES;
    this.records = 0;
    this.entries = 0;
    this.runKind = 0;
    this.runCount = 0;
    this.settled = undefined;
    this.resolveSettled = undefined;
    this.rejectSettled = undefined;
  }

  private startRun(kind: number, firstRecordBytes: number): void {
    this.finishRun();
    if (this.used + RUN_HEADER_BYTES + firstRecordBytes > this.bytes.length) this.grow(RUN_HEADER_BYTES + firstRecordBytes);
    this.view.setUint8(this.used, kind);
    this.runKind = kind;
    this.runCountAt = this.used + 1;
    this.runCount = 0;
    this.used += RUN_HEADER_BYTES;
  }

  /** Writes the count of the open entry run, if any; the next entry starts a new run. */
  private finishRun(): void {
    if (this.runKind === RUN_ENTRIES) this.view.setUint32(this.runCountAt, this.runCount, true);
    this.runKind = 0;
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < this.used + needed) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }
}
