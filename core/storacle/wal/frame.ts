// The framing of the write-ahead log: every group commit is ONE frame
//
//   [magic u32 LE][crc32 u32 LE][payload length u32 LE][payload]
//
// One frame per group keeps the CRC and header cost per entry near zero. The CRC covers the
// length field and the payload (bytes 8 .. 12+length), so a flipped length is caught like a
// flipped payload byte. The magic word is what lets recovery resynchronise after a damaged
// frame in the middle of a segment: it scans forward for the next magic whose frame also has a
// valid CRC (a false match needs both 32 bits of magic and 32 bits of CRC to agree by chance).
import { crc32 } from '../codec/index.js';

/** Not ASCII text on purpose, so the text of a meta payload seldom contains it. */
export const FRAME_MAGIC = 0xb5d1_7a93;
export const FRAME_HEADER_BYTES = 12;
/** A frame longer than this is taken as a damaged length field, not as data. */
export const MAX_FRAME_PAYLOAD_BYTES = 1 << 30;

const MAGIC_BYTES = new Uint8Array([FRAME_MAGIC & 0xff, (FRAME_MAGIC >>> 8) & 0xff, (FRAME_MAGIC >>> 16) & 0xff, FRAME_MAGIC >>> 24]);

/** Fills the header of a frame whose payload already lies at `start + FRAME_HEADER_BYTES`. */
export function sealFrame(view: DataView, bytes: Uint8Array, start: number, payloadBytes: number): void {
  view.setUint32(start, FRAME_MAGIC, true);
  view.setUint32(start + 8, payloadBytes, true);
  view.setUint32(start + 4, crc32(bytes, start + 8, start + FRAME_HEADER_BYTES + payloadBytes), true);
}

/** Why the bytes at an offset are not an intact frame, or undefined when they are. */
export function frameDefect(bytes: Uint8Array, view: DataView, offset: number): string | undefined {
  const remaining = bytes.length - offset;
  if (remaining < FRAME_HEADER_BYTES) return `truncated record (${remaining} of ${FRAME_HEADER_BYTES} header bytes)`;
  if (view.getUint32(offset, true) !== FRAME_MAGIC) return 'bad magic';
  const length = view.getUint32(offset + 8, true);
  if (length > MAX_FRAME_PAYLOAD_BYTES) return `impossible record length ${length}`;
  if (length > remaining - FRAME_HEADER_BYTES) return `truncated record (${remaining - FRAME_HEADER_BYTES} of ${length} payload bytes)`;
  const stored = view.getUint32(offset + 4, true);
  if (crc32(bytes, offset + 8, offset + FRAME_HEADER_BYTES + length) !== stored) return 'CRC mismatch';
  return undefined;
}

export function framePayloadLength(view: DataView, offset: number): number {
  return view.getUint32(offset + 8, true);
}

/** Offset of the next intact frame strictly after `from`, or -1. */
export function nextIntactFrame(bytes: Uint8Array, view: DataView, from: number): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = buffer.indexOf(MAGIC_BYTES, from + 1); at >= 0; at = buffer.indexOf(MAGIC_BYTES, at + 1)) {
    if (frameDefect(bytes, view, at) === undefined) return at;
  }
  return -1;
}
