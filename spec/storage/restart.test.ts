/**
 * Durability across restarts of the module process, with the store on disk (ack mode durable,
 * the default): every AddEntry that was answered is there after SIGKILL and a new start, and so
 * are the data points, their tags and the topology files; a ShutdownRequest checkpoints and
 * closes the store, and the next start finds everything again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddEntry,
  CreateDataPoint,
  GetDataPoints,
  GetEntriesOfTimeSpan,
  GetTopology,
  PutTopology,
  ShutdownReply,
  ShutdownRequest,
  UpdateTags,
} from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { domainFlags, logLine, removeTempDirs, runGridlink, tempDir, TestPeer, type Domain } from '../actor/helpers.js';
import { ask, newDomain, startStorage, STORAGE_MODULE, type RunningStorage } from './helpers.js';

let domain: Domain;
let peer: TestPeer;
let dir: string;
let settings: Record<string, unknown>;

beforeAll(async () => {
  domain = await newDomain('storage-restart');
  peer = await TestPeer.start(domain);
  dir = tempDir('storage-restart');
  settings = { dataDir: join(dir, 'data'), checkpointIntervalMs: 0 };
}, 30_000);

afterAll(async () => {
  await killAll();
  await peer?.close();
  removeTempDirs();
});

async function sigkill(storage: RunningStorage): Promise<void> {
  storage.process.child.kill('SIGKILL');
  expect(await storage.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
  await peer.gone('storage', 15_000);
}

/** SIGTERM, a supervisor's stop: the store is closed, the process ends with 0, the lock is released. */
async function stop(storage: RunningStorage): Promise<void> {
  storage.process.child.kill('SIGTERM');
  expect(await storage.process.exited).toEqual({ code: 0, signal: null });
  await logLine(storage.process, 'store closed');
  await peer.gone('storage', 15_000);
}

describe('storage module restarts', () => {
  it('keeps every acknowledged entry, the tags and the topology files through SIGKILL', async () => {
    let storage = await startStorage(peer, domain, settings, dir);
    await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u1', tags: ['voltage'], unit: 'V', existOk: false });
    await ask(peer, UpdateTags, { dataPoint: 'meterA.u1', tags: ['feeder3'], mode: 'Add' });
    await ask(peer, PutTopology, { file: 'feeder3.xml', content: new TextEncoder().encode('<rdf:RDF/>') });
    // Many requests in flight at once; each counts only once it is answered.
    const acknowledged: number[] = [];
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1_000 * i, value: 230 + (i % 7) / 10 }, 15_000).then(() => acknowledged.push(i))),
    );
    expect(acknowledged).toHaveLength(300);
    await sigkill(storage);

    storage = await startStorage(peer, domain, settings, dir);
    const entries = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', limit: 0 });
    expect(entries.truncated).toBe(false);
    expect(entries.entries).toEqual(Array.from({ length: 300 }, (_, i) => ({ timestampMs: 1_000 * i, value: 230 + (i % 7) / 10 })));
    const [info] = (await ask(peer, GetDataPoints, { match: 'Any' })).dataPoints ?? [];
    expect(info).toMatchObject({ name: 'meterA.u1', tags: ['feeder3', 'voltage'], unit: 'V', entryCount: 300n });
    const file = await ask(peer, GetTopology, { file: 'feeder3.xml', match: 'Any' });
    expect(new TextDecoder().decode(file.content)).toBe('<rdf:RDF/>');

    // More entries after the restart, then a clean shutdown: checkpoint, close, exit 0.
    for (let i = 300; i < 310; i++) await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: 1_000 * i, value: 1 });
    const reply = await peer.bus.request(`shutdown@${(await peer.module('storage', storage.process.pid)).id}`, ShutdownRequest, { reason: 'test', force: false }, ShutdownReply, { timeoutMs: 10_000 });
    expect(reply.accepted).toBe(true);
    expect(await storage.process.exited).toEqual({ code: 0, signal: null });
    await logLine(storage.process, 'store closed');
    await peer.gone('storage', 15_000);

    storage = await startStorage(peer, domain, settings, dir);
    const after = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: 299_000, limit: 0 });
    expect(after.entries?.map((e) => e.timestampMs)).toEqual(Array.from({ length: 11 }, (_, i) => 1_000 * (299 + i)));
    await logLine(storage.process, /store open \{dataDir=.*, ack=durable, dataPoints=1/);
    expect(storage.process.stderr.filter((line) => / ERROR /.test(line))).toEqual([]);

    // SIGTERM (a supervisor's stop) closes the store too.
    await stop(storage);
  }, 60_000);

  it('keeps every entry that was acknowledged when SIGKILL comes in the middle of a burst', async () => {
    let storage = await startStorage(peer, domain, settings, dir);
    await ask(peer, CreateDataPoint, { dataPoint: 'burst', existOk: false });
    const acknowledged = new Set<number>();
    const failed: string[] = [];
    const total = 2000;
    const calls = Array.from({ length: total }, (_, i) =>
      ask(peer, AddEntry, { dataPoint: 'burst', timestampMs: i, value: i * 0.5 }, 15_000).then(
        () => {
          acknowledged.add(i);
          // Killed from inside the acknowledgement: later requests are in flight or not yet sent.
          if (acknowledged.size === 500) storage.process.child.kill('SIGKILL');
        },
        (error: Error) => void failed.push(error.name),
      ),
    );
    await Promise.all(calls);
    expect(acknowledged.size).toBeGreaterThanOrEqual(500);
    expect(acknowledged.size + failed.length).toBe(total);
    expect(await storage.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await peer.gone('storage', 15_000);

    storage = await startStorage(peer, domain, settings, dir);
    const stored = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'burst', limit: 0 });
    const timestamps = new Set(stored.entries?.map((e) => e.timestampMs));
    const lost = [...acknowledged].filter((t) => !timestamps.has(t));
    expect(lost).toEqual([]);
    // Whatever else is there was sent, with its own value.
    for (const entry of stored.entries ?? []) expect(entry.value).toBe(entry.timestampMs * 0.5);
    expect(stored.entries!.length).toBeLessThanOrEqual(total);
    await stop(storage);
  }, 60_000);

  it('refuses a second storage module on the same data folder, and takes over the lock of a killed one', async () => {
    const first = await startStorage(peer, domain, settings, dir);
    const second = await runGridlink(['run', STORAGE_MODULE, '--config', first.configPath, ...domainFlags(domain)], { cwd: dir });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(new RegExp(`data folder .* is in use by process ${first.process.pid} \\(lock file`));
    await sigkill(first);
    // The lock file of the killed process is still there; the next start takes it over.
    expect(existsSync(`${settings.dataDir as string}.lock`)).toBe(true);
    const third = await startStorage(peer, domain, settings, dir);
    expect((await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', limit: 1 })).entries).toHaveLength(1);
    await stop(third);
    expect(existsSync(`${settings.dataDir as string}.lock`)).toBe(false);
  }, 60_000);
});
