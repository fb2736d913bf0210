// The public contract of the Storacle store (core/storacle/store): what the storage module
// (actors/storage), the remote tier (core/storacle/remote) and the benchmark program against.
// The implementation is `Storacle` in ./storacle.ts; this file holds only types, so the parts
// that use the store can be written and read without its internals.

import type { DownsampledColumns, SeriesColumns, SeriesPoint } from '../series/index.js';
import type { HistogramConfig, StatisticsSnapshot } from '../statistics/index.js';

/** Why a store operation failed; the names match schemas/storage.fbs' StorageErrorCode. */
export type StoreErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'Internal'
  | 'ResourceExhausted'
  | 'Unavailable'
  | 'IoError';

/** Every failure the store reports on purpose is a StoreError with a code callers branch on. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The data point the error concerns, when there is one. */
    readonly dataPoint?: string,
  ) {
    super(message);
  }
}

/**
 * When `append` resolves:
 * - `visible`: at once (in RAM only; lost by a crash);
 * - `processSafe`: once the entry is written to the write-ahead log (survives kill -9, not
 *   power loss);
 * - `durable`: once the log is fdatasync'ed (group commit; survives power loss).
 * A RAM-only store (no dataDir) treats every mode as `visible`.
 */
export type AckMode = 'visible' | 'processSafe' | 'durable';

export type TagMatch = 'any' | 'all';
export type TagUpdateMode = 'add' | 'remove' | 'replace';

export interface RetentionOptions {
  /** Sealed data older than this (by entry timestamp, against the newest entry) is deleted locally. */
  maxAgeMs?: number;
  /** The local chunk files may use at most this many bytes; the oldest go first. */
  maxBytes?: number;
}

export interface StoracleOptions {
  /** Folder of the disk tier; absent: RAM only (nothing survives the process). */
  dataDir?: string;
  /** Default `durable`. */
  ack?: AckMode;
  /** Entries per sealed chunk (default 4096). */
  chunkSize?: number;
  /**
   * A group commit waits at most this long for more entries before it syncs. Default 0: written
   * at the end of the turn (entries arriving while a write or fsync is in flight still form the
   * next group), so an awaiting writer is not paced by the wait.
   */
  groupCommitMaxDelayMs?: number;
  /** Retention limits for the local disk tier; default none. */
  retention?: RetentionOptions;
  /** Called for every corrupted chunk or log record found (also kept in `corruptions`). */
  onCorruption?: (report: CorruptionReport) => void;
  /** A checkpoint runs this often (default 60,000 ms; 0: only on checkpoint() and close()). */
  checkpointIntervalMs?: number;
  /** ...and after this many entries were logged since the last one (default 5,000,000; 0: never). */
  checkpointEntries?: number;
  /** Entry-time span of one segment file per data point (default 7 days). */
  segmentPeriodMs?: number;
  /** Sealed chunks per data point whose bytes stay in RAM once written to disk (default 2). */
  residentChunksPerSeries?: number;
}

/** A damaged piece of a file that was skipped; everything else stays readable. */
export interface CorruptionReport {
  /** Absolute path of the damaged file. */
  file: string;
  /** Byte offset of the damaged record or chunk in that file. */
  offset: number;
  /** Bytes skipped or truncated, when known. */
  length?: number;
  /** What was wrong: "CRC mismatch", "truncated record", ... */
  reason: string;
  /** The data point the damaged piece belonged to, when known. */
  dataPoint?: string;
}

/** What `createDataPoint` accepts besides the name. */
export interface DataPointOptions {
  tags?: readonly string[];
  unit?: string;
  description?: string;
  /** Histogram of the on-line statistics (bin width, origin); default bin width 1. */
  histogram?: HistogramConfig;
}

/** Metadata of one data point (mirrors storage.fbs' DataPointInfo). */
export interface DataPointInfo {
  name: string;
  /** Sorted, without duplicates. */
  tags: string[];
  unit?: string;
  description?: string;
  createdMs: number;
  /** Entries stored in all local tiers. */
  entryCount: number;
  firstTimestampMs?: number;
  lastTimestampMs?: number;
}

/** The result of `updateTags`: the new set and what changed (all sorted). */
export interface TagChange {
  tags: string[];
  added: string[];
  removed: string[];
}

