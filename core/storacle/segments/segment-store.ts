/**
 * The segment files of a store: which exist, their sizes and time spans, appending frames to
 * them (fsync'ed) and reading a chunk back (positional read through a small cache of open file
 * descriptors, so a query over hundreds of chunks does not open a file per chunk).
 *
 * File numbers are small integers handed out at open and on creation; they live only in RAM
 * (a series' chunk index stores them instead of paths).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChunkMeta } from '../series/index.js';
import { encodeCompactFrameHeader } from './frame.js';
import { CHUNKS_DIR, segmentRelativePath } from './layout.js';
import { indexPathFor } from './sidecar-index.js';

/** What is known about one segment file. */
export interface SegmentFileState {
  readonly fileNo: number;
  readonly seriesId: number;
  /** Start of the file's period (entry time, ms). */
  readonly period: number;
  readonly absolutePath: string;
  readonly relativePath: string;
  size: number;
  frames: number;
  firstTs: number;
  lastTs: number;
  /**
   * The same four as of the last committed checkpoint (snapshot written). Frames appended
   * after it are undone by recovery if the process dies first, so whether a file is sealed,
   * and what the remote tier may copy, is judged on these.
   */
  committed: { size: number; frames: number; firstTs: number; lastTs: number };
  /**
   * Whether the file is known by its summary (an extent of its series): it is sealed, and its
   * sidecar index (sidecar-index.ts) is written and current if the file is large enough to get one.
   */
  folded: boolean;
  /**
   * The scan at open skipped a damaged stretch inside the file: it gets a sidecar index whatever
   * its size, so the damage is reported once rather than by the scan at every open.
   */
  damageSkipped: boolean;
}

/** A chunk to append: its metadata and codec bytes. */
export interface FrameToWrite {
  readonly meta: ChunkMeta;
  readonly bytes: Uint8Array;
}

