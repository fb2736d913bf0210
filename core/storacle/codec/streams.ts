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
import { CorruptChunkError } from './errors.js';
import {
  CHEAP_STRATEGIES,
  PAYLOAD_BROTLI,
  PAYLOAD_DEFLATE,
  brotliPayload,
  deflateCandidates,
  deflatedPayload,
  readPayload,
  decodeGridInto,
  decodePackedGridInto,
  packGridOffsets,
  decodeResidualsInto,
  gridVarints,
  maxRawBytes,
  medianStep,
  readDeflated,
  residualBytes,
  residualVarints,
  writeDeflated,
} from './entropy.js';
import { LEVEL_RESET, LEVEL_SHIFTS, MAX_LEVEL_SHIFT, decodeLevelInto, fitsLevel, levelCost, levelVarints } from './level.js';
import { INT_LIMIT, bestOrder, readIntSeriesInto, writeIntSeries } from './intseries.js';
import { VarintReader, VarintWriter } from './varint.js';
import { readXorInto, writeXor } from './xor.js';

export const TS_XOR = 0;
export const TS_DELTA = 1;
export const TS_DOD = 2;
/** Entropy-coded timestamps (entropy.ts); a mode byte inside says constant, grid, delta or delta². */
export const TS_ENTROPY = 3;
export const VAL_XOR = 0;
export const VAL_DEC_DELTA = 1;
export const VAL_DEC_DOD = 2;
/** Decimal values, residuals as deflated varints (entropy.ts). */
export const VAL_ENT_DELTA = 3;
export const VAL_ENT_DOD = 4;
/**
 * Decimal values, entropy-coded with a model byte: predictor (delta, delta², smoothed level:
 * level.ts) and payload compressor (deflate or brotli). Written only where it beats ids 3/4,
 * which stay byte-for-byte what earlier encoders wrote.
 */
export const VAL_ENT_MODEL = 5;
const PREDICT_DELTA = 0;
const PREDICT_DOD = 1;
const PREDICT_LEVEL = 2;
/**
 * Brotli (quality 11, ~1.7 µs per residual) is tried only on streams deflate already brings
 * below this many bits per record (on noisy channels it gains nothing and would slow sealing
 * several times) ...
 */
const BROTLI_BELOW_BITS_PER_RECORD = 2.5;
/**
 * ... and only where deflate's run or match strategies beat Huffman-only by this factor: the
 * residuals repeat (IEEE load shapes: 10-30 %), which brotli's context modelling exploits; a
 * smooth random walk is as short but does not repeat, and brotli gains nothing on it.
 */
const BROTLI_REPEAT_GAIN = 0.95;
/** Smallest level-predictor saving (sum of |residual|, relative) worth a deflate call. */
const LEVEL_MIN_GAIN = 0.95;
/**
 * The level predictor's decode loop costs ~2 ns per record more than the delta loop (a month of
 * 1 Hz: ~25 ms -> ~30 ms CPU), so it is kept only where its payload is at most this share of the
 * delta payload: the month read must not get slower for a few per cent of bytes (1 Hz voltage
 * saves 7.5 %, current 11 %).
 */
const LEVEL_MAX_SHARE = 0.9;
export const MAX_EXPONENT = 15;

const POW10 = Array.from({ length: MAX_EXPONENT + 1 }, (_, e) => 10 ** e);

/**
 * Which stream variants the encoder may use: the smaller of both (the default), or one
 * forced (tests and measurements); 'entropy' applies only where it can (safe-integer
 * timestamps, decimal values), the rest stays bit-packed or XOR.
 */
export type StreamChoice = 'smallest' | 'bit-packed' | 'entropy';

function pick(choice: StreamChoice, packed: Stream, entropy: () => Stream): Stream {
  if (choice === 'bit-packed') return packed;
  const e = entropy();
  return choice === 'entropy' || e.bytes.length < packed.bytes.length ? e : packed;
}

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

export function encodeTimestamps(ts: Float64Array, choice: StreamChoice = 'smallest'): Stream {
  for (let i = 0; i < ts.length; i++) if (!isSafeInt(ts[i])) return xorStream(TS_XOR, ts);
  const order = bestOrder(ts);
  const w = new BitWriter(ts.length);
  writeIntSeries(ts, order, w);
  const packed: Stream = { codec: order === 1 ? TS_DELTA : TS_DOD, exponent: 0, bytes: w.finish() };
  return pick(choice, packed, () => entropyTimestamps(ts, order));
}

