// A RemoteTarget on an SFTP server (OpenSSH's internal-sftp or sftp-server): write the copy to
// `<name>.part` with pipelined requests, fsync it (fsync@openssh.com when offered), read it back
// and hash it, then rename it to its final name (posix-rename@openssh.com when offered, otherwise
// unlink + rename).

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { SealedFile } from '../store/api.js';
import { fingerprintMismatch } from './hash.js';
import { isNoSuchFile, SftpSession, type SftpConnectOptions } from './sftp-session.js';
import { checkRelativePath, describeError, RemoteTargetError, type FileFingerprint, type RemoteStage, type RemoteTarget, type RemoteVerification } from './target.js';

export interface SftpTargetOptions {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  /** A private key (OpenSSH or PEM format), or `agent`. */
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Path of an ssh-agent socket, e.g. process.env.SSH_AUTH_SOCK. */
  agent?: string;
  /**
   * The server's host key(s), as `ssh-keygen -l -E sha256 -f <host key>.pub` prints them
   * (`SHA256:...`). Required: an unknown or changed key is refused, never learnt.
   */
  hostKeyFingerprints: readonly string[];
  /** Absolute remote folder that receives the copies; created (mkdir -p) if missing. */
  baseDir: string;
  /** Handshake and SFTP channel within this time (default 10 s). */
  connectTimeoutMs?: number;
  /** Any single SFTP request unanswered this long fails the operation (default 10 s). */
  operationTimeoutMs?: number;
  /** SSH keepalive period; 3 unanswered keepalives drop the connection (default 2 s). */
  keepaliveIntervalMs?: number;
  /** Upload bandwidth limit, e.g. to leave a mobile uplink usable; default none. */
  maxBytesPerSecond?: number;
  /** SFTP read or write requests in flight per transfer (default 16). */
  requestsInFlight?: number;
}

/** Bytes per SFTP read or write request; OpenSSH accepts up to 255 KiB, 32 KiB is the classic size. */
const REQUEST_BYTES = 32 * 1024;

export class SftpTarget implements RemoteTarget {
  readonly name: string;
  private session: Promise<SftpSession> | undefined;
  /** Folders known to exist on the server, for the current session. */
  private readonly folders = new Set<string>();

  constructor(private readonly options: SftpTargetOptions) {
    if (options.hostKeyFingerprints.length === 0) throw new Error('SftpTarget needs the host key fingerprint(s) of the server (hostKeyFingerprints)');
    if (!options.baseDir.startsWith('/')) throw new Error(`SftpTarget's baseDir must be absolute: ${options.baseDir}`);
    this.name = `sftp://${options.username}@${options.host}:${options.port ?? 22}${options.baseDir}`;
  }

  async put(file: SealedFile, fingerprint: FileFingerprint): Promise<void> {
    const destination = this.remotePath(file.relativePath);
    const part = `${destination}.part`;
    const session = await this.connect(file.relativePath);
    await this.step(file.relativePath, 'prepare', () => this.makeFolders(session, posix.dirname(destination)));
    await this.step(file.relativePath, 'upload', () => this.upload(session, file.absolutePath, part));
    const copy = await this.step(file.relativePath, 'verify', () => this.readBack(session, part));
    const mismatch = fingerprintMismatch(copy, fingerprint);
    if (mismatch !== undefined) throw new RemoteTargetError(this.name, file.relativePath, 'verify', `the temporary copy ${part} ${mismatch}`);
    await this.step(file.relativePath, 'rename', () => this.rename(session, part, destination));
  }

  async verify(file: SealedFile, fingerprint: FileFingerprint): Promise<RemoteVerification> {
    const destination = this.remotePath(file.relativePath);
    const session = await this.connect(file.relativePath);
    return this.step(file.relativePath, 'verify', async () => {
      let size: number;
      try {
        size = (await session.call<{ size: number }>(`stat ${destination}`, (done) => session.sftp.stat(destination, done))).size;
      } catch (error) {
        if (isNoSuchFile(error)) return { ok: false, missing: true, reason: `${destination} does not exist` };
        throw error;
      }
      if (size !== fingerprint.sizeBytes) return { ok: false, missing: false, reason: `${destination} has ${size} bytes, expected ${fingerprint.sizeBytes}` };
      const mismatch = fingerprintMismatch(await this.readBack(session, destination), fingerprint);
      return mismatch === undefined ? { ok: true } : { ok: false, missing: false, reason: `${destination} ${mismatch}` };
    });
  }