const MAX_OPEN_READERS = 64;

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class SegmentStore {
  private readonly files = new Map<number, SegmentFileState>();
  private readonly byKey = new Map<string, number>();
  private readonly byRelativePath = new Map<string, number>();
  /** fileNo → fd, in least-recently-used order (a Map keeps insertion order). */
  private readonly readers = new Map<number, number>();
  private nextFileNo = 0;

  constructor(readonly dataDir: string) {}

  /** Creates `<dataDir>/chunks` if needed (fsync'ing dataDir so the folder survives). */
  async init(): Promise<void> {
    const dir = path.join(this.dataDir, CHUNKS_DIR);
    if (!fs.existsSync(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      await fsyncDir(this.dataDir);
    }
  }

  get(fileNo: number): SegmentFileState | undefined {
    return this.files.get(fileNo);
  }

  byPath(relativePath: string): SegmentFileState | undefined {
    const no = this.byRelativePath.get(relativePath);
    return no === undefined ? undefined : this.files.get(no);
  }

  find(seriesId: number, period: number): SegmentFileState | undefined {
    const no = this.byKey.get(`${seriesId}/${period}`);
    return no === undefined ? undefined : this.files.get(no);
  }

  all(): IterableIterator<SegmentFileState> {
    return this.files.values();
  }

  /** Total bytes of every segment file. */
  totalBytes(): number {
    let total = 0;
    for (const f of this.files.values()) total += f.size;
    return total;
  }

  /** Registers a file (existing on disk, or to be created by the first append). */
  register(seriesId: number, period: number, size = 0): SegmentFileState {
    const relativePath = segmentRelativePath(seriesId, period);
    const state: SegmentFileState = {
      fileNo: this.nextFileNo++,
      seriesId,
      period,
      absolutePath: path.join(this.dataDir, relativePath),
      relativePath,
      size,
      frames: 0,
      firstTs: Number.POSITIVE_INFINITY,
      lastTs: Number.NEGATIVE_INFINITY,
      committed: { size: 0, frames: 0, firstTs: Number.POSITIVE_INFINITY, lastTs: Number.NEGATIVE_INFINITY },
      folded: false,
      damageSkipped: false,
    };
    this.files.set(state.fileNo, state);
    this.byKey.set(`${seriesId}/${period}`, state.fileNo);
    this.byRelativePath.set(relativePath, state.fileNo);
    return state;
  }

  /** Counts a frame (found by a scan or written) in the file's span. */
  noteFrame(file: SegmentFileState, meta: ChunkMeta): void {
    file.frames++;
    if (meta.firstTs < file.firstTs) file.firstTs = meta.firstTs;
    if (meta.lastTs > file.lastTs) file.lastTs = meta.lastTs;
  }

  /**
   * Appends frames at the end of the file (creating it and its folder if needed), fdatasyncs
   * it, and returns the offsets of the chunk bytes. The folders whose entries changed (a new
   * file, a new period folder) are added to `dirtyDirectories`: the caller fsyncs each once
   * (syncDirectories) after a whole batch of appends, before relying on them.
   */
  async append(file: SegmentFileState, frames: readonly FrameToWrite[], dirtyDirectories: Set<string>): Promise<number[]> {
    const dir = path.dirname(file.absolutePath);
    if (!fs.existsSync(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      dirtyDirectories.add(path.join(this.dataDir, CHUNKS_DIR));
    }
    const created = file.size === 0 && !fs.existsSync(file.absolutePath);
    const headers = frames.map((f) => encodeCompactFrameHeader(f.meta));
    let total = 0;
    frames.forEach((f, k) => (total += headers[k].byteLength + f.bytes.byteLength));
    const buffer = new Uint8Array(total);
    const offsets: number[] = [];
    let at = 0;
    frames.forEach((f, k) => {
      const header = headers[k];
      buffer.set(header, at);
      buffer.set(f.bytes, at + header.byteLength);
      offsets.push(file.size + at + header.byteLength);
      at += header.byteLength + f.bytes.byteLength;
    });
    const handle = await fs.promises.open(file.absolutePath, created ? 'w' : 'r+');
    try {
      let written = 0;
      while (written < total) {
        const { bytesWritten } = await handle.write(buffer, written, total - written, file.size + written);
        written += bytesWritten;
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
    if (created) dirtyDirectories.add(dir);
    file.size += total;
    for (const f of frames) this.noteFrame(file, f.meta);
    return offsets;
  }

  /** fsyncs folders (new period folders' parent last, after the folders themselves). */
  async syncDirectories(dirs: ReadonlySet<string>): Promise<void> {
    const chunks = path.join(this.dataDir, CHUNKS_DIR);
    for (const dir of dirs) if (dir !== chunks) await fsyncDir(dir);
    if (dirs.has(chunks)) await fsyncDir(chunks);
  }

  /** Marks what every file holds now as committed (called once the snapshot is durable). */
  commitAll(): void {
    for (const f of this.files.values()) {
      f.committed = { size: f.size, frames: f.frames, firstTs: f.firstTs, lastTs: f.lastTs };
    }
  }

  /** Reads `length` bytes at `offset` of a file (synchronously: queries are synchronous). */
  read(fileNo: number, offset: number, length: number): Uint8Array {
    const file = this.files.get(fileNo);
    if (file === undefined) throw new Error(`segment file #${fileNo} is not known (released?)`);
    let fd = this.readers.get(fileNo);
    if (fd === undefined) {
      fd = fs.openSync(file.absolutePath, 'r');
      if (this.readers.size >= MAX_OPEN_READERS) {
        const [oldest, oldFd] = this.readers.entries().next().value as [number, number];
        this.readers.delete(oldest);
        fs.closeSync(oldFd);
      }
    } else {
      this.readers.delete(fileNo); // re-inserted below as the most recently used
    }
    this.readers.set(fileNo, fd);
    const bytes = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, bytes, got, length - got, offset + got);
      if (n === 0) throw new Error(`${file.absolutePath}: ${length} bytes at ${offset} run past the end of the file`);
      got += n;
    }
    return bytes;
  }

  /** Cuts a file back to `size` bytes (fsync'ed), or deletes it if that leaves nothing. */
  async truncate(file: SegmentFileState, size: number): Promise<void> {
    this.closeReader(file.fileNo);
    file.folded = false;
    await fs.promises.rm(indexPathFor(file.absolutePath), { force: true });
    if (size === 0) {
      await this.remove(file);
      return;
    }
    const handle = await fs.promises.open(file.absolutePath, 'r+');
    try {
      await handle.truncate(size);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    file.size = size;
  }

  /**
   * Deletes a file and forgets it (its folder entry fsync'ed), and its period folder once that
   * is empty (callers never append while removing, so no file can be created in it meanwhile).
   */
  async remove(file: SegmentFileState): Promise<void> {
    this.closeReader(file.fileNo);
    await fs.promises.rm(indexPathFor(file.absolutePath), { force: true });
    await fs.promises.rm(file.absolutePath, { force: true });
    const dir = path.dirname(file.absolutePath);
    await fsyncDir(dir).catch(() => undefined);
    // rmdir fails (ENOTEMPTY) while other data points still have files of this period.
    const removedDir = await fs.promises.rmdir(dir).then(() => true, () => false);
    if (removedDir) await fsyncDir(path.join(this.dataDir, CHUNKS_DIR)).catch(() => undefined);
    this.files.delete(file.fileNo);
    this.byKey.delete(`${file.seriesId}/${file.period}`);
    this.byRelativePath.delete(file.relativePath);
  }

  close(): void {
    for (const fd of this.readers.values()) fs.closeSync(fd);
    this.readers.clear();
  }

  private closeReader(fileNo: number): void {
    const fd = this.readers.get(fileNo);
    if (fd === undefined) return;
    this.readers.delete(fileNo);
    fs.closeSync(fd);
  }
}
