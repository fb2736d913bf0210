import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../core/storacle/store/api.js';
import { WriteAheadLog, segmentFileName, type WalOptions, type WalVisitor } from '../../core/storacle/wal/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'gridlink-wal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(root, `log-${++dirs}`);

/** Every replayed record as a string, in replay order. */
function collector(): WalVisitor & { records: string[] } {
  const records: string[] = [];
  return {
    records,
    entry: (id, ts, value, arrival) => void records.push(`e ${id} ${ts} ${value} ${arrival}`),
    meta: (payload) => void records.push(`m ${Buffer.from(payload).toString('hex')}`),
  };
}

async function replay(options: WalOptions): Promise<string[]> {
  const seen = collector();
  const wal = await WriteAheadLog.open(options, seen);
  await wal.close();
  return seen.records;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WriteAheadLog', () => {
  it('replays entries and meta records in append order across rotations and reopenings', async () => {
    const dir = freshDir();
    const expected: string[] = [];
    let ts = 1_700_000_000_000;
    for (let session = 0; session < 3; session++) {
      const wal = await WriteAheadLog.open({ dir, sync: session === 1 ? 'fdatasync' : 'none', segmentBytes: 2048, groupCommitMaxDelayMs: session }, collector());
      for (let turn = 0; turn < 20; turn++) {
        let last: Promise<void> | undefined;
        for (let i = 0; i < 13; i++) {
          const id = (turn * 7 + i) % 5;
          last = wal.appendEntry(id, ts, ts / 1000 + 0.25, ts + id);
          expected.push(`e ${id} ${ts} ${ts / 1000 + 0.25} ${ts + id}`);
          ts += 1000;
          if (i % 6 === 5) {
            const payload = Buffer.from(`meta ${session}/${turn}/${i}`);
            wal.appendMeta(payload);
            expected.push(`m ${payload.toString('hex')}`);
          }
        }
        if (turn === 9) await wal.rotate();
        await last;
      }
      // NaN, infinities and -0 go through unchanged (the store decides what it accepts).
      await wal.appendEntry(4294967295, -1, Number.NaN, Number.POSITIVE_INFINITY);
      expected.push(`e 4294967295 -1 NaN Infinity`);
      await wal.close();
    }
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(file).toMatch(/^\d{16}\.wal$/);
    expect(await replay({ dir, sync: 'none' })).toEqual(expected);
  });

  it('gives every record of a group the same promise, and the next group another one', async () => {
    const wal = await WriteAheadLog.open({ dir: freshDir(), sync: 'fdatasync', groupCommitMaxDelayMs: 0 }, collector());
    const first = wal.appendEntry(1, 1, 1, 1);
    for (let i = 2; i <= 1000; i++) expect(wal.appendEntry(1, i, i, i)).toBe(first);
    expect(wal.appendMeta(new Uint8Array([1, 2, 3]))).toBe(first);
    await nextTurn();
    // The first group is now in the file's hands: new records start the next group.
    const second = wal.appendEntry(2, 1, 1, 1);
    expect(second).not.toBe(first);
    expect(wal.appendEntry(2, 2, 2, 2)).toBe(second);
    await Promise.all([first, second]);
    expect(wal.stats).toEqual({ records: 1003, groups: 2, bytes: wal.stats.bytes, syncs: 2 });
    expect(wal.stats.bytes).toBe(12 + 5 + 1000 * 28 + 5 + 3 + (12 + 5 + 2 * 28));
    await wal.close();
  });

  it('waits for the group delay and flushes early on flush()', async () => {
    const wal = await WriteAheadLog.open({ dir: freshDir(), sync: 'none', groupCommitMaxDelayMs: 60_000 }, collector());
    const pending = wal.appendEntry(1, 1, 1, 1);
    let acknowledged = false;
    void pending.then(() => (acknowledged = true));
    await nextTurn();
    await nextTurn();
    expect(acknowledged).toBe(false);
    expect(wal.stats.groups).toBe(0);
    await wal.flush();
    expect(acknowledged).toBe(true);
    expect(wal.stats.groups).toBe(1);
    await wal.flush(); // nothing pending: resolves at once
    await wal.close();
  });

  it('writes a group that passed groupMaxBytes without waiting for its delay', async () => {
    const wal = await WriteAheadLog.open({ dir: freshDir(), sync: 'none', groupCommitMaxDelayMs: 60_000, groupMaxBytes: 1024 }, collector());
    let last: Promise<void> | undefined;
    for (let i = 0; i < 100; i++) last = wal.appendEntry(1, i, i, i);
    await last;
    // The first group goes at about 1 KiB; the rest, filled while it was written, also passed it.
    expect(wal.stats.groups).toBe(2);
    expect(wal.stats.records).toBe(100);
    // A small group still waits for its delay.
    void wal.appendEntry(1, 100, 0, 0);
    await nextTurn();
    expect(wal.stats.records).toBe(100);
    await wal.close();
  });

  it('refuses impossible options', async () => {
    const dir = freshDir();
    await expect(WriteAheadLog.open({ dir, sync: 'fsync' as 'none' }, collector())).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(WriteAheadLog.open({ dir, sync: 'none', segmentBytes: 0 }, collector())).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(WriteAheadLog.open({ dir, sync: 'none', groupCommitMaxDelayMs: -1 }, collector())).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(WriteAheadLog.open({ dir, sync: 'none', groupMaxBytes: Number.NaN }, collector())).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('rotate() puts records appended before it before the marker and later ones after; trimBefore deletes only older segments', async () => {
    const dir = freshDir();
    const wal = await WriteAheadLog.open({ dir, sync: 'fdatasync' }, collector());
    for (let i = 0; i < 100; i++) void wal.appendEntry(1, i, i, i);
    const marker = wal.rotate();
    // Appended in the same turn, after the call: must survive trimming up to the marker.
    const after = wal.appendEntry(2, 1000, 1, 1);
    expect(await marker).toBe(2);
    await after;
    expect(readdirSync(dir).sort()).toEqual([segmentFileName(1), segmentFileName(2)]);
    // A rotation of an empty current segment makes no empty file: the segment is the boundary.
    await wal.flush();
    const second = await wal.rotate();
    expect(second).toBe(3);
    expect(await wal.rotate()).toBe(3);
    void wal.appendEntry(3, 2000, 2, 2);
    await wal.trimBefore(await marker);
    expect(readdirSync(dir).sort()).toEqual([segmentFileName(2), segmentFileName(3)]);
    // The current segment is never deleted, whatever the marker.
    await wal.trimBefore(Number.MAX_SAFE_INTEGER);
    expect(readdirSync(dir)).toEqual([segmentFileName(3)]);
    await wal.close();
    expect(await replay({ dir, sync: 'none' })).toEqual(['e 3 2000 2 2']);
  });

  it('keeps appending to the last segment after a reopen while it has room', async () => {
    const dir = freshDir();
    for (let session = 0; session < 4; session++) {
      const wal = await WriteAheadLog.open({ dir, sync: 'none', groupCommitMaxDelayMs: 0 }, collector());
      await wal.appendEntry(session, session, session, session);
      await wal.close();
    }
    expect(readdirSync(dir)).toEqual([segmentFileName(1)]);
    expect(await replay({ dir, sync: 'none' })).toEqual(['e 0 0 0 0', 'e 1 1 1 1', 'e 2 2 2 2', 'e 3 3 3 3']);
  });

  it('throws Unavailable once closed, and refuses a seriesId that is not a u32', async () => {
    const wal = await WriteAheadLog.open({ dir: freshDir(), sync: 'none' }, collector());
    expect(() => wal.appendEntry(-1, 0, 0, 0)).toThrow(StoreError);
    expect(() => wal.appendEntry(1.5, 0, 0, 0)).toThrow(/u32/);
    await wal.close();
    for (const call of [() => wal.appendEntry(1, 0, 0, 0), () => wal.appendMeta(new Uint8Array(1)), () => wal.flush(), () => wal.rotate(), () => wal.trimBefore(1)]) {
      expect(call).toThrow(expect.objectContaining({ name: 'StoreError', code: 'Unavailable' }));
    }
    await wal.close(); // a second close is harmless
  });

  it('rejects the group promise with IoError when the write fails (segment on /dev/full), and every later append', async () => {
    const dir = freshDir();
    await WriteAheadLog.open({ dir, sync: 'none' }, collector()).then((wal) => wal.close());
    const segment = path.join(dir, segmentFileName(1));
    rmSync(segment);
    symlinkSync('/dev/full', segment);
    const wal = await WriteAheadLog.open({ dir, sync: 'fdatasync', groupCommitMaxDelayMs: 0 }, collector());
    const first = wal.appendEntry(1, 1, 1, 1);
    const error = await first.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'IoError', message: expect.stringContaining(segment) });
    expect((error as Error).message).toMatch(/ENOSPC/);
    // The log stops: a later append gets the failure at once, flush and rotate too.
    await expect(wal.appendEntry(1, 2, 2, 2)).rejects.toMatchObject({ code: 'IoError' });
    await expect(wal.flush()).rejects.toMatchObject({ code: 'IoError' });
    await expect(wal.rotate()).rejects.toMatchObject({ code: 'IoError' });
    // A dropped promise of the failed log does not become an unhandled rejection.
    void wal.appendEntry(1, 3, 3, 3);
    await wal.close();
  });

  it('reports a failed rotation (directory removed) as IoError to the rotation and to the records after it', async () => {
    const dir = freshDir();
    const wal = await WriteAheadLog.open({ dir, sync: 'none', segmentBytes: 200, groupCommitMaxDelayMs: 0 }, collector());
    await wal.appendEntry(1, 1, 1, 1);
    rmSync(dir, { recursive: true });
    // The open segment is unlinked but still writable; the next rotation needs the directory.
    await expect(wal.rotate()).rejects.toMatchObject({ code: 'IoError', message: expect.stringMatching(/next segment.*ENOENT/) });
    await expect(wal.appendEntry(1, 2, 2, 2)).rejects.toMatchObject({ code: 'IoError' });
    await wal.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('passes a visitor\'s own error through open unchanged', async () => {
    const dir = freshDir();
    const wal = await WriteAheadLog.open({ dir, sync: 'none' }, collector());
    await wal.appendMeta(new Uint8Array([7]));
    await wal.close();
    const refusal = new RangeError('unknown record 7');
    const visitor: WalVisitor = {
      entry: () => undefined,
      meta: () => {
        throw refusal;
      },
    };
    await expect(WriteAheadLog.open({ dir, sync: 'none' }, visitor)).rejects.toBe(refusal);
  });

  it('fails at open with IoError when the folder cannot be made', async () => {
    await expect(WriteAheadLog.open({ dir: '/dev/null/wal', sync: 'none' }, collector())).rejects.toMatchObject({ code: 'IoError', message: expect.stringContaining('/dev/null/wal') });
  });
});
