/**
 * Storacle's disk layout for sealed chunks: own append-only segment files.
 *
 * `<dataDir>/chunks/<periodStartMs>/<seriesId>.seg`: one file per data point per period of
 * entry time (default 7 days), one folder per period, holding frames (frame.ts: a compact header, ~30 bytes, with its own CRC, then
 * the codec chunk with its CRC). Chosen over an embedded database such as lmdb because
 * - no native dependency: the store runs on ARM edge PCs with plain Node;
 * - fsync is explicit: a checkpoint knows exactly which bytes are durable when it trims the log;
 * - damage is located by file and byte offset, and reported per chunk; the rest stays readable;
 * - whole files are the unit of retention and of the remote tier (copy, verify, release), which
 *   a B-tree's pages are not;
 * - appends are sequential, and an index of a file is rebuilt from frame headers alone.
 * The cost: the index of chunks (time span, count, location) is held in RAM (columnar, about
 * 56 bytes per chunk) and rebuilt at open by reading every frame header.
 */
export { FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_MAGIC_COMPACT, MAX_FRAME_HEADER_BYTES, decodeFrame, decodeFrameHeader, encodeCompactFrameHeader, encodeFrameHeader } from './frame.js';
export { CHUNKS_DIR, SEGMENT_LAYOUT, SEGMENT_SUFFIX, parsePeriodDirectory, parseSegmentName, periodDirectory, periodStart, segmentRelativePath } from './layout.js';
export { indexSegmentBytes, scanSegmentFile } from './scan.js';
export type { IndexedFrame, ScanDamage, ScanResult } from './scan.js';
export { SegmentStore } from './segment-store.js';
export type { FrameToWrite, SegmentFileState } from './segment-store.js';
export { INDEX_SUFFIX, SIDECAR_MIN_SEGMENT_BYTES, decodeSidecarIndex, encodeSidecarIndex, indexPathFor, readSidecarIndex, readSidecarIndexSync, writeSidecarIndex } from './sidecar-index.js';
