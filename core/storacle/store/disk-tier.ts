/**
 * The disk tier of a Storacle with a dataDir:
 *
 *   <dataDir>/wal/            write-ahead log (core/storacle/wal): every entry and catalogue change
 *   <dataDir>/chunks/<period>/<id>.seg   segment files of sealed chunks (core/storacle/segments)
 *   <dataDir>/snapshot.bin    catalogue + statistics + "sealed through" per data point (./snapshot.ts)
 *   <dataDir>/topology/       topology files (./topology-store.ts)
 *
 * Checkpoint (periodic, after many entries, on checkpoint() and close()), in ONE synchronous
 * turn: rotate the log (marker), seal every head (explicit checkpoints; periodic ones keep the
 * heads in the snapshot), take the new chunks, the statistics and the catalogue. Then: append the chunks to their period files and fdatasync them (fsync new
 * folders), write the snapshot atomically — the commit point — and trim the log before the
 * marker; then apply retention.
 *
 * Recovery: load the snapshot; scan the segment files (header CRCs; torn tails truncated);
 * frames newer than a data point's "sealed through" belong to a checkpoint that never
 * committed and are cut off (their entries are still in the log); then replay the log, skipping
 * entries at or before "sealed through" (already in the chunks and in the statistics snapshot,
 * taken in the same turn as the seal). So a crash between writing chunks and trimming the log
 * neither duplicates an entry nor counts it twice.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeChunk, encodeChunk } from '../codec/index.js';
import { OnlineStatistics } from '../statistics/index.js';
import type { ChunkLoader } from '../series/index.js';
import { WriteAheadLog } from '../wal/index.js';
import {
  CHUNKS_DIR,
  MAX_FRAME_HEADER_BYTES,
  SegmentStore,
  decodeFrame,
  SEGMENT_LAYOUT,
  SIDECAR_MIN_SEGMENT_BYTES,
  parsePeriodDirectory,
  parseSegmentName,
  periodDirectory,
  periodStart,
  indexSegmentBytes,
  readSidecarIndex,
  readSidecarIndexSync,
  scanSegmentFile,
  writeSidecarIndex,
} from '../segments/index.js';
import type { IndexedFrame } from '../segments/index.js';
import type { FrameToWrite, SegmentFileState } from '../segments/index.js';
import { StoreError } from './api.js';
import type { CorruptionReport, SealedFile, StoracleOptions } from './api.js';
import { writeFileAtomic } from './atomic-file.js';
import { forEachConcurrently } from './concurrency.js';
import { Catalogue } from './catalogue.js';
import type { CatalogueEntry } from './catalogue.js';
import type { DataPointState } from './data-point-state.js';
import { decodeMetaRecord, encodeMetaRecord } from './meta-record.js';
import type { MetaRecord } from './meta-record.js';
import { selectForRetention } from './retention.js';
import { SNAPSHOT_FILE, encodeSnapshot, readSnapshot } from './snapshot.js';
import type { SnapshotPoint } from './snapshot.js';

const DAY_MS = 86_400_000;
const DEFAULT_PERIOD_MS = 7 * DAY_MS;
const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;
const DEFAULT_CHECKPOINT_ENTRIES = 5_000_000;
const DEFAULT_RESIDENT_CHUNKS = 2;
/**
 * The log writes a group at the end of the turn that opened it: groups still form while a write
 * or fsync is in flight, and a writer awaiting each append is not paced by a timer (measured by
 * bench:storacle, processSafe, a month of one data point: 1.57 s with a 2 ms wait, 0.35 s with 0).
 */
const DEFAULT_GROUP_COMMIT_MAX_DELAY_MS = 0;
/** Segment files written (or scanned at open) at the same time. */
const WRITE_CONCURRENCY = 16;
const DUPLICATE: Promise<'duplicate'> = Promise.resolve('duplicate');
/** Chunk lists of extent files kept after a query needed them (a file's list is ~70 bytes per chunk). */
const CACHED_FILE_INDEXES = 256;

/** What the disk tier needs from the store it serves. */
export interface DiskTierHost {
  report(r: CorruptionReport): void;
  readonly catalogue: Catalogue;
  readonly points: Map<string, DataPointState>;
  createState(entry: CatalogueEntry, restored: OnlineStatistics | undefined, loader: ChunkLoader | undefined): DataPointState;
}

