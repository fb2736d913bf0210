/**
 * A sealed chunk: one series' timestamps and values, self-describing and checksummed.
 * Layout (little-endian) in README.md next to this file.
 */
import { BitReader } from './bits.js';
import { crc32 } from './crc32.js';
import { CorruptChunkError } from './errors.js';
import {
  TS_ENTROPY,
  VAL_ENT_DELTA,
  VAL_ENT_DOD,
  VAL_ENT_MODEL,
  decodeEntropyTimestampsInto,
  decodeEntropyValuesInto,
  decodeTimestampsInto,
  decodeValuesInto,
  encodeTimestamps,
  encodeValues,
} from './streams.js';
import type { Stream, StreamChoice } from './streams.js';
import { VarintReader, VarintWriter } from './varint.js';

export const CHUNK_MAGIC = 0x43534c47; // "GLSC" read as little-endian u32
/** Layout the encoder writes (README.md): the compact header, varint count and stream length. */
export const CHUNK_VERSION = 2;
/** The first layout, with fixed 32-bit fields and the first/last timestamp; still read. */
export const CHUNK_VERSION_FIXED = 1;
export const HEADER_BYTES = 36;
/** Magic, version, codec ids and exponent: the fixed start of a version 2 header. */
const COMPACT_PREFIX_BYTES = 8;
export const CRC_BYTES = 4;
/** Largest record count a decoder accepts: bounds the memory a forged header can ask for. */
export const MAX_CHUNK_RECORDS = 1 << 22;

export interface DecodedChunk {
  timestamps: Float64Array;
  values: Float64Array;
}

export interface EncodeOptions {
  /** Stream variants to use; default 'smallest' (each stream the smaller of bit-packed and entropy-coded). */
  streams?: StreamChoice;
  /** Header layout; default CHUNK_VERSION (2). Version 1 is for tests of the first layout. */
  version?: 1 | 2;
}

export function encodeChunk(timestamps: Float64Array, values: Float64Array, options: EncodeOptions = {}): Uint8Array {
  const count = timestamps.length;
  if (values.length !== count) {
    throw new RangeError(`encodeChunk: ${count} timestamps but ${values.length} values`);
  }
  if (count > MAX_CHUNK_RECORDS) {
    throw new RangeError(`encodeChunk: ${count} records > ${MAX_CHUNK_RECORDS}`);
  }
  const choice = options.streams ?? 'smallest';
  const ts = encodeTimestamps(timestamps, choice);
  const vs = encodeValues(values, choice);
  if ((options.version ?? CHUNK_VERSION) === CHUNK_VERSION_FIXED) return fixedLayout(timestamps, ts, vs);
  // Version 2: the first/last timestamps are not repeated here (the timestamp stream and the
  // segment frame hold them), the count and the stream length are varints; 36 -> ~12 bytes.
  const head = new VarintWriter(16);
  head.writeUnsigned(count);
  head.writeUnsigned(ts.bytes.length);
  const varints = head.finish();
  const start = COMPACT_PREFIX_BYTES + varints.length;
  const total = start + ts.bytes.length + vs.bytes.length + CRC_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, CHUNK_MAGIC, true);
  out[4] = CHUNK_VERSION;
  out[5] = ts.codec;
  out[6] = vs.codec;
  out[7] = vs.exponent;
  out.set(varints, COMPACT_PREFIX_BYTES);
  out.set(ts.bytes, start);
  out.set(vs.bytes, start + ts.bytes.length);
  view.setUint32(total - CRC_BYTES, crc32(out, 0, total - CRC_BYTES), true);
  return out;
}

