// Segment files: `<dir>/<16-digit sequence number>.wal`. Zero-padded decimal names sort in
// replay order with a plain string sort and tell their order to a person running `ls`.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_NAME = /^(\d{16})\.wal$/;

export function segmentFileName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.wal`;
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentFileName(seq));
}

/** Sequence numbers of the segments in `dir`, ascending; other files are ignored. */
export async function listSegments(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/**
 * Makes a created or deleted file name durable: on Linux a new file's directory entry
 * survives power loss only once the directory itself is fsync'ed (the ALICE lesson).
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