const TS_MODE_CONSTANT = 0;
const TS_MODE_GRID = 1;
const TS_MODE_DELTA = 2;
const TS_MODE_DOD = 3;
const TS_MODE_GRID_PACKED = 4;

/**
 * Safe-integer timestamps as an entropy stream: a constant step costs a few bytes and no
 * payload; otherwise offsets from the grid t0 + i·median step (deflated, or bit-packed
 * at one width), or the residuals of `order` deflated, whichever is smallest.
 */
function entropyTimestamps(ts: Float64Array, order: 1 | 2): Stream {
  const n = ts.length;
  const w = new VarintWriter(32);
  const step = n > 1 ? ts[1] - ts[0] : 0;
  let constant = true;
  for (let i = 2; i < n && constant; i++) constant = ts[i] - ts[i - 1] === step;
  if (constant) {
    w.writeUnsigned(TS_MODE_CONSTANT);
    w.writeSigned(n > 0 ? ts[0] : 0);
    w.writeSigned(step);
    return { codec: TS_ENTROPY, exponent: 0, bytes: w.finish() };
  }
  const median = medianStep(ts);
  const offsets = gridVarints(ts, median);
  // Deflate costs most of the encoder's time: the residual order is only tried when the
  // grid is impossible or its varints are not already shorter (a clock with gaps).
  let residuals: Uint8Array | undefined;
  if (offsets === undefined || offsets.length > residualBytes(ts, order)) {
    const r = new VarintWriter(16);
    r.writeUnsigned(order === 1 ? TS_MODE_DELTA : TS_MODE_DOD);
    writeDeflated(r, residualVarints(ts, order));
    residuals = r.finish();
  }
  if (offsets === undefined) return { codec: TS_ENTROPY, exponent: 0, bytes: residuals as Uint8Array };
  w.writeUnsigned(TS_MODE_GRID);
  w.writeSigned(ts[0]);
  w.writeSigned(median);
  writeDeflated(w, offsets);
  let best = w.finish();
  if (residuals !== undefined && residuals.length <= best.length) best = residuals;
  const packed = packGridOffsets(ts, median);
  // Packed offsets need no inflate call (a third of a chunk's decode time): kept unless
  // deflate saves more than about 10 %.
  if (packed !== undefined && packed.bytes.length + 24 < best.length * 1.12) {
    const p = new VarintWriter(packed.bytes.length + 32);
    p.writeUnsigned(TS_MODE_GRID_PACKED);
    p.writeSigned(ts[0]);
    p.writeSigned(median);
    p.writeSigned(packed.min);
    p.writeUnsigned(packed.width);
    p.writeBytes(packed.bytes);
    best = p.finish();
  }
  return { codec: TS_ENTROPY, exponent: 0, bytes: best };
}

function corrupt(what: string): (message: string) => never {
  return (message: string): never => {
    throw new CorruptChunkError(`chunk: ${what}: ${message}`);
  };
}

/** Decodes a TS_ENTROPY stream at bytes[start, start + length) into `out[offset .. offset + count)`. */
export function decodeEntropyTimestampsInto(
  bytes: Uint8Array,
  start: number,
  length: number,
  count: number,
  out: Float64Array,
  offset: number,
): void {
  const fail = corrupt('timestamp stream');
  const r = new VarintReader(bytes, start, start + length, fail);
  const mode = r.readUnsigned();
  if (mode === TS_MODE_CONSTANT || mode === TS_MODE_GRID || mode === TS_MODE_GRID_PACKED) {
    const t0 = r.readSigned();
    const step = r.readSigned();
    if (!(Math.abs(t0) < INT_LIMIT && Math.abs(step) < INT_LIMIT)) fail(`first timestamp ${t0} or step ${step} out of range`);
    if (mode === TS_MODE_GRID_PACKED) {
      const min = r.readSigned();
      const width = r.readUnsigned();
      if (!(Math.abs(min) < INT_LIMIT)) fail(`grid minimum ${min} out of range`);
      decodePackedGridInto(bytes, r.pos, r.end, t0, step, min, width, count, out, offset, fail);
      return;
    }
    if (mode === TS_MODE_GRID) {
      decodeGridInto(readDeflated(r, maxRawBytes(count)), t0, step, count, out, offset, fail);
      return;
    }
    if (r.pos !== r.end) fail(`${r.end - r.pos} bytes after a constant step`);
    const last = t0 + (count - 1) * step;
    if (!(Math.abs(last) < INT_LIMIT)) fail(`last timestamp ${last} out of range`);
    for (let i = 0; i < count; i++) out[offset + i] = t0 + i * step;
    return;
  }
  if (mode !== TS_MODE_DELTA && mode !== TS_MODE_DOD) fail(`unknown mode ${mode}`);
  const raw = readDeflated(r, maxRawBytes(count));
  decodeResidualsInto(raw, mode === TS_MODE_DELTA ? 1 : 2, count, out, offset, 1, fail);
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

/** Values scaled to integers by a decimal exponent, with the indexes that did not fit. */
interface Decimal {
  exponent: number;
  /** Scaled integers; an exception repeats the previous integer (a zero residual). */
  ints: Float64Array;
  exceptions: number[];
}

/** The decimal form of `values`, or undefined if too many values do not fit (XOR then). */
function scaleDecimal(values: Float64Array): Decimal | undefined {
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
  if (misfits > limit) return undefined;
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
      if (exceptions.length > limit) return undefined;
    }
    ints[i] = prev;
  }
  return { exponent: e, ints, exceptions };
}

