// A RemoteTarget on a mounted folder (NFS, SMB, a USB disk): copy to `<name>.part`, fsync, read
// the copy back and hash it, rename it to its final name, fsync the folder.

import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { SealedFile } from '../store/api.js';
import { fingerprintFile, fingerprintMismatch } from './hash.js';
import { checkRelativePath, describeError, RemoteTargetError, type FileFingerprint, type RemoteStage, type RemoteTarget, type RemoteVerification } from './target.js';

const COPY_SIZE = 256 * 1024;

export interface DirectoryTargetOptions {
  /** The folder that receives the copies; created if missing. */
  baseDir: string;
}

async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Note: on the same machine the read-back may be served by the page cache; it proves what the
 * file system holds, which after the fsync is what the medium holds unless the medium lies.
 */
export class DirectoryTarget implements RemoteTarget {
  readonly name: string;

  constructor(private readonly options: DirectoryTargetOptions) {
    this.name = `dir://${options.baseDir}`;
  }

  private finalPath(relativePath: string): string {
    return join(this.options.baseDir, ...checkRelativePath(this.name, relativePath));
  }

  private async step<T>(relativePath: string, stage: RemoteStage, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof RemoteTargetError) throw error;
      throw new RemoteTargetError(this.name, relativePath, stage, describeError(error), { cause: error });
    }
  }

  async put(file: SealedFile, fingerprint: FileFingerprint): Promise<void> {
    const destination = this.finalPath(file.relativePath);
    const part = `${destination}.part`;
    await this.step(file.relativePath, 'prepare', () => this.makeFolders(dirname(destination)));
    await this.step(file.relativePath, 'upload', () => copyAndSync(file.absolutePath, part));
    const copy = await this.step(file.relativePath, 'verify', () => fingerprintFile(part));
    const mismatch = fingerprintMismatch(copy, fingerprint);
    if (mismatch !== undefined) throw new RemoteTargetError(this.name, file.relativePath, 'verify', `the temporary copy ${part} ${mismatch}`);
    await this.step(file.relativePath, 'rename', async () => {
      await rename(part, destination);
      await syncFolder(dirname(destination));
    });
  }

  async verify(file: SealedFile, fingerprint: FileFingerprint): Promise<RemoteVerification> {
    const destination = this.finalPath(file.relativePath);
    return this.step(file.relativePath, 'verify', async () => {
      let size: number;
      try {
        size = (await stat(destination)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true, reason: `${destination} does not exist` };
        throw error;
      }
      if (size !== fingerprint.sizeBytes) return { ok: false, missing: false, reason: `${destination} has ${size} bytes, expected ${fingerprint.sizeBytes}` };
      const mismatch = fingerprintMismatch(await fingerprintFile(destination), fingerprint);
      return mismatch === undefined ? { ok: true } : { ok: false, missing: false, reason: `${destination} ${mismatch}` };
    });
  }

  async exists(file: SealedFile): Promise<boolean> {
    const destination = this.finalPath(file.relativePath);
    return this.step(file.relativePath, 'verify', async () => {
      try {
        await stat(destination);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    });
  }

  async remove(file: SealedFile): Promise<void> {
    const destination = this.finalPath(file.relativePath);
    await this.step(file.relativePath, 'remove', async () => {
      await unlink(destination);
      await syncFolder(dirname(destination));
    });
  }

  async close(): Promise<void> {}

  /** mkdir -p, with an fsync of every folder that got a new entry. */
  private async makeFolders(folder: string): Promise<void> {
    const first = await mkdir(folder, { recursive: true });
    if (first === undefined) return;
    for (let created = folder; ; created = dirname(created)) {
      await syncFolder(dirname(created));
      if (created === first) break;
    }
  }
}

/** Copies a file (truncating an older copy) and fsyncs it before closing. */
async function copyAndSync(from: string, to: string): Promise<void> {
  const source = await open(from, 'r');
  try {
    const destination = await open(to, 'w');
    try {
      const buffer = Buffer.allocUnsafe(COPY_SIZE);
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, COPY_SIZE, null);
        if (bytesRead === 0) break;
        let written = 0;
        while (written < bytesRead) written += (await destination.write(buffer, written, bytesRead - written)).bytesWritten;
      }
      await destination.sync();
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}
