// Storacle's remote tier against a folder target: real files in temporary folders, a real
// journal, and a source whose releaseLocal really deletes files.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DirectoryTarget } from '../../core/storacle/remote/directory-target.js';
import { fingerprintFile } from '../../core/storacle/remote/hash.js';
import { RemoteJournal } from '../../core/storacle/remote/journal.js';
import { RemoteTier } from '../../core/storacle/remote/remote-tier.js';
import type { SealedFile } from '../../core/storacle/store/api.js';
import { FolderSource, exists } from '../support/folder-source.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 28);


describe('RemoteTier with a DirectoryTarget', () => {
  let root: string;
  let source: FolderSource;
  let remoteDir: string;
  let journalPath: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'storacle-remote-dir-'));
    source = new FolderSource(join(root, 'local'));
    remoteDir = join(root, 'remote', 'base');
    journalPath = join(root, 'local', 'remote-journal.jsonl');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('copies every file, journals it, and releases only the verified files older than the limit', async () => {
    const old = await source.add('voltage/0001.chunk', randomBytes(70_000), NOW - 10 * DAY);
    const middle = await source.add('voltage/0002.chunk', randomBytes(300_000), NOW - 2 * DAY);
    const young = await source.add('current/l1/0001.chunk', randomBytes(5_000), NOW - 3_600_000);
    const oldBytes = await readFile(old.absolutePath);
    const youngBytes = await readFile(young.absolutePath);
    let now = NOW;
    const events: string[] = [];
    const tier = new RemoteTier({ source, target: new DirectoryTarget({ baseDir: remoteDir }), journalPath, deleteLocalAfterMs: DAY, now: () => now, onEvent: (e) => events.push(e.type) });

    const first = await tier.runOnce();
    expect(first.failures).toEqual([]);
    expect(first.copied.sort()).toEqual([old.relativePath, middle.relativePath, young.relativePath].sort());
    expect(first.released.sort()).toEqual([old.relativePath, middle.relativePath].sort());
    expect(first.keptLocal).toEqual([young.relativePath]);
    expect((await readFile(join(remoteDir, old.relativePath))).equals(oldBytes)).toBe(true);
    expect((await readFile(join(remoteDir, young.relativePath))).equals(youngBytes)).toBe(true);
    expect(await exists(old.absolutePath)).toBe(false);
    expect(await exists(young.absolutePath)).toBe(true);
    expect(await exists(join(remoteDir, old.relativePath) + '.part')).toBe(false);
    const lines = (await readFile(journalPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { relativePath: string; sha256: string });
    expect(lines.map((l) => l.relativePath).sort()).toEqual(first.copied.sort());
    expect(lines.find((l) => l.relativePath === young.relativePath)!.sha256).toBe((await fingerprintFile(young.absolutePath)).sha256);
    expect(events.filter((e) => e === 'copied')).toHaveLength(3);

    // Nothing new: nothing copied again; the young file stays until it is old enough.
    const second = await tier.runOnce();
    expect(second).toEqual({ copied: [], alreadyRemote: [], released: [], keptLocal: [young.relativePath], failures: [] });
    // Before its release the copy is verified again: one lost meanwhile is uploaded again.
    await rm(join(remoteDir, young.relativePath));
    now = NOW + DAY;
    const third = await tier.runOnce();
    expect(third.failures).toEqual([]);
    expect(third.copied).toEqual([young.relativePath]);
    expect(third.released).toEqual([young.relativePath]);
    expect(await exists(young.absolutePath)).toBe(false);
    expect((await readFile(join(remoteDir, young.relativePath))).equals(youngBytes)).toBe(true);
  });

  it('detects corrupted, truncated and missing remote copies', async () => {
    const file = await source.add('p/0001.chunk', randomBytes(10_000), NOW);
    const target = new DirectoryTarget({ baseDir: remoteDir });
    const fingerprint = await fingerprintFile(file.absolutePath);
    expect(await target.verify(file, fingerprint)).toMatchObject({ ok: false, missing: true });
    expect(await target.exists(file)).toBe(false);
    await target.put(file, fingerprint);
    expect(await target.verify(file, fingerprint)).toEqual({ ok: true });

    const copy = join(remoteDir, file.relativePath);
    const bytes = await readFile(copy);
    bytes[4321] ^= 0x10;
    await writeFile(copy, bytes);
    const flipped = await target.verify(file, fingerprint);
    expect(flipped).toMatchObject({ ok: false, missing: false });
    expect(flipped.ok ? '' : flipped.reason).toContain('SHA-256');

    await writeFile(copy, bytes.subarray(0, 9_999));
    const truncated = await target.verify(file, fingerprint);
    expect(truncated.ok ? '' : truncated.reason).toContain('9999 bytes, expected 10000');

    // The tier notices the damaged copy only for files it has no journal line for; a damaged
    // copy of an unjournaled file is replaced.
    const tier = new RemoteTier({ source, target, journalPath });
    const run = await tier.runOnce();
    expect(run.copied).toEqual([file.relativePath]);
    expect((await readFile(copy)).equals(await readFile(file.absolutePath))).toBe(true);
  });

  it('overwrites a .part left by a crash and recognises a copy renamed before the crash', async () => {
    const a = await source.add('a/0001.chunk', randomBytes(20_000), NOW - 5 * DAY);
    const b = await source.add('b/0001.chunk', randomBytes(20_000), NOW - 5 * DAY);
    // A crash during a's upload left a longer, different .part; a crash after b's rename left b
    // in place without a journal line.
    await mkdir(join(remoteDir, 'a'), { recursive: true });
    await writeFile(join(remoteDir, 'a/0001.chunk.part'), randomBytes(50_000));
    await mkdir(join(remoteDir, 'b'), { recursive: true });
    await writeFile(join(remoteDir, 'b/0001.chunk'), await readFile(b.absolutePath));

    const tier = new RemoteTier({ source, target: new DirectoryTarget({ baseDir: remoteDir }), journalPath, deleteLocalAfterMs: DAY, now: () => NOW });
    const run = await tier.runOnce();
    expect(run.failures).toEqual([]);
    expect(run.copied).toEqual([a.relativePath]);
    expect(run.alreadyRemote).toEqual([b.relativePath]);
    expect(run.released.sort()).toEqual([a.relativePath, b.relativePath]);
    expect(await exists(join(remoteDir, 'a/0001.chunk.part'))).toBe(false);
    expect((await stat(join(remoteDir, 'a/0001.chunk'))).size).toBe(20_000);
    expect((await tier.verifiedCopy(b.relativePath))?.sizeBytes).toBe(20_000);
  });

  it('reports a failing target with file, target and step, deletes nothing, and succeeds on the next run', async () => {
    const file = await source.add('v/0001.chunk', randomBytes(1_000), NOW - 5 * DAY);
    // The base folder's parent is a plain file: mkdir fails.
    await mkdir(join(root, 'remote'), { recursive: true });
    await writeFile(join(root, 'remote', 'base'), 'not a folder');
    const target = new DirectoryTarget({ baseDir: remoteDir });
    const tier = new RemoteTier({ source, target, journalPath, deleteLocalAfterMs: DAY, now: () => NOW });
    const failed = await tier.runOnce();
    expect(failed.copied).toEqual([]);
    expect(failed.released).toEqual([]);
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]).toMatchObject({ relativePath: file.relativePath, target: target.name });
    expect(failed.failures[0].reason).toMatch(/ENOTDIR|EEXIST/);
    expect(await exists(file.absolutePath)).toBe(true);
    expect(await exists(journalPath)).toBe(false);

    await rm(join(root, 'remote', 'base'));
    const retried = await tier.runOnce();
    expect(retried.failures).toEqual([]);
    expect(retried.copied).toEqual([file.relativePath]);
    expect(retried.released).toEqual([file.relativePath]);
  });

  it('survives a torn last journal line and refuses paths that leave the base folder', async () => {
    const a = await source.add('a/0001.chunk', randomBytes(1_000), NOW);
    await new RemoteTier({ source, target: new DirectoryTarget({ baseDir: remoteDir }), journalPath }).runOnce();
    await appendFile(journalPath, '{"relativePath":"b/0001.chu');
    const b = await source.add('b/0001.chunk', randomBytes(1_000), NOW);
    const tier = new RemoteTier({ source, target: new DirectoryTarget({ baseDir: remoteDir }), journalPath });
    const run = await tier.runOnce();
    expect(run.failures).toEqual([]);
    expect(run.copied).toEqual([b.relativePath]);
    expect(run.keptLocal.sort()).toEqual([a.relativePath, b.relativePath]);
    const lines = (await readFile(journalPath, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.slice(0, 2).map((l) => (JSON.parse(l) as { relativePath: string }).relativePath)).toEqual([a.relativePath, b.relativePath]);

    const escape: SealedFile = { ...a, relativePath: '../outside.chunk' };
    await expect(new DirectoryTarget({ baseDir: remoteDir }).put(escape, await fingerprintFile(a.absolutePath))).rejects.toThrow(/relative path/);
  });
  it('runs periodically without overlapping runs, and stops', async () => {
    await source.add('p/0001.chunk', randomBytes(1_000), NOW - 5 * DAY);
    const events: string[] = [];
    const tier = new RemoteTier({ source, target: new DirectoryTarget({ baseDir: remoteDir }), journalPath, deleteLocalAfterMs: DAY, intervalMs: 10, now: () => NOW, onEvent: (e) => events.push(e.type) });
    // A run asked for during a run is that run.
    const first = tier.runOnce();
    expect(tier.runOnce()).toBe(first);
    expect((await first).released).toEqual(['p/0001.chunk']);

    tier.start();
    const added = await source.add('p/0002.chunk', randomBytes(1_000), NOW - 5 * DAY);
    while (source.files.has(added.relativePath)) await new Promise((resolve) => setTimeout(resolve, 10));
    await tier.stop();
    expect(events.filter((e) => e === 'released')).toHaveLength(2);
    const late = await source.add('p/0003.chunk', randomBytes(1_000), NOW - 5 * DAY);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await exists(late.absolutePath)).toBe(true);
    expect(await exists(join(remoteDir, late.relativePath))).toBe(false);
  });
  it('journal: the newest line wins, compaction keeps what is asked and survives a reload', async () => {
    const journal = new RemoteJournal(journalPath);
    const line = (relativePath: string, sha256: string, target = 'dir://x') => ({ relativePath, target, sha256, sizeBytes: 1, verifiedAtMs: NOW });
    await journal.append(line('a', '1'));
    await journal.append(line('a', '2'));
    await journal.append(line('b', '3'));
    await journal.append(line('a', '4', 'sftp://y'));
    expect(journal.get('dir://x', 'a')?.sha256).toBe('2');
    expect(journal.supersededLines).toBe(1);
    expect(await journal.compact((e) => e.relativePath !== 'b')).toBe(2);
    const reloaded = new RemoteJournal(journalPath);
    await reloaded.load();
    expect([reloaded.get('dir://x', 'a')?.sha256, reloaded.get('dir://x', 'b'), reloaded.get('sftp://y', 'a')?.sha256]).toEqual(['2', undefined, '4']);
    expect((await readFile(journalPath, 'utf8')).trim().split('\n')).toHaveLength(2);
    await appendFile(journalPath, 'not json\n');
    await expect(new RemoteJournal(journalPath).load()).rejects.toThrow(/line 3 is not a journal entry/);
  });
});
