import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from '../../core/storacle/codec/index.js';
import {
  FRAME_HEADER_BYTES,
  SegmentStore,
  decodeFrame,
  decodeFrameHeader,
  encodeCompactFrameHeader,
  encodeFrameHeader,
  decodeSidecarIndex,
  encodeSidecarIndex,
  parsePeriodDirectory,
  parseSegmentName,
  segmentRelativePath,
  periodStart,
  scanSegmentFile,
} from '../../core/storacle/segments/index.js';
import type { FrameToWrite } from '../../core/storacle/segments/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'storacle-segments-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => path.join(root, `d${n++}`);

function chunk(first: number, count: number): FrameToWrite {
  const ts = Float64Array.from({ length: count }, (_, i) => first + i * 1000);
  const vs = Float64Array.from({ length: count }, (_, i) => (first / 1000 + i) * 0.25);
  const bytes = encodeChunk(ts, vs);
  return {
    bytes,
    meta: { count, byteLength: bytes.byteLength, firstTs: ts[0], lastTs: ts[count - 1], minValue: vs[0], maxValue: vs[count - 1], lastValue: vs[count - 1] },
  };
}

describe('segment frames', () => {
  it('a header round-trips and any flipped bit makes it invalid', () => {
    const { meta } = chunk(5000, 10);
    const header = encodeFrameHeader(meta);
    expect(header.length).toBe(FRAME_HEADER_BYTES);
    expect(decodeFrameHeader(header)).toEqual(meta);
    for (let bit = 0; bit < FRAME_HEADER_BYTES * 8; bit += 7) {
      const damaged = new Uint8Array(header);
      damaged[bit >> 3] ^= 1 << (bit & 7);
      expect(decodeFrameHeader(damaged), `bit ${bit}`).toBeUndefined();
    }
  });

  it('a compact header round-trips (short decimals and integer timestamps as varints, anything else raw) and any flipped bit makes it invalid', () => {
    const { meta } = chunk(1_767_225_600_000, 1440);
    const header = encodeCompactFrameHeader(meta);
    expect(header.length).toBeLessThan(FRAME_HEADER_BYTES * 0.7);
    expect(decodeFrame(header)).toEqual({ meta, headerBytes: header.length });
    // Followed by chunk bytes, as in a file.
    const framed = new Uint8Array(header.length + 50).fill(0xab);
    framed.set(header);
    expect(decodeFrame(framed)?.headerBytes).toBe(header.length);
    for (let bit = 0; bit < header.length * 8; bit++) {
      const damaged = new Uint8Array(header);
      damaged[bit >> 3] ^= 1 << (bit & 7);
      expect(decodeFrame(damaged), `bit ${bit}`).toBeUndefined();
    }
    for (let len = 0; len < header.length; len++) expect(decodeFrame(header.subarray(0, len))).toBeUndefined();
    const odd = [
      { count: 3, byteLength: 70_000, firstTs: 0.5, lastTs: 2 ** 60, minValue: -0, maxValue: Number.MAX_VALUE, lastValue: Number.NaN },
      { count: 1, byteLength: 1, firstTs: -(2 ** 50), lastTs: -(2 ** 50), minValue: 5e-324, maxValue: 0.1 + 0.2, lastValue: -Infinity },
      { count: 2 ** 22, byteLength: 2 ** 29, firstTs: -1, lastTs: 2 ** 51, minValue: -123.456, maxValue: 1e300, lastValue: 42 },
      // The last value equal to the minimum or the maximum is not written again; -0 and 0 stay apart.
      { count: 9, byteLength: 40, firstTs: 0, lastTs: 8, minValue: 0.053, maxValue: 5.18, lastValue: 0.053 },
      { count: 9, byteLength: 40, firstTs: 0, lastTs: 8, minValue: 0.053, maxValue: 5.18, lastValue: 5.18 },
      { count: 9, byteLength: 40, firstTs: 0, lastTs: 8, minValue: -0, maxValue: 1, lastValue: 0 },
      { count: 9, byteLength: 40, firstTs: 0, lastTs: 8, minValue: 7, maxValue: 7, lastValue: 7 },
    ];
    for (const m of odd) {
      const h = encodeCompactFrameHeader(m);
      const back = decodeFrame(h);
      expect(back?.headerBytes).toBe(h.length);
      expect(back?.meta).toEqual(m);
      expect(Object.is(back?.meta.minValue, m.minValue)).toBe(true);
      expect(Object.is(back?.meta.lastValue, m.lastValue)).toBe(true);
    }
    const repeated = encodeCompactFrameHeader({ count: 9, byteLength: 40, firstTs: 0, lastTs: 8, minValue: 0.053, maxValue: 5.18, lastValue: 0.053 });
    const distinct = encodeCompactFrameHeader({ count: 9, byteLength: 40, firstTs: 0, lastTs: 8, minValue: 0.053, maxValue: 5.18, lastValue: 0.152 });
    expect(repeated.length).toBeLessThan(distinct.length);
  });

  it('periods and file names', () => {
    expect(periodStart(0, 100)).toBe(0);
    expect(periodStart(199, 100)).toBe(100);
    expect(periodStart(-1, 100)).toBe(-100);
    expect(parseSegmentName('17.seg')).toBe(17);
    expect(parseSegmentName('-1.seg')).toBeUndefined();
    expect(parseSegmentName('4294967296.seg')).toBeUndefined();
    expect(parseSegmentName('x.seg')).toBeUndefined();
    expect(parseSegmentName('17.idx')).toBeUndefined();
    expect(parseSegmentName('100.seg.tmp')).toBeUndefined();
    expect(parsePeriodDirectory('604800000')).toBe(604800000);
    expect(parsePeriodDirectory('-100')).toBe(-100);
    expect(parsePeriodDirectory('1e3')).toBeUndefined();
    expect(segmentRelativePath(17, 604800000)).toBe('chunks/604800000/17.seg');
  });
});