export function encodeValues(values: Float64Array, choice: StreamChoice = 'smallest'): Stream {
  const dec = scaleDecimal(values);
  if (dec === undefined) return xorStream(VAL_XOR, values);
  return pick(choice, packedDecimal(values, dec), () => entropyDecimal(values, dec));
}

/** Bit-packed decimal stream: exceptions (count, index, raw bits), then the integer series. */
function packedDecimal(values: Float64Array, dec: Decimal): Stream {
  const n = values.length;
  const { ints, exceptions } = dec;
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
  return { codec: order === 1 ? VAL_DEC_DELTA : VAL_DEC_DOD, exponent: dec.exponent, bytes: w.finish() };
}

/** Sum of |residual| of `order` (1 or 2) from record 2 on (compared with levelCost). */
function orderCost(ints: Float64Array, order: 1 | 2): number {
  let cost = 0;
  if (order === 1) for (let i = 2; i < ints.length; i++) cost += Math.abs(ints[i] - ints[i - 1]);
  else for (let i = 2; i < ints.length; i++) cost += Math.abs(ints[i] - 2 * ints[i - 1] + ints[i - 2]);
  return cost;
}

/** Largest record count a value stream of `bytes` bytes may announce (see chunk.ts). */
function deflatedCapacity(bytes: number): number {
  return 64 + bytes * 1040;
}

/**
 * Entropy-coded decimal stream: varint exception count, per exception the varint gap to
 * the previous index (+1) and the 8 raw bytes (little-endian), then
 * - ids 3 / 4: the deflated residuals of the order whose varints are shorter;
 * - id 5: a model byte (bits 0-1 predictor: 0 delta, 1 delta², 2 level; bit 2 compressor:
 *   0 deflate, 1 brotli; bits 3-7 the level's gain shift), for the level its reset threshold
 *   (varint), then the raw length and the compressed residuals.
 * The encoder keeps whichever is smallest.
 */
