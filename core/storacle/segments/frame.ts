/**
 * A frame of a segment file: a fixed header describing one sealed chunk, then the codec's chunk
 * bytes (which end in their own CRC-32). The header has its own CRC so the index of a file can
 * be rebuilt at open from headers alone, and a damaged header is told apart from a damaged chunk.
 *
 * Layout (little-endian), HEADER_BYTES = 60:
 *   0  u32 magic FRAME_MAGIC ("GLSF")
 *   4  u32 frame length in bytes (header + chunk)
 *   8  f64 first timestamp      16 f64 last timestamp
 *  24  u32 entry count          28 u32 reserved (0)
 *  32  f64 minimum value        40 f64 maximum value        48 f64 last value
 *  56  u32 CRC-32 of bytes 0..56
 *  60  chunk bytes (codec layout, CRC-32 at its end)
 */
import { crc32 } from '../codec/index.js';
import type { ChunkMeta } from '../series/index.js';

export const FRAME_MAGIC = 0x46534c47; // "GLSF" read as little-endian u32
export const FRAME_HEADER_BYTES = 60;
const CRC_OFFSET = 56;
/** No chunk of the codec is this large (4 Mi records); a longer length means a damaged header. */
export const MAX_FRAME_BYTES = 1 << 30;

/** The header written before `chunk`. */
export function encodeFrameHeader(meta: ChunkMeta): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, FRAME_HEADER_BYTES + meta.byteLength, true);
  view.setFloat64(8, meta.firstTs, true);
  view.setFloat64(16, meta.lastTs, true);
  view.setUint32(24, meta.count, true);
  view.setFloat64(32, meta.minValue, true);
  view.setFloat64(40, meta.maxValue, true);
  view.setFloat64(48, meta.lastValue, true);
  view.setUint32(CRC_OFFSET, crc32(header, 0, CRC_OFFSET), true);
  return header;
}

/** The chunk metadata of a header at `at` in `bytes`, or undefined if it is not an intact header. */
export function decodeFrameHeader(bytes: Uint8Array, at = 0): ChunkMeta | undefined {
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
