/**
 * Bit-level writer and reader, most significant bit first within each byte.
 * Fields are at most 32 bits wide per call (`writeBits`/`readBits`), or up to 53 bits
 * (`writeWide`/`readWide`) for non-negative integers that are exact as doubles.
 */
import { CorruptChunkError } from './errors.js';

const TWO32 = 4294967296;

/** Number of bits needed for a non-negative integer below 2^53 (0 for 0). */
export function bitWidth(x: number): number {
  if (x < TWO32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO32));
}

export class BitWriter {
  private buf: Uint8Array;
  private pos = 0; // in bits

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(Math.max(8, initialBytes));
  }

  get bitLength(): number {
    return this.pos;
  }

  private ensure(extraBits: number): void {
    const need = (this.pos + extraBits + 7) >>> 3;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low `n` bits (0..32) of the unsigned integer `value`. */
  writeBits(value: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    let left = n;
    const buf = this.buf;
    let pos = this.pos;
    while (left > 0) {
      const free = 8 - (pos & 7);
      const take = free < left ? free : left;
      const bits = (value >>> (left - take)) & ((1 << take) - 1);
      buf[pos >>> 3] |= bits << (free - take);
      pos += take;
      left -= take;
    }
    this.pos = pos;
  }

  writeBit(bit: boolean): void {
    this.writeBits(bit ? 1 : 0, 1);
  }

  /** Writes a non-negative integer below 2^53 in `n` bits (0..53). */
  writeWide(value: number, n: number): void {
    if (n <= 32) {
      this.writeBits(value >>> 0, n);
      return;
    }
    const hi = Math.floor(value / TWO32);
    this.writeBits(hi, n - 32);
    this.writeBits((value - hi * TWO32) >>> 0, 32);
  }

  /** The bytes written so far (a copy, zero-padded to a whole byte). */
  finish(): Uint8Array {
    return this.buf.slice(0, (this.pos + 7) >>> 3);
  }
}

export class BitReader {
  private pos: number;
  private readonly end: number;
  /** Big-endian view of all of `bytes`, for the decoder's word-at-a-time unpacking (unpack.ts). */
  readonly view: DataView;

  /** Reads `bytes[byteOffset .. byteOffset + byteLength)`. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    byteOffset = 0,
    byteLength = bytes.length - byteOffset,
  ) {
    this.pos = byteOffset * 8;
    this.end = (byteOffset + byteLength) * 8;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Moves past `bits` bits that the caller has read by other means; fails past the end. */
  skip(bits: number): void {
    if (this.pos + bits > this.end) this.fail(`${bits} bits needed, ${this.end - this.pos} left`);
    this.pos += bits;
  }

  get bitOffset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new CorruptChunkError(`${this.what}: ${message} at bit ${this.pos}`);
  }

  /** Reads `n` bits (0..32) as an unsigned integer. */
  readBits(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.end) this.fail(`read of ${n} bits past the end (${this.end} bits)`);
    let left = n;
    let result = 0;
    let pos = this.pos;
    const bytes = this.bytes;
    while (left > 0) {
      const avail = 8 - (pos & 7);
      const take = avail < left ? avail : left;
      const bits = (bytes[pos >>> 3] >>> (avail - take)) & ((1 << take) - 1);
      result = result * (1 << take) + bits;
      pos += take;
      left -= take;
    }
    this.pos = pos;
    return result;
  }

  readBit(): boolean {
    return this.readBits(1) === 1;
  }

  /** Reads a non-negative integer of `n` bits (0..53). */
  readWide(n: number): number {
    if (n <= 32) return this.readBits(n);
    const hi = this.readBits(n - 32);
    return hi * TWO32 + this.readBits(32);
  }
}
