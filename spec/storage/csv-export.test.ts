/**
 * SaveDataPointsCSV writes only inside the export folder: relative paths (with subfolders) work;
 * absolute paths, "..", and symbolic links that lead out are refused with InvalidArgument and
 * write nothing outside. An existing file is replaced only with overwrite.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddEntry, CreateDataPoint, SaveDataPointsCSV } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { removeTempDirs, tempDir, TestPeer, type Domain } from '../actor/helpers.js';
import { ask, askError, newDomain, startStorage } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let exportDir: string;
let outside: string;

function request(path: string, extra: Partial<SaveDataPointsCSV> = {}): SaveDataPointsCSV {
  return { path, overwrite: false, ...extra };
}

beforeAll(async () => {
  domain = await newDomain('storage-csv');
  peer = await TestPeer.start(domain);
  const dir = tempDir('storage-csv');
  exportDir = join(dir, 'exports');
  outside = join(dir, 'outside');
  mkdirSync(exportDir, { recursive: true });
  mkdirSync(outside);
  // Links inside the export folder: one out of it, one to a subfolder of it.
  symlinkSync(outside, join(exportDir, 'escape'));
  symlinkSync(join(outside, 'target.csv'), join(exportDir, 'file-link.csv'));
  mkdirSync(join(exportDir, 'real'));
  symlinkSync(join(exportDir, 'real'), join(exportDir, 'alias'));
  await startStorage(peer, domain, { inMemory: true, exportDir }, dir);
  await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u1', existOk: false });
  await ask(peer, CreateDataPoint, { dataPoint: 'meterB.u1', existOk: false });
  for (let i = 0; i < 5; i++) {
    await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1000 * i, value: 230 + i / 4 });
    await ask(peer, AddEntry, { dataPoint: 'meterB.u1', timestampMs: 1000 * i + 500, value: -i });
  }
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

describe('SaveDataPointsCSV', () => {
  it('writes the header and the rows of the span, sorted by data point then time, into a new subfolder', async () => {
    const reply = await ask(peer, SaveDataPointsCSV, request('daily/2026-11-28.csv', { fromMs: 1000, toMs: 3000 }));
    expect(reply).toEqual({ path: join(exportDir, 'daily', '2026-11-28.csv'), rowsWritten: 4n });
    expect(readFileSync(reply.path, 'utf8').trimEnd().split('\n')).toEqual([
      'data_point,timestamp_ms,value',
      'meterA.u1,1000,230.25',
      'meterA.u1,2000,230.5',
      'meterB.u1,1500,-1',
      'meterB.u1,2500,-2',
    ]);
    const one = await ask(peer, SaveDataPointsCSV, request('a.csv', { dataPoints: ['meterB.u1'] }));
    expect(one.rowsWritten).toBe(5n);
    // No part files are left behind.
    expect(readdirSync(exportDir).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  it('replaces an existing file only with overwrite', async () => {
    const error = await askError(peer, SaveDataPointsCSV, request('a.csv'));
    expect(error.code).toBe('AlreadyExists');
    expect(readFileSync(join(exportDir, 'a.csv'), 'utf8')).toContain('meterB.u1,4500,-4');
    const replaced = await ask(peer, SaveDataPointsCSV, request('a.csv', { dataPoints: ['meterA.u1'], overwrite: true, toMs: 1000 }));
    expect(replaced.rowsWritten).toBe(1n);
    expect(readFileSync(join(exportDir, 'a.csv'), 'utf8')).toBe('data_point,timestamp_ms,value\nmeterA.u1,0,230\n');
  });

  it('follows a symbolic link that stays inside the export folder', async () => {
    const reply = await ask(peer, SaveDataPointsCSV, request('alias/x.csv', { dataPoints: ['meterA.u1'] }));
    expect(reply.path).toBe(join(exportDir, 'real', 'x.csv'));
    expect(existsSync(join(exportDir, 'real', 'x.csv'))).toBe(true);
  });

  it('refuses paths that leave the export folder, and writes nothing outside', async () => {
    const refused: [string, RegExp][] = [
      ['../x.csv', /leaves the export folder/],
      ['daily/../../x.csv', /leaves the export folder/],
      [join(outside, 'abs.csv'), /absolute/],
      ['/tmp/x.csv', /absolute/],
      ['escape/x.csv', /symbolic link/],
      ['escape/deeper/x.csv', /symbolic link/],
      ['file-link.csv', /symbolic link/],
      ['daily/', /folder, not a file/],
      ['', /empty/],
      ['bad\u0000name.csv', /control character/],
      ['win\\x.csv', /"\/"/],
    ];
    for (const [path, reason] of refused) {
      const error = await askError(peer, SaveDataPointsCSV, request(path, { overwrite: true }));
      expect(error.code, path).toBe('InvalidArgument');
      expect(error.message, path).toMatch(reason);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(exportDir, '..', 'x.csv'))).toBe(false);
  });

  it('refuses unknown data points, inverted spans and paths through a file', async () => {
    expect(await askError(peer, SaveDataPointsCSV, request('u.csv', { dataPoints: ['meterA.u1', 'nope'] }))).toMatchObject({ code: 'NotFound', dataPoint: 'nope' });
    expect(await askError(peer, SaveDataPointsCSV, request('u.csv', { fromMs: 5, toMs: 1 }))).toMatchObject({ code: 'InvalidArgument' });
    writeFileSync(join(exportDir, 'plain'), 'x');
    expect(await askError(peer, SaveDataPointsCSV, request('plain/u.csv'))).toMatchObject({ code: 'InvalidArgument' });
    expect(existsSync(join(exportDir, 'u.csv'))).toBe(false);
  });
});