function ioError(what: string, e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  return new StoreError('IoError', `${what}: ${(e as Error).message}`);
}

export class DiskTier {
  private wal!: WriteAheadLog;
  private readonly segments: SegmentStore;
  private periodMs: number;
  private readonly residentChunks: number;
  private readonly checkpointEntries: number;
  /** Checkpoints, releases and retention run one at a time, in call order. */
  private exclusive: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private entriesSinceCheckpoint = 0;
  /** Whether anything was logged since the last checkpoint's start (true after recovery: replayed entries). */
  private changed = true;
  private checkpointScheduled = false;
  private backgroundError: unknown;
  /** The last group promise handed out by the log and its 'appended' mapping (one per group, not per entry). */
  private lastGroup: Promise<void> | undefined;
  private lastAck: Promise<'appended'> | undefined;
  private lastLogged: Promise<void> | undefined;
  private lastDuplicateGroup: Promise<void> | undefined;
  private lastDuplicateAck: Promise<'duplicate'> | undefined;
  /** Chunks found corrupt by a query, dropped from their series after it. */
  private readonly corruptChunks: Array<{ name: string; file: number; offset: number }> = [];
  /** Damage already reported by queries ("file:offset"), so a chunk inside an extent is reported once. */
  private readonly reportedDamage = new Set<string>();
  /** fileNo → chunk list of an extent file, least recently used first. */
  private readonly fileIndexes = new Map<number, IndexedFrame[]>();

  private constructor(
    private readonly dataDir: string,
    private readonly options: StoracleOptions,
    private readonly host: DiskTierHost,
  ) {
    this.segments = new SegmentStore(dataDir);
    this.periodMs = options.segmentPeriodMs ?? DEFAULT_PERIOD_MS;
    this.residentChunks = options.residentChunksPerSeries ?? DEFAULT_RESIDENT_CHUNKS;
    this.checkpointEntries = options.checkpointEntries ?? DEFAULT_CHECKPOINT_ENTRIES;
    if (!(this.periodMs > 0) || !Number.isFinite(this.periodMs)) throw new StoreError('InvalidArgument', `segmentPeriodMs must be positive, got ${this.periodMs}`);
    if (!Number.isInteger(this.residentChunks) || this.residentChunks < 0) {
      throw new StoreError('InvalidArgument', `residentChunksPerSeries must be a non-negative integer, got ${this.residentChunks}`);
    }
  }

  /** Recovers the folder's content into the host's catalogue and series, and opens the log. */
  static async open(dataDir: string, options: StoracleOptions, host: DiskTierHost): Promise<DiskTier> {
    const tier = new DiskTier(dataDir, options, host);
    try {
      await fs.mkdir(dataDir, { recursive: true });
      // A snapshot write that crashed before its rename leaves its temporary file behind.
      for (const name of await fs.readdir(dataDir)) {
        if (name.startsWith(`${SNAPSHOT_FILE}.tmp-`)) await fs.rm(path.join(dataDir, name), { force: true });
      }
      await tier.segments.init();
      const sealedThrough = await tier.loadSnapshot();
      await tier.loadSegments(sealedThrough);
      await tier.openLog(sealedThrough);
    } catch (e) {
      tier.segments.close();
      throw ioError(`opening the store in ${dataDir}`, e);
    }
    const interval = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    if (interval > 0) {
      tier.timer = setInterval(() => tier.backgroundCheckpoint(), interval);
      tier.timer.unref();
    }
    return tier;
  }

  // ---- Recovery ----

  /** Heads kept by the snapshot, put back once the segment files are indexed. */
  private readonly snapshotHeads = new Map<number, Uint8Array>();
  /** Segment layout named by the snapshot (undefined: no snapshot, or one of the first layout). */
  private snapshotLayout: number | undefined;

