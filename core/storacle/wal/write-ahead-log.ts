// Storacle's write-ahead log: records are encoded into the current group's buffer; a group is
// written with ONE write (and, with sync 'fdatasync', ONE fdatasync) and then every record of it
// is acknowledged through one shared promise. One group is in flight at a time; records that
// arrive meanwhile fill the next group, so the slower the disk, the larger the groups
// (group commit amortises the sync instead of adding latency per record).
// Format: ./README.md; recovery policy: ./recovery.ts.
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { StoreError, type CorruptionReport } from '../store/api.js';
import { Group } from './group.js';
import type { WalOptions, WalRecoveryStats, WalStats, WalVisitor } from './options.js';
import { recoverSegment } from './recovery.js';
import { listSegments, segmentPath, syncDirectory } from './segments.js';

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_GROUP_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_DELAY_MS = 2;

/** A queued `rotate()`: it runs after the groups sealed before it, before any later one. */
interface RotateRequest {
  resolve(marker: number): void;
  reject(error: Error): void;
}

type Operation = Group | RotateRequest;

export class WriteAheadLog {
  readonly stats: WalStats = { records: 0, groups: 0, bytes: 0, syncs: 0 };
  /** Damage found by recovery at open. */
  readonly corruptions: CorruptionReport[] = [];
  readonly recovery: WalRecoveryStats;

  private readonly dir: string;
  private readonly durable: boolean;
  private readonly segmentBytes: number;
  private readonly maxDelayMs: number;
  private readonly groupMaxBytes: number;
  /** Closed segments, ascending; the current one is `segmentSeq`. */
  private readonly olderSegments: number[];
  private handle: FileHandle;
  private segmentSeq: number;
  private segmentSize: number;

  /** The group records go into now. */
  private filling = new Group();
  /** Buffers of written groups, for reuse. */
  private readonly spare: Group[] = [];
  /** Sealed groups and rotations waiting for the file, in order. */
  private readonly queue: Operation[] = [];
  private busy = false;
  /** The filling group's delay is over (or someone flushes): write it as soon as the file is free. */
  private writeRequested = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** Promise of the last group handed to the file; what `flush` waits for when nothing is filling. */
  private lastHandedOver: Promise<void> = Promise.resolve();
  private idleWaiters: (() => void)[] = [];
  private failure: StoreError | undefined;
  private failed: Promise<never> | undefined;
  private closed = false;
  private trimming: Promise<void> = Promise.resolve();

  private constructor(options: WalOptions, olderSegments: number[], seq: number, size: number, handle: FileHandle, recovery: WalRecoveryStats, corruptions: CorruptionReport[]) {
    this.dir = options.dir;
    this.durable = options.sync === 'fdatasync';
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.maxDelayMs = options.groupCommitMaxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.groupMaxBytes = options.groupMaxBytes ?? DEFAULT_GROUP_MAX_BYTES;
    this.olderSegments = olderSegments;
    this.segmentSeq = seq;
    this.segmentSize = size;
    this.handle = handle;
    this.recovery = recovery;
    this.corruptions.push(...corruptions);
  }

