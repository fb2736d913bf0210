/**
 * The checkpoint snapshot: `<dataDir>/snapshot.bin`, replaced atomically at every checkpoint.
 * It is the commit point of a checkpoint: the catalogue, every data point's on-line statistics
 * and the timestamp through which its entries are sealed into segment files, all taken in the
 * same synchronous turn as the seal and the log rotation (so "in the statistics" and "in the
 * segment files" mean the same set of entries: those before the log marker).
 *
 * Layout: "GLSS" | u32 version | u32 CRC-32 of the body | u32 body length | body (UTF-8 JSON).
 * Statistics are OnlineStatistics.serialize() bytes in base64.
 */
import { promises as fs } from 'node:fs';
import { crc32 } from '../codec/index.js';
import type { CatalogueRecord } from './catalogue.js';

export const SNAPSHOT_FILE = 'snapshot.bin';
const MAGIC = 0x53534c47; // "GLSS"
const VERSION = 1;
const HEADER_BYTES = 16;

export interface SnapshotPoint {
  record: CatalogueRecord;
  /** Newest sealed timestamp (null: nothing sealed yet). */
  sealedThrough: number | null;
  /** base64 of OnlineStatistics.serialize(). */
  statistics: string;
  /**
   * base64 of encodeChunk(head): entries not sealed yet, kept here by periodic checkpoints so
   * they do not seal a small chunk every interval. Absent when the head was empty or sealed.
   */
  head?: string;
}

export interface Snapshot {
  /** Log marker the snapshot covers (every record before it is in here or in segment files). */
  walMarker: number;
  createdMs: number;
  /** Entry-time span of the folder's segment files; a folder keeps the period it was made with. */
  segmentPeriodMs?: number;
  /**
   * Layout of the segment files (core/storacle/segments/layout.ts SEGMENT_LAYOUT); absent in
   * snapshots of the first layout (a folder per data point), which the store refuses to open.
   */
  segmentLayout?: number;
  points: SnapshotPoint[];
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(snapshot));
  const out = new Uint8Array(HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, crc32(body), true);
  view.setUint32(12, body.length, true);
  out.set(body, HEADER_BYTES);
  return out;
}

/** Parses a snapshot; throws a RangeError describing what is wrong. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length < HEADER_BYTES) throw new RangeError(`snapshot too short (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('not a snapshot (bad magic)');
  if (view.getUint32(4, true) !== VERSION) throw new RangeError(`unsupported snapshot version ${view.getUint32(4, true)}`);
  const length = view.getUint32(12, true);
  if (HEADER_BYTES + length !== bytes.length) throw new RangeError(`snapshot length ${bytes.length} does not match its header (${length})`);
  const body = bytes.subarray(HEADER_BYTES);
  if (crc32(body) !== view.getUint32(8, true)) throw new RangeError('snapshot CRC mismatch');
  const parsed = JSON.parse(new TextDecoder().decode(body)) as Snapshot;
  if (!Array.isArray(parsed.points) || typeof parsed.walMarker !== 'number') throw new RangeError('malformed snapshot');
  return parsed;
}

/** Reads `file`, or undefined if there is none. */
export async function readSnapshot(file: string): Promise<Snapshot | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return decodeSnapshot(bytes);
}
