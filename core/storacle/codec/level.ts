/**
 * The level predictor of entropy value streams (codec id 5, see README.md): each integer is
 * predicted by an exponentially smoothed level of the previous ones instead of by the previous
 * one alone.
 *
 * Why: a meter channel is a slowly moving level plus white noise at the resolution of the
 * reading. A delta adds the noise of two readings (variance 2σ²); the smoothed level costs about
 * σ²(1 + gain/(2 − gain)), so residuals are narrower: on the bench's 1 Hz V/I/P channels the
 * deflated stream is 9 % smaller than with deltas (0.442 -> 0.403 B/record).
 *
 * Arithmetic is int32 fixed point with 8 fraction bits so that encoder and decoder compute the
 * same bits on every platform and the hot loop stays in 32-bit registers:
 *
 *   s_0 = n_0 · 256;  p_i = (s + 128) >> 8;  r_i = n_i − p_i;
 *   if |r_i| > reset: s = n_i · 256 (a step: restart the level there)
 *   else s += (n_i · 256 − s) >> shift       (gain 2^−shift)
 *
 * Every integer must satisfy |n| < LEVEL_LIMIT (2^22), so n·256 and s stay below 2^30 and
 * (n·256 − s) below 2^31; the encoder uses the predictor only then, the decoder checks it.
 */
import { unzigzag, readUnsignedAt, VarintWriter } from './varint.js';

/** Bound of |n| for the level predictor (int32 fixed point with 8 fraction bits). */
export const LEVEL_LIMIT = 2 ** 22;
/** Gain shifts the encoder tries (gain 1/4, 1/8, 1/16). */
export const LEVEL_SHIFTS = [2, 3, 4] as const;
/** Largest gain shift a decoder accepts. */
export const MAX_LEVEL_SHIFT = 8;
/** Residual beyond which the level restarts at the new value (a step, e.g. an appliance switching). */
export const LEVEL_RESET = 32;

/** Whether every integer fits the predictor's fixed point. */
export function fitsLevel(ints: Float64Array): boolean {
  for (let i = 0; i < ints.length; i++) {
    const n = ints[i];
    if (!(n < LEVEL_LIMIT && n > -LEVEL_LIMIT)) return false;
  }
  return true;
}

/** Sum of |residual| for `shift` (the encoder's cheap stand-in for the coded size). */
export function levelCost(ints: Float64Array, shift: number, reset: number): number {
  const count = ints.length;
  if (count === 0) return 0;
  let s = ints[0] * 256;
  let cost = 0;
  for (let i = 1; i < count; i++) {
    const n = ints[i];
    const r = n - ((s + 128) >> 8);
    cost += r < 0 ? -r : r;
    if (r > reset || r < -reset) s = n * 256;
    else s += (n * 256 - s) >> shift;
  }
  return cost;
}

/** Zigzag varints of n_0 then the residuals r_1 .. r_{n-1}. */
export function levelVarints(ints: Float64Array, shift: number, reset: number): Uint8Array {
  const count = ints.length;
  const w = new VarintWriter(count + 16);
  if (count === 0) return w.finish();
  w.writeSigned(ints[0]);
  let s = ints[0] * 256;
  for (let i = 1; i < count; i++) {
    const n = ints[i];
    const r = n - ((s + 128) >> 8);
    w.writeSigned(r);
    if (r > reset || r < -reset) s = n * 256;
    else s += (n * 256 - s) >> shift;
  }
  return w.finish();
}

/**
 * Decodes `count` level residuals from `raw` (all of it) into `out[offset ..]` divided by
 * `divisor`. Every integer is checked against LEVEL_LIMIT before it enters the fixed point.
 */
export function decodeLevelInto(
  raw: Uint8Array,
  count: number,
  shift: number,
  reset: number,
  out: Float64Array,
  offset: number,
  divisor: number,
  fail: (message: string) => never,
): void {
  const end = raw.length;
  if (count === 0) {
    if (end !== 0) fail(`${end} bytes of residuals for 0 records`);
    return;
  }
  const cur = { pos: 0, fail };
  const first = unzigzag(readUnsignedAt(cur, raw, end));
  if (!(first < LEVEL_LIMIT && first > -LEVEL_LIMIT)) fail(`first integer ${first} beyond the level predictor's range`);
  out[offset] = first / divisor;
  const p = sumLevel(raw, cur.pos, end, count, shift, reset, out, offset, divisor, first << 8, cur);
  if (p !== end) fail(`${end - p} bytes left after ${count} residuals`);
}

/** The hot loop, a small function of its own (see entropy.ts: V8 keeps its state in registers). */
function sumLevel(
  raw: Uint8Array,
  p: number,
  end: number,
  count: number,
  shift: number,
  reset: number,
  out: Float64Array,
  offset: number,
  divisor: number,
  s: number,
  cur: { pos: number; fail: (message: string) => never },
): number {
  for (let i = 1; i < count; i++) {
    if (p >= end) cur.fail(`residuals end after ${i} of ${count} records`);
    const b = raw[p];
    let r: number;
    if (b < 128) {
      r = (b >>> 1) ^ -(b & 1);
      p++;
    } else {
      cur.pos = p;
      r = unzigzag(readUnsignedAt(cur, raw, end));
      p = cur.pos;
    }
    const n = ((s + 128) >> 8) + r;
    if (!(n < LEVEL_LIMIT && n > -LEVEL_LIMIT)) cur.fail(`integer ${n} beyond the level predictor's range at record ${i}`);
    // |n| < 2^22 from here on, so the shifts below are exact and V8 keeps s an int32.
    const scaled = n << 8;
    if (r > reset || r < -reset) s = scaled;
    else s = (s + ((scaled - s) >> shift)) | 0;
    out[offset + i] = n / divisor;
  }
  return p;
}
