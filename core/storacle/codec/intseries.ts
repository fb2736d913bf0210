/**
 * Integer series (|n| < 2^50, exact as doubles): first value, then first-order deltas
 * (order 1) or delta-of-delta (order 2), packed frame-of-reference in blocks of 1024:
 * per block the minimum residual (sign bit, 6-bit width, magnitude), a 6-bit width, then
 * every residual minus the minimum in that many bits. A block of equal residuals (a
 * regular clock, a constant value) costs 13 + width(min) bits for 1024 records.
 */
import { BitReader, BitWriter, bitWidth } from './bits.js';

export const INT_LIMIT = 2 ** 50;
const BLOCK = 1024;

function writeSigned(w: BitWriter, v: number): void {
  const m = Math.abs(v);
  const width = bitWidth(m);
  w.writeBits(v < 0 ? 1 : 0, 1);
  w.writeBits(width, 6);
  w.writeWide(m, width);
}

function readSigned(r: BitReader): number {
  const negative = r.readBits(1) === 1;
  const width = r.readBits(6);
  if (width > 53) r.fail(`integer width ${width} > 53`);
  const m = r.readWide(width);
  return negative ? -m : m;
}

/** Residuals of `ints` for `order` (1: deltas, 2: delta-of-delta), from index `order`. */
function residuals(ints: Float64Array, order: 1 | 2): Float64Array {
  const n = ints.length;
  const res = new Float64Array(Math.max(0, n - order));
  if (order === 1) {
    for (let i = 1; i < n; i++) res[i - 1] = ints[i] - ints[i - 1];
  } else {
    for (let i = 2; i < n; i++) res[i - 2] = ints[i] - 2 * ints[i - 1] + ints[i - 2];
  }
  return res;
}

/** Smallest and largest residual of one block (the writer and the size estimate must agree on it). */
function blockRange(res: Float64Array, start: number, end: number): { min: number; max: number } {
  let min = res[start];
  let max = min;
  for (let i = start + 1; i < end; i++) {
    const v = res[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min, max };
}

/** Writes `ints` (all |n| < 2^50); the count is known by the caller. */
export function writeIntSeries(ints: Float64Array, order: 1 | 2, w: BitWriter): void {
  const n = ints.length;
  if (n === 0) return;
  writeSigned(w, ints[0]);
  if (n === 1) return;
  if (order === 2) writeSigned(w, ints[1] - ints[0]);
  const res = residuals(ints, order);
  for (let start = 0; start < res.length; start += BLOCK) {
    const end = Math.min(res.length, start + BLOCK);
    const { min, max } = blockRange(res, start, end);
    const width = bitWidth(max - min);
    writeSigned(w, min);
    w.writeBits(width, 6);
    if (width === 0) continue;
    if (width <= 32) {
      for (let i = start; i < end; i++) w.writeBits((res[i] - min) >>> 0, width);
    } else {
      for (let i = start; i < end; i++) w.writeWide(res[i] - min, width);
    }
  }
}

export function readIntSeries(r: BitReader, count: number, order: 1 | 2): Float64Array {
  const out = new Float64Array(count);
  if (count === 0) return out;
  out[0] = readSigned(r);
  if (count === 1) return out;
  let prev = out[0];
  let delta = 0;
  let i = 1;
  if (order === 2) {
    delta = readSigned(r);
    prev += delta;
    out[1] = prev;
    i = 2;
  }
  while (i < count) {
    const min = readSigned(r);
    const width = r.readBits(6);
    if (width > 53) r.fail(`block width ${width} > 53`);
    const end = Math.min(count, i + BLOCK);
    for (; i < end; i++) {
      const res = min + (width <= 32 ? r.readBits(width) : r.readWide(width));
      if (order === 1) prev += res;
      else {
        delta += res;
        prev += delta;
      }
      if (!(Math.abs(prev) < INT_LIMIT)) r.fail(`decoded integer ${prev} out of range`);
      out[i] = prev;
    }
  }
  return out;
}

function signedBits(v: number): number {
  return 7 + bitWidth(Math.abs(v));
}

/** Exact size in bits that `writeIntSeries(ints, order)` would write, without writing. */
export function seriesBits(ints: Float64Array, order: 1 | 2): number {
  const n = ints.length;
  if (n === 0) return 0;
  let bits = signedBits(ints[0]);
  if (n === 1) return bits;
  if (order === 2) bits += signedBits(ints[1] - ints[0]);
  const res = residuals(ints, order);
  for (let start = 0; start < res.length; start += BLOCK) {
    const end = Math.min(res.length, start + BLOCK);
    const { min, max } = blockRange(res, start, end);
    bits += signedBits(min) + 6 + bitWidth(max - min) * (end - start);
  }
  return bits;
}

/** The order (delta or delta-of-delta) that packs `ints` smaller; delta on a tie. */
export function bestOrder(ints: Float64Array): 1 | 2 {
  return seriesBits(ints, 2) < seriesBits(ints, 1) ? 2 : 1;
}
