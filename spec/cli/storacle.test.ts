/**
 * `gridlink storacle info|check|export` run as the built CLI (node bin/gridlink.js) on a data
 * folder written by Storacle in the test: info names the data points, check exits 0 on an intact
 * folder and 1 naming the file and offset after a byte of a segment file is flipped, export
 * writes the rows, and a folder held by a live storage process is refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storacle } from '../../core/storacle/store/storacle.js';
import { decodeFrame } from '../../core/storacle/segments/index.js';
import { assertCliBuilt, jsonLines, runCli } from './helpers.js';

const T0 = 1_764_300_000_000;
const ENTRIES = 100;
const valueAt = (i: number): number => 230 + i / 8;

let root: string;

/** A fresh data folder: meterA.u1 with 100 entries one second apart (16 per chunk), meterB.p1 with 2. */
async function makeFolder(name: string): Promise<string> {
  const dataDir = join(root, name);
  const store = await Storacle.open({ dataDir, chunkSize: 16, checkpointIntervalMs: 0 });
  store.createDataPoint('meterA.u1', { tags: ['voltage'], unit: 'V' });
  store.createDataPoint('meterB.p1');
  for (let i = 0; i < ENTRIES; i++) void store.append('meterA.u1', T0 + 1000 * i, valueAt(i));
  await store.append('meterB.p1', T0, -1.5);
  await store.append('meterB.p1', T0 + 500, 2);
  await store.close();
  return dataDir;
}

/** The only segment file of a data folder's first series, relative to the folder. */
function segmentFiles(dataDir: string): string[] {
  const files: string[] = [];
  for (const period of readdirSync(join(dataDir, 'chunks'))) {
    for (const name of readdirSync(join(dataDir, 'chunks', period))) if (name.endsWith('.seg')) files.push(`chunks/${period}/${name}`);
  }
  // Oldest period first (the names sort as numbers, not as text).
  return files.sort((x, y) => Number(x.split('/')[1]) - Number(y.split('/')[1]) || (x < y ? -1 : x > y ? 1 : 0));
}

