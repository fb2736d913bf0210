/**
 * Entropy-coded integer streams: residuals as zigzag varints, then raw deflate.
 *
 * Frame-of-reference bit packing spends the block's width on every residual; skewed
 * distributions (long runs of zero deltas, small deltas with rare jumps, load shapes that
 * repeat) are what deflate's Huffman codes and back-references exploit, so the chunk
 * encoder writes both and keeps the smaller stream (see README.md for the figures).
 *
 * Integer series payload (order 1): n0, n1-n0, n2-n1, ...; (order 2): n0, n1-n0, then
 * delta-of-delta. Every item is a zigzag varint; all |n| < 2^50, so every residual and
 * every partial sum is exact in a double.
 *
 * Stream framing: varint raw length L (bytes of varints), then the raw-deflate of them
 * (any strategy; the decoder does not care which).
 * The decoder inflates with maxOutputLength = L, requires exactly L bytes back, exactly
 * `count` varints in them and every decoded integer within ±2^50.
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { INT_LIMIT } from './intseries.js';
import { MAX_VARINT_BYTES, VarintReader, VarintWriter, readUnsignedAt, signedVarintBytes } from './varint.js';

/**
 * Three deflate settings, the smallest output kept: Huffman only (noisy residuals, where
 * string matches only cost: meter V/I/P values 0.442 B/record vs 0.459 at level 6), RLE
 * (load shapes that stand still) and level 6 (repeating patterns: the IEEE shapes lost
 * 4 % without it). Huffman-only and RLE skip the match search, so they are cheap.
 */
const STRATEGIES = [{ strategy: constants.Z_HUFFMAN_ONLY }, { strategy: constants.Z_RLE }, { level: 6 }];

/** Varint bytes of the residuals of `ints` for `order`, without writing (order choice). */
export function residualBytes(ints: Float64Array, order: 1 | 2): number {
  const n = ints.length;
  if (n === 0) return 0;
  let total = signedVarintBytes(ints[0]);
  if (n > 1) total += signedVarintBytes(ints[1] - ints[0]);
  if (order === 1) for (let i = 2; i < n; i++) total += signedVarintBytes(ints[i] - ints[i - 1]);
  else for (let i = 2; i < n; i++) total += signedVarintBytes(ints[i] - 2 * ints[i - 1] + ints[i - 2]);
  return total;
}

/** The varints of `ints` in `order`, uncompressed. */
export function residualVarints(ints: Float64Array, order: 1 | 2): Uint8Array {
  const n = ints.length;
  const w = new VarintWriter(n + 16);
  if (n === 0) return w.finish();
  w.writeSigned(ints[0]);
  if (n > 1) w.writeSigned(ints[1] - ints[0]);
  if (order === 1) for (let i = 2; i < n; i++) w.writeSigned(ints[i] - ints[i - 1]);
  else for (let i = 2; i < n; i++) w.writeSigned(ints[i] - 2 * ints[i - 1] + ints[i - 2]);
  return w.finish();
}

/** Appends the framing (raw length, deflated bytes) of `raw` to `w`. */
export function writeDeflated(w: VarintWriter, raw: Uint8Array): void {
  w.writeUnsigned(raw.length);
  w.writeBytes(deflatedPayload(raw));
}

/** Back ends of a residual payload in a value stream of codec id 5 (its model byte says which). */
export const PAYLOAD_DEFLATE = 0;
export const PAYLOAD_BROTLI = 1;

/**
 * `raw` compressed with brotli at quality 11 (the only quality that beats deflate here: 9
 * and below came out larger on the bench's data), window just large enough for the input.
 * It wins on piecewise-constant load shapes (IEEE EU LV: 350 -> 313 B per 1,440-record
 * chunk) and costs about 1.7 µs per input byte, so the encoder tries it only where that pays.
 */
