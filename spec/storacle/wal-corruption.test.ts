import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CorruptionReport } from '../../core/storacle/store/api.js';
import { WriteAheadLog, segmentFileName, type WalVisitor } from '../../core/storacle/wal/index.js';
import { prng } from '../../tools/bench/prng.js';

const root = mkdtempSync(path.join(tmpdir(), 'gridlink-wal-corruption-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => {
  const dir = path.join(root, `log-${++dirs}`);
  mkdirSync(dir);
  return dir;
};

function collector(): WalVisitor & { records: string[] } {
  const records: string[] = [];
  return {
    records,
    entry: (id, ts, value, arrival) => void records.push(`e ${id} ${ts} ${value} ${arrival}`),
    meta: (payload) => void records.push(`m ${Buffer.from(payload).toString('hex')}`),
  };
}

/** Opens the log in `dir`, returns what it replayed and reported; leaves it closed. */
async function recover(dir: string): Promise<{ records: string[]; reports: CorruptionReport[]; callbacks: CorruptionReport[] }> {
  const seen = collector();
  const callbacks: CorruptionReport[] = [];
  const wal = await WriteAheadLog.open({ dir, sync: 'fdatasync', onCorruption: (r) => callbacks.push(r) }, seen);
  const reports = [...wal.corruptions];
  await wal.close();
  return { records: seen.records, reports, callbacks };
}

/** A log of `groups` frames in one segment; returns each frame's offset and records. */
async function writeLog(dir: string, groups: number, seed: number): Promise<{ frames: { offset: number; records: string[] }[]; size: number }> {
  const random = prng(seed);
  const wal = await WriteAheadLog.open({ dir, sync: 'none', groupCommitMaxDelayMs: 0 }, collector());
  const frames: { offset: number; records: string[] }[] = [];
  let ts = 1_700_000_000_000;
  for (let g = 0; g < groups; g++) {
    const records: string[] = [];
    const offset = wal.stats.bytes;
    const count = 1 + Math.floor(random() * 12);
    let done: Promise<void> | undefined;
    for (let i = 0; i < count; i++) {
      if (random() < 0.15) {
        const payload = Buffer.from(`{"created":"dp-${g}-${i}"}`);
        done = wal.appendMeta(payload);
        records.push(`m ${payload.toString('hex')}`);
      }
      const id = Math.floor(random() * 50);
      const value = Math.round(random() * 40_000) / 100;
      done = wal.appendEntry(id, ts, value, ts + 5);
      records.push(`e ${id} ${ts} ${value} ${ts + 5}`);
      ts += 1000;
    }
    await done;
    frames.push({ offset, records });
  }
  await wal.close();
  return { frames, size: wal.stats.bytes };
}

function copyLog(from: string): string {
  const dir = freshDir();
  copyFileSync(path.join(from, segmentFileName(1)), path.join(dir, segmentFileName(1)));
  return dir;
}

describe('WriteAheadLog recovery', () => {
  it('truncates a torn tail at every byte offset of the last frame, keeps all before, and appends after it', async () => {
    const original = freshDir();
    const { frames, size } = await writeLog(original, 4, 7);
    const last = frames[frames.length - 1];
    const intact = frames.slice(0, -1).flatMap((f) => f.records);
    const file = (dir: string): string => path.join(dir, segmentFileName(1));
    expect(size - last.offset).toBeGreaterThan(12);
    for (let cut = last.offset; cut < size; cut++) {
      const dir = copyLog(original);
      truncateSync(file(dir), cut);
      const { records, reports, callbacks } = await recover(dir);
      const where = `cut at ${cut} (last frame ${last.offset}..${size})`;
      expect(records, where).toEqual(intact);
      expect(statSync(file(dir)).size, where).toBe(last.offset);
      if (cut === last.offset) {
        expect(reports, where).toEqual([]);
      } else {
        expect(reports, where).toEqual([{ file: file(dir), offset: last.offset, length: cut - last.offset, reason: expect.stringMatching(/^(truncated record|CRC mismatch).*truncated$/) }]);
        expect(callbacks, where).toEqual(reports);
      }
      // The log goes on from the last intact frame, and a second recovery finds nothing wrong.
      const wal = await WriteAheadLog.open({ dir, sync: 'none' }, collector());
      await wal.appendEntry(99, 1, 2, 3);
      await wal.close();
      const again = await recover(dir);
      expect(again.reports, where).toEqual([]);
      expect(again.records, where).toEqual([...intact, 'e 99 1 2 3']);
      rmSync(dir, { recursive: true });
    }
  });

  it('detects a bit flip anywhere, reports the damaged frame by file and offset, and keeps every other frame', async () => {
    const seed = 20261128;
    const random = prng(seed);
    const original = freshDir();
    const { frames, size } = await writeLog(original, 30, seed);
    const bytes = readFileSync(path.join(original, segmentFileName(1)));
    for (let trial = 0; trial < 300; trial++) {
      const at = Math.floor(random() * size);
      const bit = Math.floor(random() * 8);
      const damaged = frames.findLastIndex((f) => f.offset <= at);
      const dir = freshDir();
      const file = path.join(dir, segmentFileName(1));
      const flipped = Buffer.from(bytes);
      flipped[at] ^= 1 << bit;
      writeFileSync(file, flipped);
      const where = `seed ${seed} trial ${trial}: bit ${bit} of byte ${at} in frame ${damaged} at ${frames[damaged].offset}`;
      const { records, reports } = await recover(dir);
      expect(records, where).toEqual(frames.filter((_, i) => i !== damaged).flatMap((f) => f.records));
      expect(reports.length, where).toBe(1);
      expect(reports[0].file, where).toBe(file);
      expect(reports[0].offset, where).toBe(frames[damaged].offset);
      const end = damaged + 1 < frames.length ? frames[damaged + 1].offset : size;
      expect(reports[0].length, where).toBe(end - frames[damaged].offset);
      expect(reports[0].reason, where).toMatch(damaged + 1 < frames.length ? /skipped/ : /truncated$/);
      rmSync(dir, { recursive: true });
    }
  });

  it('skips a burst of garbage over a frame boundary and resyncs on the next intact frame', async () => {
    const original = freshDir();
    const { frames } = await writeLog(original, 10, 3);
    const dir = copyLog(original);
    const file = path.join(dir, segmentFileName(1));
    const bytes = readFileSync(file);
    // From the middle of frame 3 to the middle of frame 5: frames 3, 4 and 5 are lost.
    const from = frames[3].offset + 7;
    const to = frames[5].offset + 20;
    const random = prng(11);
    for (let i = from; i < to; i++) bytes[i] = Math.floor(random() * 256);
    writeFileSync(file, bytes);
    const { records, reports } = await recover(dir);
    expect(records).toEqual(frames.filter((_, i) => i < 3 || i > 5).flatMap((f) => f.records));
    expect(reports).toEqual([{ file, offset: frames[3].offset, length: frames[6].offset - frames[3].offset, reason: expect.stringMatching(/skipped/) }]);
  });

  it('cuts off a zero-filled tail (what a power loss can leave) and keeps later segments readable after damage in an older one', async () => {
    const dir = freshDir();
    const wal = await WriteAheadLog.open({ dir, sync: 'none', groupCommitMaxDelayMs: 0 }, collector());
    await wal.appendEntry(1, 1, 1, 1);
    await wal.appendEntry(1, 2, 2, 2);
    await wal.rotate();
    await wal.appendEntry(2, 3, 3, 3);
    await wal.close();
    const first = path.join(dir, segmentFileName(1));
    const second = path.join(dir, segmentFileName(2));
    const frame = statSync(second).size;
    // Segment 1: its first frame damaged (CRC byte), so only its second frame remains.
    const bytes = readFileSync(first);
    bytes[5] ^= 0xff;
    writeFileSync(first, bytes);
    // Segment 2: 4 KiB of zeros after the intact frame.
    writeFileSync(second, Buffer.concat([readFileSync(second), Buffer.alloc(4096)]));
    const { records, reports } = await recover(dir);
    expect(records).toEqual(['e 1 2 2 2', 'e 2 3 3 3']);
    expect(reports).toEqual([
      { file: first, offset: 0, length: frame, reason: 'CRC mismatch; skipped 45 bytes to the next intact record' },
      { file: second, offset: frame, length: 4096, reason: 'bad magic at the end of the segment; truncated' },
    ]);
    expect(statSync(second).size).toBe(frame);
  });
});