  /** Loads catalogue and statistics; returns "sealed through" per series id. */
  private async loadSnapshot(): Promise<Map<number, number>> {
    const sealedThrough = new Map<number, number>();
    const file = path.join(this.dataDir, SNAPSHOT_FILE);
    let snapshot;
    try {
      snapshot = await readSnapshot(file);
    } catch (e) {
      // Refusing to open is safer than going on without it: recovery would take every segment
      // frame for an uncommitted one and cut it off.
      this.host.report({ file, offset: 0, reason: `unreadable snapshot: ${(e as Error).message}` });
      throw new StoreError('Internal', `the snapshot ${file} is damaged (${(e as Error).message}); the store will not open without it`);
    }
    if (snapshot === undefined) return sealedThrough;
    this.snapshotLayout = snapshot.segmentLayout ?? 1;
    if (snapshot.segmentPeriodMs !== undefined && snapshot.segmentPeriodMs !== this.periodMs) {
      // Files of two period lengths side by side would break "one file per period"; the folder's wins.
      if (this.options.segmentPeriodMs !== undefined) {
        throw new StoreError(
          'InvalidArgument',
          `the data folder ${this.dataDir} uses segment files of ${snapshot.segmentPeriodMs} ms; it cannot be opened with segmentPeriodMs ${this.options.segmentPeriodMs}`,
        );
      }
      this.periodMs = snapshot.segmentPeriodMs;
    }
    for (const point of snapshot.points) {
      const entry = this.host.catalogue.add(point.record);
      let restored: OnlineStatistics | undefined;
      try {
        restored = OnlineStatistics.deserialize(point.statistics);
      } catch (e) {
        this.host.report({ file, offset: 0, reason: `statistics of ${entry.name} unreadable (${(e as Error).message}); restarted empty`, dataPoint: entry.name });
      }
      this.host.createState(entry, restored, this.loaderFor(entry));
      if (point.sealedThrough !== null) sealedThrough.set(entry.id, point.sealedThrough);
      if (point.head !== undefined) this.snapshotHeads.set(entry.id, point.head);
    }
    return sealedThrough;
  }

  /** Scans the segment files into the series' chunk indexes. */
  private async loadSegments(sealedThrough: ReadonlyMap<number, number>): Promise<void> {
    const chunksDir = path.join(this.dataDir, CHUNKS_DIR);
    const folders = (await fs.readdir(chunksDir, { withFileTypes: true })).filter((d) => d.isDirectory());
    if (this.snapshotLayout !== undefined && this.snapshotLayout !== SEGMENT_LAYOUT && folders.length > 0) {
      // No deployment ever held the first layout (chunks/<data point id>/<period>.seg), so it is
      // refused rather than migrated: reading it as this one would take ids for periods.
      throw new StoreError(
        'InvalidArgument',
        `the data folder ${this.dataDir} holds segment files in an older layout (chunks/<data point id>/<period>.seg) that this version does not read; open it with the version that wrote it and export it (gridlink storacle export), or start a new data folder`,
      );
    }
    // Periods of each data point's files, found in the period folders.
    const periodsOf = new Map<number, number[]>();
    for (const folder of folders) {
      const period = parsePeriodDirectory(folder.name);
      if (period === undefined) continue;
      const dir = periodDirectory(this.dataDir, period);
      const names = await fs.readdir(dir);
      // Left empty by a crash between deleting a period's last file and its folder.
      if (names.length === 0) await fs.rmdir(dir).catch(() => undefined);
      for (const name of names) {
        if (name.includes('.tmp-')) {
          await fs.rm(path.join(dir, name), { force: true });
          continue;
        }
        const id = parseSegmentName(name);
        if (id === undefined) continue;
        const periods = periodsOf.get(id);
        if (periods === undefined) periodsOf.set(id, [period]);
        else periods.push(period);
      }
    }
    await forEachConcurrently([...periodsOf], WRITE_CONCURRENCY, ([id, periods]) => this.loadSeriesFiles(id, periods.sort((a, b) => a - b), sealedThrough));
    // Data points with a "sealed through" but no folder (all released) keep their floor too.
    for (const [id, through] of sealedThrough) {
      const entry = this.host.catalogue.getById(id);
      const state = entry === undefined ? undefined : this.host.points.get(entry.name);
      state?.series.raiseSealedFloor(through);
    }
    this.segments.commitAll();
    // Sealed files that were scanned (no sidecar index) become extents now rather than at the
    // first checkpoint, so RAM holds one summary per sealed file from the start.
    await this.foldSealedFiles();
    for (const [id, head] of this.snapshotHeads) {
      const entry = this.host.catalogue.getById(id);
      const state = entry === undefined ? undefined : this.host.points.get(entry.name);
      if (state === undefined) continue;
      // The snapshot's CRC covers this; a failure here means a bug, and refusing to open beats losing the head.
      const { timestamps, values } = decodeChunk(head);
      state.series.restoreHead(timestamps, values);
    }
    this.snapshotHeads.clear();
  }