describe('SegmentStore and scanSegmentFile', () => {
  it('appends frames, reads chunks back by offset, and a scan rebuilds the same index', async () => {
    const dir = freshDir();
    const store = new SegmentStore(dir);
    await store.init();
    const file = store.register(3, 0);
    const frames = [chunk(0, 10), chunk(10_000, 5)];
    const dirty = new Set<string>();
    const offsets = await store.append(file, frames, dirty);
    expect([...dirty].sort()).toEqual([path.join(dir, 'chunks'), path.join(dir, 'chunks', '0')]);
    await store.syncDirectories(dirty);
    const more = await store.append(file, [chunk(20_000, 7)], new Set());
    expect(file.relativePath).toBe('chunks/0/3.seg');
    expect(file.size).toBe(statSync(file.absolutePath).size);
    expect([file.frames, file.firstTs, file.lastTs]).toEqual([3, 0, 26_000]);
    const back = decodeChunk(store.read(file.fileNo, more[0], chunk(20_000, 7).bytes.byteLength));
    expect(Array.from(back.timestamps)).toEqual([20_000, 21_000, 22_000, 23_000, 24_000, 25_000, 26_000]);
    const scan = await scanSegmentFile(file.absolutePath);
    expect(scan.damage).toEqual([]);
    expect(scan.frames.map((f) => f.chunkOffset)).toEqual([...offsets, ...more]);
    expect(scan.frames.map((f) => f.meta)).toEqual([...frames, chunk(20_000, 7)].map((f) => f.meta));
    store.close();
  });

  it('a torn tail is reported and truncated; garbage after the last frame too', async () => {
    const dir = freshDir();
    const store = new SegmentStore(dir);
    await store.init();
    const file = store.register(1, 0);
    const offsets = await store.append(file, [chunk(0, 10), chunk(10_000, 10)], new Set());
    store.close();
    const good = file.size;
    appendFileSync(file.absolutePath, encodeFrameHeader(chunk(20_000, 10).meta)); // header written, chunk not
    let scan = await scanSegmentFile(file.absolutePath);
    expect(scan.frames.length).toBe(2);
    expect(scan.damage).toEqual([{ offset: good, length: FRAME_HEADER_BYTES, reason: expect.stringMatching(/truncated/) }]);
    expect(statSync(file.absolutePath).size).toBe(good);
    appendFileSync(file.absolutePath, new Uint8Array([1, 2, 3]));
    scan = await scanSegmentFile(file.absolutePath);
    expect(scan.damage[0]).toMatchObject({ offset: good, length: 3 });
    expect(statSync(file.absolutePath).size).toBe(good);
    expect(scan.frames[1].chunkOffset).toBe(offsets[1]);
  });

  it('a damaged header in the middle is skipped up to the next intact frame', async () => {
    const dir = freshDir();
    const store = new SegmentStore(dir);
    await store.init();
    const file = store.register(1, 0);
    const frames = [chunk(0, 10), chunk(10_000, 10), chunk(20_000, 10)];
    const offsets = await store.append(file, frames, new Set());
    store.close();
    const bytes = readFileSync(file.absolutePath);
    const secondFrame = offsets[0] + frames[0].bytes.byteLength;
    expect(offsets[1] - secondFrame).toBe(encodeCompactFrameHeader(frames[1].meta).length);
    bytes[secondFrame + 10] ^= 0xff;
    writeFileSync(file.absolutePath, bytes);
    const scan = await scanSegmentFile(file.absolutePath);
    expect(scan.frames.map((f) => f.meta.firstTs)).toEqual([0, 20_000]);
    expect(scan.damage).toEqual([
      { offset: secondFrame, length: offsets[1] - secondFrame + frames[1].bytes.byteLength, reason: expect.stringMatching(/header/) },
    ]);
    expect(scan.size).toBe(bytes.length);
  });
});

