// Replay of the segments at open, and the repair of what a crash or bit rot left behind.
//
// Policy (why): a crash can only tear the END of the segment being written, so a damaged
// frame with nothing intact after it is a torn tail: it is reported and cut off (ftruncate),
// and the next appends continue from the last intact frame. A damaged frame FOLLOWED by an
// intact one is damage in the middle (bit rot, a bad sector): the magic word of every frame
// lets us find the next frame whose CRC holds, so the damaged bytes are reported and skipped
// and everything after them is kept. A false resync needs both the 32-bit magic and the
// 32-bit CRC of a random byte string to match, about 1 in 2^64 per position.
import { open } from 'node:fs/promises';
import type { CorruptionReport } from '../store/api.js';
import { FRAME_HEADER_BYTES, frameDefect, framePayloadLength, nextIntactFrame } from './frame.js';
import { payloadDefect, replayPayload, type RecordSink } from './records.js';
import { segmentPath } from './segments.js';

export interface SegmentRecovery {
  /** Length of the segment after repair (a torn tail cut off). */
  validBytes: number;
  records: number;
  frames: number;
}

/** Replays one segment through `sink`, reports damage, truncates a torn tail. */
export async function recoverSegment(
  dir: string,
  seq: number,
  durable: boolean,
  sink: RecordSink,
  report: (corruption: CorruptionReport) => void,
): Promise<SegmentRecovery> {
  const file = segmentPath(dir, seq);
  const handle = await open(file, 'r+');
  try {
    // Read exactly the size stat gives (not until EOF): the file may be a device or grow.
    const size = (await handle.stat()).size;
    const bytes = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(bytes, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, read);
    const data = bytes.subarray(0, read);
    let records = 0;
    let frames = 0;
    let offset = 0;
    while (offset < data.length) {
      const defect = frameDefect(data, view, offset);
      if (defect === undefined) {
        const length = framePayloadLength(view, offset);
        const start = offset + FRAME_HEADER_BYTES;
        const malformed = payloadDefect(view, start, start + length);
        if (malformed === undefined) {
          records += replayPayload(data, view, start, start + length, sink);
          frames++;
        } else {
          report({ file, offset, length: FRAME_HEADER_BYTES + length, reason: `malformed record batch (${malformed}); skipped` });
        }
        offset = start + length;
        continue;
      }
      const next = nextIntactFrame(data, view, offset);
      if (next < 0) {
        report({ file, offset, length: data.length - offset, reason: `${defect} at the end of the segment; truncated` });
        await handle.truncate(offset);
        if (durable) await handle.datasync();
        return { validBytes: offset, records, frames };
      }
      report({ file, offset, length: next - offset, reason: `${defect}; skipped ${next - offset} bytes to the next intact record` });
      offset = next;
    }
    // What was just replayed may still be only in the page cache (written by a process that
    // was killed before its sync, or by one with sync 'none'): make it durable before the
    // store builds on it. Nearly free for a file without dirty pages.
    if (durable && data.length > 0) await handle.datasync();
    return { validBytes: data.length, records, frames };
  } finally {
    await handle.close();
  }
}
