import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Storacle } from '../../core/storacle/index.js';
import type { StoracleOptions } from '../../core/storacle/index.js';
import { decodeFrame } from '../../core/storacle/segments/index.js';
import { segmentFileName } from '../../core/storacle/wal/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'storacle-disk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
function freshDir(): string {
  return path.join(root, `s${dirs++}`);
}

/** 1 Hz entries; periods of 100 s and chunks of 25 entries, so a few hundred entries make many files. */
const BASE: StoracleOptions = { chunkSize: 25, segmentPeriodMs: 100_000, checkpointIntervalMs: 0, ack: 'processSafe', residentChunksPerSeries: 0 };

function ramp(n: number, from = 0): { ts: Float64Array; vs: Float64Array } {
  const ts = Float64Array.from({ length: n }, (_, i) => (from + i) * 1000);
  const vs = Float64Array.from({ length: n }, (_, i) => Math.round(Math.sin(from + i) * 1000) / 100);
  return { ts, vs };
}

async function filled(dir: string, n: number, options: StoracleOptions = {}): Promise<Storacle> {
  const store = await Storacle.open({ ...BASE, ...options, dataDir: dir });
  store.createDataPoint('a', { tags: ['feeder', 'p'], unit: 'kW', histogram: { binWidth: 0.5 } });
  store.createDataPoint('b', { tags: ['feeder'] });
  const { ts, vs } = ramp(n);
  await store.appendMany('a', ts, vs);
  await store.appendMany('b', ts, vs.map((v) => -v));
  return store;
}

/** A data point's segment files (`chunks/<period>/<seriesId>.seg`), oldest period first. */
function segmentFiles(dir: string, seriesId: number): string[] {
  const chunks = path.join(dir, 'chunks');
  return readdirSync(chunks)
    .filter((period) => existsSync(path.join(chunks, period, `${seriesId}.seg`)))
    .sort((x, y) => Number(x) - Number(y))
    .map((period) => path.join(chunks, period, `${seriesId}.seg`));
}

/** Offsets of the frames of a segment file (walking the headers). */
function frameOffsets(file: string): number[] {
  const bytes = new Uint8Array(readFileSync(file));
  const out: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const frame = decodeFrame(bytes, at);
    if (frame === undefined) break;
    out.push(at);
    at += frame.headerBytes + frame.meta.byteLength;
  }
  return out;
}

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] ^= 0x10;
  writeFileSync(file, bytes);
}

