// Splits the TCP byte stream of one connection into whole APDUs by the start and length octets.
import { Iec104ProtocolError } from './api.js';
import { CONTROL_SIZE, MAX_APDU_LENGTH, START_BYTE } from './apci.js';

/**
 * Feed it the socket's chunks; it returns the frames completed by each chunk (start octet to the
 * last octet, ready for decodeApdu). Each frame is a fresh copy: it never aliases a chunk, so the
 * caller may reuse its buffers. Throws Iec104ProtocolError (offset = position in the stream since
 * the first push) on a start octet other than 0x68 or a length octet < 4 or > 253; after that the
 * stream cannot be resynchronised and the connection must close.
 */
export class FrameReader {
  /** Bytes of an incomplete frame carried over from earlier chunks. */
  private pending = new Uint8Array(0);
  /** Stream position of pending[0]. */
  private streamOffset = 0;
  private broken: Iec104ProtocolError | undefined;

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.broken) throw this.broken;
    let data: Uint8Array;
    if (this.pending.length === 0) {
      data = chunk;
    } else {
      data = new Uint8Array(this.pending.length + chunk.length);
      data.set(this.pending, 0);
      data.set(chunk, this.pending.length);
    }
    const frames: Uint8Array[] = [];
    let at = 0;
    while (data.length - at >= 2) {
      if (data[at] !== START_BYTE) {
        this.fail(`start octet 0x${data[at].toString(16).padStart(2, '0')} is not 0x68`, this.streamOffset + at);
      }
      const length = data[at + 1];
      if (length < CONTROL_SIZE || length > MAX_APDU_LENGTH) {
        this.fail(`length octet ${length} is not in ${CONTROL_SIZE}..${MAX_APDU_LENGTH}`, this.streamOffset + at + 1);
      }
      if (data.length - at < length + 2) break;
      frames.push(data.slice(at, at + length + 2));
      at += length + 2;
    }
    // A lone start octet is checked now rather than when its length octet arrives.
    if (at < data.length && data[at] !== START_BYTE) {
      this.fail(`start octet 0x${data[at].toString(16).padStart(2, '0')} is not 0x68`, this.streamOffset + at);
    }
    this.pending = at === data.length ? new Uint8Array(0) : data.slice(at);
    this.streamOffset += at;
    return frames;
  }

  private fail(message: string, offset: number): never {
    this.broken = new Iec104ProtocolError(message, offset);
    throw this.broken;
  }
}