function fixedLayout(timestamps: Float64Array, ts: Stream, vs: Stream): Uint8Array {
  const count = timestamps.length;
  const total = HEADER_BYTES + ts.bytes.length + vs.bytes.length + CRC_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, CHUNK_MAGIC, true);
  out[4] = CHUNK_VERSION_FIXED;
  out[5] = ts.codec;
  out[6] = vs.codec;
  out[7] = vs.exponent;
  view.setUint32(8, count, true);
  view.setFloat64(12, count > 0 ? timestamps[0] : 0, true);
  view.setFloat64(20, count > 0 ? timestamps[count - 1] : 0, true);
  view.setUint32(28, ts.bytes.length, true);
  view.setUint32(32, vs.bytes.length, true);
  out.set(ts.bytes, HEADER_BYTES);
  out.set(vs.bytes, HEADER_BYTES + ts.bytes.length);
  view.setUint32(total - CRC_BYTES, crc32(out, 0, total - CRC_BYTES), true);
  return out;
}

function corrupt(message: string): never {
  throw new CorruptChunkError(`chunk: ${message}`);
}

/** Upper bound of records a bit-packed stream of `bits` bits can hold (a block of 1024 costs >= 13 bits). */
function maxRecordsFor(bits: number): number {
  return 2 + Math.ceil(bits / 13) * 1024;
}

/**
 * Upper bound of records a deflated stream of `bytes` bytes can hold: every record is at
 * least one varint byte and deflate expands at most 1032:1 (258-byte matches in 2 bits).
 */
function maxRecordsForDeflated(bytes: number): number {
  return 64 + bytes * 1040;
}

function isEntropyValues(codec: number): boolean {
  return codec === VAL_ENT_DELTA || codec === VAL_ENT_DOD || codec === VAL_ENT_MODEL;
}

/** Header fields of a chunk whose CRC and framing have been checked. */
interface CheckedHeader {
  view: DataView;
  version: number;
  tsCodec: number;
  valCodec: number;
  exponent: number;
  count: number;
  /** Offset of the timestamp stream (the header's length). */
  start: number;
  tsLen: number;
  valLen: number;
}

