/**
 * A SealedFileSource over plain files in a folder, for the remote tier's tests: real files on
 * disk that the tests write, standing in for a store's sealed segment files; releasing one
 * deletes it, as the store does.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SealedFile, SealedFileSource } from '../../core/storacle/store/api.js';

export class FolderSource implements SealedFileSource {
  readonly files = new Map<string, SealedFile>();
  constructor(readonly dir: string) {}

  /** Writes `bytes` at `relativePath`; the data point is the path's first segment. */
  add(relativePath: string, bytes: Buffer, lastTimestampMs: number): Promise<SealedFile> {
    return this.addFile(relativePath, bytes, { dataPoint: relativePath.split('/')[0], firstTimestampMs: lastTimestampMs - 3_600_000, lastTimestampMs });
  }

  /** Writes `bytes` at `relativePath` as the sealed file of a data point and span. */
  async addFile(relativePath: string, bytes: Uint8Array, meta: Pick<SealedFile, 'dataPoint' | 'firstTimestampMs' | 'lastTimestampMs'>): Promise<SealedFile> {
    const absolutePath = join(this.dir, relativePath);
    await mkdir(dirname(absolutePath), { recursive: true });
    await writeFile(absolutePath, bytes);
    const file = { relativePath, absolutePath, sizeBytes: bytes.byteLength, ...meta };
    this.files.set(relativePath, file);
    return file;
  }

  sealedFiles(): SealedFile[] {
    return [...this.files.values()];
  }

  async releaseLocal(relativePath: string): Promise<void> {
    await rm(this.files.get(relativePath)!.absolutePath);
    this.files.delete(relativePath);
  }
}

export const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
