/**
 * The storage module's remote tier, switched on by the `remote` setting: the module in its own
 * process copies the store's sealed segment files to a directory target, journals each verified
 * copy in <dataDir>/remote-journal.jsonl, releases the local files, and still answers for the
 * newest data. Bad remote settings stop the start naming the setting.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStorageSettings } from '../../actors/storage/settings.js';
import { AddEntry, CreateDataPoint, ExistsDataPoint, GetEntriesOfTimeSpan } from '../../schemas/generated/messages.js';
import { killAll } from '../support/processes.js';
import { TestSshServer } from '../support/sshd.js';
import { logLine, removeTempDirs, runGridlink, tempDir, TestPeer, until, writeConfig, type Domain } from '../actor/helpers.js';
import { ask, newDomain, startStorage, STORAGE_MODULE, type RunningStorage } from './helpers.js';

interface JournalLine {
  relativePath: string;
  target: string;
  sha256: string;
  sizeBytes: number;
}

function readJournal(path: string): JournalLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JournalLine);
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

const ENTRIES = 70;
const valueAt = (i: number): number => 230 + i / 10;

/**
 * Settings that seal files quickly: 16-entry chunks, 1 s periods, a checkpoint every 100 ms, and
 * a remote run every 200 ms that releases a verified file at once.
 */
function fastSettings(dataDir: string, target: Record<string, unknown>): Record<string, unknown> {
  return { dataDir, chunkSize: 16, segmentPeriodMs: 1000, checkpointIntervalMs: 100, remote: { target, intervalMs: 200, deleteLocalAfterMs: 0 } };
}

/**
 * Creates meterA.u1 and adds 70 entries 250 ms apart, an hour old (so every file is past
 * deleteLocalAfterMs): each 16-entry chunk spans 4 periods, so the older periods' files are
 * sealed. Returns the first timestamp.
 */
async function addEntriesAcrossPeriods(peer: TestPeer): Promise<number> {
  await ask(peer, CreateDataPoint, { dataPoint: 'meterA.u1', tags: [], existOk: false });
  const base = Math.floor((Date.now() - 3600_000) / 1000) * 1000;
  for (let i = 0; i < ENTRIES; i++) await ask(peer, AddEntry, { dataPoint: 'meterA.u1', timestampMs: base + 250 * i, value: valueAt(i) });
  return base;
}

/** Waits until at least 3 files are journaled, each copied (per `copyOf`) and gone locally; checks their SHA-256. */
async function expectCopiedAndReleased(storage: RunningStorage, dataDir: string, copyOf: (relativePath: string) => string, target: string): Promise<void> {
  const journalPath = join(dataDir, 'remote-journal.jsonl');
  const journal = await until(
    () => {
      const lines = readJournal(journalPath);
      return lines.length >= 3 && lines.every((line) => existsSync(copyOf(line.relativePath)) && !existsSync(join(dataDir, line.relativePath))) && lines;
    },
    'three sealed files copied and released',
    30_000,
    storage.process,
  );
  for (const line of journal) {
    expect(line.relativePath).toMatch(/^chunks\/\d+\/\d+\.seg$/);
    expect(line.target).toBe(target);
    const copy = copyOf(line.relativePath);
    expect(readFileSync(copy).length).toBe(line.sizeBytes);
    expect(sha256(copy)).toBe(line.sha256);
  }
  await logLine(storage.process, /remote tier run .*released=[1-9]/);
}

/** The newest entry is in the open (unsealed) file and still answered; the oldest were released. */
async function expectNewestServedOldestReleased(peer: TestPeer, base: number): Promise<void> {
  const newest = base + 250 * (ENTRIES - 1);
  const recent = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: newest, toMs: newest + 1, limit: 0 });
  expect(recent.entries).toEqual([{ timestampMs: newest, value: valueAt(ENTRIES - 1) }]);
  const oldest = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: base, toMs: base + 1, limit: 0 });
  expect(oldest.entries ?? []).toEqual([]);
}

