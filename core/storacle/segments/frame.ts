/**
 * A frame of a segment file: a header describing one sealed chunk, then the codec's chunk bytes
 * (which end in their own CRC-32). The header has its own CRC so the index of a file can be
 * rebuilt at open from headers alone, and a damaged header is told apart from a damaged chunk.
 *
 * Compact layout (written now; magic "GLSG"), little-endian, variable length (~30 bytes):
 *   u32 magic FRAME_MAGIC_COMPACT
 *   varint chunk length in bytes
 *   u8 flags: bit 0 = timestamps are safe integers (then zigzag varint first timestamp and
 *            varint last − first), else both as raw f64; bit 1 = the last value is the
 *            minimum, bit 2 = it is the maximum (same bits; then it is not written)
 *   varint entry count
 *   minimum, maximum, last value: compact numbers (codec/compact-number.ts: short decimals as
 *            varints, anything else raw)
 *   u32 CRC-32 of every header byte before it
 * A 1,440-entry load profile's header is 29 bytes instead of 60: the frame header is paid once
 * per data point per period, which on short histories is a visible share of the bytes.
 *
 * First layout (magic "GLSF", still read; the sidecar index stores its entries in this form):
 *   0  u32 magic FRAME_MAGIC          4  u32 frame length in bytes (header + chunk)
 *   8  f64 first timestamp      16 f64 last timestamp
 *  24  u32 entry count          28 u32 reserved (0; in a sidecar index: the frame's header length)
 *  32  f64 minimum value        40 f64 maximum value        48 f64 last value
 *  56  u32 CRC-32 of bytes 0..56
 */
import { crc32 } from '../codec/index.js';
import { readCompactNumber, writeCompactNumber } from '../codec/compact-number.js';
import { VarintReader, VarintWriter } from '../codec/varint.js';
import type { ChunkMeta } from '../series/index.js';

export const FRAME_MAGIC = 0x46534c47; // "GLSF" read as little-endian u32
/** Length of a first-layout header; also enough bytes to decode any compact header of integer timestamps. */
export const FRAME_HEADER_BYTES = 60;
export const FRAME_MAGIC_COMPACT = 0x47534c47; // "GLSG" read as little-endian u32
/** Longest compact header (raw timestamps and values, longest varints). */
export const MAX_FRAME_HEADER_BYTES = 4 + 5 + 1 + 16 + 5 + 3 * 9 + 4;
const CRC_OFFSET = 56;
/** No chunk of the codec is this large (4 Mi records); a longer length means a damaged header. */
export const MAX_FRAME_BYTES = 1 << 30;

const SAFE = 2 ** 52;
const INTEGER_TIMESTAMPS = 1;
const LAST_IS_MIN = 2;
const LAST_IS_MAX = 4;

/** The compact header written before a chunk in a segment file. */
export function encodeCompactFrameHeader(meta: ChunkMeta): Uint8Array {
  const w = new VarintWriter(48);
  w.writeBytes(new Uint8Array([0x47, 0x4c, 0x53, 0x47]));
  w.writeUnsigned(meta.byteLength);
  const { firstTs, lastTs } = meta;
  const integers = Number.isSafeInteger(firstTs) && Number.isSafeInteger(lastTs) && Math.abs(firstTs) < SAFE / 2 && lastTs - firstTs < SAFE && !Object.is(firstTs, -0);
  const lastIsMin = Object.is(meta.lastValue, meta.minValue);
  const lastIsMax = !lastIsMin && Object.is(meta.lastValue, meta.maxValue);
  w.writeBytes(new Uint8Array([(integers ? INTEGER_TIMESTAMPS : 0) | (lastIsMin ? LAST_IS_MIN : 0) | (lastIsMax ? LAST_IS_MAX : 0)]));
  if (integers) {
    w.writeSigned(firstTs);
    w.writeUnsigned(lastTs - firstTs);
  } else {
    const raw = new Uint8Array(16);
    const view = new DataView(raw.buffer);
    view.setFloat64(0, firstTs, true);
    view.setFloat64(8, lastTs, true);
    w.writeBytes(raw);
  }
  w.writeUnsigned(meta.count);
  writeCompactNumber(w, meta.minValue);
  writeCompactNumber(w, meta.maxValue);
  if (!lastIsMin && !lastIsMax) writeCompactNumber(w, meta.lastValue);
  const body = w.finish();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(out, 0, body.length), true);
  return out;
}

class HeaderError extends Error {}
const headerFail = (message: string): never => {
  throw new HeaderError(message);
};

/**
 * A header of either layout at `at`: its metadata and length, or undefined if there is no intact
 * header there (wrong magic, CRC mismatch, too few bytes, implausible fields).
 */