describe('Storacle on disk: persistence', () => {
  it('reopens after close with catalogue, tags, metadata, entries, statistics and topology', async () => {
    const dir = freshDir();
    const store = await filled(dir, 1000);
    store.updateTags('b', ['q'], 'add');
    store.updateMetadata('b', { description: 'reactive' });
    await store.append('a', 1_000_000.5, 42);
    await store.putTopology('grid.xml', new TextEncoder().encode('<cim/>'));
    const before = { a: store.range('a', 0, 2e6), b: store.range('b', 0, 2e6), sa: store.statistics('a'), sb: store.statistics('b') };
    await store.close();

    const again = await Storacle.open({ ...BASE, dataDir: dir });
    await expect(Storacle.open({ ...BASE, dataDir: `${dir}/.` })).rejects.toMatchObject({ code: 'Unavailable' });
    expect(again.dataPoints().map((d) => d.name)).toEqual(['a', 'b']);
    expect(again.info('a')).toMatchObject({ tags: ['feeder', 'p'], unit: 'kW', entryCount: 1001, firstTimestampMs: 0, lastTimestampMs: 1_000_000.5 });
    expect(again.info('b')).toMatchObject({ tags: ['feeder', 'q'], description: 'reactive', entryCount: 1000 });
    expect(again.dataPoints(['q']).map((d) => d.name)).toEqual(['b']);
    expect(again.range('a', 0, 2e6)).toEqual(before.a);
    expect(again.range('b', 0, 2e6)).toEqual(before.b);
    expect(again.statistics('a')).toEqual(before.sa);
    expect(again.statistics('b')).toEqual(before.sb);
    expect(again.statistics('a').histogram?.binWidth).toBe(0.5);
    expect(again.mostRecent('a')).toEqual({ timestampMs: 1_000_000.5, value: 42 });
    expect(new TextDecoder().decode(again.getTopology('grid.xml'))).toBe('<cim/>');
    expect(again.corruptions).toEqual([]);
    // Appends go on after reopen, with the append policy intact.
    expect(await again.append('a', 1_000_001, 1)).toBe('appended');
    expect(await again.append('a', 5000, before.a.values[5])).toBe('duplicate');
    await expect(Promise.resolve().then(() => again.append('a', 5000, 123))).rejects.toMatchObject({ code: 'InvalidArgument' });
    await again.close();
  });

  it('reopens without close: a copy taken after a checkpoint and more acknowledged appends', async () => {
    const dir = freshDir();
    const store = await filled(dir, 600);
    await store.checkpoint();
    const { ts, vs } = ramp(300, 600);
    await store.appendMany('a', ts, vs);
    store.createDataPoint('c', { tags: ['late'] });
    await store.append('c', 7, 7);
    const expected = { a: store.range('a', 0, 2e6), sa: store.statistics('a'), c: store.range('c', 0, 10) };
    const copy = freshDir();
    cpSync(dir, copy, { recursive: true });
    await store.close();

    const recovered = await Storacle.open({ ...BASE, dataDir: copy });
    expect(recovered.range('a', 0, 2e6)).toEqual(expected.a);
    expect(recovered.statistics('a')).toEqual(expected.sa);
    expect(recovered.info('c').tags).toEqual(['late']);
    expect(recovered.range('c', 0, 10)).toEqual(expected.c);
    expect(recovered.corruptions).toEqual([]);
    await recovered.close();
  });

  it('a periodic checkpoint keeps heads in the snapshot instead of sealing small chunks', async () => {
    const dir = freshDir();
    const store = await Storacle.open({ ...BASE, dataDir: dir, chunkSize: 1000, checkpointEntries: 50 });
    store.createDataPoint('h');
    const { ts, vs } = ramp(120);
    await store.appendMany('h', ts, vs); // 120 logged entries trigger a background checkpoint
    // The checkpoint is done once its snapshot is written and the log trimmed after it (in that order).
    const done = (): boolean => existsSync(path.join(dir, 'snapshot.bin')) && !readdirSync(path.join(dir, 'wal')).includes(segmentFileName(1));
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    await store.append('h', 500_000, 1); // logged after that checkpoint: replayed from the log
    const expected = { r: store.range('h', 0, 1e9), s: store.statistics('h') };
    const copy = freshDir();
    cpSync(dir, copy, { recursive: true });
    await store.close();
    expect(existsSync(path.join(copy, 'snapshot.bin'))).toBe(true);
    expect(readdirSync(path.join(copy, 'chunks'))).toEqual([]); // nothing sealed
    // The log segment that held the 120 entries was trimmed: they come back from the snapshot's head.
    expect(readdirSync(path.join(copy, 'wal'))).not.toContain(segmentFileName(1));
    const recovered = await Storacle.open({ ...BASE, dataDir: copy, chunkSize: 1000 });
    expect(recovered.range('h', 0, 1e9)).toEqual(expected.r);
    expect(recovered.statistics('h')).toEqual(expected.s);
    expect(recovered.info('h').entryCount).toBe(121);
    // The explicit checkpoint seals the head, as the API says.
    await recovered.checkpoint();
    expect(segmentFiles(copy, 1).map((f) => frameOffsets(f).length)).toEqual([1]); // one chunk of 121 entries
    expect(recovered.range('h', 0, 1e9)).toEqual(expected.r);
    await recovered.close();
  });

  it('a crash between writing chunks and trimming the log neither duplicates entries nor counts them twice', async () => {
    // Before: entries only in the log. After: chunks, snapshot and trimmed log.
    const dir = freshDir();
    const store = await filled(dir, 430);
    await store.checkpoint(); // an earlier checkpoint: its snapshot and files stay valid
    const more = ramp(347, 430);
    await store.appendMany('a', more.ts, more.vs);
    await store.appendMany('b', more.ts, more.vs.map((v) => -v));
    const before = freshDir();
    cpSync(dir, before, { recursive: true });
    await store.checkpoint();
    const expected = { a: store.range('a', 0, 2e6), sa: store.statistics('a'), sb: store.statistics('b') };
    const after = freshDir();
    cpSync(dir, after, { recursive: true });
    await store.close();

    // Crash after the snapshot, before the trim: new chunks + snapshot, the old (untrimmed) log.
    const crashBeforeTrim = freshDir();
    cpSync(after, crashBeforeTrim, { recursive: true });
    rmSync(path.join(crashBeforeTrim, 'wal'), { recursive: true });
    cpSync(path.join(before, 'wal'), path.join(crashBeforeTrim, 'wal'), { recursive: true });
    // Crash after the chunks, before the snapshot: new chunks, no snapshot, the old log.
    const crashBeforeSnapshot = freshDir();
    cpSync(crashBeforeTrim, crashBeforeSnapshot, { recursive: true });
    cpSync(path.join(before, 'snapshot.bin'), path.join(crashBeforeSnapshot, 'snapshot.bin'));
    // The half-written period file of the first checkpoint got frames appended by the second.
    expect(statSync(path.join(crashBeforeSnapshot, 'chunks/400000/1.seg')).size).toBeGreaterThan(statSync(path.join(before, 'chunks/400000/1.seg')).size);

    for (const d of [crashBeforeTrim, crashBeforeSnapshot]) {
      const s = await Storacle.open({ ...BASE, dataDir: d });
      expect(s.info('a').entryCount, d).toBe(777);
      expect(s.range('a', 0, 2e6), d).toEqual(expected.a);
      expect(s.statistics('a').entries, d).toBe(777);
      expect(s.statistics('a'), d).toEqual(expected.sa);
      expect(s.statistics('b'), d).toEqual(expected.sb);
      // A second checkpoint and reopen keep it exact.
      await s.close();
      const t = await Storacle.open({ ...BASE, dataDir: d });
      expect(t.info('b').entryCount).toBe(777);
      expect(t.statistics('b').entries).toBe(777);
      expect(t.range('b', 0, 2e6).timestamps.length).toBe(777);
      await t.close();
    }
  });
});