/** `range` with a limit: the oldest `limit` entries and whether more lie in the span. */
export interface RangeResult extends SeriesColumns {
  truncated: boolean;
}

/** A sealed, immutable local file the remote tier may copy and, once verified, release. */
export interface SealedFile {
  /** Path relative to the store's dataDir, with forward slashes; stable across restarts. */
  relativePath: string;
  absolutePath: string;
  sizeBytes: number;
  /** The data point whose chunks the file holds. */
  dataPoint: string;
  /** Oldest and newest entry timestamp in the file. */
  firstTimestampMs: number;
  lastTimestampMs: number;
}

/**
 * What the remote tier needs from a store: the files that will not change any more, and a way
 * to delete one locally after its remote copy was verified. `releaseLocal` removes the file's
 * chunks from the local index too; their entries then no longer count in `entryCount`.
 */
export interface SealedFileSource {
  sealedFiles(): SealedFile[];
  releaseLocal(relativePath: string): Promise<void>;
}

/** The store's operations, as `Storacle` implements them. Names are data point names. */
export interface StoracleApi extends SealedFileSource {
  readonly dataDir: string | undefined;
  /** Corruption found since open (recovery included). */
  readonly corruptions: readonly CorruptionReport[];

  /** Creates a data point; with existOk an existing one is left as it is (created: false). */
  createDataPoint(name: string, options?: DataPointOptions, existOk?: boolean): { created: boolean; info: DataPointInfo };
  exists(name: string): boolean;
  /** Throws StoreError NotFound. */
  info(name: string): DataPointInfo;
  /** Sorted by name; no tags or an empty list: every data point. */
  dataPoints(tags?: readonly string[], match?: TagMatch): DataPointInfo[];
  /** Tags of one data point, or every tag used in the store; sorted. */
  tags(name?: string): string[];
  updateTags(name: string, tags: readonly string[], mode: TagUpdateMode): TagChange;
  /** Updates unit, description or histogram configuration (not the name or tags). */
  updateMetadata(name: string, options: Omit<DataPointOptions, 'tags'>): DataPointInfo;

  /**
   * Appends one entry (policy: core/storacle/series/README.md). Throws StoreError at once
   * (NotFound, InvalidArgument for a refused entry); otherwise resolves when the entry is
   * acknowledged by the store's AckMode. Entries appended in one turn share one group commit.
   */
  append(name: string, timestampMs: number, value: number, arrivalMs?: number): Promise<'appended' | 'duplicate'>;
  /** Many entries of one data point, timestamps ascending; resolves like `append`. */
  appendMany(name: string, timestamps: Float64Array, values: Float64Array): Promise<{ appended: number; duplicates: number }>;

  mostRecent(name: string): SeriesPoint | undefined;
  /** from <= t < to; limit 0 or absent: no limit. Throws InvalidArgument for from > to or NaN. */
  range(name: string, fromMs: number, toMs: number, limit?: number): RangeResult;
  /** Without a span: the persisted on-line statistics; with one: computed over the span. */
  statistics(name: string, fromMs?: number, toMs?: number, histogram?: HistogramConfig): StatisticsSnapshot;
  /** M4 of the span to `pixels` buckets (see core/storacle/series/README.md), with the span's entry count. */
  m4(name: string, fromMs: number, toMs: number, pixels: number): DownsampledColumns;
  /**
   * Streams `data_point,timestamp_ms,value` rows (header first) of the data points (sorted by
   * name, then by time) in the span to `out`, honouring back-pressure. Resolves with the rows
   * written (header not counted).
   */
  exportCsv(names: readonly string[], fromMs: number, toMs: number, out: NodeJS.WritableStream): Promise<number>;

  /** Stores (replaces) a topology file, e.g. a CIM XML file, under a name. */
  putTopology(name: string, content: Uint8Array): Promise<void>;
  /** Throws StoreError NotFound. */
  getTopology(name: string): Uint8Array;
  /** Names of the stored topology files, sorted. */
  topologyNames(): string[];

  /**
   * Entries acknowledged but not yet in a sealed chunk (the open heads of every data point): what
   * a crash would leave to the log to replay. Counted over the data points, for a status report.
   */
  unsealedEntries(): number;

  /** Seals every head into chunks, writes them and the statistics to disk, trims the log. */
  checkpoint(): Promise<void>;
  /** Checkpoints and closes; later calls throw Unavailable. */
  close(): Promise<void>;
}
