/**
 * Rebuilding the index of one segment file at open from its frame headers.
 *
 * - A frame whose header is intact and whose length fits in the file is indexed (its chunk CRC
 *   is checked later, when a query reads it).
 * - A damaged header (bit flip) followed by an intact frame: the bytes in between are reported
 *   and skipped; the scan resynchronises on the next magic word whose header CRC checks.
 * - A damaged or incomplete frame with nothing intact after it is a torn tail (crash during a
 *   write): reported, and the file is truncated back to the end of the last good frame.
 */
import { promises as fs } from 'node:fs';
import type { ChunkMeta } from '../series/index.js';
import { FRAME_MAGIC, MAX_FRAME_HEADER_BYTES, decodeFrame } from './frame.js';

/** An indexed frame: where its chunk bytes start and what they hold. */
export interface IndexedFrame {
  /** Offset of the frame (its header) in the file. */
  readonly frameOffset: number;
  /** Offset of the chunk bytes (frameOffset + the header's length). */
  readonly chunkOffset: number;
  readonly meta: ChunkMeta;
}

/** A damaged stretch of a file found by the scan. */
export interface ScanDamage {
  offset: number;
  length: number;
  reason: string;
}

export interface ScanResult {
  frames: IndexedFrame[];
  /** File size after any truncation. */
  size: number;
  damage: ScanDamage[];
}

/** Offset of the next intact header in bytes[from..), or -1 (both layouts' magics start with "G"). */
function resync(bytes: Uint8Array, from: number): number {
  const b0 = FRAME_MAGIC & 0xff;
  for (let i = from; i + 8 <= bytes.length; i++) {
    if (bytes[i] !== b0) continue;
    const frame = decodeFrame(bytes, i);
    if (frame !== undefined && i + frame.headerBytes + frame.meta.byteLength <= bytes.length) return i;
  }
  return -1;
}

/**
 * Indexes a segment file's bytes without changing the file (a query that finds no usable
 * sidecar index): intact frames, and the damaged stretches it skipped or that end the file.
 */
export function indexSegmentBytes(bytes: Uint8Array): { frames: IndexedFrame[]; damage: ScanDamage[] } {
  const frames: IndexedFrame[] = [];
  const damage: ScanDamage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const frame = decodeFrame(bytes, at);
    if (frame !== undefined && at + frame.headerBytes + frame.meta.byteLength <= bytes.length) {
      frames.push({ frameOffset: at, chunkOffset: at + frame.headerBytes, meta: frame.meta });
      at += frame.headerBytes + frame.meta.byteLength;
      continue;
    }
    const next = resync(bytes.subarray(at), 1);
    if (next < 0) {
      damage.push({ offset: at, length: bytes.length - at, reason: 'damaged or truncated frame at the end of the file' });
      break;
    }
    damage.push({ offset: at, length: next, reason: 'damaged frame header (CRC mismatch); skipped to the next intact frame' });
    at += next;
  }
  return { frames, damage };
}

/** Bytes read at a time: frame headers are read from these windows, not one syscall per frame. */
const WINDOW_BYTES = 1 << 20;

/** Indexes the file at `file` (truncating a torn tail, fsync'ed). */
export async function scanSegmentFile(file: string): Promise<ScanResult> {
  const handle = await fs.open(file, 'r+');
  try {
    const size = (await handle.stat()).size;
    const frames: IndexedFrame[] = [];
    const damage: ScanDamage[] = [];
    // A window of the file; a header outside it makes the window move there.
    let window = new Uint8Array(0);
    let windowStart = 0;
    const headerAt = async (at: number): Promise<{ meta: ChunkMeta; headerBytes: number } | undefined> => {
      const need = Math.min(size, at + MAX_FRAME_HEADER_BYTES);
      if (at < windowStart || need > windowStart + window.length) {
        window = new Uint8Array(Math.min(Math.max(WINDOW_BYTES, MAX_FRAME_HEADER_BYTES), size - at));
        windowStart = at;
        await handle.read(window, 0, window.length, at);
      }
      return decodeFrame(window, at - windowStart);
    };
    let at = 0;
    while (at < size) {
      const frame = await headerAt(at);
      const meta = frame?.meta;
      if (frame !== undefined && at + frame.headerBytes + frame.meta.byteLength <= size) {
        frames.push({ frameOffset: at, chunkOffset: at + frame.headerBytes, meta: frame.meta });
        at += frame.headerBytes + frame.meta.byteLength;
        continue;
      }
      // Damaged or incomplete: look for an intact frame further on (reads the rest once).
      const rest = new Uint8Array(size - at);
      await handle.read(rest, 0, rest.length, at);
      const next = resync(rest, 1);
      if (next < 0) {
        const reason = meta === undefined ? 'damaged frame header at the end of the file (torn write?)' : 'truncated frame (torn write)';
        damage.push({ offset: at, length: size - at, reason: `${reason}; file truncated to ${at} bytes` });
        await handle.truncate(at);
        await handle.datasync();
        return { frames, size: at, damage };
      }
      damage.push({ offset: at, length: next, reason: 'damaged frame header (CRC mismatch); skipped to the next intact frame' });
      at += next;
    }
    return { frames, size, damage };
  } finally {
    await handle.close();
  }
}
