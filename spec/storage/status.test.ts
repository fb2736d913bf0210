/**
 * StorageStatus on `storage/status`, from real storage modules in their own processes: entries
 * not yet sealed, write-ahead log bytes, disk free and total of the data folder, entries refused
 * (requests and measurements), sealed files the remote tier could not copy yet, and in memory
 * only the -1 disk figures. statusIntervalMs can be switched on at run time.
 */
import { statfsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../core/bus/index.js';
import { parseStorageSettings } from '../../actors/storage/settings.js';
import { AddEntries, AddEntry, AddEntryBatch, ConfigApplied, ConfigChanged, CreateDataPoint, GetMostRecentEntry, MeasurementEvent, StorageStatus } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { logLine, removeTempDirs, tempDir, TestPeer, until, type Domain } from '../actor/helpers.js';
import { ask, askError, newDomain, startStorage, type RunningStorage } from './helpers.js';

const peers: TestPeer[] = [];

afterAll(async () => {
  await killAll();
  for (const peer of peers) await peer.close();
  removeTempDirs();
});

interface Watched {
  domain: Domain;
  peer: TestPeer;
  seen: StorageStatus[];
}

/** A peer on a domain of its own (one storage module per domain), collecting StorageStatus. */
async function watch(label: string): Promise<Watched> {
  const domain = await newDomain(label);
  const peer = await TestPeer.start(domain);
  peers.push(peer);
  const seen: StorageStatus[] = [];
  peer.bus.subscribe('storage/status', (delivery: Delivery) => {
    if (delivery.type === StorageStatus.name) seen.push(StorageStatus.decode(delivery.body));
  });
  return { domain, peer, seen };
}

/** The newest report that satisfies `holds`, waited for. */
function report(watched: Watched, holds: (status: StorageStatus) => boolean, what: string, storage: RunningStorage, timeoutMs = 10_000): Promise<StorageStatus> {
  return until(
    () => {
      for (let i = watched.seen.length - 1; i >= 0; i--) if (holds(watched.seen[i]!)) return watched.seen[i];
      return undefined;
    },
    `StorageStatus with ${what} (last seen: ${JSON.stringify(watched.seen.at(-1))})`,
    timeoutMs,
    storage.process,
  );
}

/**
 * The module's subscription to `measurements` travels after the connection is up: publishes the
 * same entry of a data point `warmup` until it is stored (the repeats are duplicates, not stored
 * and not refused).
 */
async function measurementsHeard(watched: Watched, storage: RunningStorage): Promise<void> {
  await ask(watched.peer, CreateDataPoint, { dataPoint: 'warmup', existOk: false });
  const deadline = Date.now() + 10_000;
  while ((await ask(watched.peer, GetMostRecentEntry, { dataPoint: 'warmup' })).entry === undefined) {
    if (Date.now() > deadline) throw new Error(`no MeasurementEvent stored within 10 s:\n${storage.process.stderr.slice(-20).join('\n')}`);
    watched.peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'warmup', timestampMs: 1, value: 1 });
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('StorageStatus on storage/status', () => {
  it('reports unsealed entries, log bytes, disk space and refused entries of a store on disk', async () => {
    const watched = await watch('storage-status-disk');
    const dir = tempDir('storage-status');
    const dataDir = join(dir, 'data');
    // No periodic checkpoint: the log keeps every entry, the heads stay as the appends left them.
    const storage = await startStorage(watched.peer, watched.domain, { dataDir, chunkSize: 16, checkpointIntervalMs: 0, statusIntervalMs: 200 }, dir);
    await ask(watched.peer, CreateDataPoint, { dataPoint: 'meterA.u1', existOk: false });
    await measurementsHeard(watched, storage);
    // 40 entries with 16-entry chunks: two chunks sealed, 8 entries in the head.
    const timestampsMs = Array.from({ length: 40 }, (_, i) => 1000 * (i + 1));
    await ask(watched.peer, AddEntries, { dataPoint: 'meterA.u1', timestampsMs, values: timestampsMs.map((t) => t / 1000) });

    // Refused: a batch of 3 entries (unknown data point), one AddEntry, one MeasurementEvent.
    await askError(watched.peer, AddEntryBatch, { dataPoints: ['meterA.u1', 'nobody'], pointIndex: [0, 1, 1], timestampsMs: [50_000, 50_000, 51_000], values: [1, 2, 3] });
    await askError(watched.peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: Number.NaN, value: 1 });
    watched.peer.bus.publish('measurements', MeasurementEvent, { dataPoint: 'nobody', timestampMs: 1, value: 1 });

    const status = await report(watched, (s) => s.refusedEntries === 5, 'refusedEntries 5', storage);
    expect(status.host).toBe(hostname());
    // 8 in meterA.u1's head, 1 in the warm-up's.
    expect(status.unsealedEntries).toBe(9);
    // 40 entries and the data point's creation, each a framed log record.
    expect(status.walBytes).toBeGreaterThan(40 * 16);
    const fsInfo = statfsSync(dataDir);
    expect(status.diskTotalBytes).toBe(fsInfo.blocks * fsInfo.bsize);
    expect(status.diskFreeBytes).toBeGreaterThan(0);
    expect(status.diskFreeBytes).toBeLessThanOrEqual(status.diskTotalBytes);
    expect(status.remoteBacklogFiles).toBe(0);
    expect(Math.abs(status.atMs - Date.now())).toBeLessThan(60_000);

    // A batch into the same data point: 10 more head entries.
    const more = Array.from({ length: 10 }, (_, i) => 100_000 + i);
    await ask(watched.peer, AddEntryBatch, { dataPoints: ['meterA.u1'], pointIndex: more.map(() => 0), timestampsMs: more, values: more });
    const after = await report(watched, (s) => s.unsealedEntries === 3, 'unsealedEntries 3 (8 + 10 = 18: one chunk sealed, 2 left; 1 of the warm-up)', storage);
    expect(after.walBytes).toBeGreaterThan(status.walBytes);
    expect(after.refusedEntries).toBe(5);
  }, 30_000);

  it('counts the sealed files the remote tier could not copy yet', async () => {
    const watched = await watch('storage-status-remote');
    const dir = tempDir('storage-status-remote');
    const dataDir = join(dir, 'data');
    // The target folder cannot be created: its parent is a file. Every copy fails, every sealed file stays in the backlog.
    writeFileSync(join(dir, 'blocker'), 'not a folder');
    const settings = {
      dataDir,
      chunkSize: 16,
      segmentPeriodMs: 1000,
      checkpointIntervalMs: 100,
      statusIntervalMs: 200,
      remote: { target: { type: 'directory', path: join(dir, 'blocker', 'archive') }, intervalMs: 200, deleteLocalAfterMs: 0 },
    };
    const storage = await startStorage(watched.peer, watched.domain, settings, dir);
    await ask(watched.peer, CreateDataPoint, { dataPoint: 'meterA.u1', existOk: false });
    // 70 entries 250 ms apart: 17.5 one-second periods, the older ones sealed into their own files.
    const base = Math.floor((Date.now() - 3600_000) / 1000) * 1000;
    const timestampsMs = Array.from({ length: 70 }, (_, i) => base + 250 * i);
    await ask(watched.peer, AddEntries, { dataPoint: 'meterA.u1', timestampsMs, values: timestampsMs.map((_, i) => 230 + i / 10) });
    const status = await report(watched, (s) => s.remoteBacklogFiles >= 3, 'remoteBacklogFiles >= 3', storage, 20_000);
    expect(status.remoteBacklogFiles).toBeGreaterThanOrEqual(3);
    await logLine(storage.process, /remote copy failed/);
  }, 30_000);

  it('in memory only: -1 for the disk, no log; statusIntervalMs 0 switched on at run time', async () => {
    const watched = await watch('storage-status-memory');
    const storage = await startStorage(watched.peer, watched.domain, { inMemory: true, statusIntervalMs: 0 });
    await ask(watched.peer, CreateDataPoint, { dataPoint: 'meterB.p1', existOk: false });
    await ask(watched.peer, AddEntryBatch, { dataPoints: ['meterB.p1'], pointIndex: [0, 0, 0], timestampsMs: [1, 2, 3], values: [1, 2, 3] });
    const configJson = JSON.stringify({ settings: { inMemory: true, statusIntervalMs: 150 } });
    const applied = await watched.peer.bus.request('config@storage', ConfigChanged, { module: 'storage', configJson, revision: 1 }, ConfigApplied, { timeoutMs: 5000 });
    expect(applied.applied).toBe(true);
    const status = await report(watched, () => true, 'any report', storage);
    expect(status).toMatchObject({ unsealedEntries: 3, walBytes: 0, diskFreeBytes: -1, diskTotalBytes: -1, remoteBacklogFiles: 0, refusedEntries: 0 });
  }, 30_000);

  it('statusIntervalMs is 5000 by default; 0 switches the reports off; 1..99 is refused', () => {
    expect(parseStorageSettings({}, '/tmp/state').statusIntervalMs).toBe(5000);
    expect(parseStorageSettings({ statusIntervalMs: 0 }, '/tmp/state').statusIntervalMs).toBe(0);
    expect(() => parseStorageSettings({ statusIntervalMs: 50 }, '/tmp/state')).toThrow(/"statusIntervalMs" must be 0 \(no status reports\) or at least 100/);
    expect(() => parseStorageSettings({ statusIntervalMs: 'often' }, '/tmp/state')).toThrow(/"statusIntervalMs" must be an integer/);
  });
});