/** CRC first (so random damage fails there), then magic, version and stream framing. */
function checkHeader(bytes: Uint8Array): CheckedHeader {
  const len = bytes.length;
  if (len < COMPACT_PREFIX_BYTES + 2 + CRC_BYTES) {
    corrupt(`truncated: ${len} bytes, header and CRC need ${COMPACT_PREFIX_BYTES + 2 + CRC_BYTES}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const stored = view.getUint32(len - CRC_BYTES, true);
  const actual = crc32(bytes, 0, len - CRC_BYTES);
  if (stored !== actual) {
    corrupt(
      `CRC32 mismatch over bytes 0..${len - CRC_BYTES} (stored 0x${stored.toString(16)}, ` +
        `computed 0x${actual.toString(16)}): bit flip or truncation`,
    );
  }
  if (view.getUint32(0, true) !== CHUNK_MAGIC) corrupt('bad magic at byte 0');
  const version = bytes[4];
  let count: number;
  let start: number;
  let tsLen: number;
  let valLen: number;
  if (version === CHUNK_VERSION) {
    const r = new VarintReader(bytes, COMPACT_PREFIX_BYTES, len - CRC_BYTES, (m) => corrupt(`header: ${m}`));
    count = r.readUnsigned();
    tsLen = r.readUnsigned();
    start = r.pos;
    valLen = len - CRC_BYTES - start - tsLen;
    if (valLen < 0) corrupt(`timestamp stream length ${tsLen} runs past the chunk (${len} bytes)`);
  } else if (version === CHUNK_VERSION_FIXED) {
    if (len < HEADER_BYTES + CRC_BYTES) corrupt(`truncated: ${len} bytes, header and CRC need ${HEADER_BYTES + CRC_BYTES}`);
    count = view.getUint32(8, true);
    start = HEADER_BYTES;
    tsLen = view.getUint32(28, true);
    valLen = view.getUint32(32, true);
    if (HEADER_BYTES + tsLen + valLen + CRC_BYTES !== len) {
      corrupt(`stream lengths ${tsLen} + ${valLen} do not match the chunk size ${len} (bytes 28..35)`);
    }
  } else {
    return corrupt(`unsupported version ${version} at byte 4 (this decoder reads versions ${CHUNK_VERSION_FIXED} and ${CHUNK_VERSION})`);
  }
  if (count > MAX_CHUNK_RECORDS) corrupt(`record count ${count} > ${MAX_CHUNK_RECORDS}`);
  const tsCodec = bytes[5];
  const valCodec = bytes[6];
  // An entropy timestamp stream of a constant clock is a few bytes whatever the count:
  // the value stream then bounds the count (and with it the memory a decoder allocates).
  const tsFits = tsCodec === TS_ENTROPY || count <= maxRecordsFor(tsLen * 8);
  const valFits = isEntropyValues(valCodec) ? count <= maxRecordsForDeflated(valLen) : count <= maxRecordsFor(valLen * 8);
  if (!tsFits || !valFits) {
    corrupt(`record count ${count} cannot fit in streams of ${tsLen} and ${valLen} bytes`);
  }
  return { view, version, tsCodec, valCodec, exponent: bytes[7], count, start, tsLen, valLen };
}

/** Record count of a chunk, read from its header after the same checks as decoding (CRC first). */
export function chunkRecordCount(bytes: Uint8Array): number {
  return checkHeader(bytes).count;
}

/**
 * Decodes a chunk straight into `timestamps[offset ..]` and `values[offset ..]` and returns
 * its record count, so a caller can decode many chunks into one preallocated pair of
 * arrays without copying. Throws a RangeError (before writing anything) if the arrays
 * are too short, CorruptChunkError if the bytes are not a valid chunk; after a
 * CorruptChunkError the target range may hold partly decoded data.
 */
export function decodeChunkInto(bytes: Uint8Array, timestamps: Float64Array, values: Float64Array, offset: number): number {
  if (!(Number.isInteger(offset) && offset >= 0)) throw new RangeError(`decodeChunkInto: bad offset ${offset}`);
  const h = checkHeader(bytes);
  const count = h.count;
  if (offset + count > timestamps.length || offset + count > values.length) {
    throw new RangeError(
      `decodeChunkInto: ${count} records at offset ${offset} do not fit arrays of ${timestamps.length} and ${values.length}`,
    );
  }
  decodeStreams(bytes, h, timestamps, values, offset);
  return count;
}

function decodeStreams(bytes: Uint8Array, h: CheckedHeader, timestamps: Float64Array, values: Float64Array, offset: number): void {
  const count = h.count;
  if (h.tsCodec === TS_ENTROPY) {
    decodeEntropyTimestampsInto(bytes, h.start, h.tsLen, count, timestamps, offset);
  } else {
    const tr = new BitReader(bytes, 'timestamp stream', h.start, h.tsLen);
    decodeTimestampsInto(tr, h.tsCodec, count, timestamps, offset);
    if (tr.remaining >= 8) tr.fail(`${tr.remaining} unread bits`);
  }
  if (isEntropyValues(h.valCodec)) {
    decodeEntropyValuesInto(bytes, h.start + h.tsLen, h.valLen, h.valCodec, h.exponent, count, values, offset);
  } else {
    const vr = new BitReader(bytes, 'value stream', h.start + h.tsLen, h.valLen);
    decodeValuesInto(vr, h.valCodec, h.exponent, count, values, offset);
    if (vr.remaining >= 8) vr.fail(`${vr.remaining} unread bits`);
  }
  if (count > 0 && h.version === CHUNK_VERSION_FIXED) {
    // Compare raw bits (a NaN timestamp is legal in the XOR escape and never equals itself).
    const words = new Uint32Array(timestamps.buffer, timestamps.byteOffset + offset * 8, count * 2);
    const v = h.view;
    const last = 2 * (count - 1);
    if (
      words[0] !== v.getUint32(12, true) || words[1] !== v.getUint32(16, true) ||
      words[last] !== v.getUint32(20, true) || words[last + 1] !== v.getUint32(24, true)
    ) {
      corrupt('first/last timestamp in the header (bytes 12..27) differ from the stream');
    }
  }
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const h = checkHeader(bytes);
  const timestamps = new Float64Array(h.count);
  const values = new Float64Array(h.count);
  decodeStreams(bytes, h, timestamps, values, 0);
  return { timestamps, values };
}
