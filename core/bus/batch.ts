import { MalformedFrameError } from './envelope.js';

/**
 * Coalesces small messages with the same envelope (kind, target, type) into
 * one ZeroMQ message. zeromq.js pays its cost per message crossing into
 * native code, not per byte, so a batch of a few hundred 64-byte bodies costs
 * about what one message costs.
 *
 * Body frame layout: for each item a little-endian uint32 length, a uint32
 * correlation id (0 for publish and send), then the item's bytes.
 */
export const ITEM_HEADER = 8;
const FIRST_BYTES = 512;
const EMPTY: Buffer = Buffer.alloc(0);

export class BatchWriter {
  count = 0;
  length = 0;
  /** Latest deadline of any request in the batch (ms since epoch). */
  deadlineMs = 0;
  private buffer = EMPTY;

  append(body: Uint8Array, correlationId: number): void {
    const need = this.length + ITEM_HEADER + body.byteLength;
    if (need > this.buffer.byteLength) this.grow(need);
    const buf = this.buffer;
    buf.writeUInt32LE(body.byteLength, this.length);
    buf.writeUInt32LE(correlationId >>> 0, this.length + 4);
    buf.set(body, this.length + ITEM_HEADER);
    this.length = need;
    this.count++;
  }

  /**
   * The finished frame. The writer then starts over on a new buffer: the old
   * one may still be read by a zero-copy send in libzmq's I/O thread.
   */
  take(): Buffer {
    const frame = this.buffer.subarray(0, this.length);
    this.buffer = EMPTY;
    this.count = 0;
    this.length = 0;
    this.deadlineMs = 0;
    return frame;
  }

  /**
   * Small batches come from Node's shared pool (allocUnsafe below 4 KiB is a
   * pooled slice, no allocation of its own); large ones double as they fill.
   */
  private grow(need: number): void {
    let size = Math.max(this.buffer.byteLength * 2, FIRST_BYTES);
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}

/**
 * Calls `each` for every item of a batch frame, after checking that the items
 * exactly fill the frame; a frame that lies about its items throws
 * MalformedFrameError before any item is delivered, so nothing half-read leaks.
 */
export function forEachItem(frame: Uint8Array, count: number, each: (body: Uint8Array, correlationId: number) => void): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + ITEM_HEADER > frame.byteLength) throw new MalformedFrameError(`batch item ${i} of ${count} truncated`);
    const len = view.getUint32(at, true);
    at += ITEM_HEADER + len;
    if (at > frame.byteLength) throw new MalformedFrameError(`batch item ${i} of ${count} runs past the frame`);
  }
  if (at !== frame.byteLength) throw new MalformedFrameError(`batch of ${count} items leaves ${frame.byteLength - at} bytes over`);
  at = 0;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(at, true);
    const correlationId = view.getUint32(at + 4, true);
    each(frame.subarray(at + ITEM_HEADER, at + ITEM_HEADER + len), correlationId);
    at += ITEM_HEADER + len;
  }
}
