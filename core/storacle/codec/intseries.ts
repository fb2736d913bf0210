/**
 * Integer series (|n| < 2^50, exact as doubles): first value, then first-order deltas
 * (order 1) or delta-of-delta (order 2), packed frame-of-reference in blocks of 1024:
 * per block the minimum residual (sign bit, 6-bit width, magnitude), a 6-bit width, then
 * every residual minus the minimum in that many bits. A block of equal residuals (a
 * regular clock, a constant value) costs 13 + width(min) bits for 1024 records.
 */
import { BitReader, BitWriter, bitWidth } from './bits.js';
import { unpackDeltas, unpackFields } from './unpack.js';

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

/** Residuals of one block, unpacked before the prefix sum (the decoder runs on one thread). */
const residualScratch = new Float64Array(BLOCK);

function checkRange(r: BitReader, v: number): void {
  if (!(v < INT_LIMIT && v > -INT_LIMIT)) r.fail(`decoded integer ${v} out of range`);
}

/**
 * Reads `count` integers written by writeIntSeries and stores each divided by `divisor`
 * (1, or the 10^e of decimal values) into `out[offset .. offset + count)`.
 * Per block: a constant residual (width 0, a regular clock) is filled arithmetically;
 * narrow delta blocks are unpacked, summed and scaled in one loop (unpack.ts); anything
 * else is unpacked first, then summed. Every integer is kept within ±2^50, so the sums are
 * exact whatever the input: either a bound computed per block proves it, or each value is
 * checked.
 */
export function readIntSeriesInto(
  r: BitReader,
  count: number,
  order: 1 | 2,
  out: Float64Array,
  offset: number,
  divisor: number,
): void {
  if (count === 0) return;
  let prev = readSigned(r);
  checkRange(r, prev);
  out[offset] = prev / divisor;
  if (count === 1) return;
  let delta = 0;
  let i = 1;
  if (order === 2) {
    delta = readSigned(r);
    prev += delta;
    checkRange(r, prev);
    out[offset + 1] = prev / divisor;
    i = 2;
  }
  const res = residualScratch;
  while (i < count) {
    const min = readSigned(r);
    const width = r.readBits(6);
    if (width > 53) r.fail(`block width ${width} > 53`);
    const n = Math.min(BLOCK, count - i);
    const base = offset + i;
    i += n;
    if (width === 0 && (order === 1 || min === 0)) {
      // Arithmetic progression: the values lie between prev and the last one, so checking
      // that one bounds them all, and prev + k·step is then exact.
      const step = order === 1 ? min : delta;
      const last = prev + n * step;
      checkRange(r, last);
      fillProgression(out, base, n, prev, step, divisor);
      prev = last;
      continue;
    }
    // Largest step of this block; if even n such steps (n² for delta-of-delta) cannot
    // leave ±2^50, the per-value range check is skipped (it halves the loop's speed).
    const step = Math.abs(min) + 2 ** width;
    if (order === 1 && width <= 25 && Math.abs(prev) + n * step < INT_LIMIT) {
      const from = r.bitOffset;
      r.skip(width * n); // bounds check for the whole block before the unchecked unpacking
      prev = unpackDeltas(r.view, from, width, n, min, prev, out, base, divisor);
      continue;
    }
    if (width === 0) {
      res.fill(0, 0, n);
    } else if (width <= 32) {
      const from = r.bitOffset;
      r.skip(width * n);
      unpackFields(r.view, from, width, n, res);
    } else {
      for (let k = 0; k < n; k++) res[k] = r.readWide(width);
    }
    const before = prev;
    if (order === 1) {
      prev = Math.abs(prev) + n * step < INT_LIMIT ? prefixSum(res, n, min, prev, out, base) : prefixSumChecked(res, n, min, prev, out, base);
    } else {
      const safe = Math.abs(prev) + n * Math.abs(delta) + n * n * step < INT_LIMIT;
      prev = safe ? prefixSum2(res, n, min, delta, prev, out, base) : prefixSum2Checked(res, n, min, delta, prev, out, base);
    }
    if (Number.isNaN(prev)) r.fail('decoded integer out of range');
    if (order === 2) delta = prev - (n >= 2 ? out[base + n - 2] : before);
    if (divisor !== 1) for (let k = base; k < base + n; k++) out[k] = out[k] / divisor;
  }
}

/** out[base + k] = (prev + (k + 1)·step) / divisor; division by 1 is skipped (it is exact). */
function fillProgression(out: Float64Array, base: number, n: number, prev: number, step: number, divisor: number): void {
  if (divisor === 1) {
    for (let k = 0; k < n; k++) out[base + k] = prev + (k + 1) * step;
  } else {
    for (let k = 0; k < n; k++) out[base + k] = (prev + (k + 1) * step) / divisor;
  }
}

/** out[base + k] = prev + Σ_{j<=k} (min + res[j]); returns the last one. */
function prefixSum(res: Float64Array, n: number, min: number, prev: number, out: Float64Array, base: number): number {
  for (let k = 0; k < n; k++) {
    prev += min + res[k];
    out[base + k] = prev;
  }
  return prev;
}

/** prefixSum, returning NaN as soon as a value leaves ±2^50 (the caller then fails). */
function prefixSumChecked(res: Float64Array, n: number, min: number, prev: number, out: Float64Array, base: number): number {
  for (let k = 0; k < n; k++) {
    prev += min + res[k];
    if (!(prev < INT_LIMIT && prev > -INT_LIMIT)) return Number.NaN;
    out[base + k] = prev;
  }
  return prev;
}

/** Delta-of-delta: delta += min + res[k]; out[base + k] = prev += delta. */
function prefixSum2(res: Float64Array, n: number, min: number, delta: number, prev: number, out: Float64Array, base: number): number {
  for (let k = 0; k < n; k++) {
    delta += min + res[k];
    prev += delta;
    out[base + k] = prev;
  }
  return prev;
}

function prefixSum2Checked(
  res: Float64Array,
  n: number,
  min: number,
  delta: number,
  prev: number,
  out: Float64Array,
  base: number,
): number {
  for (let k = 0; k < n; k++) {
    delta += min + res[k];
    prev += delta;
    if (!(prev < INT_LIMIT && prev > -INT_LIMIT)) return Number.NaN;
    out[base + k] = prev;
  }
  return prev;
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
