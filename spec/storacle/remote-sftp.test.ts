// Storacle's remote tier against a real OpenSSH server (spec/support/sshd.ts) on loopback:
// uploads, verification, journal and release; a refused host key; a server killed in the middle
// of an upload and replaced on the same port; a frozen server; corrupted copies.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { fingerprintFile } from '../../core/storacle/remote/hash.js';
import { RemoteTier } from '../../core/storacle/remote/remote-tier.js';
import { SftpTarget, type SftpTargetOptions } from '../../core/storacle/remote/sftp-target.js';
import { createSshKeys, TestSshServer } from '../support/sshd.js';
import { FolderSource, exists } from '../support/folder-source.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 28);

const journalPaths = async (path: string): Promise<string[]> =>
  (await exists(path)) ? (await readFile(path, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { relativePath: string }).relativePath) : [];

describe('RemoteTier with an SftpTarget on a real sshd', () => {
  let root: string;
  let server: TestSshServer;
  const targets: SftpTarget[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'storacle-remote-sftp-'));
    server = await TestSshServer.start({ dir: join(root, 'sshd') });
  });
  afterEach(async () => {
    await Promise.all(targets.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const makeTarget = (baseDir: string, extra: Partial<SftpTargetOptions> = {}): SftpTarget => {
    const target = new SftpTarget({
      host: '127.0.0.1',
      port: server.port,
      username: 'root',
      privateKey: server.keys.clientPrivateKey,
      hostKeyFingerprints: [server.keys.hostKeyFingerprint],
      baseDir,
      connectTimeoutMs: 5_000,
      operationTimeoutMs: 3_000,
      keepaliveIntervalMs: 1_000,
      ...extra,
    });
    targets.push(target);
    return target;
  };

  it('uploads several files, verifies them, journals them and releases only those older than the limit', async () => {
    const source = new FolderSource(join(root, 't1', 'local'));
    const remoteDir = join(root, 't1', 'remote', 'deep', 'base');
    const journalPath = join(root, 't1', 'journal.jsonl');
    const files = [
      await source.add('voltage/0001.chunk', randomBytes(200_000), NOW - 9 * DAY),
      await source.add('voltage/0002.chunk', randomBytes(1), NOW - 8 * DAY),
      await source.add('current/l2/0001.chunk', randomBytes(65_537), NOW - 3_600_000),
    ];
    const originals = await Promise.all(files.map((f) => readFile(f.absolutePath)));
    const tier = new RemoteTier({ source, target: makeTarget(remoteDir), journalPath, deleteLocalAfterMs: 7 * DAY, now: () => NOW });

    const run = await tier.runOnce();
    expect(run.failures).toEqual([]);
    expect(run.copied.sort()).toEqual(files.map((f) => f.relativePath).sort());
    expect(run.released.sort()).toEqual([files[0].relativePath, files[1].relativePath]);
    expect(run.keptLocal).toEqual([files[2].relativePath]);
    for (const [i, f] of files.entries()) expect((await readFile(join(remoteDir, f.relativePath))).equals(originals[i])).toBe(true);
    expect(await exists(files[0].absolutePath)).toBe(false);
    expect(await exists(files[2].absolutePath)).toBe(true);
    expect((await journalPaths(journalPath)).sort()).toEqual(files.map((f) => f.relativePath).sort());
    expect(await exists(join(remoteDir, files[0].relativePath) + '.part')).toBe(false);

    const again = await tier.runOnce();
    expect(again).toEqual({ copied: [], alreadyRemote: [], released: [], keptLocal: [files[2].relativePath], failures: [] });
  });

  it('detects a corrupted or truncated copy on the server', async () => {
    const source = new FolderSource(join(root, 't2', 'local'));
    const remoteDir = join(root, 't2', 'remote');
    const file = await source.add('p/0001.chunk', randomBytes(100_000), NOW);
    const target = makeTarget(remoteDir);
    const fingerprint = await fingerprintFile(file.absolutePath);
    expect(await target.verify(file, fingerprint)).toMatchObject({ ok: false, missing: true });
    await target.put(file, fingerprint);
    expect(await target.verify(file, fingerprint)).toEqual({ ok: true });
    expect(await target.exists(file)).toBe(true);

    const copy = join(remoteDir, file.relativePath);
    const bytes = await readFile(copy);
    bytes[77_777] ^= 0x01;
    await writeFile(copy, bytes);
    const flipped = await target.verify(file, fingerprint);
    expect(flipped.ok).toBe(false);
    expect(flipped.ok ? '' : flipped.reason).toContain(`SHA-256`);
    await writeFile(copy, bytes.subarray(0, 50_000));
    const truncated = await target.verify(file, fingerprint);
    expect(truncated.ok ? '' : truncated.reason).toContain('50000 bytes, expected 100000');

    // put replaces the damaged copy (posix-rename over an existing file).
    await target.put(file, fingerprint);
    expect((await readFile(copy)).equals(await readFile(file.absolutePath))).toBe(true);
    await target.remove(file);
    expect(await target.exists(file)).toBe(false);
  });

  it('refuses a server whose host key is not the known one', async () => {
    const other = await createSshKeys(join(root, 'other-keys'));
    const source = new FolderSource(join(root, 't3', 'local'));
    const file = await source.add('v/0001.chunk', randomBytes(1_000), NOW - 30 * DAY);
    const journalPath = join(root, 't3', 'journal.jsonl');
    const target = makeTarget(join(root, 't3', 'remote'), { hostKeyFingerprints: [other.hostKeyFingerprint] });
    const run = await new RemoteTier({ source, target, journalPath, deleteLocalAfterMs: DAY, now: () => NOW }).runOnce();
    expect(run.copied).toEqual([]);
    expect(run.released).toEqual([]);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]).toMatchObject({ relativePath: file.relativePath, stage: 'connect', target: target.name });
    expect(run.failures[0].reason).toContain(`host key ${server.keys.hostKeyFingerprint} of 127.0.0.1:${server.port}`);
    expect(run.failures[0].reason).toContain('unknown or changed host key');
    expect(await exists(file.absolutePath)).toBe(true);
    expect(await exists(journalPath)).toBe(false);
    expect(await exists(join(root, 't3', 'remote'))).toBe(false);
    expect(() => new SftpTarget({ host: '127.0.0.1', username: 'root', hostKeyFingerprints: [], baseDir: '/tmp' })).toThrow(/host key fingerprint/);
  });

  it('a server killed in the middle of an upload: failure reported, nothing released or journaled; a new server on the same port completes it', async () => {
    const source = new FolderSource(join(root, 't4', 'local'));
    const remoteDir = join(root, 't4', 'remote');
    const journalPath = join(root, 't4', 'journal.jsonl');
    const small = await source.add('a/0001.chunk', randomBytes(10_000), NOW - 30 * DAY);
    const big = await source.add('b/0001.chunk', randomBytes(4 * 1024 * 1024), NOW - 30 * DAY);
    const bigBytes = await readFile(big.absolutePath);
    const part = join(remoteDir, big.relativePath) + '.part';
    // 4 MiB at 2 MiB/s: about two seconds of upload to catch the .part growing.
    const target = makeTarget(remoteDir, { maxBytesPerSecond: 2 * 1024 * 1024 });
    const tier = new RemoteTier({ source, target, journalPath, deleteLocalAfterMs: DAY, now: () => NOW });

    let partBytesAtKill = 0;
    let finished = false;
    const watcher = (async (): Promise<void> => {
      while (!finished) {
        const size = await stat(part).then((s) => s.size, () => 0);
        if (size > 1024 * 1024) {
          partBytesAtKill = size;
          await server.kill();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const failed = await tier.runOnce().finally(() => (finished = true));
    await watcher;
    expect(partBytesAtKill).toBeGreaterThan(1024 * 1024);
    expect(partBytesAtKill).toBeLessThan(bigBytes.length);
    expect(failed.copied).toEqual([small.relativePath]);
    expect(failed.released).toEqual([small.relativePath]);
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]).toMatchObject({ relativePath: big.relativePath, target: target.name, stage: 'upload' });
    expect((await readFile(big.absolutePath)).equals(bigBytes)).toBe(true);
    expect(await journalPaths(journalPath)).toEqual([small.relativePath]);
    expect(await exists(join(remoteDir, big.relativePath))).toBe(false);
    expect((await stat(part)).size).toBeLessThan(bigBytes.length);

    // While no server listens, the run fails fast at connect and still deletes nothing.
    const refused = await tier.runOnce();
    expect(refused.failures.map((f) => [f.relativePath, f.stage])).toEqual([[big.relativePath, 'connect']]);
    expect(await exists(big.absolutePath)).toBe(true);

    server = await TestSshServer.start({ dir: join(root, 'sshd'), port: server.port, keys: server.keys });
    const resumed = await tier.runOnce();
    expect(resumed.failures).toEqual([]);
    expect(resumed.copied).toEqual([big.relativePath]);
    expect(resumed.released).toEqual([big.relativePath]);
    expect((await readFile(join(remoteDir, big.relativePath))).equals(bigBytes)).toBe(true);
    expect(await exists(part)).toBe(false);
    expect(await exists(big.absolutePath)).toBe(false);
    expect(await journalPaths(journalPath)).toEqual([small.relativePath, big.relativePath]);
  });

  it('a frozen server (SIGSTOP) fails the upload after the operation timeout instead of hanging', async () => {
    const source = new FolderSource(join(root, 't5', 'local'));
    const remoteDir = join(root, 't5', 'remote');
    const journalPath = join(root, 't5', 'journal.jsonl');
    const file = await source.add('f/0001.chunk', randomBytes(2 * 1024 * 1024), NOW - 30 * DAY);
    const part = join(remoteDir, file.relativePath) + '.part';
    const target = makeTarget(remoteDir, { maxBytesPerSecond: 2 * 1024 * 1024, operationTimeoutMs: 1_500, keepaliveIntervalMs: 500 });
    const tier = new RemoteTier({ source, target, journalPath, deleteLocalAfterMs: DAY, now: () => NOW });
    let frozen = false;
    let finished = false;
    const watcher = (async (): Promise<void> => {
      while (!finished) {
        if ((await stat(part).then((s) => s.size, () => 0)) > 256 * 1024) {
          await server.signal('SIGSTOP');
          frozen = true;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const run = await tier.runOnce().finally(() => (finished = true));
    await watcher;
    expect(frozen).toBe(true);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0].reason).toMatch(/no answer from the server within 1500 ms|Keepalive timeout|closed/);
    expect(await exists(file.absolutePath)).toBe(true);
    expect(await exists(journalPath)).toBe(false);
    await server.signal('SIGCONT');
  });
  it('a port that accepts connections but never speaks SSH fails at connect after the deadline', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const source = new FolderSource(join(root, 't6', 'local'));
      const file = await source.add('s/0001.chunk', randomBytes(100), NOW - 30 * DAY);
      const target = makeTarget(join(root, 't6', 'remote'), { port, connectTimeoutMs: 1_000 });
      const run = await new RemoteTier({ source, target, journalPath: join(root, 't6', 'journal.jsonl'), deleteLocalAfterMs: DAY, now: () => NOW }).runOnce();
      expect(run.failures).toEqual([expect.objectContaining({ relativePath: file.relativePath, stage: 'connect' })]);
      expect(run.failures[0].reason).toMatch(/Timed out while waiting for handshake|within 1000 ms/);
      expect(await exists(file.absolutePath)).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
