/**
 * The compact body of a persisted OnlineStatistics (format version 2, see persistence.ts): the
 * same 22 fixed fields, 5 histogram fields and bins as version 1, but each as a compact number
 * (codec/compact-number.ts: short decimals and integers as varints, anything else raw), bin
 * indexes as differences, and the four lag-1 pair moments and the mean delay as the XOR of their
 * bits with a prediction from the other fields.
 *
 * Why: the statistics are a per-data-point cost of every snapshot (276 bytes raw in version 1,
 * ~87 after the snapshot's compression for a 1,440-entry load profile), and most of their fields
 * are counts, timestamps and measured values that are short decimals. The pair moments (means
 * and M2 of x[0..n−2] and x[1..n−1]) differ from the overall ones only by the first or last value:
 * predicted by removing that value, their bits agree with the prediction in all but the last few
 * places, so the XOR is a short varint. The XOR makes the round trip exact whatever the prediction.
 */
import { readCompactNumber, writeCompactNumber } from '../codec/compact-number.js';
import { VarintReader, VarintWriter } from '../codec/varint.js';

/** Indexes of the fixed fields (online-statistics.ts serialize order). */
const N = 0;
const MEAN = 1;
const M2 = 2;
const MEAN_A = 8;
const MEAN_B = 9;
const M2_A = 10;
const M2_B = 11;
const FIRST_VALUE = 13;
const LAST_VALUE = 14;
const DELAY_MEAN = 19;
const DELAY_MIN = 20;
const DELAY_MAX = 21;
const PREDICTED = [MEAN_A, MEAN_B, M2_A, M2_B, DELAY_MEAN];

export interface StatisticsFields {
  fixed: number[];
  head: number[];
  bins: Array<[number, number]>;
}

/** Predictions of the pair moments from count, mean, M2 and the first and last value (0 when not finite). */
function predictions(f: readonly number[]): number[] {
  const n = f[N];
  const mean = f[MEAN];
  const m2 = f[M2];
  const first = f[FIRST_VALUE];
  const last = f[LAST_VALUE];
  const meanA = n > 1 ? (mean * n - last) / (n - 1) : mean;
  const meanB = n > 1 ? (mean * n - first) / (n - 1) : mean;
  // Delays of a regular clock read in one go are spread evenly between their extremes.
  const delayMid = (f[DELAY_MIN] + f[DELAY_MAX]) / 2;
  const out = [meanA, meanB, m2 - (last - meanA) * (last - mean), m2 - (first - meanB) * (first - mean), delayMid];
  return out.map((p) => (Number.isFinite(p) ? p : 0));
}

const scratch = new DataView(new ArrayBuffer(16));

function writeXor(w: VarintWriter, value: number, prediction: number): void {
  scratch.setFloat64(0, value, true);
  scratch.setFloat64(8, prediction, true);
  w.writeUnsigned((scratch.getUint32(4, true) ^ scratch.getUint32(12, true)) >>> 0);
  w.writeUnsigned((scratch.getUint32(0, true) ^ scratch.getUint32(8, true)) >>> 0);
}

function readXor(r: VarintReader, prediction: number): number {
  const hi = r.readUnsigned();
  const lo = r.readUnsigned();
  if (hi > 0xffffffff || lo > 0xffffffff) r.fail('XOR word beyond 32 bits');
  scratch.setFloat64(8, prediction, true);
  scratch.setUint32(4, (hi ^ scratch.getUint32(12, true)) >>> 0, true);
  scratch.setUint32(0, (lo ^ scratch.getUint32(8, true)) >>> 0, true);
  return scratch.getFloat64(0, true);
}

export function encodeCompactFields({ fixed, head, bins }: StatisticsFields): Uint8Array {
  const w = new VarintWriter(64 + bins.length * 4);
  for (let i = 0; i < fixed.length; i++) if (!PREDICTED.includes(i)) writeCompactNumber(w, fixed[i]);
  const p = predictions(fixed);
  PREDICTED.forEach((i, k) => writeXor(w, fixed[i], p[k]));
  for (const x of head) writeCompactNumber(w, x);
  let previous = 0;
  for (const [index, count] of bins) {
    writeCompactNumber(w, index - previous);
    writeCompactNumber(w, count);
    previous = index;
  }
  return w.finish();
}

/** Reads what encodeCompactFields wrote from bytes[start, end); `fail` throws the caller's error. */
export function decodeCompactFields(bytes: Uint8Array, start: number, end: number, fixedCount: number, fail: (message: string) => never): StatisticsFields {
  const r = new VarintReader(bytes, start, end, fail);
  const fixed = new Array<number>(fixedCount).fill(0);
  for (let i = 0; i < fixedCount; i++) if (!PREDICTED.includes(i)) fixed[i] = readCompactNumber(r);
  const p = predictions(fixed);
  PREDICTED.forEach((i, k) => (fixed[i] = readXor(r, p[k])));
  const head: number[] = [];
  for (let k = 0; k < 5; k++) head.push(readCompactNumber(r));
  const binCount = head[4];
  // Each bin takes at least two bytes: a forged count cannot make this loop long.
  if (!Number.isInteger(binCount) || binCount < 0 || binCount * 2 > end - r.pos) fail('histogram length does not match');
  const bins: Array<[number, number]> = [];
  let previous = 0;
  for (let k = 0; k < binCount; k++) {
    const index = previous + readCompactNumber(r);
    bins.push([index, readCompactNumber(r)]);
    previous = index;
  }
  if (r.pos !== end) fail(`${end - r.pos} bytes after the histogram`);
  return { fixed, head, bins };
}