  async exists(file: SealedFile): Promise<boolean> {
    const destination = this.remotePath(file.relativePath);
    const session = await this.connect(file.relativePath);
    return this.step(file.relativePath, 'verify', async () => {
      try {
        await session.call(`stat ${destination}`, (done) => session.sftp.stat(destination, done));
        return true;
      } catch (error) {
        if (isNoSuchFile(error)) return false;
        throw error;
      }
    });
  }

  async remove(file: SealedFile): Promise<void> {
    const destination = this.remotePath(file.relativePath);
    const session = await this.connect(file.relativePath);
    await this.step(file.relativePath, 'remove', () => session.call(`unlink ${destination}`, (done) => session.sftp.unlink(destination, done)));
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.folders.clear();
    if (session !== undefined) (await session.catch(() => undefined))?.close();
  }

  private remotePath(relativePath: string): string {
    return posix.join(this.options.baseDir, ...checkRelativePath(this.name, relativePath));
  }

  /** The current session, or a new one if there is none or it was lost. */
  private async connect(relativePath: string): Promise<SftpSession> {
    const current = this.session !== undefined ? await this.session.catch(() => undefined) : undefined;
    if (current !== undefined && !current.closed) return current;
    this.folders.clear();
    const options: SftpConnectOptions = {
      host: this.options.host,
      port: this.options.port ?? 22,
      username: this.options.username,
      privateKey: this.options.privateKey,
      passphrase: this.options.passphrase,
      agent: this.options.agent,
      hostKeyFingerprints: this.options.hostKeyFingerprints,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      operationTimeoutMs: this.options.operationTimeoutMs ?? 10_000,
      keepaliveIntervalMs: this.options.keepaliveIntervalMs ?? 2_000,
    };
    const session = SftpSession.connect(options);
    this.session = session;
    session.catch(() => {
      if (this.session === session) this.session = undefined;
    });
    return this.step(relativePath, 'connect', () => session);
  }