export function brotliPayload(raw: Uint8Array): Uint8Array {
  let lgwin = 10;
  while (lgwin < 16 && 1 << lgwin < raw.length) lgwin++;
  return brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: lgwin,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

/** The smallest of the deflate strategies' outputs for `raw`. */
export function deflatedPayload(raw: Uint8Array, strategies: readonly object[] = STRATEGIES): Uint8Array {
  return deflateCandidates(raw, strategies).best;
}

/**
 * The smallest deflate output and the size of the Huffman-only one (the first strategy): when
 * runs or matches beat Huffman-only, the data repeats itself, which is where brotli gains.
 */
export function deflateCandidates(raw: Uint8Array, strategies: readonly object[] = STRATEGIES): { best: Uint8Array; huffmanOnlyBytes: number } {
  let best: Uint8Array | undefined;
  let huffmanOnlyBytes = 0;
  for (const options of strategies) {
    const out = deflateRawSync(raw, options);
    if (options === STRATEGIES[0]) huffmanOnlyBytes = out.length;
    if (best === undefined || out.length < best.length) best = out;
  }
  return { best: best as Uint8Array, huffmanOnlyBytes };
}

/** Deflate without match search (Huffman only, RLE): the cheap pair for noisy residuals. */
export const CHEAP_STRATEGIES: readonly object[] = [STRATEGIES[0], STRATEGIES[1]];

/** Reads a payload written as varint raw length + `compressor` bytes (the bounds of readDeflated). */
export function readPayload(r: VarintReader, maxRaw: number, compressor: number): Uint8Array {
  if (compressor === PAYLOAD_DEFLATE) return readDeflated(r, maxRaw);
  if (compressor !== PAYLOAD_BROTLI) r.fail(`unknown payload compressor ${compressor}`);
  const rawLen = r.readUnsigned();
  if (rawLen > maxRaw) r.fail(`raw length ${rawLen} > ${maxRaw} at byte ${r.pos}`);
  let raw: Uint8Array;
  try {
    raw = brotliDecompressSync(r.bytes.subarray(r.pos, r.end), { maxOutputLength: Math.max(1, rawLen) });
  } catch (err) {
    return r.fail(`brotli stream at byte ${r.pos}: ${(err as Error).message}`);
  }
  if (raw.length !== rawLen) r.fail(`brotli stream at byte ${r.pos} gave ${raw.length} bytes, header says ${rawLen}`);
  r.pos = r.end;
  return raw;
}

/**
 * Reads the framing written by writeDeflated from r.pos to the end of r's range and
 * inflates it, bounded: at most `maxRaw` bytes may be announced and exactly the announced
 * number must come back.
 */
export function readDeflated(r: VarintReader, maxRaw: number): Uint8Array {
  const rawLen = r.readUnsigned();
  if (rawLen > maxRaw) r.fail(`raw length ${rawLen} > ${maxRaw} at byte ${r.pos}`);
  let raw: Uint8Array;
  try {
    raw = inflateRawSync(r.bytes.subarray(r.pos, r.end), { maxOutputLength: Math.max(1, rawLen) });
  } catch (err) {
    return r.fail(`deflate stream at byte ${r.pos}: ${(err as Error).message}`);
  }
  if (raw.length !== rawLen) r.fail(`deflate stream at byte ${r.pos} gave ${raw.length} bytes, header says ${rawLen}`);
  r.pos = r.end;
  return raw;
}

/** Largest raw varint payload `count` integers can take. */
export function maxRawBytes(count: number): number {
  return count * MAX_VARINT_BYTES;
}

/** Position holder for the slow varint path (the hot loops keep the index in a local). */
interface Cursor {
  pos: number;
  fail: (message: string) => never;
}

/**
 * Decodes `count` residual varints of `order` from `raw` (all of it) into
 * `out[offset ..]` divided by `divisor`. One-byte varints (|residual| <= 63) are decoded
 * inline with 32-bit operators; longer ones go through readUnsignedAt.
 */
export function decodeResidualsInto(
  raw: Uint8Array,
  order: 1 | 2,
  count: number,
  out: Float64Array,
  offset: number,
  divisor: number,
  fail: (message: string) => never,
): void {
  const end = raw.length;
  const cur: Cursor = { pos: 0, fail };
  if (count === 0) {
    if (end !== 0) fail(`${end} bytes of residuals for 0 records`);
    return;
  }
  let p = 0;
  let acc = 0;
  let delta = 0;
  // The first one or two items are the start value and first delta, for both orders.
  cur.pos = 0;
  acc = unzig(readUnsignedAt(cur, raw, end));
  if (!(acc < INT_LIMIT && acc > -INT_LIMIT)) fail(`first integer ${acc} out of range`);
  out[offset] = acc / divisor;
  if (count > 1) {
    delta = unzig(readUnsignedAt(cur, raw, end));
    acc += delta;
    if (!(acc < INT_LIMIT && acc > -INT_LIMIT)) fail(`integer ${acc} out of range at record 1`);
    out[offset + 1] = acc / divisor;
  }
  p = cur.pos;
  if (order === 1) p = sumDeltas(raw, p, end, count, out, offset, divisor, acc, cur);
  else p = sumDeltaOfDeltas(raw, p, end, count, out, offset, divisor, acc, delta, cur);
  if (p !== end) fail(`${end - p} bytes left after ${count} residuals`);
}

function unzig(z: number): number {
  return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
}

/**
 * Order 1 from record 2 on; returns the byte position after the last varint. Orders 1 and 2 are
 * two loops on purpose: the hot loops of this codec run best as small functions of their own,
 * without a per-record branch (V8 keeps their state in registers).
 */
function sumDeltas(
  raw: Uint8Array,
  p: number,
  end: number,
  count: number,
  out: Float64Array,
  offset: number,
  divisor: number,
  acc: number,
  cur: Cursor,
): number {
  for (let i = 2; i < count; i++) {
    if (p >= end) cur.fail(`residuals end after ${i} of ${count} records`);
    const b = raw[p];
    let d: number;
    if (b < 128) {
      d = (b >>> 1) ^ -(b & 1);
      p++;
    } else {
      cur.pos = p;
      d = unzig(readUnsignedAt(cur, raw, end));
      p = cur.pos;
    }
    acc += d;
    if (!(acc < INT_LIMIT && acc > -INT_LIMIT)) cur.fail(`integer out of range at record ${i}`);
    out[offset + i] = acc / divisor;
  }
  return p;
}

/** Order 2 from record 2 on; returns the byte position after the last varint. */
function sumDeltaOfDeltas(
  raw: Uint8Array,
  p: number,
  end: number,
  count: number,
  out: Float64Array,
  offset: number,
  divisor: number,
  acc: number,
  delta: number,
  cur: Cursor,
): number {
  for (let i = 2; i < count; i++) {
    if (p >= end) cur.fail(`residuals end after ${i} of ${count} records`);
    const b = raw[p];
    let d: number;
    if (b < 128) {
      d = (b >>> 1) ^ -(b & 1);
      p++;
    } else {
      cur.pos = p;
      d = unzig(readUnsignedAt(cur, raw, end));
      p = cur.pos;
    }
    delta += d;
    acc += delta;
    // |acc| < 2^50 every step keeps delta within 2^51 and every sum exact.
    if (!(acc < INT_LIMIT && acc > -INT_LIMIT)) cur.fail(`integer out of range at record ${i}`);
    out[offset + i] = acc / divisor;
  }
  return p;
}

/**
 * Grid offsets: out[i] = t0 + i·step + r_i, r_0 = 0 implied and r_1.. as zigzag varints
 * (not summed: jitter around a regular clock stays small instead of doubling as it
 * does in delta-of-delta).
 */
export function decodeGridInto(
  raw: Uint8Array,
  t0: number,
  step: number,
  count: number,
  out: Float64Array,
  offset: number,
  fail: (message: string) => never,
): void {
  const end = raw.length;
  const cur: Cursor = { pos: 0, fail };
  let p = 0;
  if (count > 0) out[offset] = t0;
  for (let i = 1; i < count; i++) {
    if (p >= end) fail(`grid offsets end after ${i} of ${count} records`);
    const b = raw[p];
    let r: number;
    if (b < 128) {
      r = (b >>> 1) ^ -(b & 1);
      p++;
    } else {
      cur.pos = p;
      r = unzig(readUnsignedAt(cur, raw, end));
      p = cur.pos;
    }
    const t = t0 + i * step + r;
    if (!(t < INT_LIMIT && t > -INT_LIMIT)) fail(`timestamp out of range at record ${i}`);
    out[offset + i] = t;
  }
  if (p !== end) fail(`${end - p} bytes left after ${count} grid offsets`);
}

/** The grid offsets of `ts` around t0 + i·step, or undefined if some offset or grid point is not a safe integer. */
export function gridVarints(ts: Float64Array, step: number): Uint8Array | undefined {
  const n = ts.length;
  const t0 = ts[0];
  const lastGrid = t0 + (n - 1) * step;
  if (!(Math.abs(lastGrid) < INT_LIMIT)) return undefined;
  const w = new VarintWriter(n + 16);
  for (let i = 1; i < n; i++) {
    const r = ts[i] - (t0 + i * step);
    if (!(Math.abs(r) < INT_LIMIT)) return undefined;
    w.writeSigned(r);
  }
  return w.finish();
}

/**
 * The clock's nominal step: the median of up to 255 evenly spaced differences over spans
 * of 16 records, divided by 16 and rounded. The median ignores gaps; the span averages
 * jitter out so that ±3 ms around 1000 does not yield 999 or 1001 (a grid that drifts).
 * Sampled because sorting every difference was 10 % of the encode time; the step only
 * affects the size, never the round trip.
 */
export function medianStep(ts: Float64Array): number {
  const n = ts.length;
  const span = n > 64 ? 16 : 1;
  const samples = Math.min(255, n - span);
  const d = new Float64Array(samples);
  const stride = (n - span) / samples;
  for (let k = 0; k < samples; k++) {
    const i = Math.floor(k * stride);
    d[k] = ts[i + span] - ts[i];
  }
  d.sort();
  return Math.round(d[(samples - 1) >> 1] / span);
}

/** Widest packed grid offset: a field then spans at most 4 bytes (one 32-bit window). */
export const MAX_GRID_WIDTH = 24;

/**
 * Grid offsets bit-packed instead of deflated: r_i - min in `width` bits, least
 * significant bit first. Uniform jitter (±3 ms: 7 values, 3 bits) is below what deflate
 * reaches on it, and unpacking needs no inflate call. Undefined if wider than MAX_GRID_WIDTH.
 */
export function packGridOffsets(ts: Float64Array, step: number): { min: number; width: number; bytes: Uint8Array } | undefined {
  const n = ts.length;
  const t0 = ts[0];
  if (!(Math.abs(t0 + (n - 1) * step) < INT_LIMIT)) return undefined;
  let min = 0;
  let max = 0;
  for (let i = 1; i < n; i++) {
    const r = ts[i] - (t0 + i * step);
    if (i === 1 || r < min) min = r;
    if (i === 1 || r > max) max = r;
  }
  const span = max - min;
  if (!(span < 2 ** MAX_GRID_WIDTH)) return undefined;
  let width = 0;
  while (width < MAX_GRID_WIDTH && 2 ** width <= span) width++;
  const bytes = new Uint8Array(Math.ceil(((n - 1) * width) / 8));
  let bit = 0;
  for (let i = 1; i < n && width > 0; i++, bit += width) {
    let v = ts[i] - (t0 + i * step) - min;
    let at = bit;
    while (v > 0) {
      bytes[at >> 3] |= (v << (at & 7)) & 0xff;
      const used = 8 - (at & 7);
      v = Math.floor(v / 2 ** used);
      at += used;
    }
  }
  return { min, width, bytes };
}

/** Decodes packGridOffsets' bytes[start, end): out[i] = t0 + i·step + min + field_i. */
export function decodePackedGridInto(
  bytes: Uint8Array,
  start: number,
  end: number,
  t0: number,
  step: number,
  min: number,
  width: number,
  count: number,
  out: Float64Array,
  offset: number,
  fail: (message: string) => never,
): void {
  if (width > MAX_GRID_WIDTH) fail(`grid width ${width} > ${MAX_GRID_WIDTH}`);
  const need = count > 1 ? Math.ceil(((count - 1) * width) / 8) : 0;
  if (end - start !== need) fail(`${end - start} bytes of packed grid offsets, ${count} records of ${width} bits need ${need}`);
  // Every value lies between the grid's ends shifted by min and min + 2^width.
  const lastGrid = t0 + (count - 1) * step;
  const lo = Math.min(t0, lastGrid) + min;
  const hi = Math.max(t0, lastGrid) + min + 2 ** width;
  if (!(lo > -INT_LIMIT && hi < INT_LIMIT)) fail('packed grid runs out of range');
  if (count > 0) out[offset] = t0;
  const mask = width === 0 ? 0 : (2 ** width - 1) >>> 0;
  const base = t0 + min;
  // Up to 3 bytes past a field may be read: zero beyond the stream (the CRC follows it, but
  // the last bytes of a stream are not guaranteed to be followed by 3 more in the array).
  const safeEnd = end - 3;
  let bit = 0;
  for (let i = 1; i < count; i++, bit += width) {
    const at = start + (bit >> 3);
    let word: number;
    if (at < safeEnd) word = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    else {
      word = 0;
      for (let k = 0; k < 4 && at + k < end; k++) word |= bytes[at + k] << (8 * k);
    }
    out[offset + i] = base + i * step + ((word >>> (bit & 7)) & mask);
  }
}