  /**
   * Indexes one data point's segment files, `periods` in time order (sidecar index or scan),
   * cutting off uncommitted frames.
   */
  private async loadSeriesFiles(seriesId: number, periods: readonly number[], sealedThrough: ReadonlyMap<number, number>): Promise<void> {
    const entry = this.host.catalogue.getById(seriesId);
    const through = sealedThrough.get(seriesId) ?? Number.NEGATIVE_INFINITY;
    const state = entry === undefined ? undefined : this.host.points.get(entry.name);
    let orphaned = state === undefined; // a data point the snapshot does not know: its chunks were never committed
    for (const period of periods) {
      const file = this.segments.register(seriesId, period);
      if (orphaned) {
        await this.segments.remove(file);
        continue;
      }
      const size = (await fs.stat(file.absolutePath)).size;
      // A sealed file's sidecar index spares reading its frames; without one, scan the file.
      let frames: IndexedFrame[] | undefined = await readSidecarIndex(file.absolutePath, size);
      file.size = size;
      const indexed = frames !== undefined;
      if (frames === undefined) {
        const scan = await scanSegmentFile(file.absolutePath);
        for (const d of scan.damage) {
          this.host.report({ file: file.absolutePath, offset: d.offset, length: d.length, reason: d.reason, dataPoint: entry?.name });
        }
        file.size = scan.size;
        file.damageSkipped = scan.damage.some((d) => d.offset + d.length < scan.size);
        frames = scan.frames;
      }
      let keepBytes = file.size;
      const last = frames[frames.length - 1];
      if (indexed && last !== undefined && last.meta.lastTs <= through && (state as DataPointState).series.chunkCount === 0) {
        // A sealed file with an index: known by its summary; its chunk list is read when a query needs it.
        let count = 0;
        let byteLength = 0;
        for (const frame of frames) {
          count += frame.meta.count;
          byteLength += frame.meta.byteLength;
          this.segments.noteFrame(file, frame.meta);
        }
        try {
          (state as DataPointState).series.attachExtent({
            file: file.fileNo, firstTs: frames[0].meta.firstTs, lastTs: last.meta.lastTs, count, byteLength, lastValue: last.meta.lastValue,
          });
          file.folded = true;
          continue;
        } catch (e) {
          this.host.report({ file: file.absolutePath, offset: 0, reason: `file out of time order (${(e as Error).message}); skipped`, dataPoint: entry?.name });
          continue;
        }
      }
      for (const frame of frames) {
        if (frame.meta.lastTs > through) {
          keepBytes = frame.frameOffset;
          orphaned = true;
          break;
        }
        try {
          (state as DataPointState).series.attachChunk(frame.meta, file.fileNo, frame.chunkOffset);
          this.segments.noteFrame(file, frame.meta);
        } catch (e) {
          this.host.report({
            file: file.absolutePath,
            offset: frame.frameOffset,
            length: frame.chunkOffset - frame.frameOffset + frame.meta.byteLength,
            reason: `frame out of time order (${(e as Error).message}); skipped`,
            dataPoint: entry?.name,
          });
        }
      }
      if (keepBytes < file.size) await this.segments.truncate(file, keepBytes);
    }
    if (state !== undefined && through > Number.NEGATIVE_INFINITY) state.series.raiseSealedFloor(through);
  }