beforeAll(() => {
  assertCliBuilt();
  root = mkdtempSync(join(tmpdir(), 'gridlink-cli-storacle-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('gridlink storacle', () => {
  it('info prints each data point with its entries and time span', async () => {
    const dataDir = await makeFolder('info');
    const run = await runCli(['storacle', 'info', dataDir, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [report] = jsonLines(run.stdout) as { dataPoints: { name: string; entryCount: number; firstTimestampMs: number; lastTimestampMs: number }[]; segmentBytes: number; walBytes: number }[];
    expect(report?.dataPoints).toEqual([
      expect.objectContaining({ name: 'meterA.u1', entryCount: ENTRIES, firstTimestampMs: T0, lastTimestampMs: T0 + 1000 * (ENTRIES - 1) }),
      expect.objectContaining({ name: 'meterB.p1', entryCount: 2, firstTimestampMs: T0, lastTimestampMs: T0 + 500 }),
    ]);
    expect(report?.segmentBytes).toBeGreaterThan(0);
    // Each data point's bytes are those of its own series folder; together, every segment byte.
    const perPoint = (report?.dataPoints ?? []).map((p) => (p as { bytesOnDisk?: number }).bytesOnDisk ?? 0);
    expect(perPoint.every((bytes) => bytes > 0)).toBe(true);
    expect(perPoint[0]).toBeGreaterThan(perPoint[1]!);
    expect(perPoint[0]! + perPoint[1]!).toBe(report?.segmentBytes);

    const text = await runCli(['storacle', 'info', dataDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/meterA\.u1\s+100\s+2025-11-28T03:20:00\.000Z\s+2025-11-28T03:21:39\.000Z\s+\d+\s+0\s+0/);
    expect(text.stdout).toContain('2 data points');
  });

  it('info counts the sealed files of a folder written with a short segment period (--segment-period-ms)', async () => {
    const dataDir = join(root, 'periods');
    const store = await Storacle.open({ dataDir, chunkSize: 16, checkpointIntervalMs: 0, segmentPeriodMs: 10_000 });
    store.createDataPoint('meterA.u1');
    // 100 entries 1 s apart: 7 chunks in 7 files of 10 s periods; all but the newest sealed.
    for (let i = 0; i < ENTRIES; i++) void store.append('meterA.u1', T0 + 1000 * i, valueAt(i));
    await store.close();
    expect(segmentFiles(dataDir)).toHaveLength(7);
    const run = await runCli(['storacle', 'info', dataDir, '--json', '--segment-period-ms', '10000']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [report] = jsonLines(run.stdout) as { dataPoints: { name: string; entryCount: number; sealedFiles: number; sealedBytes: number; bytesOnDisk: number }[] }[];
    const [point] = report?.dataPoints ?? [];
    expect(point).toMatchObject({ name: 'meterA.u1', entryCount: ENTRIES, sealedFiles: 6 });
    expect(point!.sealedBytes).toBeGreaterThan(0);
    expect(point!.sealedBytes).toBeLessThan(point!.bytesOnDisk);
    // The same folder with the default (7-day) period is refused, not rewritten.
    const wrong = await runCli(['storacle', 'info', dataDir]);
    expect(wrong.code).toBe(2);
    expect(segmentFiles(dataDir)).toHaveLength(7);
  });

  it('check exits 0 on an intact folder and 1 naming the file and offset of a flipped byte', async () => {
    const dataDir = await makeFolder('check');
    const intact = await runCli(['storacle', 'check', dataDir]);
    expect(intact.stderr).toBe('');
    expect(intact.code).toBe(0);
    expect(jsonLines(intact.stdout)).toEqual([{ dataDir, dataPoints: 2, entriesRead: ENTRIES + 2, corruptions: 0 }]);

    // A byte inside the first chunk's payload (after its frame header, whose length varies) of meterA.u1's file.
    const [segment] = segmentFiles(dataDir);
    expect(segment).toBeDefined();
    const path = join(dataDir, segment!);
    const bytes = readFileSync(path);
    const inChunk = (decodeFrame(new Uint8Array(bytes))?.headerBytes ?? 60) + 10;
    bytes[inChunk] = bytes[inChunk]! ^ 0xff;
    writeFileSync(path, bytes);

    const damaged = await runCli(['storacle', 'check', dataDir]);
    expect(damaged.code).toBe(1);
    const lines = jsonLines(damaged.stdout) as Record<string, unknown>[];
    expect(lines[0]).toMatchObject({ corrupt: segment, offset: 0, dataPoint: 'meterA.u1' });
    expect(String(lines[0]?.reason)).toMatch(/CRC/i);
    // The other chunks are still read: only the 16 entries of the damaged one are missing.
    expect(lines.at(-1)).toEqual({ dataDir, dataPoints: 2, entriesRead: ENTRIES + 2 - 16, corruptions: lines.length - 1 });
  });

  it('export writes the rows of the chosen data points in the span', async () => {
    const dataDir = await makeFolder('export');
    const out = join(root, 'meterA.csv');
    const run = await runCli(['storacle', 'export', dataDir, 'meterA.u1', '--from', String(T0 + 1000), '--to', String(T0 + 4000), '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([{ file: out, rows: 3 }]);
    expect(readFileSync(out, 'utf8')).toBe(`data_point,timestamp_ms,value\n${[1, 2, 3].map((i) => `meterA.u1,${T0 + 1000 * i},${valueAt(i)}`).join('\n')}\n`);

    const all = join(root, 'all.csv');
    const everything = await runCli(['storacle', 'export', dataDir, '--out', all]);
    expect(everything.code).toBe(0);
    expect(readFileSync(all, 'utf8').trim().split('\n')).toHaveLength(1 + ENTRIES + 2);

    // An existing file is not replaced; an unknown data point is bad input.
    const again = await runCli(['storacle', 'export', dataDir, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; the export never replaces a file');
    const unknown = await runCli(['storacle', 'export', dataDir, 'nope', '--out', join(root, 'nope.csv')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no data point nope');
  });

  it('refuses a folder held by a live storage process, and a folder that is not a store', async () => {
    const dataDir = await makeFolder('locked');
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // This test process plays the storage module holding the folder.
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), bootId }));
    const run = await runCli(['storacle', 'info', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`in use by process ${process.pid}`);
    expect(run.stderr).toContain('stop that storage module first');
    rmSync(`${dataDir}.lock`);

    const empty = mkdtempSync(join(root, 'empty-'));
    const notStore = await runCli(['storacle', 'check', empty]);
    expect(notStore.code).toBe(2);
    expect(notStore.stderr).toContain('is not a Storacle data folder');
    expect(readdirSync(empty)).toEqual([]);

    // Opened with another segment period, the store would add files of a second period size.
    const files = segmentFiles(dataDir);
    const wrongPeriod = await runCli(['storacle', 'info', dataDir, '--segment-period-ms', '1000']);
    expect(wrongPeriod.code).toBe(2);
    expect(wrongPeriod.stderr).toContain('was written with another segment period than 1000 ms');
    expect(segmentFiles(dataDir)).toEqual(files);
  });
});