function entropyDecimal(values: Float64Array, dec: Decimal): Stream {
  const { ints, exceptions } = dec;
  const count = ints.length;
  const order = residualBytes(ints, 2) < residualBytes(ints, 1) ? 2 : 1;
  let raw = residualVarints(ints, order);
  const deflated = deflateCandidates(raw);
  let payload = deflated.best;
  // Runs or matches beat Huffman-only: the residuals repeat themselves (load shapes).
  const repeats = deflated.best.length < BROTLI_REPEAT_GAIN * deflated.huffmanOnlyBytes;
  let predictor = order === 1 ? PREDICT_DELTA : PREDICT_DOD;
  let shift = 0;
  let compressor = PAYLOAD_DEFLATE;
  if (count > 2 && fitsLevel(ints)) {
    let bestShift: number = LEVEL_SHIFTS[0];
    let bestCost = Number.POSITIVE_INFINITY;
    for (const k of LEVEL_SHIFTS) {
      const cost = levelCost(ints, k, LEVEL_RESET);
      if (cost < bestCost) {
        bestCost = cost;
        bestShift = k;
      }
    }
    if (bestCost < LEVEL_MIN_GAIN * orderCost(ints, order)) {
      const levelRaw = levelVarints(ints, bestShift, LEVEL_RESET);
      const levelPayload = deflatedPayload(levelRaw, CHEAP_STRATEGIES);
      if (levelPayload.length + 2 < LEVEL_MAX_SHARE * payload.length) {
        raw = levelRaw;
        payload = levelPayload;
        predictor = PREDICT_LEVEL;
        shift = bestShift;
      }
    }
  }
  if (repeats && payload.length * 8 < count * BROTLI_BELOW_BITS_PER_RECORD) {
    const squeezed = brotliPayload(raw);
    // The chunk header bounds the record count by the stream size; never write past that bound.
    if (squeezed.length + 1 < payload.length && count <= deflatedCapacity(squeezed.length)) {
      payload = squeezed;
      compressor = PAYLOAD_BROTLI;
    }
  }
  const w = new VarintWriter(payload.length + 32 + exceptions.length * 12);
  w.writeUnsigned(exceptions.length);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.length * 8);
  let next = 0;
  for (const i of exceptions) {
    w.writeUnsigned(i - next);
    w.writeBytes(bytes.subarray(8 * i, 8 * i + 8));
    next = i + 1;
  }
  const plain = predictor !== PREDICT_LEVEL && compressor === PAYLOAD_DEFLATE;
  if (!plain) {
    w.writeUnsigned(predictor | (compressor << 2) | (shift << 3));
    if (predictor === PREDICT_LEVEL) w.writeUnsigned(LEVEL_RESET);
  }
  w.writeUnsigned(raw.length);
  w.writeBytes(payload);
  const codec = plain ? (predictor === PREDICT_DELTA ? VAL_ENT_DELTA : VAL_ENT_DOD) : VAL_ENT_MODEL;
  return { codec, exponent: dec.exponent, bytes: w.finish() };
}

/** Decodes a VAL_ENT_* stream at bytes[start, start + length) into `out[offset .. offset + count)`. */
export function decodeEntropyValuesInto(
  bytes: Uint8Array,
  start: number,
  length: number,
  codec: number,
  exponent: number,
  count: number,
  out: Float64Array,
  offset: number,
): void {
  const fail = corrupt('value stream');
  if (exponent > MAX_EXPONENT) fail(`decimal exponent ${exponent} > ${MAX_EXPONENT}`);
  const r = new VarintReader(bytes, start, start + length, fail);
  const nExc = r.readUnsigned();
  if (nExc > maxExceptions(count)) fail(`${nExc} exceptions for ${count} values`);
  const excIdx = new Uint32Array(nExc);
  const excAt = new Uint32Array(nExc);
  let next = 0;
  for (let k = 0; k < nExc; k++) {
    const i = next + r.readUnsigned();
    if (i >= count) fail(`exception index ${i} >= ${count}`);
    if (r.pos + 8 > r.end) fail(`exception ${k} runs past the end`);
    excIdx[k] = i;
    excAt[k] = r.pos;
    r.pos += 8;
    next = i + 1;
  }
  const divisor = POW10[exponent];
  if (codec === VAL_ENT_MODEL) {
    const model = r.readUnsigned();
    const predictor = model & 3;
    const compressor = (model >> 2) & 1;
    const shift = model >> 3;
    if (predictor > PREDICT_LEVEL) fail(`unknown predictor ${predictor}`);
    if (shift > MAX_LEVEL_SHIFT || (predictor !== PREDICT_LEVEL && shift !== 0)) fail(`bad model byte ${model}`);
    const reset = predictor === PREDICT_LEVEL ? r.readUnsigned() : 0;
    const raw = readPayload(r, maxRawBytes(count), compressor);
    if (predictor === PREDICT_LEVEL) decodeLevelInto(raw, count, shift, reset, out, offset, divisor, fail);
    else decodeResidualsInto(raw, predictor === PREDICT_DELTA ? 1 : 2, count, out, offset, divisor, fail);
  } else {
    const raw = readDeflated(r, maxRawBytes(count));
    decodeResidualsInto(raw, codec === VAL_ENT_DELTA ? 1 : 2, count, out, offset, divisor, fail);
  }
  if (nExc > 0) {
    const target = new Uint8Array(out.buffer, out.byteOffset + offset * 8, count * 8);
    for (let k = 0; k < nExc; k++) target.set(bytes.subarray(excAt[k], excAt[k] + 8), 8 * excIdx[k]);
  }
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