  /** Opens the log, replaying what the snapshot does not hold. */
  private async openLog(sealedThrough: ReadonlyMap<number, number>): Promise<void> {
    const catalogue = this.host.catalogue;
    const points = this.host.points;
    const walDir = path.join(this.dataDir, 'wal');
    this.wal = await WriteAheadLog.open(
      {
        dir: walDir,
        sync: (this.options.ack ?? 'durable') === 'durable' ? 'fdatasync' : 'none',
        groupCommitMaxDelayMs: this.options.groupCommitMaxDelayMs ?? DEFAULT_GROUP_COMMIT_MAX_DELAY_MS,
        onCorruption: (r) => this.host.report(r),
      },
      {
        entry: (seriesId, timestampMs, value, arrivalMs) => {
          if (timestampMs <= (sealedThrough.get(seriesId) ?? Number.NEGATIVE_INFINITY)) return;
          const entry = catalogue.getById(seriesId);
          const state = entry === undefined ? undefined : points.get(entry.name);
          if (state === undefined) return; // its creation record was lost with a damaged log frame
          try {
            state.series.append(timestampMs, value, arrivalMs);
          } catch {
            // Cannot happen for a record the store logged (it logs only accepted entries).
          }
        },
        meta: (payload) => {
          try {
            this.applyMeta(decodeMetaRecord(payload));
          } catch (e) {
            this.host.report({ file: walDir, offset: 0, reason: `unreadable catalogue record in the log: ${(e as Error).message}` });
          }
        },
      },
    );
  }

  /** Replays a catalogue change (records carry the resulting state, so a repeat is harmless). */
  private applyMeta(m: MetaRecord): void {
    const catalogue = this.host.catalogue;
    if (m.op === 'create') {
      if (catalogue.get(m.record.name) !== undefined) return;
      const entry = catalogue.add(m.record);
      this.host.createState(entry, undefined, this.loaderFor(entry));
      return;
    }
    const entry = catalogue.get(m.op === 'tags' ? m.name : m.record.name);
    if (entry === undefined) return;
    if (m.op === 'tags') {
      catalogue.updateTags(entry, m.tags, 'replace');
    } else {
      entry.unit = m.record.unit;
      entry.description = m.record.description;
      entry.histogram = m.record.histogram;
    }
  }

  // ---- Serving the store ----

  /** Reads evicted chunks of one data point from its segment files. */
  /** Reports a damaged chunk or file found by a query, once. */
  private reportOnce(r: CorruptionReport): void {
    const key = `${r.file}:${r.offset}`;
    if (this.reportedDamage.has(key)) return;
    this.reportedDamage.add(key);
    this.host.report(r);
  }

  /** The chunk list of an extent file: from the cache, its sidecar index, or a read-only scan. */
  private fileIndex(fileNo: number, dataPoint: string): IndexedFrame[] | undefined {
    const cached = this.fileIndexes.get(fileNo);
    if (cached !== undefined) {
      this.fileIndexes.delete(fileNo);
      this.fileIndexes.set(fileNo, cached);
      return cached;
    }
    const file = this.segments.get(fileNo);
    if (file === undefined) return undefined;
    let frames = readSidecarIndexSync(file.absolutePath, file.size);
    if (frames === undefined) {
      try {
        const scan = indexSegmentBytes(new Uint8Array(readFileSync(file.absolutePath)));
        for (const d of scan.damage) this.reportOnce({ file: file.absolutePath, offset: d.offset, length: d.length, reason: d.reason, dataPoint });
        frames = scan.frames;
      } catch (e) {
        this.reportOnce({ file: file.absolutePath, offset: 0, reason: `unreadable: ${(e as Error).message}`, dataPoint });
        return undefined;
      }
    }
    if (this.fileIndexes.size >= CACHED_FILE_INDEXES) this.fileIndexes.delete(this.fileIndexes.keys().next().value as number);
    this.fileIndexes.set(fileNo, frames);
    return frames;
  }

  /**
   * Offset and length of the frame around a chunk, for damage reports: frame headers differ in
   * length, so the header is found by trying the few offsets before the chunk (error path only);
   * the chunk's own span if none checks out.
   */
  private frameSpan(fileNo: number, chunkOffset: number, byteLength: number): { offset: number; length: number } {
    try {
      const from = Math.max(0, chunkOffset - MAX_FRAME_HEADER_BYTES);
      const before = this.segments.read(fileNo, from, chunkOffset - from);
      for (let i = 0; i < before.length; i++) {
        const frame = decodeFrame(before, i);
        if (frame !== undefined && from + i + frame.headerBytes === chunkOffset && frame.meta.byteLength === byteLength) {
          return { offset: from + i, length: frame.headerBytes + byteLength };
        }
      }
    } catch {
      // Unreadable: report the chunk itself.
    }
    return { offset: chunkOffset, length: byteLength };
  }

