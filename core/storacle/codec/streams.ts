/**
 * The two column streams of a chunk: timestamps and values, each with a small codec id.
 *
 * Timestamps: safe integers (|t| < 2^50, not -0) as delta or delta-of-delta, whichever is
 * smaller; anything else (fractions, huge values, NaN, -0) goes through the XOR codec.
 *
 * Values: the smallest decimal exponent e <= MAX_EXPONENT with v === round(v*10^e)/10^e for
 * every value; the scaled integers are then written as delta or delta-of-delta. Values that
 * do not fit (NaN payloads, ±Infinity, -0, subnormals, too large, more digits) are stored as
 * exceptions with their raw 64 bits, if they are few; otherwise the XOR codec takes the chunk.
 */
import { BitReader, BitWriter, bitWidth } from './bits.js';
import { INT_LIMIT, bestOrder, readIntSeriesInto, writeIntSeries } from './intseries.js';
import { readXorInto, writeXor } from './xor.js';

export const TS_XOR = 0;
export const TS_DELTA = 1;
export const TS_DOD = 2;
export const VAL_XOR = 0;
export const VAL_DEC_DELTA = 1;
export const VAL_DEC_DOD = 2;
export const MAX_EXPONENT = 15;

const POW10 = Array.from({ length: MAX_EXPONENT + 1 }, (_, e) => 10 ** e);

export interface Stream {
  codec: number;
  /** Decimal exponent (value streams only; 0 otherwise). */
  exponent: number;
  bytes: Uint8Array;
}

function xorStream(codec: number, data: Float64Array): Stream {
  const w = new BitWriter(data.length * 2);
  writeXor(data, w);
  return { codec, exponent: 0, bytes: w.finish() };
}

function isSafeInt(t: number): boolean {
  return Number.isInteger(t) && Math.abs(t) < INT_LIMIT && !Object.is(t, -0);
}

export function encodeTimestamps(ts: Float64Array): Stream {
  for (let i = 0; i < ts.length; i++) if (!isSafeInt(ts[i])) return xorStream(TS_XOR, ts);
  const order = bestOrder(ts);
  const w = new BitWriter(ts.length);
  writeIntSeries(ts, order, w);
  return { codec: order === 1 ? TS_DELTA : TS_DOD, exponent: 0, bytes: w.finish() };
}

/** Decodes a timestamp stream into `out[offset .. offset + count)`. */
export function decodeTimestampsInto(r: BitReader, codec: number, count: number, out: Float64Array, offset: number): void {
  if (codec === TS_XOR) readXorInto(r, count, out, offset);
  else if (codec === TS_DELTA) readIntSeriesInto(r, count, 1, out, offset, 1);
  else if (codec === TS_DOD) readIntSeriesInto(r, count, 2, out, offset, 1);
  else r.fail(`unknown timestamp codec ${codec}`);
}

/** Whether v is a candidate for decimal scaling at all (finite, normal or zero, not -0). */
function plain(v: number): boolean {
  if (v === 0) return !Object.is(v, -0);
  const a = Math.abs(v);
  return a >= 2.2250738585072014e-308 && a < INT_LIMIT;
}

function fitsAt(v: number, e: number): boolean {
  const p = POW10[e];
  const n = Math.round(v * p);
  return Math.abs(n) < INT_LIMIT && n / p === v;
}

/** Exceptions allowed before the whole chunk goes to the XOR codec. */
function maxExceptions(count: number): number {
  return Math.floor(count / 16);
}

export function encodeValues(values: Float64Array): Stream {
  const n = values.length;
  const limit = maxExceptions(n);
  // Pass 1: the exponent, growing only when a value needs more digits.
  let e = 0;
  let misfits = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!plain(v)) {
      misfits++;
      continue;
    }
    if (fitsAt(v, e)) continue;
    let f = e + 1;
    while (f <= MAX_EXPONENT && !fitsAt(v, f)) f++;
    if (f <= MAX_EXPONENT) e = f;
    else misfits++;
    if (misfits > limit) break;
  }
  if (misfits > limit) return xorStream(VAL_XOR, values);
  // Pass 2: scale at the final exponent; whatever does not fit is an exception.
  const p = POW10[e];
  const ints = new Float64Array(n);
  const exceptions: number[] = [];
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (plain(v) && fitsAt(v, e)) {
      prev = Math.round(v * p) + 0; // + 0 turns -0 into 0
    } else {
      exceptions.push(i);
      if (exceptions.length > limit) return xorStream(VAL_XOR, values);
    }
    ints[i] = prev; // an exception repeats the previous integer: a zero delta
  }
  const order = bestOrder(ints);
  const w = new BitWriter(n + exceptions.length * 10);
  w.writeBits(exceptions.length, 32);
  if (exceptions.length > 0) {
    const idxWidth = bitWidth(n - 1);
    const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
    for (const i of exceptions) {
      w.writeBits(i, idxWidth);
      w.writeBits(words[2 * i + 1], 32);
      w.writeBits(words[2 * i], 32);
    }
  }
  writeIntSeries(ints, order, w);
  return { codec: order === 1 ? VAL_DEC_DELTA : VAL_DEC_DOD, exponent: e, bytes: w.finish() };
}

/** Decodes a value stream into `out[offset .. offset + count)`. */
export function decodeValuesInto(
  r: BitReader,
  codec: number,
  exponent: number,
  count: number,
  out: Float64Array,
  offset: number,
): void {
  if (codec === VAL_XOR) {
    readXorInto(r, count, out, offset);
    return;
  }
  if (codec !== VAL_DEC_DELTA && codec !== VAL_DEC_DOD) r.fail(`unknown value codec ${codec}`);
  if (exponent > MAX_EXPONENT) r.fail(`decimal exponent ${exponent} > ${MAX_EXPONENT}`);
  const nExc = r.readBits(32);
  if (nExc > maxExceptions(count)) r.fail(`${nExc} exceptions for ${count} values`);
  const idxWidth = bitWidth(Math.max(0, count - 1));
  const excIdx = new Uint32Array(nExc);
  const excHi = new Uint32Array(nExc);
  const excLo = new Uint32Array(nExc);
  for (let k = 0; k < nExc; k++) {
    const i = r.readBits(idxWidth);
    if (i >= count || (k > 0 && i <= excIdx[k - 1])) r.fail(`exception index ${i} out of order or range`);
    excIdx[k] = i;
    excHi[k] = r.readBits(32);
    excLo[k] = r.readBits(32);
  }
  // n / 10^e is exactly the expression the encoder checked.
  readIntSeriesInto(r, count, codec === VAL_DEC_DELTA ? 1 : 2, out, offset, POW10[exponent]);
  if (nExc > 0) {
    const words = new Uint32Array(out.buffer, out.byteOffset + offset * 8, count * 2);
    for (let k = 0; k < nExc; k++) {
      words[2 * excIdx[k]] = excLo[k];
      words[2 * excIdx[k] + 1] = excHi[k];
    }
  }
}