describe('Storacle on disk: acknowledgement, concurrency and the log', () => {
  it('durable and visible appends resolve; entries appended during a checkpoint are kept', async () => {
    const dir = freshDir();
    const store = await Storacle.open({ ...BASE, dataDir: dir, ack: 'durable' });
    store.createDataPoint('d');
    expect(await store.append('d', 1, 1)).toBe('appended');
    expect(await store.appendMany('d', Float64Array.from([2, 3]), Float64Array.from([2, 3]))).toEqual({ appended: 2, duplicates: 0 });
    // Appends in the same turn as the checkpoint's start and while it writes.
    const { ts, vs } = ramp(600, 10);
    const checkpoint = store.checkpoint();
    const during: Array<Promise<unknown>> = [];
    for (let i = 0; i < 300; i++) during.push(store.append('d', ts[i], vs[i]));
    await new Promise((resolve) => setImmediate(resolve));
    during.push(store.appendMany('d', ts.subarray(300), vs.subarray(300)));
    await checkpoint;
    await Promise.all(during);
    await store.checkpoint();
    const expected = store.range('d', 0, 1e9);
    expect(expected.timestamps.length).toBe(603);
    await store.close();
    const again = await Storacle.open({ ...BASE, dataDir: dir, ack: 'visible' });
    expect(again.range('d', 0, 1e9)).toEqual(expected);
    expect(again.statistics('d').entries).toBe(603);
    const p = again.append('d', 1e9, 5);
    expect(await p).toBe('appended');
    await again.close();
  });

  it('an idle checkpoint writes nothing: no new snapshot, no new log segment', async () => {
    const dir = freshDir();
    const store = await filled(dir, 100);
    await store.checkpoint();
    const snapshot = statSync(path.join(dir, 'snapshot.bin')).mtimeMs;
    const segments = readdirSync(path.join(dir, 'wal'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.checkpoint();
    expect(statSync(path.join(dir, 'snapshot.bin')).mtimeMs).toBe(snapshot);
    expect(readdirSync(path.join(dir, 'wal'))).toEqual(segments);
    await store.append('a', 1e9, 1);
    await store.checkpoint();
    expect(readdirSync(path.join(dir, 'wal'))).not.toEqual(segments);
    await store.close();
  });

  it('a damaged snapshot refuses to open (Internal) instead of discarding the segment files', async () => {
    const dir = freshDir();
    await (await filled(dir, 300)).close();
    const snapshot = path.join(dir, 'snapshot.bin');
    flipByte(snapshot, 100);
    const seen: string[] = [];
    await expect(Storacle.open({ ...BASE, dataDir: dir, onCorruption: (r) => seen.push(r.file) })).rejects.toMatchObject({ code: 'Internal' });
    expect(seen).toEqual([snapshot]);
    expect(segmentFiles(dir, 1).length).toBe(3);
    flipByte(snapshot, 100);
    const again = await Storacle.open({ ...BASE, dataDir: dir });
    expect(again.info('a').entryCount).toBe(300);
    await again.close();
  });

  it('a damaged log tail is reported in corruptions and the rest recovered', async () => {
    const dir = freshDir();
    const store = await filled(dir, 200);
    await store.checkpoint();
    const { ts, vs } = ramp(50, 200);
    await store.appendMany('a', ts, vs);
    const copy = freshDir();
    cpSync(dir, copy, { recursive: true });
    await store.close();
    const walDir = path.join(copy, 'wal');
    const last = readdirSync(walDir).sort().pop() as string;
    const file = path.join(walDir, last);
    truncateSync(file, statSync(file).size - 5);
    const recovered = await Storacle.open({ ...BASE, dataDir: copy });
    expect(recovered.corruptions.length).toBe(1);
    expect(recovered.corruptions[0].file).toBe(file);
    // The torn group held the 50 late entries; everything checkpointed is there.
    expect(recovered.info('a').entryCount).toBe(200);
    expect(recovered.statistics('a').entries).toBe(200);
    await recovered.close();
  });
});

describe('Storacle on disk: damaged segment files', () => {
  it('a bit flip inside a chunk is reported with file, offset and data point; the rest stays readable', async () => {
    const dir = freshDir();
    await (await filled(dir, 500)).close();
    const file = segmentFiles(dir, 1)[1];
    const offsets = frameOffsets(file);
    expect(offsets.length).toBe(4); // 100 entries per period, 25 per chunk
    // The chunk of the third frame: its header's length, then 20 bytes in.
    const third = decodeFrame(new Uint8Array(readFileSync(file)), offsets[2]);
    const chunkAt = offsets[2] + (third?.headerBytes ?? 0);
    flipByte(file, chunkAt + 20);

    const seen: string[] = [];
    const store = await Storacle.open({ ...BASE, dataDir: dir, onCorruption: (r) => seen.push(r.file) });
    expect(store.corruptions).toEqual([]); // chunk CRCs are checked when read
    const all = store.range('a', 0, 2e6);
    expect(all.timestamps.length).toBe(475);
    expect(store.corruptions).toHaveLength(1);
    expect(store.corruptions[0]).toMatchObject({ file, offset: offsets[2], length: chunkAt - offsets[2] + (third?.meta.byteLength ?? 0), dataPoint: 'a' });
    expect(store.corruptions[0].reason).toMatch(/CRC/);
    expect(seen).toEqual([file]);
    // The damaged chunk's span is missing, everything around it is intact.
    const missingFrom = (100 + 50) * 1000;
    expect(Array.from(all.timestamps).filter((t) => t >= missingFrom && t < missingFrom + 25_000)).toEqual([]);
    expect(store.range('a', 0, missingFrom).timestamps.length).toBe(150);
    expect(store.range('b', 0, 2e6).timestamps.length).toBe(500);
    store.range('a', 0, 2e6);
    expect(store.corruptions).toHaveLength(1); // reported once
    await store.close();
  });

  it('a damaged frame header is skipped at open (resync) and a truncated tail is cut back', async () => {
    const dir = freshDir();
    await (await filled(dir, 500)).close();
    const files = segmentFiles(dir, 2);
    const headerHit = files[0];
    const headerOffsets = frameOffsets(headerHit);
    flipByte(headerHit, headerOffsets[1] + 9); // inside the first timestamp of frame 1
    // A sealed file this small has no sidecar index: it is scanned at open.
    expect(existsSync(headerHit.replace(/\.seg$/, '.idx'))).toBe(false);
    const tail = files[files.length - 1];
    expect(existsSync(tail.replace(/\.seg$/, '.idx'))).toBe(false); // still open: no index
    const tailOffsets = frameOffsets(tail);
    const size = statSync(tail).size;
    truncateSync(tail, size - 7);

    const store = await Storacle.open({ ...BASE, dataDir: dir });
    const reports = store.corruptions;
    expect(reports.map((r) => [r.file, r.offset, r.dataPoint])).toEqual([
      [headerHit, headerOffsets[1], 'b'],
      [tail, tailOffsets[tailOffsets.length - 1], 'b'],
    ]);
    expect(reports[0].reason).toMatch(/header/);
    expect(reports[1].reason).toMatch(/truncat/);
    expect(statSync(tail).size).toBe(tailOffsets[tailOffsets.length - 1]);
    // Frame 1 of the first file and the last frame are gone; the log was trimmed, so they stay gone.
    expect(store.range('b', 0, 2e6).timestamps.length).toBe(450);
    expect(store.range('b', 0, 25_000).timestamps.length).toBe(25);
    expect(store.range('b', 25_000, 50_000).timestamps.length).toBe(0);
    expect(store.range('a', 0, 2e6).timestamps.length).toBe(500);
    await store.close();
    const again = await Storacle.open({ ...BASE, dataDir: dir });
    expect(again.range('b', 0, 2e6).timestamps.length).toBe(450);
    // Reported once: the tail was cut, and the damaged file got an index of its intact frames
    // (whatever its size: a scan would report the damage at every open).
    expect(existsSync(headerHit.replace(/\.seg$/, '.idx'))).toBe(true);
    expect(again.corruptions).toEqual([]);
    await again.close();
  });
});

describe('Storacle on disk: sealed files, release and retention', () => {
  it('lists sealed files (not the open one) and releases one locally', async () => {
    const dir = freshDir();
    const store = await filled(dir, 450);
    await store.checkpoint();
    const sealed = store.sealedFiles();
    // Periods of 100 s: [0,100) .. [400,500); the one holding 400..449 is still open.
    expect(sealed.filter((f) => f.dataPoint === 'a').map((f) => f.relativePath)).toEqual([
      'chunks/0/1.seg', 'chunks/100000/1.seg', 'chunks/200000/1.seg', 'chunks/300000/1.seg',
    ]);
    const first = sealed[0];
    expect(first).toMatchObject({ firstTimestampMs: 0, lastTimestampMs: 99_000, dataPoint: 'a' });
    expect(first.sizeBytes).toBe(statSync(first.absolutePath).size);
    expect(first.absolutePath).toBe(path.join(dir, first.relativePath));
    await expect(store.releaseLocal('chunks/400000/1.seg')).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(store.releaseLocal('chunks/0/9.seg')).rejects.toMatchObject({ code: 'NotFound' });
    await store.releaseLocal('chunks/100000/1.seg');
    expect(existsSync(path.join(dir, 'chunks/100000/1.seg'))).toBe(false);
    expect(existsSync(path.join(dir, 'chunks/100000/2.seg'))).toBe(true); // b's file of that period stays
    expect(store.info('a').entryCount).toBe(350);
    expect(store.range('a', 100_000, 200_000).timestamps.length).toBe(0);
    expect(store.range('a', 0, 1e6).timestamps.length).toBe(350);
    // Released entries cannot come back in: the sealed floor stays.
    expect(() => store.append('a', 150_000, 1)).toThrow(/sealed/);
    await store.close();
    const again = await Storacle.open({ ...BASE, dataDir: dir });
    expect(again.info('a').entryCount).toBe(350);
    expect(again.statistics('a').entries).toBe(450); // the on-line statistics cover everything ever appended
    expect(again.sealedFiles().map((f) => f.relativePath)).not.toContain('chunks/100000/1.seg');
    await again.close();
  });

  it('a folder keeps the segment period it was made with: adopted when none is given, a different one refused', async () => {
    const dir = freshDir();
    const store = await filled(dir, 450);
    await store.close();
    const { segmentPeriodMs: _period, ...withoutPeriod } = BASE;
    const adopted = await Storacle.open({ ...withoutPeriod, dataDir: dir });
    // 100 s periods, not the default 7 days: the open file is still [400, 500) s.
    expect(adopted.sealedFiles().filter((f) => f.dataPoint === 'a')).toHaveLength(4);
    const { ts, vs } = ramp(100, 450);
    await adopted.appendMany('a', ts, vs);
    await adopted.close();
    expect(segmentFiles(dir, 1).map((f) => path.relative(dir, f).split(path.sep).join('/'))).toEqual(
      ['0', '100000', '200000', '300000', '400000', '500000'].map((period) => `chunks/${period}/1.seg`),
    );
    await expect(Storacle.open({ ...BASE, segmentPeriodMs: 3_600_000, dataDir: dir })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/uses segment files of 100000 ms/),
    });
  });

  it('retention by age (against the newest entry of the data point) and by bytes (oldest first)', async () => {
    const dir = freshDir();
    const store = await filled(dir, 1000, { retention: { maxAgeMs: 250_000 } });
    await store.checkpoint();
    // Newest entry 999 s: files whose newest entry is before 749 s go (periods 0..600).
    expect(segmentFiles(dir, 1).map((f) => path.basename(path.dirname(f)))).toEqual(['700000', '800000', '900000']);
    // A period folder goes with the last file in it.
    expect(readdirSync(path.join(dir, 'chunks')).sort((x, y) => Number(x) - Number(y))).toEqual(['700000', '800000', '900000']);
    expect(store.range('a', 0, 2e6).timestamps[0]).toBe(700_000);
    await store.close();

    const dir2 = freshDir();
    const s2 = await filled(dir2, 1000);
    await s2.checkpoint();
    const total = s2.sealedFiles().reduce((n, f) => n + f.sizeBytes, 0);
    const perFile = s2.sealedFiles()[0].sizeBytes;
    await s2.close();
    const limit = total - 4 * perFile; // four of the oldest files must go (sizes are alike)
    const s3 = await Storacle.open({ ...BASE, dataDir: dir2, retention: { maxBytes: limit } });
    await s3.checkpoint();
    const bytes = [1, 2].flatMap((id) => segmentFiles(dir2, id).map((f) => statSync(f).size));
    expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(limit);
    // Oldest first across data points: both lost their period 0 and 100 s files.
    expect(existsSync(path.join(dir2, 'chunks/0/1.seg'))).toBe(false);
    expect(existsSync(path.join(dir2, 'chunks/0/2.seg'))).toBe(false);
    expect(existsSync(path.join(dir2, 'chunks/900000/1.seg'))).toBe(true);
    expect(existsSync(path.join(dir2, 'chunks/800000/2.seg'))).toBe(true);
    await s3.close();
  });

  it('reads across more files than it keeps open (descriptor cache)', async () => {
    const dir = freshDir();
    const store = await filled(dir, 1500, { segmentPeriodMs: 10_000, chunkSize: 5 });
    const expected = store.range('a', 0, 2e6);
    await store.close();
    expect(segmentFiles(dir, 1).length).toBe(150);
    const again = await Storacle.open({ ...BASE, dataDir: dir, segmentPeriodMs: 10_000, chunkSize: 5 });
    for (let k = 0; k < 2; k++) expect(again.range('a', 0, 2e6)).toEqual(expected);
    expect(again.range('a', 700_000, 712_000).timestamps.length).toBe(12);
    expect(again.statistics('a', 0, 2e6).count).toBe(1500);
    expect(again.corruptions).toEqual([]);
    await again.close();
  });

  it('topology files on disk: atomic replace, reloaded at open, traversal refused', async () => {
    const dir = freshDir();
    const store = await Storacle.open({ ...BASE, dataDir: dir });
    await store.putTopology('net.xml', new Uint8Array([1, 2, 3]));
    await store.putTopology('net.xml', new Uint8Array([4]));
    await expect(store.putTopology('../escape', new Uint8Array(1))).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(existsSync(path.join(dir, 'escape'))).toBe(false);
    expect(readdirSync(path.join(dir, 'topology'))).toEqual(['net.xml']);
    await store.close();
    const again = await Storacle.open({ ...BASE, dataDir: dir });
    expect(again.topologyNames()).toEqual(['net.xml']);
    expect(Array.from(again.getTopology('net.xml'))).toEqual([4]);
    await again.close();
  });
});