async function stopStorage(storage: RunningStorage): Promise<void> {
  storage.process.child.kill('SIGTERM');
  expect(await storage.process.exited).toEqual({ code: 0, signal: null });
  await logLine(storage.process, 'store closed');
}

describe('remote setting checks', () => {
  it('fills in the defaults and names every problem', () => {
    const settings = parseStorageSettings({ dataDir: '/d', remote: { target: { type: 'directory', path: '/mnt/archive' } } }, '/s');
    expect(settings.remote).toEqual({ target: { type: 'directory', path: '/mnt/archive' }, deleteLocalAfterMs: 30 * 24 * 3600_000, intervalMs: 600_000 });
    expect(parseStorageSettings({}, '/s').remote).toBeUndefined();
    const sftp = parseStorageSettings(
      { remote: { target: { type: 'sftp', host: 'archive', username: 'gl', privateKeyFile: '/k/id', hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`], remoteDir: '/srv/a' } } },
      '/s',
    );
    expect(sftp.remote?.target).toMatchObject({ type: 'sftp', port: 22, remoteDir: '/srv/a' });

    const bad: [Record<string, unknown>, RegExp][] = [
      [{ remote: 'yes' }, /"remote" must be an object/],
      [{ remote: {} }, /"remote.target" is missing/],
      [{ remote: { target: { type: 'ftp' } } }, /"remote.target.type" must be one of directory, sftp, victoriametrics, influxdb, got "ftp"/],
      [{ remote: { target: { type: 'directory', path: 'relative/archive' } } }, /"remote.target.path" must be an absolute path/],
      [{ remote: { target: { type: 'directory', path: '/a', host: 'x' } } }, /"remote.target": unknown key "host" for type directory/],
      [{ remote: { target: { type: 'victoriametrics', url: 'ftp://vm' } } }, /"remote.target.url" must be http/],
      [{ remote: { target: { type: 'influxdb', url: 'http://influx:8086' } } }, /"remote.target.database" must be a non-empty string/],
      [{ remote: { target: { type: 'sftp', host: 'a', username: 'u', privateKeyFile: '/k', hostKeyFingerprints: ['SHA256:abc'], remoteDir: '/r', port: 0 } } }, /"remote.target.port".*; "remote.target.hostKeyFingerprints": "SHA256:abc"/],
      [{ remote: { target: { type: 'directory', path: '/a' }, intervalMs: 5, deleteLocalAfterMs: -1, every: 1 } }, /unknown key "every".*"remote.deleteLocalAfterMs".*"remote.intervalMs"/],
      [{ inMemory: true, remote: { target: { type: 'directory', path: '/a' } } }, /"remote" needs the store on disk: it cannot be used with "inMemory": true/],
      [{ segmentPeriodMs: 10 }, /"segmentPeriodMs" must be an integer from 1000/],
    ];
    for (const [raw, message] of bad) expect(() => parseStorageSettings(raw, '/s'), JSON.stringify(raw)).toThrowError(message);
  });
});

describe('the storage module with a remote tier', () => {
  let domain: Domain;
  let peer: TestPeer;

  beforeAll(async () => {
    domain = await newDomain('storage-remote');
    peer = await TestPeer.start(domain);
  }, 30_000);

  afterAll(async () => {
    await killAll();
    await peer?.close();
    removeTempDirs();
  });

  it('copies sealed files to a directory, journals them, releases them locally and still serves the newest entries', async () => {
    const dir = tempDir('storage-remote');
    const dataDir = join(dir, 'data');
    const archive = join(dir, 'archive');
    const storage = await startStorage(peer, domain, fastSettings(dataDir, { type: 'directory', path: archive }), dir);
    await logLine(storage.process, 'remote tier started');
    const base = await addEntriesAcrossPeriods(peer);
    await expectCopiedAndReleased(storage, dataDir, (relativePath) => join(archive, relativePath), `dir://${archive}`);
    await expectNewestServedOldestReleased(peer, base);
    expect(storage.process.stderr.filter((line) => line.includes('remote copy failed'))).toEqual([]);
    await stopStorage(storage);
  }, 60_000);

  it('copies to an SFTP server (sshd) the same way', async () => {
    const dir = tempDir('storage-remote-sftp');
    const server = await TestSshServer.start({ dir: join(dir, 'sshd') });
    try {
      const dataDir = join(dir, 'data');
      const remoteDir = join(dir, 'sftp-archive');
      const target = { type: 'sftp', host: '127.0.0.1', port: server.port, username: 'root', privateKeyFile: server.keys.clientKeyPath, hostKeyFingerprints: [server.keys.hostKeyFingerprint], remoteDir };
      const storage = await startStorage(peer, domain, fastSettings(dataDir, target), dir);
      const base = await addEntriesAcrossPeriods(peer);
      await expectCopiedAndReleased(storage, dataDir, (relativePath) => join(remoteDir, relativePath), `sftp://root@127.0.0.1:${server.port}${remoteDir}`);
      await expectNewestServedOldestReleased(peer, base);
      await stopStorage(storage);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('logs a failing target at warn with file, target, stage and reason, keeps the files and keeps serving', async () => {
    const dir = tempDir('storage-remote-refused');
    const server = await TestSshServer.start({ dir: join(dir, 'sshd') });
    try {
      const dataDir = join(dir, 'data');
      // A well-formed fingerprint of some other key: the server's key is refused.
      const target = { type: 'sftp', host: '127.0.0.1', port: server.port, username: 'root', privateKeyFile: server.keys.clientKeyPath, hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`], remoteDir: join(dir, 'never') };
      const storage = await startStorage(peer, domain, fastSettings(dataDir, target), dir);
      const base = await addEntriesAcrossPeriods(peer);
      const line = await logLine(storage.process, 'remote copy failed', 20_000);
      expect(line).toMatch(/ WARN /);
      expect(line).toMatch(/file=chunks\/\d+\/\d+\.seg/);
      expect(line).toContain(`target=sftp://root@127.0.0.1:${server.port}`);
      expect(line).toMatch(/stage=\w+/);
      expect(line).toMatch(/reason=.*host key/i);
      // Nothing released: the oldest entries are still served, and the module still answers.
      const oldest = await ask(peer, GetEntriesOfTimeSpan, { dataPoint: 'meterA.u1', fromMs: base, toMs: base + 1, limit: 0 });
      expect(oldest.entries).toEqual([{ timestampMs: base, value: valueAt(0) }]);
      expect(readJournal(join(dataDir, 'remote-journal.jsonl'))).toEqual([]);
      expect((await ask(peer, ExistsDataPoint, { dataPoint: 'meterA.u1' })).exists).toBe(true);
      await stopStorage(storage);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('does not start with a bad remote setting, and names it', async () => {
    const dir = tempDir('storage-remote-bad');
    const config = writeConfig(dir, { stateDir: join(dir, 'state'), settings: { remote: { target: { type: 'directory' }, intervalMs: 'often' } } });
    const run = await runGridlink(['run', STORAGE_MODULE, '--config', config, '--port', '1', '--cluster', 'storage-remote-bad'], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/"remote.intervalMs" must be an integer of at least 100 \(milliseconds\), got "often"; "remote.target.path" must be a non-empty string/);
  });

  it('does not start when the SFTP private key file is missing, and releases the data folder', async () => {
    const dir = tempDir('storage-remote-key');
    const keyFile = join(dir, 'no-such-key');
    const settings = {
      dataDir: join(dir, 'data'),
      remote: { target: { type: 'sftp', host: '127.0.0.1', username: 'gl', privateKeyFile: keyFile, hostKeyFingerprints: [`SHA256:${'A'.repeat(43)}`], remoteDir: '/srv/archive' } },
    };
    const config = writeConfig(dir, { stateDir: join(dir, 'state'), settings });
    const run = await runGridlink(['run', STORAGE_MODULE, '--config', config, '--port', '1', '--cluster', 'storage-remote-key'], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`"remote.target.privateKeyFile" cannot be read: ENOENT`);
    expect(existsSync(join(dir, 'data.lock'))).toBe(false);
  });
});