  loaderFor(entry: CatalogueEntry): ChunkLoader {
    return {
      index: (file) => this.fileIndex(file, entry.name),
      load: (file, offset, byteLength) => {
        try {
          return this.segments.read(file, offset, byteLength);
        } catch (e) {
          const f = this.segments.get(file);
          this.reportOnce({
            file: f?.absolutePath ?? `segment file #${file}`,
            ...this.frameSpan(file, offset, byteLength),
            reason: `unreadable chunk: ${(e as Error).message}`,
            dataPoint: entry.name,
          });
          this.corruptChunks.push({ name: entry.name, file, offset });
          return undefined;
        }
      },
      corrupt: (file, offset, byteLength, error) => {
        this.reportOnce({
          file: this.segments.get(file)?.absolutePath ?? `segment file #${file}`,
          ...this.frameSpan(file, offset, byteLength),
          reason: `${error.message}; chunk skipped`,
          dataPoint: entry.name,
        });
        this.corruptChunks.push({ name: entry.name, file, offset });
      },
    };
  }

  /** Drops the chunks a query found damaged (reported once, not at every query). */
  afterQuery(state: DataPointState): void {
    if (this.corruptChunks.length === 0) return;
    for (const c of this.corruptChunks.splice(0)) {
      const s = c.name === state.entry.name ? state : this.host.points.get(c.name);
      s?.series.removeChunks((file, offset) => file === c.file && offset === c.offset);
    }
  }

  logEntry(seriesId: number, timestampMs: number, value: number, arrivalMs: number): Promise<void> {
    if (++this.entriesSinceCheckpoint >= this.checkpointEntries && this.checkpointEntries > 0 && !this.checkpointScheduled) {
      this.checkpointScheduled = true;
      setImmediate(() => this.backgroundCheckpoint());
    }
    this.changed = true;
    const logged = this.wal.appendEntry(seriesId, timestampMs, value, arrivalMs);
    this.lastLogged = logged;
    return logged;
  }

  /**
   * 'duplicate' once the entry it duplicates is acknowledged: that entry was logged at or before
   * the last logged one, whose group commit therefore covers it.
   */
  ackDuplicate(): Promise<'duplicate'> {
    const logged = this.lastLogged;
    if (logged === undefined) return DUPLICATE;
    if (logged !== this.lastDuplicateGroup || this.lastDuplicateAck === undefined) {
      this.lastDuplicateGroup = logged;
      this.lastDuplicateAck = logged.then(() => 'duplicate' as const);
    }
    return this.lastDuplicateAck;
  }

  logMeta(record: MetaRecord): void {
    // The log marks its promises handled; a failure stops the log and surfaces at the next append.
    this.changed = true;
    void this.wal.appendMeta(encodeMetaRecord(record));
  }

  /** 'appended' once the entry's group commit is acknowledged; one mapped promise per group. */
  ackAppended(logged: Promise<void>): Promise<'appended'> {
    if (logged !== this.lastGroup || this.lastAck === undefined) {
      this.lastGroup = logged;
      this.lastAck = logged.then(() => 'appended' as const);
    }
    return this.lastAck;
  }

  /** Per series, the newest period whose file holds committed frames. */
  private newestPeriods(): Map<number, number> {
    const newest = new Map<number, number>();
    for (const f of this.segments.all()) {
      if (f.committed.frames > 0 && f.period > (newest.get(f.seriesId) ?? Number.NEGATIVE_INFINITY)) newest.set(f.seriesId, f.period);
    }
    return newest;
  }

  /**
   * A file is sealed when no chunk can be appended to it any more: chunks go to the file of
   * the period of their first entry, in time order, so that is the case once a committed chunk
   * of the file ends past the period, or once a later period's file holds a committed chunk.
   */
  private isSealed(file: SegmentFileState, newestPeriods: ReadonlyMap<number, number>): boolean {
    const c = file.committed;
    if (c.frames === 0) return false;
    return c.lastTs >= file.period + this.periodMs || (newestPeriods.get(file.seriesId) ?? file.period) > file.period;
  }