describe('Storacle on disk: segment layout', () => {
  it('one folder per period shared by every data point; a sidecar index only for large sealed files', async () => {
    const dir = freshDir();
    const store = await Storacle.open({ ...BASE, chunkSize: 1000, dataDir: dir });
    store.createDataPoint('dense'); // id 1: 100 Hz of values that hardly compress, ~80 KB per 100 s period
    store.createDataPoint('sparse'); // id 2: 1 Hz ramp, a few hundred bytes per period
    const ts = Float64Array.from({ length: 25_000 }, (_, i) => i * 10);
    const vs = Float64Array.from({ length: 25_000 }, (_, i) => Math.sin(i * 0.7) * 12_345.678);
    await store.appendMany('dense', ts, vs);
    // Checkpoints seal the sparse head, so it gets a chunk (and a file) in each period.
    for (const [from, n] of [[0, 100], [100, 100], [200, 50]]) {
      const { ts: sparseTs, vs: sparseVs } = ramp(n, from);
      await store.appendMany('sparse', sparseTs, sparseVs);
      await store.checkpoint();
    }
    const expected = { dense: store.range('dense', 0, 1e9), sparse: store.range('sparse', 0, 1e9) };
    await store.close();

    const chunks = path.join(dir, 'chunks');
    expect(readdirSync(chunks).sort((x, y) => Number(x) - Number(y))).toEqual(['0', '100000', '200000']);
    expect(statSync(path.join(chunks, '0', '1.seg')).size).toBeGreaterThanOrEqual(64 * 1024);
    // Sealed periods: the dense file has an index, the sparse one (scanned at open) has none.
    expect(readdirSync(path.join(chunks, '0')).sort()).toEqual(['1.idx', '1.seg', '2.seg']);
    expect(readdirSync(path.join(chunks, '100000')).sort()).toEqual(['1.idx', '1.seg', '2.seg']);
    // The newest period is still open: no index yet.
    expect(readdirSync(path.join(chunks, '200000')).sort()).toEqual(['1.seg', '2.seg']);

    mkdirSync(path.join(chunks, '300000')); // an empty period folder, as a crash may leave one
    const again = await Storacle.open({ ...BASE, chunkSize: 1000, dataDir: dir });
    expect(existsSync(path.join(chunks, '300000'))).toBe(false);
    expect(again.range('dense', 0, 1e9)).toEqual(expected.dense);
    expect(again.range('sparse', 0, 1e9)).toEqual(expected.sparse);
    expect(again.sealedFiles().map((f) => f.relativePath)).toEqual(['chunks/0/1.seg', 'chunks/0/2.seg', 'chunks/100000/1.seg', 'chunks/100000/2.seg']);
    expect(again.corruptions).toEqual([]);
    await again.close();
  });

  it('a data folder of the first layout (a folder per data point) is refused with a clear message', async () => {
    const dir = freshDir();
    await (await filled(dir, 150)).close();
    // Rebuild what the first layout left: chunks/<id>/<period>.seg and a snapshot without segmentLayout.
    const { SNAPSHOT_FILE, encodeSnapshot, readSnapshot } = await import('../../core/storacle/store/snapshot.js');
    const snapshotFile = path.join(dir, SNAPSHOT_FILE);
    const snapshot = await readSnapshot(snapshotFile);
    expect(snapshot?.segmentLayout).toBe(2);
    const { segmentLayout: _layout, ...firstLayout } = snapshot!;
    writeFileSync(snapshotFile, encodeSnapshot(firstLayout));
    const old = freshDir();
    for (const id of [1, 2]) {
      for (const file of segmentFiles(dir, id)) {
        const target = path.join(old, String(id), `${path.basename(path.dirname(file))}.seg`);
        cpSync(file, target);
      }
    }
    rmSync(path.join(dir, 'chunks'), { recursive: true });
    cpSync(old, path.join(dir, 'chunks'), { recursive: true });
    await expect(Storacle.open({ ...BASE, dataDir: dir })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/older layout \(chunks\/<data point id>\/<period>\.seg\)/),
    });
  });
});

