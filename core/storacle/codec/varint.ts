/**
 * Zigzag LEB128 varints for integers |n| < 2^52 held in doubles (so no 32-bit operator
 * may touch them): 7 bits per byte, least significant group first, high bit = "more".
 * Zigzag maps 0, -1, 1, -2 ... to 0, 1, 2, 3 ... so small residuals of either sign cost
 * one byte, which is what lets deflate see long runs of equal small bytes.
 */

/** Longest varint a reader accepts: 8 groups of 7 bits cover every zigzag value < 2^53. */
export const MAX_VARINT_BYTES = 8;
const ZIGZAG_LIMIT = 2 ** 53;

/** Growable byte buffer of varints (the encoder does not know the size in advance). */
export class VarintWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.pos;
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes a signed integer (|v| < 2^52) zigzag-encoded. */
  writeSigned(v: number): void {
    this.writeUnsigned(v < 0 ? -2 * v - 1 : 2 * v);
  }

  /** Writes a non-negative integer < 2^53. */
  writeUnsigned(z: number): void {
    if (this.pos + MAX_VARINT_BYTES > this.buf.length) this.grow();
    const buf = this.buf;
    let p = this.pos;
    while (z >= 128) {
      buf[p++] = (z % 128) | 128;
      z = Math.floor(z / 128);
    }
    buf[p++] = z;
    this.pos = p;
  }

  writeBytes(bytes: Uint8Array): void {
    while (this.pos + bytes.length > this.buf.length) this.grow();
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Bytes the zigzag varint of v takes (the encoder's size estimate, without writing). */
export function signedVarintBytes(v: number): number {
  let z = v < 0 ? -2 * v - 1 : 2 * v;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/**
 * Sequential reader over `bytes[start, end)`; `fail` throws the caller's error type with
 * the byte offset. Every read is bounds checked and a varint longer than
 * MAX_VARINT_BYTES or >= 2^53 is rejected, so a forged stream cannot loop or overflow.
 */
export class VarintReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    readonly fail: (message: string) => never,
  ) {
    this.pos = start;
  }

  readUnsigned(): number {
    return readUnsignedAt(this, this.bytes, this.end);
  }

  readSigned(): number {
    return unzigzag(this.readUnsigned());
  }

  readByte(): number {
    if (this.pos >= this.end) this.fail(`read past the end at byte ${this.pos}`);
    return this.bytes[this.pos++];
  }
}

/** Zigzag value back to a signed integer (exact for z < 2^53). */
export function unzigzag(z: number): number {
  return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
}

/** A multi-byte varint at r.pos; the hot loops inline the one-byte case and call this otherwise. */
export function readUnsignedAt(r: { pos: number; fail: (message: string) => never }, bytes: Uint8Array, end: number): number {
  let p = r.pos;
  let z = 0;
  let scale = 1;
  for (let k = 0; k < MAX_VARINT_BYTES; k++) {
    if (p >= end) r.fail(`varint runs past the end at byte ${p}`);
    const b = bytes[p++];
    z += (b & 127) * scale;
    if (b < 128) {
      if (z >= ZIGZAG_LIMIT) r.fail(`varint ${z} >= 2^53 ending at byte ${p - 1}`);
      r.pos = p;
      return z;
    }
    scale *= 128;
  }
  return r.fail(`varint longer than ${MAX_VARINT_BYTES} bytes at byte ${r.pos}`);
}