  private async step<T>(relativePath: string, stage: RemoteStage, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof RemoteTargetError) throw error;
      throw new RemoteTargetError(this.name, relativePath, stage, describeError(error), { cause: error });
    }
  }

  /** mkdir -p; a folder made meanwhile by someone else is fine. */
  private async makeFolders(session: SftpSession, folder: string): Promise<void> {
    if (this.folders.has(folder) || folder === '/') return;
    try {
      await session.call(`stat ${folder}`, (done) => session.sftp.stat(folder, done));
    } catch (error) {
      if (!isNoSuchFile(error)) throw error;
      await this.makeFolders(session, posix.dirname(folder));
      try {
        await session.call(`mkdir ${folder}`, (done) => session.sftp.mkdir(folder, done));
      } catch (mkdirError) {
        // SFTP v3 reports an existing folder only as a generic failure: look again.
        await session.call(`stat ${folder}`, (done) => session.sftp.stat(folder, done)).catch(() => {
          throw mkdirError;
        });
      }
    }
    this.folders.add(folder);
  }

  /** Writes the local file to `remote` (truncating it), requestsInFlight writes at a time. */
  private async upload(session: SftpSession, localPath: string, remote: string): Promise<void> {
    const sftp = session.sftp;
    const inFlight = this.options.requestsInFlight ?? 16;
    const rate = this.options.maxBytesPerSecond;
    const local = await open(localPath, 'r');
    const handle = await session.call<Buffer>(`open ${remote}`, (done) => sftp.open(remote, 'w', done));
    try {
      const writes = new Set<Promise<void>>();
      let failure: unknown;
      const started = Date.now();
      let position = 0;
      for (;;) {
        const buffer = Buffer.allocUnsafe(REQUEST_BYTES);
        const { bytesRead } = await local.read(buffer, 0, REQUEST_BYTES, position);
        if (bytesRead === 0) break;
        if (rate !== undefined) {
          const due = started + ((position + bytesRead) / rate) * 1000 - Date.now();
          if (due > 0) await sleep(due);
        }
        while (writes.size >= inFlight) await Promise.race(writes);
        if (failure !== undefined) throw failure;
        const at = position;
        const write: Promise<void> = session
          .call<void>(`write ${remote} at ${at}`, (done) => sftp.write(handle, buffer, 0, bytesRead, at, done))
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => writes.delete(write));
        writes.add(write);
        position += bytesRead;
        if (failure !== undefined) throw failure;
      }
      await Promise.all(writes);
      if (failure !== undefined) throw failure;
      await this.sync(session, handle, remote);
    } finally {
      await local.close();
      await session.call(`close ${remote}`, (done) => sftp.close(handle, done)).catch(() => undefined);
    }
  }

  /** fsync@openssh.com, when the server offers it: the copy is on the server's disk before the rename. */
  private async sync(session: SftpSession, handle: Buffer, remote: string): Promise<void> {
    try {
      await session.call(`fsync ${remote}`, (done) => session.sftp.ext_openssh_fsync(handle, (error) => done(error)));
    } catch (error) {
      if (!/does not support/.test(describeError(error))) throw error;
    }
  }

  /** Size and SHA-256 of what the server holds under `remote`, read with pipelined requests. */
  private async readBack(session: SftpSession, remote: string): Promise<FileFingerprint> {
    const sftp = session.sftp;
    const inFlight = this.options.requestsInFlight ?? 16;
    const handle = await session.call<Buffer>(`open ${remote}`, (done) => sftp.open(remote, 'r', done));
    try {
      const { size } = await session.call<{ size: number }>(`fstat ${remote}`, (done) => sftp.fstat(handle, done));
      const hash = createHash('sha256');
      const read = (at: number): Promise<Buffer> =>
        session.call<Buffer>(`read ${remote} at ${at}`, (done) =>
          sftp.read(handle, Buffer.allocUnsafe(REQUEST_BYTES), 0, REQUEST_BYTES, at, (error, bytesRead, data) => (error ? done(error) : done(undefined, data.subarray(0, bytesRead)))),
        );
      // Reads are issued ahead and hashed in order; a short read (the file changed size since
      // fstat) just continues from where it ended.
      const queue: { at: number; data: Promise<Buffer> }[] = [];
      let next = 0;
      let hashed = 0;
      const fill = (): void => {
        while (queue.length < inFlight && next < size) {
          queue.push({ at: next, data: read(next) });
          next += REQUEST_BYTES;
        }
      };
      fill();
      while (queue.length > 0) {
        const head = queue.shift()!;
        const data = await head.data;
        if (head.at !== hashed) continue; // after a short read, drop reads that are now misplaced
        hash.update(data);
        hashed += data.length;
        if (data.length < REQUEST_BYTES && hashed < size) {
          // A short read: forget the reads ahead and continue at the new position.
          await Promise.allSettled(queue.map((q) => q.data));
          queue.length = 0;
          if (data.length === 0) break;
          next = hashed;
        }
        fill();
      }
      // Bytes past the size seen by fstat (the file grew) would not be hashed: count them.
      const after = await session.call<Buffer>(`read ${remote} at ${hashed}`, (done) =>
        sftp.read(handle, Buffer.allocUnsafe(1), 0, 1, hashed, (error, bytesRead, data) => (error ? done(error) : done(undefined, data.subarray(0, bytesRead)))),
      );
      return { sha256: hash.digest('hex'), sizeBytes: hashed + after.length };
    } finally {
      await session.call(`close ${remote}`, (done) => sftp.close(handle, done)).catch(() => undefined);
    }
  }

  /** Atomic replace with posix-rename@openssh.com; plain SFTP rename refuses an existing target. */
  private async rename(session: SftpSession, from: string, to: string): Promise<void> {
    try {
      await session.call(`posix-rename ${from}`, (done) => session.sftp.ext_openssh_rename(from, to, done));
      return;
    } catch (error) {
      if (!/does not support/.test(describeError(error))) throw error;
    }
    await session.call(`unlink ${to}`, (done) => session.sftp.unlink(to, done)).catch((error: unknown) => {
      if (!isNoSuchFile(error)) throw error;
    });
    await session.call(`rename ${from}`, (done) => session.sftp.rename(from, to, done));
  }
}