  sealedFiles(): SealedFile[] {
    const out: SealedFile[] = [];
    const newest = this.newestPeriods();
    for (const f of this.segments.all()) {
      if (!this.isSealed(f, newest)) continue;
      const entry = this.host.catalogue.getById(f.seriesId);
      out.push({
        relativePath: f.relativePath,
        absolutePath: f.absolutePath,
        sizeBytes: f.committed.size,
        dataPoint: entry?.name ?? String(f.seriesId),
        firstTimestampMs: f.committed.firstTs,
        lastTimestampMs: f.committed.lastTs,
      });
    }
    return out.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  }

  releaseLocal(relativePath: string): Promise<void> {
    return this.serialised(async () => {
      const file = this.segments.byPath(relativePath);
      if (file === undefined) throw new StoreError('NotFound', `no local segment file ${relativePath}`);
      if (!this.isSealed(file, this.newestPeriods())) throw new StoreError('InvalidArgument', `${relativePath} is not sealed yet`);
      await this.dropFile(file);
    });
  }

  private async dropFile(file: SegmentFileState): Promise<void> {
    const entry = this.host.catalogue.getById(file.seriesId);
    const state = entry === undefined ? undefined : this.host.points.get(entry.name);
    state?.series.removeChunks((f) => f === file.fileNo);
    this.fileIndexes.delete(file.fileNo);
    try {
      await this.segments.remove(file);
    } catch (e) {
      throw ioError(`deleting ${file.absolutePath}`, e);
    }
  }

  // ---- Checkpoints ----

  /** The explicit checkpoint (and close): seals every head, as the API promises. */
  checkpoint(): Promise<void> {
    return this.serialised(() => this.checkpointNow(true));
  }

  /**
   * The periodic checkpoint keeps heads in the snapshot instead of sealing them: sealing every
   * interval would cut chunks of a minute's entries (poor compression, many index rows).
   */
  private backgroundCheckpoint(): void {
    this.checkpointScheduled = false;
    this.serialised(() => this.checkpointNow(false)).catch((e: unknown) => {
      // Kept and thrown by the next checkpoint() or close(): a background task has no caller.
      this.backgroundError ??= e;
    });
  }

