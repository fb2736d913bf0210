import type { CorruptionReport } from '../store/api.js';

export interface WalOptions {
  /** Folder of the segment files; created if missing. */
  dir: string;
  /** none: write() only (survives kill -9, not power loss); fdatasync: every group is synced before it is acknowledged. */
  sync: 'none' | 'fdatasync';
  /** Rotate to a new segment file once the current one passes this size; default 64 MiB. */
  segmentBytes?: number;
  /**
   * A group waits at most this long for more records before it is written; default 2; 0 = at the
   * end of the current turn (setImmediate). The store (core/storacle/store) passes 0 unless told otherwise.
   */
  groupCommitMaxDelayMs?: number;
  /** Called for every damaged frame found by recovery (also kept in `corruptions`). */
  onCorruption?: (report: CorruptionReport) => void;
  /** A group this large is written without waiting for its delay; default 4 MiB. */
  groupMaxBytes?: number;
}

export interface WalVisitor {
  entry(seriesId: number, timestampMs: number, value: number, arrivalMs: number): void;
  /** Opaque record of the store (data point created, tags changed...). */
  meta(payload: Uint8Array): void;
}

export interface WalStats {
  /** Records appended and acknowledged since open. */
  records: number;
  /** Groups (frames) written. */
  groups: number;
  /** Bytes written to segments. */
  bytes: number;
  /** fdatasync calls. */
  syncs: number;
}

/** What `open` found in the log. */
export interface WalRecoveryStats {
  segments: number;
  frames: number;
  records: number;
}