describe('Storacle on disk: snapshot format', () => {
  it('a brotli snapshot (version 4) round-trips; version 3 (deflated), 2 (plain body) and 1 (base64 in the JSON) are still read', async () => {
    const { encodeSnapshot, decodeSnapshot } = await import('../../core/storacle/store/snapshot.js');
    const { crc32 } = await import('../../core/storacle/codec/index.js');
    const record = { id: 1, name: 'a', tags: ['x'], createdMs: 5 };
    const snapshot = {
      walMarker: 3, createdMs: 9, segmentPeriodMs: 100_000, segmentLayout: 2,
      points: [
        { record, sealedThrough: 42, statistics: Uint8Array.from([1, 2, 3]), head: Uint8Array.from([9, 8]) },
        { record: { ...record, id: 2, name: 'b' }, sealedThrough: null, statistics: Uint8Array.from([4]) },
      ],
    };
    const bytes = encodeSnapshot(snapshot);
    expect(decodeSnapshot(bytes)).toEqual(snapshot);
    expect(new TextDecoder().decode(bytes)).not.toMatch(/AQID/); // base64 of [1, 2, 3]: not in there
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(4);
    const damaged = bytes.slice();
    damaged[damaged.length - 1] ^= 1;
    expect(() => decodeSnapshot(damaged)).toThrow(/CRC/);

    // Version 2: the same body, not compressed.
    const { brotliDecompressSync, deflateRawSync } = await import('node:zlib');
    const v2Body = new Uint8Array(brotliDecompressSync(bytes.subarray(16)));
    const v2 = new Uint8Array(16 + v2Body.length);
    const v2View = new DataView(v2.buffer);
    v2View.setUint32(0, 0x53534c47, true);
    v2View.setUint32(4, 2, true);
    v2View.setUint32(8, crc32(v2Body), true);
    v2View.setUint32(12, v2Body.length, true);
    v2.set(v2Body, 16);
    expect(decodeSnapshot(v2)).toEqual(snapshot);

    // Version 3: the same body, raw deflate.
    const v3Body = new Uint8Array(deflateRawSync(v2Body));
    const v3 = new Uint8Array(16 + v3Body.length);
    const v3View = new DataView(v3.buffer);
    v3View.setUint32(0, 0x53534c47, true);
    v3View.setUint32(4, 3, true);
    v3View.setUint32(8, crc32(v3Body), true);
    v3View.setUint32(12, v3Body.length, true);
    v3.set(v3Body, 16);
    expect(decodeSnapshot(v3)).toEqual(snapshot);

    const v1Body = new TextEncoder().encode(JSON.stringify({
      walMarker: 3, createdMs: 9, segmentPeriodMs: 100_000,
      points: [{ record, sealedThrough: 42, statistics: 'AQID', head: 'CQg=' }],
    }));
    const v1 = new Uint8Array(16 + v1Body.length);
    const view = new DataView(v1.buffer);
    view.setUint32(0, 0x53534c47, true);
    view.setUint32(4, 1, true);
    view.setUint32(8, crc32(v1Body), true);
    view.setUint32(12, v1Body.length, true);
    v1.set(v1Body, 16);
    expect(decodeSnapshot(v1).points).toEqual([{ record, sealedThrough: 42, statistics: Uint8Array.from([1, 2, 3]), head: Uint8Array.from([9, 8]) }]);
    expect(decodeSnapshot(v1).segmentLayout).toBeUndefined();
  });
});