describe('sidecar index', () => {
  it('round-trips and is refused when damaged or stale', () => {
    const frames = [chunk(0, 10), chunk(10_000, 3)].map((f, i) => ({ chunkOffset: 60 + i * 500, frameOffset: i * 500, meta: f.meta }));
    const bytes = encodeSidecarIndex(2000, frames);
    expect(decodeSidecarIndex(bytes, 2000)?.map((f) => [f.frameOffset, f.chunkOffset, f.meta])).toEqual(
      frames.map((f) => [f.chunkOffset - FRAME_HEADER_BYTES, f.chunkOffset, f.meta]),
    );
    expect(decodeSidecarIndex(bytes, 2001)).toBeUndefined(); // the segment file changed size
    const damaged = new Uint8Array(bytes);
    damaged[40] ^= 4;
    expect(decodeSidecarIndex(damaged, 2000)).toBeUndefined();
    expect(decodeSidecarIndex(bytes.subarray(0, bytes.length - 1), 2000)).toBeUndefined();
  });

  it('frames without a known start begin where the previous chunk ends (compact headers of any length)', async () => {
    const dir = freshDir();
    const store = new SegmentStore(dir);
    await store.init();
    const file = store.register(2, 0);
    const frames = [chunk(0, 10), chunk(10_000, 3), chunk(20_000, 1)];
    const offsets = await store.append(file, frames, new Set());
    store.close();
    const listed = frames.map((f, k) => ({ chunkOffset: offsets[k], meta: f.meta }));
    const back = decodeSidecarIndex(encodeSidecarIndex(file.size, listed), file.size);
    const scan = await scanSegmentFile(file.absolutePath);
    expect(back?.map((f) => [f.frameOffset, f.chunkOffset])).toEqual(scan.frames.map((f) => [f.frameOffset, f.chunkOffset]));
  });
});