  private serialised(task: () => Promise<void>): Promise<void> {
    const run = this.exclusive.then(task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async checkpointNow(sealHeads: boolean): Promise<void> {
    if (this.backgroundError !== undefined) {
      const e = this.backgroundError;
      this.backgroundError = undefined;
      throw ioError('a background checkpoint failed', e);
    }
    // An idle store does not rewrite its snapshot nor start a new log segment every interval
    // (unless heads kept by a periodic checkpoint are to be sealed now).
    if (!this.changed && !(sealHeads && this.anyHead())) return;
    this.changed = false;
    // One synchronous turn: log marker, seal, new chunks, statistics and catalogue.
    const marker = this.wal.rotate();
    const work: Array<{ state: DataPointState; frames: FrameToWrite[] }> = [];
    const points: SnapshotPoint[] = [];
    for (const state of this.host.points.values()) {
      const series = state.series;
      if (sealHeads) series.seal();
      const frames: FrameToWrite[] = [];
      for (const i of series.unlocatedChunks()) {
        const bytes = series.chunkBytes(i);
        if (bytes !== undefined) frames.push({ meta: series.chunkMeta(i), bytes });
      }
      if (frames.length > 0) work.push({ state, frames });
      const through = series.sealedLastTs;
      points.push({
        record: Catalogue.toRecord(state.entry),
        sealedThrough: Number.isFinite(through) ? through : null,
        statistics: series.statistics.serialize(),
      });
      if (series.headLength > 0) {
        const head = series.headColumns();
        points[points.length - 1].head = encodeChunk(head.timestamps, head.values);
      }
    }
    this.entriesSinceCheckpoint = 0;
    const walMarker = await marker.catch((e: unknown) => {
      this.changed = true;
      throw e;
    });
    try {
      // One task per (data point, period file); files differ between tasks, so they run concurrently.
      const tasks: Array<{ state: DataPointState; period: number; frames: FrameToWrite[] }> = [];
      for (const { state, frames } of work) {
        let at = 0;
        while (at < frames.length) {
          const period = periodStart(frames[at].meta.firstTs, this.periodMs);
          let end = at + 1;
          while (end < frames.length && periodStart(frames[end].meta.firstTs, this.periodMs) === period) end++;
          tasks.push({ state, period, frames: frames.slice(at, end) });
          at = end;
        }
      }
      const dirty = new Set<string>();
      await forEachConcurrently(tasks, WRITE_CONCURRENCY, async ({ state, period, frames }) => {
        const id = state.entry.id;
        const file = this.segments.find(id, period) ?? this.segments.register(id, period);
        const offsets = await this.segments.append(file, frames, dirty);
        frames.forEach((f, k) => state.series.locateChunk(f.meta.firstTs, file.fileNo, offsets[k]));
      });
      await this.segments.syncDirectories(dirty);
      for (const { state } of work) state.series.evictResident(this.residentChunks);
      await writeFileAtomic(path.join(this.dataDir, SNAPSHOT_FILE), encodeSnapshot({ walMarker, createdMs: Date.now(), segmentPeriodMs: this.periodMs, segmentLayout: SEGMENT_LAYOUT, points }));
    } catch (e) {
      this.changed = true; // the next checkpoint writes what this one could not
      throw ioError('checkpoint', e);
    }
    this.segments.commitAll();
    await this.wal.trimBefore(walMarker);
    await this.applyRetention();
    await this.foldSealedFiles();
  }

  private anyHead(): boolean {
    for (const state of this.host.points.values()) if (state.series.headLength > 0) return true;
    return false;
  }

  /**
   * Turns every sealed file not folded yet into an extent of its series, first writing its
   * sidecar index if the file is large enough for one to pay (SIDECAR_MIN_SEGMENT_BYTES; best
   * effort: a missing one costs a scan). Oldest first, since a series folds its oldest chunks.
   */
  private async foldSealedFiles(): Promise<void> {
    const newest = this.newestPeriods();
    const files = [...this.segments.all()].sort((a, b) => a.period - b.period);
    for (const file of files) {
      if (file.folded || !this.isSealed(file, newest) || file.size !== file.committed.size) continue;
      const entry = this.host.catalogue.getById(file.seriesId);
      const state = entry === undefined ? undefined : this.host.points.get(entry.name);
      if (state === undefined) continue;
      const frames = state.series.chunksInFile(file.fileNo);
      // Chunks dropped as corrupt are not in the series any more: leave such a file to the scan.
      if (frames.length !== file.frames) continue;
      if (file.size >= SIDECAR_MIN_SEGMENT_BYTES || file.damageSkipped) {
        try {
          await writeSidecarIndex(file.absolutePath, file.size, frames);
        } catch {
          // Disk full or the like: the next open scans this file instead.
        }
      }
      file.folded = true;
      // From now on the file costs one extent in RAM instead of its chunks' index entries.
      state.series.foldFile(file.fileNo);
    }
  }

  private async applyRetention(): Promise<void> {
    const retention = this.options.retention;
    if (retention === undefined || (retention.maxAgeMs === undefined && retention.maxBytes === undefined)) return;
    const newest = new Map<number, number>();
    for (const state of this.host.points.values()) {
      const last = state.series.lastTimestamp;
      if (last !== undefined) newest.set(state.entry.id, last);
    }
    const newestPeriods = this.newestPeriods();
    const candidates = [...this.segments.all()].map((f) => ({
      fileNo: f.fileNo,
      seriesId: f.seriesId,
      sizeBytes: f.size,
      lastTimestampMs: f.committed.lastTs,
      sealed: this.isSealed(f, newestPeriods),
    }));
    for (const fileNo of selectForRetention(candidates, newest, this.segments.totalBytes(), retention)) {
      const file = this.segments.get(fileNo);
      if (file !== undefined) await this.dropFile(file);
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    try {
      await this.checkpoint();
    } finally {
      await this.wal.close();
      this.segments.close();
    }
  }
}
