/**
 * The checkpoint snapshot: `<dataDir>/snapshot.bin`, replaced atomically at every checkpoint.
 * It is the commit point of a checkpoint: the catalogue, every data point's on-line statistics
 * and the timestamp through which its entries are sealed into segment files, all taken in the
 * same synchronous turn as the seal and the log rotation (so "in the statistics" and "in the
 * segment files" mean the same set of entries: those before the log marker).
 *
 * Layout: "GLSS" | u32 version | u32 CRC-32 of the body | u32 body length | body.
 * Version 2 body: u32 JSON length | UTF-8 JSON | the points' binary fields back to back (each
 * point's statistics, then its head if any), their lengths in the JSON (`statisticsBytes`,
 * `headBytes`). Version 1 (still read) held them in the JSON as base64: a third larger, and
 * the snapshot is a per-data-point cost (~0.3 B/record on 1,440-entry data points).
 * Version 3 (written now) is the version 2 body compressed with raw deflate: catalogue JSON and
 * statistics of similar data points repeat a lot, and the snapshot is rewritten whole at every
 * checkpoint. The CRC covers the compressed bytes, so damage is found before inflating.
 * Version 4 (written now) is the same with brotli instead of deflate (~10 % smaller); 3 still read.
 */
import { promises as fs } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants, inflateRawSync } from 'node:zlib';
import { crc32 } from '../codec/index.js';
import type { CatalogueRecord } from './catalogue.js';

export const SNAPSHOT_FILE = 'snapshot.bin';
const MAGIC = 0x53534c47; // "GLSS"
const VERSION = 4;
const VERSION_DEFLATED = 3;
const VERSION_PLAIN = 2;
/**
 * Brotli quality of version 4: 5 gives most of brotli's gain over deflate on snapshots (IEEE
 * 1-min, 100 data points: 7,307 -> 6,560 bytes) at deflate's speed; 11 saves another 6 % at
 * ~100× the time (~1 ms per data point), so it is used only for bodies up to
 * BEST_QUALITY_MAX_BYTES (a few hundred data points: < 0.3 s per checkpoint).
 */
const BROTLI_QUALITY = 5;
const BEST_QUALITY_MAX_BYTES = 64 * 1024;
const VERSION_BASE64 = 1;
/** A decompressed snapshot larger than this is refused as damaged rather than exhausting memory. */
const MAX_BODY_BYTES = 1 << 30;
const HEADER_BYTES = 16;

export interface SnapshotPoint {
  record: CatalogueRecord;
  /** Newest sealed timestamp (null: nothing sealed yet). */
  sealedThrough: number | null;
  /** OnlineStatistics.serialize(). */
  statistics: Uint8Array;
  /**
   * encodeChunk(head): entries not sealed yet, kept here by periodic checkpoints so they do not
   * seal a small chunk every interval. Absent when the head was empty or sealed.
   */
  head?: Uint8Array;
}

/** A point as the version 2 JSON holds it (binary fields by length, after the JSON). */
interface StoredPoint {
  record: CatalogueRecord;
  sealedThrough: number | null;
  statisticsBytes: number;
  headBytes?: number;
}

/** A point as the version 1 JSON held it. */
interface Base64Point {
  record: CatalogueRecord;
  sealedThrough: number | null;
  statistics: string;
  head?: string;
}

type StoredSnapshot<P> = Omit<Snapshot, 'points'> & { points: P[] };

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
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
  const blobs: Uint8Array[] = [];
  const points: StoredPoint[] = snapshot.points.map((p) => {
    const stored: StoredPoint = { record: p.record, sealedThrough: p.sealedThrough, statisticsBytes: p.statistics.byteLength };
    blobs.push(p.statistics);
    if (p.head !== undefined) {
      stored.headBytes = p.head.byteLength;
      blobs.push(p.head);
    }
    return stored;
  });
  const stored: StoredSnapshot<StoredPoint> = { ...snapshot, points };
  const json = new TextEncoder().encode(JSON.stringify(stored));
  let blobBytes = 0;
  for (const b of blobs) blobBytes += b.byteLength;
  const body = new Uint8Array(4 + json.length + blobBytes);
  new DataView(body.buffer).setUint32(0, json.length, true);
  body.set(json, 4);
  let at = 4 + json.length;
  for (const b of blobs) {
    body.set(b, at);
    at += b.byteLength;
  }
  const packed = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: body.length <= BEST_QUALITY_MAX_BYTES ? 11 : BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const out = new Uint8Array(HEADER_BYTES + packed.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, crc32(packed), true);
  view.setUint32(12, packed.length, true);
  out.set(packed, HEADER_BYTES);
  return out;
}

/** Parses a snapshot; throws a RangeError describing what is wrong. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length < HEADER_BYTES) throw new RangeError(`snapshot too short (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('not a snapshot (bad magic)');
  const version = view.getUint32(4, true);
  if (version !== VERSION && version !== VERSION_DEFLATED && version !== VERSION_PLAIN && version !== VERSION_BASE64) {
    throw new RangeError(`unsupported snapshot version ${version}`);
  }
  const length = view.getUint32(12, true);
  if (HEADER_BYTES + length !== bytes.length) throw new RangeError(`snapshot length ${bytes.length} does not match its header (${length})`);
  const stored = bytes.subarray(HEADER_BYTES);
  if (crc32(stored) !== view.getUint32(8, true)) throw new RangeError('snapshot CRC mismatch');
  let body: Uint8Array = stored;
  if (version === VERSION) {
    try {
      body = new Uint8Array(brotliDecompressSync(stored, { maxOutputLength: MAX_BODY_BYTES }));
    } catch (e) {
      throw new RangeError(`snapshot does not decompress: ${(e as Error).message}`);
    }
  } else if (version === VERSION_DEFLATED) {
    try {
      body = new Uint8Array(inflateRawSync(stored, { maxOutputLength: MAX_BODY_BYTES }));
    } catch (e) {
      throw new RangeError(`snapshot does not inflate: ${(e as Error).message}`);
    }
  }
  if (version === VERSION_BASE64) {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as StoredSnapshot<Base64Point>;
    if (!Array.isArray(parsed.points) || typeof parsed.walMarker !== 'number') throw new RangeError('malformed snapshot');
    const points = parsed.points.map((p): SnapshotPoint => {
      const point: SnapshotPoint = { record: p.record, sealedThrough: p.sealedThrough, statistics: fromBase64(p.statistics) };
      if (p.head !== undefined) point.head = fromBase64(p.head);
      return point;
    });
    return { ...parsed, points };
  }
  if (body.length < 4) throw new RangeError('malformed snapshot');
  const jsonLength = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true);
  if (4 + jsonLength > body.length) throw new RangeError('malformed snapshot');
  const parsed = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + jsonLength))) as StoredSnapshot<StoredPoint>;
  if (!Array.isArray(parsed.points) || typeof parsed.walMarker !== 'number') throw new RangeError('malformed snapshot');
  let at = 4 + jsonLength;
  const take = (n: unknown): Uint8Array => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || at + n > body.length) throw new RangeError('malformed snapshot');
    const bytes = body.slice(at, at + n);
    at += n;
    return bytes;
  };
  const points = parsed.points.map((p): SnapshotPoint => {
    const point: SnapshotPoint = { record: p.record, sealedThrough: p.sealedThrough, statistics: take(p.statisticsBytes) };
    if (p.headBytes !== undefined) point.head = take(p.headBytes);
    return point;
  });
  if (at !== body.length) throw new RangeError('malformed snapshot');
  return { ...parsed, points };
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
