/**
 * The index file beside a sealed segment file (`<seriesId>.idx` next to `<seriesId>.seg` in the
 * period's folder): the frame headers' content and offsets, so opening a store reads a few KB per
 * sealed file instead of walking every frame of it. Written once, when the segment file becomes
 * sealed (it never changes afterwards), and only for files of SIDECAR_MIN_SEGMENT_BYTES or more;
 * not needed for correctness: a missing, damaged or stale index (its recorded segment size
 * differs from the file's) just means the segment file is scanned.
 *
 * Layout (little-endian): "GLSI" | u32 version | f64 segment size | u32 frame count |
 * count × (f64 chunk offset, the frame's metadata as a 60-byte first-layout header whose reserved
 * field holds the frame's real header length; 0 in indexes of first-layout files: 60) | u32 CRC-32.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { crc32 } from '../codec/index.js';
import type { ChunkMeta } from '../series/index.js';
import { FRAME_HEADER_BYTES, decodeFrameHeader, encodeFrameHeader } from './frame.js';
import type { IndexedFrame } from './scan.js';

const MAGIC = 0x49534c47; // "GLSI"
const VERSION = 1;
const HEAD_BYTES = 20;
const ENTRY_BYTES = 8 + FRAME_HEADER_BYTES;

export const INDEX_SUFFIX = '.idx';

/**
 * Smallest segment file given a sidecar index. Below it the index does not pay: the scan at
 * open reads such a file whole in one read (scan.ts reads 1 MiB windows), which costs the same
 * open and read syscall as reading its index would, while the index costs 68 bytes per frame
 * on disk (more than the frame headers it copies) and a file entry per file. A 1-minute data
 * point fills ~2.5 KB per week; a 1 Hz one ~1 MB, where the index (a few KB) spares reading it.
 */
export const SIDECAR_MIN_SEGMENT_BYTES = 64 * 1024;

/** Path of the index beside a segment file. */
export function indexPathFor(segmentPath: string): string {
  return segmentPath.replace(/\.seg$/, INDEX_SUFFIX);
}

export function encodeSidecarIndex(segmentSize: number, frames: ReadonlyArray<{ chunkOffset: number; frameOffset?: number; meta: ChunkMeta }>): Uint8Array {
  const out = new Uint8Array(HEAD_BYTES + frames.length * ENTRY_BYTES + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setFloat64(8, segmentSize, true);
  view.setUint32(16, frames.length, true);
  let at = HEAD_BYTES;
  // Frames lie back to back: without a known frame offset, a frame starts where the previous
  // chunk ends (a stretch skipped as damaged then counts as part of the next header: cutting a
  // file there drops garbage only).
  let previousEnd = 0;
  for (const f of frames) {
    view.setFloat64(at, f.chunkOffset, true);
    const frameOffset = f.frameOffset ?? previousEnd;
    out.set(encodeFrameHeader(f.meta, f.chunkOffset - frameOffset), at + 8);
    previousEnd = f.chunkOffset + f.meta.byteLength;
    at += ENTRY_BYTES;
  }
  view.setUint32(at, crc32(out, 0, at), true);
  return out;
}

/** The frames an index lists, or undefined if it is damaged or does not describe a file of `segmentSize` bytes. */
export function decodeSidecarIndex(bytes: Uint8Array, segmentSize: number): IndexedFrame[] | undefined {
  if (bytes.length < HEAD_BYTES + 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) return undefined;
  const count = view.getUint32(16, true);
  if (bytes.length !== HEAD_BYTES + count * ENTRY_BYTES + 4) return undefined;
  const end = bytes.length - 4;
  if (view.getUint32(end, true) !== crc32(bytes, 0, end)) return undefined;
  if (view.getFloat64(8, true) !== segmentSize) return undefined;
  const frames: IndexedFrame[] = [];
  for (let i = 0, at = HEAD_BYTES; i < count; i++, at += ENTRY_BYTES) {
    const chunkOffset = view.getFloat64(at, true);
    const meta = decodeFrameHeader(bytes, at + 8);
    if (meta === undefined || chunkOffset + meta.byteLength > segmentSize) return undefined;
    const headerBytes = view.getUint32(at + 8 + 28, true) || FRAME_HEADER_BYTES;
    if (headerBytes > chunkOffset) return undefined;
    frames.push({ frameOffset: chunkOffset - headerBytes, chunkOffset, meta });
  }
  return frames;
}

/** Reads the index of a segment file of `segmentSize` bytes; undefined if absent or unusable. */
export async function readSidecarIndex(segmentPath: string, segmentSize: number): Promise<IndexedFrame[] | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(indexPathFor(segmentPath)));
  } catch {
    return undefined;
  }
  return decodeSidecarIndex(bytes, segmentSize);
}

/** readSidecarIndex for synchronous callers (a query reaching a file not yet listed). */
export function readSidecarIndexSync(segmentPath: string, segmentSize: number): IndexedFrame[] | undefined {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(indexPathFor(segmentPath)));
  } catch {
    return undefined;
  }
  return decodeSidecarIndex(bytes, segmentSize);
}

/**
 * Writes the index (tmp → rename; not fsync'ed: losing it costs only a scan at the next open).
 */
export async function writeSidecarIndex(segmentPath: string, segmentSize: number, frames: ReadonlyArray<{ chunkOffset: number; frameOffset?: number; meta: ChunkMeta }>): Promise<void> {
  const target = indexPathFor(segmentPath);
  const tmp = `${target}.tmp-${process.pid}`;
  await fs.writeFile(tmp, encodeSidecarIndex(segmentSize, frames));
  await fs.rename(tmp, target);
}