export function decodeFrame(bytes: Uint8Array, at = 0): { meta: ChunkMeta; headerBytes: number } | undefined {
  if (at + 8 > bytes.length) return undefined;
  const magic = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
  if (magic === FRAME_MAGIC) {
    const meta = decodeFirstLayout(bytes, at);
    return meta === undefined ? undefined : { meta, headerBytes: FRAME_HEADER_BYTES };
  }
  if (magic !== FRAME_MAGIC_COMPACT) return undefined;
  const end = Math.min(bytes.length, at + MAX_FRAME_HEADER_BYTES);
  try {
    const r = new VarintReader(bytes, at + 4, end, headerFail);
    const byteLength = r.readUnsigned();
    const flags = r.readByte();
    let firstTs: number;
    let lastTs: number;
    if ((flags & ~(INTEGER_TIMESTAMPS | LAST_IS_MIN | LAST_IS_MAX)) !== 0 || (flags & (LAST_IS_MIN | LAST_IS_MAX)) === (LAST_IS_MIN | LAST_IS_MAX)) return undefined;
    if ((flags & INTEGER_TIMESTAMPS) !== 0) {
      firstTs = r.readSigned();
      lastTs = firstTs + r.readUnsigned();
    } else {
      if (r.pos + 16 > end) return undefined;
      const view = new DataView(bytes.buffer, bytes.byteOffset + r.pos, 16);
      firstTs = view.getFloat64(0, true);
      lastTs = view.getFloat64(8, true);
      r.pos += 16;
    }
    const count = r.readUnsigned();
    const minValue = readCompactNumber(r);
    const maxValue = readCompactNumber(r);
    const lastValue = (flags & LAST_IS_MIN) !== 0 ? minValue : (flags & LAST_IS_MAX) !== 0 ? maxValue : readCompactNumber(r);
    if (r.pos + 4 > end) return undefined;
    const stored = (bytes[r.pos] | (bytes[r.pos + 1] << 8) | (bytes[r.pos + 2] << 16) | (bytes[r.pos + 3] << 24)) >>> 0;
    if (stored !== crc32(bytes, at, r.pos)) return undefined;
    if (byteLength === 0 || byteLength > MAX_FRAME_BYTES || count === 0 || !(firstTs <= lastTs)) return undefined;
    return { meta: { count, byteLength, firstTs, lastTs, minValue, maxValue, lastValue }, headerBytes: r.pos + 4 - at };
  } catch (e) {
    if (e instanceof HeaderError) return undefined;
    throw e;
  }
}

/**
 * The first-layout header for `meta` (segment files written before the compact header, and the
 * entries of a sidecar index, which record the frame's real header length in the reserved field).
 */
export function encodeFrameHeader(meta: ChunkMeta, headerBytes = 0): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, FRAME_HEADER_BYTES + meta.byteLength, true);
  view.setFloat64(8, meta.firstTs, true);
  view.setFloat64(16, meta.lastTs, true);
  view.setUint32(24, meta.count, true);
  view.setUint32(28, headerBytes, true);
  view.setFloat64(32, meta.minValue, true);
  view.setFloat64(40, meta.maxValue, true);
  view.setFloat64(48, meta.lastValue, true);
  view.setUint32(CRC_OFFSET, crc32(header, 0, CRC_OFFSET), true);
  return header;
}

/** The chunk metadata of a header of either layout at `at` in `bytes`, or undefined if there is no intact one. */
export function decodeFrameHeader(bytes: Uint8Array, at = 0): ChunkMeta | undefined {
  return decodeFrame(bytes, at)?.meta;
}

/** The chunk metadata of a first-layout header at `at` in `bytes`, or undefined if it is not an intact one. */
function decodeFirstLayout(bytes: Uint8Array, at: number): ChunkMeta | undefined {
  if (at + FRAME_HEADER_BYTES > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, FRAME_HEADER_BYTES);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return undefined;
  if (view.getUint32(CRC_OFFSET, true) !== crc32(bytes, at, at + CRC_OFFSET)) return undefined;
  const frameBytes = view.getUint32(4, true);
  const count = view.getUint32(24, true);
  const firstTs = view.getFloat64(8, true);
  const lastTs = view.getFloat64(16, true);
  if (frameBytes <= FRAME_HEADER_BYTES || frameBytes > MAX_FRAME_BYTES || count === 0 || !(firstTs <= lastTs)) return undefined;
  return {
    count,
    byteLength: frameBytes - FRAME_HEADER_BYTES,
    firstTs,
    lastTs,
    minValue: view.getFloat64(32, true),
    maxValue: view.getFloat64(40, true),
    lastValue: view.getFloat64(48, true),
  };
}