  /**
   * Opens the log, replays every intact record of every segment in order through the visitor,
   * reports and truncates a torn or corrupt tail, and skips (reports) a corrupt record in the
   * middle if the framing lets it resync.
   */
  static async open(options: WalOptions, visitor: WalVisitor): Promise<WriteAheadLog> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!(segmentBytes > 0)) throw new StoreError('InvalidArgument', `WAL segmentBytes must be positive, got ${segmentBytes}`);
    const delay = options.groupCommitMaxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    if (!(delay >= 0) || !Number.isFinite(delay)) throw new StoreError('InvalidArgument', `WAL groupCommitMaxDelayMs must be >= 0, got ${delay}`);
    if (options.sync !== 'none' && options.sync !== 'fdatasync') throw new StoreError('InvalidArgument', `WAL sync must be 'none' or 'fdatasync', got ${String(options.sync)}`);
    const groupMaxBytes = options.groupMaxBytes ?? DEFAULT_GROUP_MAX_BYTES;
    if (!(groupMaxBytes > 0)) throw new StoreError('InvalidArgument', `WAL groupMaxBytes must be positive, got ${groupMaxBytes}`);
    const durable = options.sync === 'fdatasync';
    const corruptions: CorruptionReport[] = [];
    const report = (corruption: CorruptionReport): void => {
      corruptions.push(corruption);
      options.onCorruption?.(corruption);
    };
    try {
      await mkdir(options.dir, { recursive: true });
      const seqs = await listSegments(options.dir);
      const recovery: WalRecoveryStats = { segments: seqs.length, frames: 0, records: 0 };
      let lastSize = 0;
      for (const seq of seqs) {
        const result = await recoverSegment(options.dir, seq, durable, visitor, report);
        recovery.frames += result.frames;
        recovery.records += result.records;
        lastSize = result.validBytes;
      }
      // Keep appending to the last segment if it has room: reopening must not leave a new
      // small file behind every time, and its torn tail is already cut off.
      let seq = seqs.length > 0 ? seqs[seqs.length - 1] : 0;
      let handle: FileHandle;
      if (seq > 0 && lastSize < segmentBytes) {
        handle = await open(segmentPath(options.dir, seq), 'r+');
        seqs.pop();
        // The names of segments made by a process with sync 'none' may not be durable yet.
        if (durable) await syncDirectory(options.dir);
      } else {
        seq += 1;
        lastSize = 0;
        handle = await open(segmentPath(options.dir, seq), 'wx');
        if (durable) await syncDirectory(options.dir);
      }
      return new WriteAheadLog(options, seqs, seq, lastSize, handle, recovery, corruptions);
    } catch (error) {
      // File system errors become IoError; anything else (a visitor's own error) passes as it is.
      if (typeof (error as NodeJS.ErrnoException).syscall !== 'string') throw error;
      throw new StoreError('IoError', `WAL ${options.dir}: cannot open: ${(error as Error).message}`);
    }
  }

  /**
   * Queues the record in the current group and returns the group's promise: the same promise
   * object for every record of a group, resolved once the group is written (sync none) or
   * written and fdatasync'ed; rejected with StoreError('IoError') if writing fails.
   */
  appendEntry(seriesId: number, timestampMs: number, value: number, arrivalMs: number): Promise<void> {
    if (this.closed) throw this.unavailable();
    if (this.failed !== undefined) return this.failed;
    if (seriesId >>> 0 !== seriesId) throw new StoreError('InvalidArgument', `WAL seriesId must be a u32, got ${seriesId}`);
    const group = this.filling;
    group.appendEntry(seriesId, timestampMs, value, arrivalMs);
    if (group.records === 1) this.armTimer();
    else if (group.used >= this.groupMaxBytes) this.requestWrite();
    return group.promise;
  }

  appendMeta(payload: Uint8Array): Promise<void> {
    if (this.closed) throw this.unavailable();
    if (this.failed !== undefined) return this.failed;
    const group = this.filling;
    group.appendMeta(payload);
    if (group.records === 1) this.armTimer();
    else if (group.used >= this.groupMaxBytes) this.requestWrite();
    return group.promise;
  }

  /**
   * Flushes the current group, closes the current segment and opens a new one; returns a
   * marker: every record appended before the call lies in segments before the marker, and every
   * record appended after it in the marker's segment or later.
   */
  rotate(): Promise<number> {
    if (this.closed) throw this.unavailable();
    if (this.failed !== undefined) return this.failed;
    if (this.filling.records > 0) this.queue.push(this.takeFilling());
    const done = new Promise<number>((resolve, reject) => this.queue.push({ resolve, reject }));
    this.pump();
    return done;
  }

  /** Deletes the segment files wholly before the marker (their content is durable elsewhere); fsyncs the directory. */
  trimBefore(marker: number): Promise<void> {
    if (this.closed) throw this.unavailable();
    // Serialised, so two trims never race on one file; the current segment is never deleted.
    this.trimming = this.trimming.then(async () => {
      let removed = 0;
      while (this.olderSegments.length > 0 && this.olderSegments[0] < marker && this.olderSegments[0] < this.segmentSeq) {
        const seq = this.olderSegments[0];
        try {
          await rm(segmentPath(this.dir, seq), { force: true });
        } catch (error) {
          throw new StoreError('IoError', `WAL ${segmentPath(this.dir, seq)}: cannot delete: ${(error as Error).message}`);
        }
        this.olderSegments.shift();
        removed++;
      }
      if (removed === 0) return;
      try {
        await syncDirectory(this.dir);
      } catch (error) {
        throw new StoreError('IoError', `WAL ${this.dir}: cannot fsync the directory: ${(error as Error).message}`);
      }
    });
    const result = this.trimming;
    // A failed trim is reported to its caller and does not block the next one.
    this.trimming = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything appended so far is acknowledged. */
  flush(): Promise<void> {
    if (this.closed) throw this.unavailable();
    return this.flushAppended();
  }

  /** Sequence number of the segment being written (the marker `rotate` would have returned for it). */
  get currentSegment(): number {
    return this.segmentSeq;
  }

  /** Segment numbers on disk, ascending, the current one included. */
  get segments(): number[] {
    return [...this.olderSegments, this.segmentSeq];
  }

  /** Writes what is pending, waits for queued rotations and trims, and closes the file; later calls throw Unavailable. */
  async close(): Promise<void> {
    if (this.closed) return;
    const pending = this.flushAppended();
    this.closed = true;
    try {
      await pending;
    } catch {
      // The failure was reported to the appenders; closing still releases the file.
    }
    await this.whenIdle();
    await this.trimming;
    await this.handle.close().catch(() => undefined);
  }

  private flushAppended(): Promise<void> {
    if (this.failed !== undefined) return this.failed;
    if (this.filling.records > 0) {
      const promise = this.filling.promise;
      this.requestWrite();
      return promise;
    }
    return this.lastHandedOver;
  }

  private armTimer(): void {
    if (this.maxDelayMs === 0) this.timer = setImmediate(this.onDelayOver);
    else this.timer = setTimeout(this.onDelayOver, this.maxDelayMs);
  }

  private readonly onDelayOver = (): void => {
    this.timer = undefined;
    this.requestWrite();
  };

  private requestWrite(): void {
    this.writeRequested = true;
    this.pump();
  }

  /** Seals the filling group and starts a new one (from the spare buffers if any). */
  private takeFilling(): Group {
    const group = this.filling;
    this.filling = this.spare.pop() ?? new Group();
    this.writeRequested = false;
    if (this.timer !== undefined) {
      // Each clear function only for its own kind: clearImmediate on a Timeout corrupts Node's queues.
      if (this.maxDelayMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
      else clearTimeout(this.timer as NodeJS.Timeout);
      this.timer = undefined;
    }
    this.lastHandedOver = group.promise;
    return group;
  }

  /** Starts the next operation if the file is free: queued ones first, then the filling group. */
  private pump(): void {
    if (this.busy) return;
    let operation = this.failure === undefined ? this.queue.shift() : undefined;
    if (operation === undefined && this.failure === undefined && this.writeRequested && this.filling.records > 0) operation = this.takeFilling();
    if (operation === undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
      return;
    }
    this.busy = true;
    void this.perform(operation).then(() => {
      this.busy = false;
      this.pump();
    });
  }

  private async perform(operation: Operation): Promise<void> {
    if (operation instanceof Group) {
      try {
        await this.writeGroup(operation);
      } catch (error) {
        this.fail(`cannot write ${operation.used} bytes at offset ${this.segmentSize}`, error as Error, operation);
        return;
      }
      operation.resolve();
      operation.reset();
      // A buffer that grew far past the usual group (a burst behind a slow disk) is not kept.
      if (operation.bytes.length <= 2 * this.groupMaxBytes) this.spare.push(operation);
      if (this.segmentSize >= this.segmentBytes) {
        try {
          await this.switchSegment();
        } catch (error) {
          this.fail('cannot start the next segment', error as Error);
        }
      }
      return;
    }
    try {
      // An empty current segment already is a clean boundary: no need for an empty file.
      if (this.segmentSize > 0) await this.switchSegment();
      operation.resolve(this.segmentSeq);
    } catch (error) {
      this.fail('cannot start the next segment', error as Error);
      operation.reject(this.failure!);
    }
  }

  private async writeGroup(group: Group): Promise<void> {
    const length = group.seal();
    let written = 0;
    while (written < length) {
      const { bytesWritten } = await this.handle.write(group.bytes, written, length - written, this.segmentSize + written);
      if (bytesWritten <= 0) throw new Error('write() wrote nothing');
      written += bytesWritten;
    }
    if (this.durable) {
      await this.handle.datasync();
      this.stats.syncs++;
    }
    this.segmentSize += length;
    this.stats.records += group.records;
    this.stats.groups++;
    this.stats.bytes += length;
  }

  private async switchSegment(): Promise<void> {
    const next = this.segmentSeq + 1;
    const handle = await open(segmentPath(this.dir, next), 'wx');
    if (this.durable) await syncDirectory(this.dir);
    const previous = this.handle;
    this.olderSegments.push(this.segmentSeq);
    this.handle = handle;
    this.segmentSeq = next;
    this.segmentSize = 0;
    await previous.close();
  }

  /**
   * After a failed write the file's tail is unknown (and after a failed fdatasync Linux may
   * have dropped the dirty pages), so the log stops: this group, every queued and filling one,
   * and every later append is rejected. Reopening recovers up to the last intact frame.
   */
  private fail(what: string, cause: Error, group?: Group): void {
    const file = segmentPath(this.dir, this.segmentSeq);
    this.failure = new StoreError('IoError', `WAL ${file}: ${what}: ${cause.message}`);
    const failed = Promise.reject(this.failure);
    failed.catch(() => undefined);
    this.failed = failed;
    group?.reject(this.failure);
    for (const operation of this.queue.splice(0)) operation.reject(this.failure);
    if (this.filling.records > 0) this.filling.reject(this.failure);
    this.lastHandedOver = failed;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private whenIdle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private unavailable(): StoreError {
    return new StoreError('Unavailable', `WAL ${this.dir} is closed`);
  }
}
